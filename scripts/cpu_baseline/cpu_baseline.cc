// CPU baseline micro-benchmark (DESIGN.md C14): achieved large-GEMM throughput and
// STREAM-triad memory bandwidth of this machine, on one core and on all cores.
//
//   fp32 GEMM  cblas_sgemm (OpenBLAS), square n x n x n, 2*n^3 FLOP per call
//   bf16 GEMM  oneDNN matmul bf16 x bf16 -> f32 (uses AMX or AVX512-BF16 where present);
//              built only with -DCPU_BASELINE_DNNL (run.sh adds it when libdnnl-dev is there)
//   triad      a[i] = b[i] + s * c[i] over doubles, each array >= 4x the last-level cache;
//              bytes counted the STREAM way (3 x 8 B per element, no write-allocate traffic)
//
// Every figure is the best of several timed repetitions after a warm-up (STREAM's rule).
// Build and run with scripts/cpu_baseline/run.sh; see README.md there.
#include <cblas.h>
#include <omp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#ifdef CPU_BASELINE_DNNL
#include <oneapi/dnnl/dnnl_debug.h>

#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Runs `f` once to warm up, then repeatedly until `min_s` seconds and `min_reps` runs have
// passed; returns the shortest time of one run.
template <typename F>
double BestTime(F f, double min_s, int min_reps) {
  f();
  double best = 1e30, total = 0;
  for (int r = 0; r < min_reps || total < min_s; ++r) {
    const auto t0 = Clock::now();
    f();
    const double t = Seconds(t0, Clock::now());
    best = std::min(best, t);
    total += t;
    if (r > 1000) break;
  }
  return best;
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

long LastLevelCacheBytes() {
  long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
  if (l3 <= 0) l3 = sysconf(_SC_LEVEL2_CACHE_SIZE);
  return l3 > 0 ? l3 : 32L << 20;
}

double SgemmGflops(int n, int threads, double min_s) {
  openblas_set_num_threads(threads);
  std::vector<float> a(size_t(n) * n), b(size_t(n) * n), c(size_t(n) * n);
  for (size_t i = 0; i < a.size(); ++i) a[i] = float(i % 7) * 0.25f, b[i] = float(i % 5) * 0.5f;
  const double t = BestTime(
      [&] {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n, b.data(),
                    n, 0.0f, c.data(), n);
      },
      min_s, 3);
  return 2.0 * n * n * double(n) / t / 1e9;
}

#ifdef CPU_BASELINE_DNNL
// oneDNN matmul bf16 x bf16 -> f32; returns GFLOP/s and the implementation it chose.
double DnnlBf16Gflops(int n, int threads, double min_s, std::string* impl) {
  using namespace dnnl;
  omp_set_num_threads(threads);
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  const memory::dims sz = {n, n};
  memory::desc a_md(sz, memory::data_type::bf16, memory::format_tag::ab);
  memory::desc b_md(sz, memory::data_type::bf16, memory::format_tag::any);
  memory::desc c_md(sz, memory::data_type::f32, memory::format_tag::ab);
  matmul::primitive_desc pd(matmul::desc(a_md, b_md, c_md), eng);
  *impl = pd.impl_info_str();
  memory a(a_md, eng), b(pd.weights_desc(), eng), c(c_md, eng);
  // bf16 1.0 is 0x3f80; any finite value will do for timing.
  std::fill_n(static_cast<uint16_t*>(a.get_data_handle()), size_t(n) * n, uint16_t(0x3f80));
  std::memset(b.get_data_handle(), 0, pd.weights_desc().get_size());
  matmul mm(pd);
  const double t = BestTime(
      [&] {
        mm.execute(s, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}});
        s.wait();
      },
      min_s, 3);
  return 2.0 * n * n * double(n) / t / 1e9;
}
#endif

// STREAM triad with `threads` OpenMP threads; arrays first-touched by the same threads.
double TriadGBs(size_t n, int threads, int reps) {
  double* a = static_cast<double*>(std::aligned_alloc(64, ((n * 8 + 63) / 64) * 64));
  double* b = static_cast<double*>(std::aligned_alloc(64, ((n * 8 + 63) / 64) * 64));
  double* c = static_cast<double*>(std::aligned_alloc(64, ((n * 8 + 63) / 64) * 64));
  if (!a || !b || !c) {
    std::fprintf(stderr, "cpu_baseline: cannot allocate 3 x %zu MiB\n", n * 8 >> 20);
    std::exit(1);
  }
  const long ln = static_cast<long>(n);
#pragma omp parallel for schedule(static) num_threads(threads)
  for (long i = 0; i < ln; ++i) a[i] = 1.0, b[i] = 2.0, c[i] = 0.5;
  const double scalar = 3.0;
  double best = 1e30;
  for (int r = 0; r < reps + 1; ++r) {
    const auto t0 = Clock::now();
#pragma omp parallel for schedule(static) num_threads(threads)
    for (long i = 0; i < ln; ++i) a[i] = b[i] + scalar * c[i];
    const double t = Seconds(t0, Clock::now());
    if (r > 0) best = std::min(best, t);  // the first pass is a warm-up, as in STREAM
  }
  volatile double sink = a[n / 2];  // keep the stores
  (void)sink;
  std::free(a), std::free(b), std::free(c);
  return 3.0 * 8.0 * double(n) / best / 1e9;
}

