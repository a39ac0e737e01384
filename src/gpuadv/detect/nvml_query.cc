// NVML through dlopen: the few read-only entry points `detect` needs, declared here with
// the C ABI of nvml.h (stable since CUDA 10; the _v2 names are the current ones).
#include "gpuadv/detect/nvml_query.h"

#include <dlfcn.h>

#include <cstdio>
#include <string>

namespace gpuadv::detect {
namespace {

using nvmlReturn_t = int;  // NVML_SUCCESS = 0
using nvmlDevice_t = void*;
struct nvmlMemory_t {
  unsigned long long total, free, used;
};
constexpr nvmlReturn_t kNvmlSuccess = 0;

struct NvmlApi {
  nvmlReturn_t (*init)() = nullptr;
  nvmlReturn_t (*shutdown)() = nullptr;
  const char* (*error_string)(nvmlReturn_t) = nullptr;
  nvmlReturn_t (*get_count)(unsigned*) = nullptr;
  nvmlReturn_t (*get_handle)(unsigned, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*get_name)(nvmlDevice_t, char*, unsigned) = nullptr;
  nvmlReturn_t (*get_memory)(nvmlDevice_t, nvmlMemory_t*) = nullptr;
  nvmlReturn_t (*get_power_limit)(nvmlDevice_t, unsigned*) = nullptr;  // mW
  nvmlReturn_t (*get_pcie_gen)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*get_pcie_width)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*get_driver)(char*, unsigned) = nullptr;
  nvmlReturn_t (*get_cuda)(int*) = nullptr;                                    // 13000
  nvmlReturn_t (*get_mig_mode)(nvmlDevice_t, unsigned*, unsigned*) = nullptr;  // optional
  nvmlReturn_t (*get_max_mig)(nvmlDevice_t, unsigned*) = nullptr;              // optional
  nvmlReturn_t (*get_mig_handle)(nvmlDevice_t, unsigned, nvmlDevice_t*) = nullptr;
};

template <typename F>
bool Load(void* lib, const char* name, F* fn) {
  *fn = reinterpret_cast<F>(::dlsym(lib, name));
  return *fn != nullptr;
}

void Fill(const NvmlApi& api, nvmlDevice_t dev, DetectedGpu* g) {
  char name[96] = {};
  if (api.get_name(dev, name, sizeof name) == kNvmlSuccess) g->name = name;
  nvmlMemory_t mem{};
  if (api.get_memory(dev, &mem) == kNvmlSuccess) {
    g->memory_total_bytes = mem.total;
    g->memory_free_bytes = mem.free;
  }
  unsigned v = 0;
  if (api.get_power_limit(dev, &v) == kNvmlSuccess) g->power_limit_w = v / 1000.0;
  if (api.get_pcie_gen(dev, &v) == kNvmlSuccess) g->pcie_gen = static_cast<int>(v);
  if (api.get_pcie_width(dev, &v) == kNvmlSuccess) g->pcie_width = static_cast<int>(v);
}

class NvmlQuery : public DeviceQuery {
 public:
  explicit NvmlQuery(std::string library)
      : library_(library.empty() ? "libnvidia-ml.so.1" : std::move(library)) {}
  std::string_view Name() const override { return "nvml"; }

