// gpu-advisor probe: measures what the local NVIDIA GPU achieves (design C11).
//
//   dense GEMM TFLOP/s through cuBLASLt: BF16, FP16, TF32 (fp32 accumulate) and FP8 E4M3
//     (sm >= 89; bf16 output, with and without fast accumulation), square and transformer
//     shapes, TN layout (as nn.Linear maps onto cuBLAS);
//   device memory bandwidth (copy kernel and cudaMemcpy D2D, bytes read + bytes written);
//   host<->device bandwidth (pinned and pageable);
//   peer-to-peer copy bandwidth when more than one GPU is visible.
//
// Progress goes to stderr; the JSON result to stdout and to --out FILE.
// The probe only reads device state (NVML is opened read-only through dlopen for the
// driver version, clocks and power limit); it never changes clocks, power or modes.
//
// Build: nvcc -O2 -arch=sm_90 probe.cu -o probe -lcublasLt -lcublas
//        (or CMakeLists.txt beside this file).
// Usage: gpu-advisor-probe [--out FILE] [--device N] [--quick] [--no-gemm] [--target-ms MS]
#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>
#include <cuda_runtime.h>
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#define CK(x)                                                                              \
  do {                                                                                     \
    cudaError_t e_ = (x);                                                                  \
    if (e_ != cudaSuccess) {                                                               \
      std::fprintf(stderr, "CUDA error %s at %s:%d: %s\n", cudaGetErrorName(e_), __FILE__, \
                   __LINE__, cudaGetErrorString(e_));                                      \
      std::exit(1);                                                                        \
    }                                                                                      \
  } while (0)

static void plog(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
static void plog(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
  std::fflush(stderr);
}

// ----------------------------------------------------------------------------- JSON helpers
static std::string jstr(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      o += '\\';
      o += c;
    } else if ((unsigned char)c < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      o += b;
    } else {
      o += c;
    }
  }
  return o + "\"";
}
static std::string jnum(double v, int prec = 4) {
  if (!std::isfinite(v)) return "null";
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", prec, v);
  return b;
}

// ----------------------------------------------------------------------------- NVML (dlopen)
struct Nvml {
  void* lib = nullptr;
  void* dev = nullptr;
  typedef int (*fn_init)();
  typedef int (*fn_shutdown)();
  typedef int (*fn_drv)(char*, unsigned);
  typedef int (*fn_bybus)(const char*, void**);
  typedef int (*fn_clock)(void*, int, unsigned*);
  typedef int (*fn_uint)(void*, unsigned*);
  fn_shutdown shutdown = nullptr;
  fn_drv driver = nullptr;
  fn_clock clock = nullptr, maxclock = nullptr;
  fn_uint powerlimit = nullptr;
  bool ok = false;

  bool open(const char* pci_bus_id) {
    lib = dlopen("libnvidia-ml.so.1", RTLD_LAZY | RTLD_LOCAL);
    if (!lib) return false;
    auto init = (fn_init)dlsym(lib, "nvmlInit_v2");
    shutdown = (fn_shutdown)dlsym(lib, "nvmlShutdown");
    driver = (fn_drv)dlsym(lib, "nvmlSystemGetDriverVersion");
    auto bybus = (fn_bybus)dlsym(lib, "nvmlDeviceGetHandleByPciBusId_v2");
    clock = (fn_clock)dlsym(lib, "nvmlDeviceGetClockInfo");
    maxclock = (fn_clock)dlsym(lib, "nvmlDeviceGetMaxClockInfo");
    powerlimit = (fn_uint)dlsym(lib, "nvmlDeviceGetEnforcedPowerLimit");
    if (!init || init() != 0) return false;
    if (bybus && bybus(pci_bus_id, &dev) != 0) dev = nullptr;
    ok = true;
    return true;
  }
  std::string driver_version() {
    char b[96] = {0};
    if (ok && driver && driver(b, sizeof b) == 0) return b;
    return "";
  }
  long get_clock(int which, bool max) {  // which: 0 graphics, 1 SM, 2 memory
    unsigned v = 0;
    fn_clock f = max ? maxclock : clock;
    if (!ok || !dev || !f || f(dev, which, &v) != 0) return -1;
    return (long)v;
  }
  long power_limit_mw() {
    unsigned v = 0;
    if (!ok || !dev || !powerlimit || powerlimit(dev, &v) != 0) return -1;
    return (long)v;
  }
  ~Nvml() {
    if (ok && shutdown) shutdown();
    if (lib) dlclose(lib);
  }
};