void Usage() {
  std::puts(
      "usage: cpu_baseline [--quick] [--threads N] [--gemm-n N] [--triad-mib MIB]\n"
      "  --quick       smaller problems and shorter timing (well under a minute)\n"
      "  --threads N   the 'all cores' column uses N threads (default: online CPUs)\n"
      "  --gemm-n N    GEMM size n for n x n x n (default 4096, quick 2048)\n"
      "  --triad-mib M size of each triad array in MiB (default: 4x last-level cache)");
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  int threads = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  int gemm_n = 0;
  long triad_mib = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      quick = true;
    } else if (arg == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (arg == "--gemm-n" && i + 1 < argc) {
      gemm_n = std::atoi(argv[++i]);
    } else if (arg == "--triad-mib" && i + 1 < argc) {
      triad_mib = std::atol(argv[++i]);
    } else {
      Usage();
      return arg == "--help" || arg == "-h" ? 0 : 2;
    }
  }
  if (threads < 1) threads = 1;
  if (gemm_n <= 0) gemm_n = quick ? 2048 : 4096;
  const double min_s = quick ? 0.3 : 2.0;
  const long llc = LastLevelCacheBytes();
  if (triad_mib <= 0) {
    const long phys = sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);
    long bytes = std::max(4 * llc, 256L << 20);
    bytes = std::min(bytes, phys / 8);  // three arrays stay under 3/8 of memory
    if (quick) bytes = std::min(bytes, std::max(2 * llc, 256L << 20));
    triad_mib = bytes >> 20;
  }
  const size_t triad_n = size_t(triad_mib) << 20 >> 3;

#ifdef CPU_BASELINE_DNNL
  // Linux only lets a process use AMX tiles after asking (ARCH_REQ_XCOMP_PERM, XTILEDATA);
  // recent oneDNN asks itself, older releases do not. Harmless where there is no AMX.
  syscall(SYS_arch_prctl, 0x1023, 18);
#endif

  std::printf("cpu: %s\n", CpuModel().c_str());
  std::printf("online cpus: %ld, threads for 'all': %d, last-level cache: %ld MiB\n",
              sysconf(_SC_NPROCESSORS_ONLN), threads, llc >> 20);
  std::printf("openblas: %s\n", openblas_get_config());
  std::printf("openblas core: %s\n", openblas_get_corename());
#ifdef CPU_BASELINE_DNNL
  const dnnl_version_t* v = dnnl_version();
  std::printf("onednn: %d.%d.%d, isa %s\n", v->major, v->minor, v->patch,
              dnnl_cpu_isa2str(dnnl_get_effective_cpu_isa()));
#else
  std::printf("onednn: not built in (install libdnnl-dev for the bf16 row)\n");
#endif
  std::printf("\n%-40s %8s %12s %12s\n", "measurement", "threads", "total", "per core");

  auto row = [&](const char* what, int t, double v, const char* unit) {
    std::printf("%-40s %8d %9.1f %s %9.1f %s\n", what, t, v, unit, v / t, unit);
    std::fflush(stdout);
  };
  char label[96];
  std::snprintf(label, sizeof label, "fp32 GEMM sgemm n=%d", gemm_n);
  for (int t : {1, threads}) {
    row(label, t, SgemmGflops(gemm_n, t, min_s), "GFLOP/s");
    if (threads == 1) break;
  }
#ifdef CPU_BASELINE_DNNL
  std::string impl;
  std::snprintf(label, sizeof label, "bf16 GEMM onednn n=%d", gemm_n);
  for (int t : {1, threads}) {
    row(label, t, DnnlBf16Gflops(gemm_n, t, min_s, &impl), "GFLOP/s");
    if (threads == 1) break;
  }
  std::printf("  (oneDNN implementation: %s)\n", impl.c_str());
#endif
  std::snprintf(label, sizeof label, "STREAM triad 3 x %ld MiB", triad_mib);
  const int reps = quick ? 5 : 10;
  for (int t : {1, threads}) {
    row(label, t, TriadGBs(triad_n, t, reps), "GB/s   ");
    if (threads == 1) break;
  }
  std::puts(
      "\nGFLOP/s = 2n^3 / best time; GB/s = 24 B x elements / best time (decimal units).\n"
      "Other processes on the machine lower these figures: run it on an idle machine.");
  return 0;
}