  QueryResult Query() override {
    QueryResult r;
    void* lib = ::dlopen(library_.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      r.message = "nvml: " + library_ + " not found";
      return r;
    }
    NvmlApi api;
    const bool ok = Load(lib, "nvmlInit_v2", &api.init) &&
                    Load(lib, "nvmlShutdown", &api.shutdown) &&
                    Load(lib, "nvmlErrorString", &api.error_string) &&
                    Load(lib, "nvmlDeviceGetCount_v2", &api.get_count) &&
                    Load(lib, "nvmlDeviceGetHandleByIndex_v2", &api.get_handle) &&
                    Load(lib, "nvmlDeviceGetName", &api.get_name) &&
                    Load(lib, "nvmlDeviceGetMemoryInfo", &api.get_memory) &&
                    Load(lib, "nvmlDeviceGetPowerManagementLimit", &api.get_power_limit) &&
                    Load(lib, "nvmlDeviceGetCurrPcieLinkGeneration", &api.get_pcie_gen) &&
                    Load(lib, "nvmlDeviceGetCurrPcieLinkWidth", &api.get_pcie_width) &&
                    Load(lib, "nvmlSystemGetDriverVersion", &api.get_driver);
    Load(lib, "nvmlSystemGetCudaDriverVersion_v2", &api.get_cuda);
    Load(lib, "nvmlDeviceGetMigMode", &api.get_mig_mode);
    Load(lib, "nvmlDeviceGetMaxMigDeviceCount", &api.get_max_mig);
    Load(lib, "nvmlDeviceGetMigDeviceHandleByIndex", &api.get_mig_handle);
    if (!ok) {
      r.status = QueryResult::Status::kFailed;
      r.message = "nvml: " + library_ + " lacks an expected entry point";
      ::dlclose(lib);
      return r;
    }
    if (nvmlReturn_t e = api.init(); e != kNvmlSuccess) {
      r.status = QueryResult::Status::kFailed;
      r.message = std::string("nvml: init failed: ") + api.error_string(e);
      ::dlclose(lib);
      return r;
    }
    char driver[96] = {};
    std::string cuda;
    api.get_driver(driver, sizeof driver);
    int cv = 0;
    if (api.get_cuda && api.get_cuda(&cv) == kNvmlSuccess && cv > 0)
      cuda = std::to_string(cv / 1000) + "." + std::to_string((cv % 1000) / 10);
    unsigned count = 0;
    r.status = QueryResult::Status::kOk;
    if (nvmlReturn_t e = api.get_count(&count); e != kNvmlSuccess) {
      r.status = QueryResult::Status::kFailed;
      r.message = std::string("nvml: device count failed: ") + api.error_string(e);
      count = 0;
    }
    for (unsigned i = 0; i < count; ++i) {
      nvmlDevice_t dev = nullptr;
      if (api.get_handle(i, &dev) != kNvmlSuccess) continue;
      DetectedGpu g;
      g.index = static_cast<int>(i);
      g.vendor = "nvidia";
      g.source = "nvml";
      g.driver = driver;
      g.cuda_version = cuda;
      Fill(api, dev, &g);
      unsigned cur = 0, pending = 0, max_mig = 0;
      g.mig_enabled =
          api.get_mig_mode && api.get_mig_mode(dev, &cur, &pending) == kNvmlSuccess && cur == 1;
      bool listed_mig = false;
      if (g.mig_enabled && api.get_max_mig && api.get_mig_handle &&
          api.get_max_mig(dev, &max_mig) == kNvmlSuccess) {
        for (unsigned m = 0; m < max_mig; ++m) {
          nvmlDevice_t mig = nullptr;
          if (api.get_mig_handle(dev, m, &mig) != kNvmlSuccess) continue;
          DetectedGpu mg = g;
          Fill(api, mig, &mg);  // name: "NVIDIA H100 80GB HBM3 MIG 1g.10gb"
          const size_t at = mg.name.find(" MIG ");
          mg.mig_profile = at == std::string::npos ? "mig" : mg.name.substr(at + 5);
          r.gpus.push_back(std::move(mg));
          listed_mig = true;
        }
      }
      if (!listed_mig) r.gpus.push_back(std::move(g));
    }
    api.shutdown();
    ::dlclose(lib);
    return r;
  }

 private:
  std::string library_;
};

}  // namespace

std::unique_ptr<DeviceQuery> MakeNvmlQuery(const std::string& library) {
  return std::make_unique<NvmlQuery>(library);
}

}  // namespace gpuadv::detect