// ----------------------------------------------------------------------------- kernels
__device__ __forceinline__ uint32_t hash32(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return (uint32_t)x;
}
__device__ __forceinline__ float urand(uint64_t i, uint64_t seed) {  // [-1, 1)
  return (float)(hash32(i * 0x9E3779B97F4A7C15ULL + seed) >> 8) * (2.0f / 16777216.0f) - 1.0f;
}
template <typename T>
__device__ __forceinline__ T from_float(float f);
template <>
__device__ __forceinline__ float from_float<float>(float f) {
  return f;
}
template <>
__device__ __forceinline__ __half from_float<__half>(float f) {
  return __float2half(f);
}
template <>
__device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float f) {
  return __float2bfloat16(f);
}
template <>
__device__ __forceinline__ __nv_fp8_e4m3 from_float<__nv_fp8_e4m3>(float f) {
  return __nv_fp8_e4m3(f);
}

template <typename T>
__global__ void fill_random(T* p, size_t n, uint64_t seed, float scale) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
       i += (size_t)gridDim.x * blockDim.x)
    p[i] = from_float<T>(urand(i, seed) * scale);
}

__global__ void copy_kernel(const int4* __restrict__ src, int4* __restrict__ dst, size_t n) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
       i += (size_t)gridDim.x * blockDim.x)
    dst[i] = src[i];
}

// ----------------------------------------------------------------------------- GEMM
enum class DT { BF16, FP16, TF32, FP8, FP8_FASTACC };
static const char* dt_name(DT d) {
  switch (d) {
    case DT::BF16:
      return "bf16";
    case DT::FP16:
      return "fp16";
    case DT::TF32:
      return "tf32";
    case DT::FP8:
      return "fp8_e4m3";
    case DT::FP8_FASTACC:
      return "fp8_e4m3_fastacc";
  }
  return "?";
}
static size_t in_bytes(DT d) {
  switch (d) {
    case DT::BF16:
    case DT::FP16:
      return 2;
    case DT::TF32:
      return 4;
    default:
      return 1;
  }
}
static size_t out_bytes(DT d) { return d == DT::TF32 ? 4 : 2; }

struct Shape {
  long m, n, k;
  const char* label;
};

struct GemmResult {
  DT dt;
  Shape s;
  bool ok = false;
  std::string why;
  double tflops_median = NAN, tflops_max = NAN, ms_median = NAN;
  int reps = 0, sets = 0;
  double check_rel_err = NAN;
};

static void fill_any(void* p, size_t n, DT d, uint64_t seed, bool is_input) {
  int threads = 256, blocks = 1024;
  if (!is_input) {  // outputs: bf16/fp16 or fp32 poison-ish values
    if (d == DT::TF32)
      fill_random<float><<<blocks, threads>>>((float*)p, n, seed, 1.0f);
    else if (d == DT::FP16)
      fill_random<__half><<<blocks, threads>>>((__half*)p, n, seed, 1.0f);
    else
      fill_random<__nv_bfloat16><<<blocks, threads>>>((__nv_bfloat16*)p, n, seed, 1.0f);
  } else {
    switch (d) {
      case DT::BF16:
        fill_random<__nv_bfloat16><<<blocks, threads>>>((__nv_bfloat16*)p, n, seed, 1.0f);
        break;
      case DT::FP16:
        fill_random<__half><<<blocks, threads>>>((__half*)p, n, seed, 1.0f);
        break;
      case DT::TF32:
        fill_random<float><<<blocks, threads>>>((float*)p, n, seed, 1.0f);
        break;
      default:
        fill_random<__nv_fp8_e4m3><<<blocks, threads>>>((__nv_fp8_e4m3*)p, n, seed, 1.0f);
    }
  }
  CK(cudaGetLastError());
}

static float host_val(const void* p, size_t i, DT d, bool is_input) {
  if (is_input) {
    switch (d) {
      case DT::BF16:
        return __bfloat162float(((const __nv_bfloat16*)p)[i]);
      case DT::FP16:
        return __half2float(((const __half*)p)[i]);
      case DT::TF32:
        return ((const float*)p)[i];
      default:
        return (float)(((const __nv_fp8_e4m3*)p)[i]);
    }
  }
  if (d == DT::TF32) return ((const float*)p)[i];
  if (d == DT::FP16) return __half2float(((const __half*)p)[i]);
  return __bfloat162float(((const __nv_bfloat16*)p)[i]);
}

#define LTCK(x)                                                                        \
  do {                                                                                 \
    cublasStatus_t s_ = (x);                                                           \
    if (s_ != CUBLAS_STATUS_SUCCESS) {                                                 \
      r.why = std::string(#x).substr(0, 40) + " -> status " + std::to_string((int)s_); \
      goto cleanup;                                                                    \
    }                                                                                  \
  } while (0)

static GemmResult run_gemm(cublasLtHandle_t lt, DT dt, Shape s, void* ws, size_t ws_bytes,
                           double target_ms, bool do_check) {
  GemmResult r;
  r.dt = dt;
  r.s = s;
  const long M = s.m, N = s.n, K = s.k;
  const size_t a_n = (size_t)M * K, b_n = (size_t)K * N, c_n = (size_t)M * N;
  const size_t set_bytes = a_n * in_bytes(dt) + b_n * in_bytes(dt) + c_n * out_bytes(dt);
  // rotate among several input sets so small shapes are not served from L2
  int sets = (int)std::min<size_t>(16, std::max<size_t>(1, (size_t)(256ull << 20) / set_bytes));
  size_t free_b = 0, total_b = 0;
  CK(cudaMemGetInfo(&free_b, &total_b));
  if (set_bytes * sets + (256ull << 20) > free_b) sets = 1;
  if (set_bytes + (256ull << 20) > free_b) {
    r.why = "not enough device memory";
    return r;
  }
  r.sets = sets;

  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t la = nullptr, lb = nullptr, lc = nullptr;
  cublasLtMatmulPreference_t pref = nullptr;
  std::vector<void*> A(sets, nullptr), B(sets, nullptr), Cm(sets, nullptr);
  cudaEvent_t e0 = nullptr, e1 = nullptr;
  cublasLtMatmulHeuristicResult_t heur{};
  int nres = 0;
  std::vector<float> times;
  float alpha = 1.0f, beta = 0.0f;
  cublasComputeType_t ct = dt == DT::TF32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  cudaDataType_t at, ot;
  cublasOperation_t tA = CUBLAS_OP_T, tB = CUBLAS_OP_N;
  double flops = 2.0 * (double)M * (double)N * (double)K;
  float one_ms = 0;
  int reps = 1;

  switch (dt) {
    case DT::BF16:
      at = CUDA_R_16BF;
      ot = CUDA_R_16BF;
      break;
    case DT::FP16:
      at = CUDA_R_16F;
      ot = CUDA_R_16F;
      break;
    case DT::TF32:
      at = CUDA_R_32F;
      ot = CUDA_R_32F;
      break;
    default:
      at = CUDA_R_8F_E4M3;
      ot = CUDA_R_16BF;
      break;
  }

  for (int i = 0; i < sets; i++) {
    if (cudaMalloc(&A[i], a_n * in_bytes(dt)) != cudaSuccess ||
        cudaMalloc(&B[i], b_n * in_bytes(dt)) != cudaSuccess ||
        cudaMalloc(&Cm[i], c_n * out_bytes(dt)) != cudaSuccess) {
      cudaGetLastError();
      r.why = "cudaMalloc failed";
      goto cleanup;
    }
    fill_any(A[i], a_n, dt, 1000 + i, true);
    fill_any(B[i], b_n, dt, 2000 + i, true);
    fill_any(Cm[i], c_n, dt, 3000 + i, false);
  }
  CK(cudaDeviceSynchronize());

  LTCK(cublasLtMatmulDescCreate(&op, ct, CUDA_R_32F));
  LTCK(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, &tA, sizeof tA));
  LTCK(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSB, &tB, sizeof tB));
  if (dt == DT::FP8_FASTACC) {
    int8_t fast = 1;
    LTCK(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_FAST_ACCUM, &fast, sizeof fast));
  }
  // A is stored K x M (op T), B is K x N (op N), C is M x N; all column-major.
  LTCK(cublasLtMatrixLayoutCreate(&la, at, K, M, K));
  LTCK(cublasLtMatrixLayoutCreate(&lb, at, K, N, K));
  LTCK(cublasLtMatrixLayoutCreate(&lc, ot, M, N, M));
  LTCK(cublasLtMatmulPreferenceCreate(&pref));
  LTCK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                            &ws_bytes, sizeof ws_bytes));
  LTCK(cublasLtMatmulAlgoGetHeuristic(lt, op, la, lb, lc, lc, pref, 1, &heur, &nres));
  if (nres < 1) {
    r.why = "no cuBLASLt algorithm";
    goto cleanup;
  }

  CK(cudaEventCreate(&e0));
  CK(cudaEventCreate(&e1));
  // warm-up (also validates the call)
  for (int i = 0; i < 2; i++)
    LTCK(cublasLtMatmul(lt, op, &alpha, A[i % sets], la, B[i % sets], lb, &beta, Cm[i % sets], lc,
                        Cm[i % sets], lc, &heur.algo, ws, ws_bytes, 0));
  CK(cudaDeviceSynchronize());
  CK(cudaEventRecord(e0));
  LTCK(cublasLtMatmul(lt, op, &alpha, A[0], la, B[0], lb, &beta, Cm[0], lc, Cm[0], lc, &heur.algo,
                      ws, ws_bytes, 0));
  CK(cudaEventRecord(e1));
  CK(cudaEventSynchronize(e1));
  CK(cudaEventElapsedTime(&one_ms, e0, e1));
  reps = (int)std::max(3.0, std::min(2000.0, target_ms / std::max(1e-3, (double)one_ms)));
  for (int t = 0; t < 5; t++) {
    CK(cudaEventRecord(e0));
    for (int i = 0; i < reps; i++) {
      int j = i % sets;
      LTCK(cublasLtMatmul(lt, op, &alpha, A[j], la, B[j], lb, &beta, Cm[j], lc, Cm[j], lc,
                          &heur.algo, ws, ws_bytes, 0));
    }
    CK(cudaEventRecord(e1));
    CK(cudaEventSynchronize(e1));
    float ms = 0;
    CK(cudaEventElapsedTime(&ms, e0, e1));
    times.push_back(ms / reps);
  }
  CK(cudaGetLastError());
  std::sort(times.begin(), times.end());
  r.ms_median = times[times.size() / 2];
  r.tflops_median = flops / (r.ms_median * 1e-3) / 1e12;
  r.tflops_max = flops / (times.front() * 1e-3) / 1e12;
  r.reps = reps;
  r.ok = true;

  if (do_check) {  // spot-check 64 entries of C against a double-precision host product
    std::vector<unsigned char> ha(a_n * in_bytes(dt)), hb(b_n * in_bytes(dt)),
        hc(c_n * out_bytes(dt));
    int j = (reps - 1) % sets;  // last set written
    CK(cudaMemcpy(ha.data(), A[j], ha.size(), cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(hb.data(), B[j], hb.size(), cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(hc.data(), Cm[j], hc.size(), cudaMemcpyDeviceToHost));
    double num = 0, den = 0;
    for (int t = 0; t < 64; t++) {
      long i = (long)((t * 2654435761ull) % (unsigned long long)M);
      long jj = (long)((t * 40503ull + 7) % (unsigned long long)N);
      double ref = 0;
      for (long k = 0; k < K; k++)
        ref += (double)host_val(ha.data(), (size_t)i * K + k, dt, true) *
               (double)host_val(hb.data(), (size_t)jj * K + k, dt, true);
      double got = host_val(hc.data(), (size_t)jj * M + i, dt, false);
      num += (got - ref) * (got - ref);
      den += ref * ref;
    }
    r.check_rel_err = den > 0 ? std::sqrt(num / den) : NAN;
  }

cleanup:
  if (e0) cudaEventDestroy(e0);
  if (e1) cudaEventDestroy(e1);
  if (pref) cublasLtMatmulPreferenceDestroy(pref);
  if (la) cublasLtMatrixLayoutDestroy(la);
  if (lb) cublasLtMatrixLayoutDestroy(lb);
  if (lc) cublasLtMatrixLayoutDestroy(lc);
  if (op) cublasLtMatmulDescDestroy(op);
  for (int i = 0; i < sets; i++) {
    if (A[i]) cudaFree(A[i]);
    if (B[i]) cudaFree(B[i]);
    if (Cm[i]) cudaFree(Cm[i]);
  }
  cudaGetLastError();
  return r;
}

// ----------------------------------------------------------------------------- bandwidth
struct BwResult {
  double gbs_median = NAN, gbs_max = NAN;
  size_t bytes = 0;
};

template <typename F>
static BwResult time_bw(F&& f, size_t bytes_per_call, int iters) {
  cudaEvent_t e0, e1;
  CK(cudaEventCreate(&e0));
  CK(cudaEventCreate(&e1));
  f();  // warm-up
  CK(cudaDeviceSynchronize());
  std::vector<double> g;
  for (int i = 0; i < iters; i++) {
    CK(cudaEventRecord(e0));
    f();
    CK(cudaEventRecord(e1));
    CK(cudaEventSynchronize(e1));
    float ms = 0;
    CK(cudaEventElapsedTime(&ms, e0, e1));
    g.push_back((double)bytes_per_call / (ms * 1e-3) / 1e9);
  }
  CK(cudaGetLastError());
  CK(cudaEventDestroy(e0));
  CK(cudaEventDestroy(e1));
  std::sort(g.begin(), g.end());
  BwResult r;
  r.gbs_median = g[g.size() / 2];
  r.gbs_max = g.back();
  r.bytes = bytes_per_call;
  return r;
}

static std::string bw_json(const BwResult& b) {
  return "{\"gb_per_s_median\": " + jnum(b.gbs_median, 1) +
         ", \"gb_per_s_max\": " + jnum(b.gbs_max, 1) +
         ", \"bytes_per_call\": " + std::to_string(b.bytes) + "}";
}

// ----------------------------------------------------------------------------- main
static const char kUsage[] =
    "usage: gpu-advisor-probe [--out FILE] [--device N] [--quick] [--no-gemm] [--target-ms MS]\n"
    "Measures the local NVIDIA GPU (design C11): dense BF16/FP16/TF32/FP8 GEMM rates through\n"
    "cuBLASLt, device memory, host<->device and peer-to-peer bandwidth. Progress goes to\n"
    "stderr, the JSON result to stdout and FILE. Device state is only read, never changed.\n"
    "  --out FILE     also write the JSON result to FILE (for --calibration FILE)\n"
    "  --device N     CUDA device index (default 0)\n"
    "  --quick        fewer shapes and repetitions\n"
    "  --no-gemm      bandwidths only\n"
    "  --target-ms MS time per measurement (default 40)\n"
    "Exit codes: 0 measured; 1 no CUDA device or a CUDA error; 2 bad arguments.\n";

// A whole number / a positive number, or false (the caller reports the argument).
static bool parse_int(const char* s, int* out) {
  char* end = nullptr;
  const long v = std::strtol(s, &end, 10);
  if (end == s || *end != '\0' || v < 0 || v > 1024) return false;
  *out = static_cast<int>(v);
  return true;
}
static bool parse_ms(const char* s, double* out) {
  char* end = nullptr;
  const double v = std::strtod(s, &end);
  if (end == s || *end != '\0' || !(v > 0 && v <= 60000)) return false;
  *out = v;
  return true;
}

int main(int argc, char** argv) {
  std::string out_path;
  int dev = 0;
  bool quick = false, no_gemm = false;
  double target_ms = 40.0;
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    const bool takes_value = a == "--out" || a == "--device" || a == "--target-ms";
    if (takes_value && i + 1 >= argc) {
      std::fprintf(stderr, "gpu-advisor-probe: %s needs a value\n%s", a.c_str(), kUsage);
      return 2;
    }
    if (a == "--out") {
      out_path = argv[++i];
    } else if (a == "--device") {
      if (!parse_int(argv[++i], &dev)) {
        std::fprintf(stderr, "gpu-advisor-probe: --device '%s': expected a device index\n",
                     argv[i]);
        return 2;
      }
    } else if (a == "--quick") {
      quick = true;
    } else if (a == "--no-gemm") {
      no_gemm = true;
    } else if (a == "--target-ms") {
      if (!parse_ms(argv[++i], &target_ms)) {
        std::fprintf(stderr, "gpu-advisor-probe: --target-ms '%s': expected milliseconds > 0\n",
                     argv[i]);
        return 2;
      }
    } else if (a == "-h" || a == "--help") {
      std::printf("%s", kUsage);
      return 0;
    } else {
      std::fprintf(stderr, "gpu-advisor-probe: unknown argument '%s'\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  auto t_start = std::chrono::steady_clock::now();
  int ndev = 0;
  const cudaError_t count_err = cudaGetDeviceCount(&ndev);
  if (count_err != cudaSuccess || ndev == 0) {
    // No driver, no device, or all hidden (CUDA_VISIBLE_DEVICES): nothing to measure.
    // cudaErrorInsufficientDriver is also what a machine without any NVIDIA driver says.
    std::fprintf(stderr, "gpu-advisor-probe: no CUDA device (%s%s); nothing measured\n",
                 count_err != cudaSuccess ? cudaGetErrorString(count_err) : "none visible",
                 count_err == cudaErrorInsufficientDriver
                     ? ": no NVIDIA driver loaded, or one older than this CUDA runtime"
                     : "");
    std::printf("{\"error\": \"no CUDA device\"}\n");
    if (!out_path.empty()) std::ofstream(out_path) << "{\"error\": \"no CUDA device\"}\n";
    return 1;
  }
  if (dev < 0 || dev >= ndev) {
    std::fprintf(stderr, "--device %d out of range (%d devices)\n", dev, ndev);
    return 2;
  }
  CK(cudaSetDevice(dev));
  cudaDeviceProp p;
  CK(cudaGetDeviceProperties(&p, dev));
  int rt_ver = 0, drv_ver = 0;
  cudaRuntimeGetVersion(&rt_ver);
  cudaDriverGetVersion(&drv_ver);
  int clk_khz = 0, memclk_khz = 0, busw = 0;
  cudaDeviceGetAttribute(&clk_khz, cudaDevAttrClockRate, dev);
  cudaDeviceGetAttribute(&memclk_khz, cudaDevAttrMemoryClockRate, dev);
  cudaDeviceGetAttribute(&busw, cudaDevAttrGlobalMemoryBusWidth, dev);
  cudaGetLastError();
  char bus[32] = {0};
  cudaDeviceGetPCIBusId(bus, sizeof bus, dev);
  Nvml nvml;
  nvml.open(bus);
  const int cc = p.major * 10 + p.minor;
  plog("[probe] device %d: %s, cc %d.%d, %d SMs, %.1f GiB, driver %s, CUDA runtime %d\n", dev,
       p.name, p.major, p.minor, p.multiProcessorCount, p.totalGlobalMem / 1073741824.0,
       nvml.driver_version().c_str(), rt_ver);
  long sm_clk_idle = nvml.get_clock(1, false), mem_clk_idle = nvml.get_clock(2, false);

  std::ostringstream js;
  js << "{\n  \"tool\": \"gpu-advisor probe\", \"version\": 1,\n";
  js << "  \"device\": {\"index\": " << dev << ", \"name\": " << jstr(p.name) << ", \"cc\": \""
     << p.major << "." << p.minor << "\", \"sm_count\": " << p.multiProcessorCount
     << ", \"memory_bytes\": " << p.totalGlobalMem << ", \"l2_bytes\": " << p.l2CacheSize
     << ", \"pci_bus_id\": " << jstr(bus) << ", \"memory_bus_width_bits\": " << busw
     << ", \"sm_clock_max_khz_cuda\": " << clk_khz << ", \"mem_clock_max_khz_cuda\": " << memclk_khz
     << ", \"device_count\": " << ndev << "},\n";
  js << "  \"software\": {\"driver\": " << jstr(nvml.driver_version())
     << ", \"cuda_driver_api\": " << drv_ver << ", \"cuda_runtime\": " << rt_ver
     << ", \"cublaslt\": " << (long)cublasLtGetVersion() << "},\n";
  js << "  \"clocks_mhz\": {\"sm_before\": " << sm_clk_idle << ", \"mem_before\": " << mem_clk_idle
     << ", \"sm_max\": " << nvml.get_clock(1, true) << ", \"mem_max\": " << nvml.get_clock(2, true)
     << ", \"power_limit_w\": "
     << (nvml.power_limit_mw() >= 0 ? jnum(nvml.power_limit_mw() / 1000.0, 1) : "null");

  // ---------------- GEMM
  std::vector<GemmResult> gemms;
  long sm_clk_load = -1;
  if (!no_gemm) {
    cublasLtHandle_t lt;
    if (cublasLtCreate(&lt) != CUBLAS_STATUS_SUCCESS) {
      plog("[gemm] cublasLtCreate failed\n");
      no_gemm = true;
    } else {
      size_t ws_bytes = 32ull << 20;
      void* ws = nullptr;
      CK(cudaMalloc(&ws, ws_bytes));
      std::vector<Shape> shapes;
      if (quick) {
        shapes = {{4096, 4096, 4096, "square"}, {8192, 8192, 8192, "square"}};
      } else {
        shapes = {
            {1024, 1024, 1024, "square"},
            {2048, 2048, 2048, "square"},
            {4096, 4096, 4096, "square"},
            {8192, 8192, 8192, "square"},
            {16384, 16384, 16384, "square"},
            // M = tokens (8 x 1024), N x K = weight shapes
            {8192, 2304, 768, "gpt2-124m qkv"},
            {8192, 3072, 768, "gpt2-124m fc"},
            {8192, 50304, 768, "gpt2-124m lm_head"},
            {16384, 3072, 2048, "llama-1b qkv (gqa 32/8)"},
            {16384, 16384, 2048, "llama-1b gate+up"},
            {16384, 2048, 8192, "llama-1b down"},
            {8192, 6144, 4096, "llama-8b qkv"},
            {8192, 28672, 4096, "llama-8b gate+up"},
            {8192, 4096, 14336, "llama-8b down"},
            {8192, 128256, 4096, "llama-8b lm_head"},
        };
      }
      std::vector<DT> dts = {DT::BF16, DT::FP16, DT::TF32};
      bool fp8 = cc >= 89;
      if (fp8) {
        dts.push_back(DT::FP8);
        dts.push_back(DT::FP8_FASTACC);
      }
      for (DT d : dts) {
        for (size_t si = 0; si < shapes.size(); si++) {
          const Shape& s = shapes[si];
          // fast-accumulation variant only on the large shapes (saves time)
          if (d == DT::FP8_FASTACC && (double)s.m * s.n * s.k < 1.0e11) continue;
          bool check = (si == 0);  // spot-check the first shape of each type
          GemmResult r = run_gemm(lt, d, s, ws, ws_bytes, target_ms, check);
          if (r.ok)
            plog("[gemm] %-16s %6ld x %6ld x %6ld  %8.1f TFLOP/s (max %.1f)  %.3f ms  %s%s\n",
                 dt_name(d), s.m, s.n, s.k, r.tflops_median, r.tflops_max, r.ms_median, s.label,
                 std::isfinite(r.check_rel_err)
                     ? (std::string("  check rel err ") + jnum(r.check_rel_err, 6)).c_str()
                     : "");
          else
            plog("[gemm] %-16s %6ld x %6ld x %6ld  skipped: %s\n", dt_name(d), s.m, s.n, s.k,
                 r.why.c_str());
          gemms.push_back(r);
        }
        if (d == DT::BF16) sm_clk_load = nvml.get_clock(1, false);
      }
      cudaFree(ws);
      cublasLtDestroy(lt);
    }
  }
  js << ", \"sm_after_bf16_gemms\": " << sm_clk_load << "},\n";

  js << "  \"gemm\": [";
  for (size_t i = 0; i < gemms.size(); i++) {
    const GemmResult& r = gemms[i];
    js << (i ? ",\n    " : "\n    ") << "{\"dtype\": \"" << dt_name(r.dt) << "\", \"m\": " << r.s.m
       << ", \"n\": " << r.s.n << ", \"k\": " << r.s.k << ", \"label\": " << jstr(r.s.label)
       << ", \"ok\": " << (r.ok ? "true" : "false");
    if (r.ok)
      js << ", \"tflops_median\": " << jnum(r.tflops_median, 1)
         << ", \"tflops_max\": " << jnum(r.tflops_max, 1)
         << ", \"ms_median\": " << jnum(r.ms_median, 4) << ", \"reps\": " << r.reps
         << ", \"input_sets\": " << r.sets << ", \"check_rel_err\": " << jnum(r.check_rel_err, 6);
    else
      js << ", \"why\": " << jstr(r.why);
    js << "}";
  }
  js << "\n  ],\n  \"gemm_best_tflops\": {";
  {
    const DT all[] = {DT::BF16, DT::FP16, DT::TF32, DT::FP8, DT::FP8_FASTACC};
    bool first = true;
    for (DT d : all) {
      double best = NAN;
      for (auto& r : gemms)
        if (r.ok && r.dt == d && !(r.tflops_median <= best)) best = r.tflops_median;
      js << (first ? "" : ", ") << "\"" << dt_name(d) << "\": " << jnum(best, 1);
      first = false;
    }
  }
  js << "},\n";

  // ---------------- device memory bandwidth
  {
    size_t bytes = 2ull << 30;  // 2 GiB per buffer (>> L2)
    size_t free_b = 0, total_b = 0;
    CK(cudaMemGetInfo(&free_b, &total_b));
    while (bytes * 2 + (512ull << 20) > free_b && bytes > (64ull << 20)) bytes /= 2;
    void *src = nullptr, *dst = nullptr;
    CK(cudaMalloc(&src, bytes));
    CK(cudaMalloc(&dst, bytes));
    CK(cudaMemset(src, 1, bytes));
    CK(cudaMemset(dst, 0, bytes));
    size_t n16 = bytes / 16;
    int blocks = p.multiProcessorCount * 8;
    BwResult k = time_bw([&] { copy_kernel<<<blocks, 512>>>((const int4*)src, (int4*)dst, n16); },
                         2 * bytes, 10);
    BwResult m = time_bw([&] { CK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice)); },
                         2 * bytes, 10);
    plog("[hbm] copy kernel %.0f GB/s (max %.0f), cudaMemcpy D2D %.0f GB/s (read+write)\n",
         k.gbs_median, k.gbs_max, m.gbs_median);
    js << "  \"device_memory\": {\"counting\": \"bytes read + bytes written\", \"copy_kernel\": "
       << bw_json(k) << ", \"memcpy_d2d\": " << bw_json(m) << "},\n";
    CK(cudaFree(src));
    CK(cudaFree(dst));
  }

  // ---------------- host <-> device
  {
    size_t bytes = 256ull << 20;
    void* d = nullptr;
    void* hp = nullptr;
    CK(cudaMalloc(&d, bytes));
    std::string host_json;
    if (cudaMallocHost(&hp, bytes) == cudaSuccess) {
      std::memset(hp, 1, bytes);
      BwResult h2d =
          time_bw([&] { CK(cudaMemcpyAsync(d, hp, bytes, cudaMemcpyHostToDevice)); }, bytes, 8);
      BwResult d2h =
          time_bw([&] { CK(cudaMemcpyAsync(hp, d, bytes, cudaMemcpyDeviceToHost)); }, bytes, 8);
      plog("[pcie] pinned H2D %.1f GB/s, D2H %.1f GB/s\n", h2d.gbs_median, d2h.gbs_median);
      host_json += "\"h2d_pinned\": " + bw_json(h2d) + ", \"d2h_pinned\": " + bw_json(d2h);
      CK(cudaFreeHost(hp));
    } else {
      cudaGetLastError();
      host_json += "\"h2d_pinned\": null, \"d2h_pinned\": null";
    }
    std::vector<unsigned char> pg(bytes, 1);
    BwResult ph2d =
        time_bw([&] { CK(cudaMemcpy(d, pg.data(), bytes, cudaMemcpyHostToDevice)); }, bytes, 4);
    BwResult pd2h =
        time_bw([&] { CK(cudaMemcpy(pg.data(), d, bytes, cudaMemcpyDeviceToHost)); }, bytes, 4);
    plog("[pcie] pageable H2D %.1f GB/s, D2H %.1f GB/s\n", ph2d.gbs_median, pd2h.gbs_median);
    host_json += ", \"h2d_pageable\": " + bw_json(ph2d) + ", \"d2h_pageable\": " + bw_json(pd2h);
    js << "  \"host_device\": {" << host_json << "},\n";
    CK(cudaFree(d));
  }

  // ---------------- peer to peer
  js << "  \"p2p\": ";
  if (ndev < 2) {
    js << "null,\n";
  } else {
    js << "[";
    size_t bytes = 256ull << 20;
    bool first = true;
    for (int j = 0; j < ndev; j++) {
      if (j == dev) continue;
      int can = 0;
      cudaDeviceCanAccessPeer(&can, dev, j);
      void *a = nullptr, *b = nullptr;
      CK(cudaSetDevice(j));
      if (cudaMalloc(&b, bytes) != cudaSuccess) {
        cudaGetLastError();
        CK(cudaSetDevice(dev));
        continue;
      }
      CK(cudaSetDevice(dev));
      CK(cudaMalloc(&a, bytes));
      bool enabled = false;
      if (can) {  // per-process context setting, released with the process
        cudaError_t e = cudaDeviceEnablePeerAccess(j, 0);
        enabled = (e == cudaSuccess || e == cudaErrorPeerAccessAlreadyEnabled);
        cudaGetLastError();
      }
      BwResult w = time_bw([&] { CK(cudaMemcpyPeerAsync(b, j, a, dev, bytes)); }, bytes, 6);
      plog("[p2p] %d -> %d: %.1f GB/s (peer access %s)\n", dev, j, w.gbs_median,
           enabled ? "on" : "off");
      js << (first ? "" : ", ") << "{\"from\": " << dev << ", \"to\": " << j
         << ", \"can_access_peer\": " << (can ? "true" : "false")
         << ", \"peer_access_enabled\": " << (enabled ? "true" : "false")
         << ", \"copy\": " << bw_json(w) << "}";
      first = false;
      if (enabled) cudaDeviceDisablePeerAccess(j);
      cudaGetLastError();
      CK(cudaFree(a));
      CK(cudaSetDevice(j));
      CK(cudaFree(b));
      CK(cudaSetDevice(dev));
    }
    js << "],\n";
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  js << "  \"sm_clock_mhz_end\": " << nvml.get_clock(1, false) << ",\n";
  js << "  \"elapsed_s\": " << jnum(secs, 1) << "\n}\n";

  std::string out = js.str();
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  if (!out_path.empty()) {
    std::ofstream f(out_path);
    f << out;
    if (!f) {
      std::fprintf(stderr, "could not write %s\n", out_path.c_str());
      return 1;
    }
    plog("[probe] wrote %s (%.1f s)\n", out_path.c_str(), secs);
  }
  return 0;
}
