#include "gpuadv/api/catalog_requests.h"

#include <cctype>

#include "gpuadv/api/errors.h"
#include "gpuadv/catalog/gpu_checks.h"
#include "gpuadv/report/gpu_report.h"
#include "gpuadv/report/model_report.h"

namespace gpuadv::api {
namespace {

std::string Name(std::string_view prefix, std::string_view option) {
  return std::string(prefix) + std::string(option);
}

// The catalog entry `lookup` returns; an unknown id is NotFoundError (HTTP 404).
template <typename F>
decltype(auto) OrNotFound(F lookup) {
  try {
    return lookup();
  } catch (const InputError& e) {
    throw NotFoundError(e);
  }
}

}  // namespace

std::vector<const catalog::GpuSpec*> ListGpus(const Environment& env, const GpuQuery& q,
                                              std::string_view prefix) {
  // Case-insensitive, as every enum input (issue 12: `--vendor NVIDIA`).
  const auto lower = [](std::string v) {
    for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return v;
  };
  const std::string vendor = lower(q.vendor);
  const std::string segment = lower(q.segment);
  if (!vendor.empty() && vendor != "nvidia" && vendor != "amd" && vendor != "intel")
    throw InputError(Name(prefix, "vendor"), vendor, "nvidia | amd | intel");
  if (!segment.empty() && segment != "consumer" && segment != "workstation" &&
      segment != "datacenter")
    throw InputError(Name(prefix, "segment"), segment, "consumer | workstation | datacenter");
  double min_gb = 0;
  if (!q.min_memory.empty()) {
    size_t pos = 0;
    try {
      min_gb = std::stod(q.min_memory, &pos);
    } catch (...) {
      pos = 0;
    }
    if (pos != q.min_memory.size() || !(min_gb >= 0 && min_gb <= 1e5))
      throw InputError(Name(prefix, "min-memory"), q.min_memory, "a number of GB from 0 to 100000");
  }
  return catalog::FilterGpus(env.catalog, vendor, segment, min_gb);
}

nlohmann::json GpuListJson(const Environment& env, const GpuQuery& q, std::string_view prefix) {
  return report::GpuListJson(ListGpus(env, q, prefix));
}

const catalog::GpuSpec& ShowGpu(const Environment& env, std::string_view id,
                                std::string_view field) {
  return OrNotFound([&]() -> const catalog::GpuSpec& { return env.catalog.Gpu(id, field); });
}

nlohmann::json GpuShowJson(const Environment& env, std::string_view id, std::string_view field) {
  const catalog::GpuSpec& gpu = ShowGpu(env, id, field);
  return report::GpuShowJson(gpu, env.catalog.OffersFor(gpu.id),
                             &env.efficiency->For(gpu.architecture));
}

std::vector<const catalog::ModelArch*> ListModels(const Environment& env) {
  std::vector<const catalog::ModelArch*> list;
  for (const auto& m : env.catalog.Models()) list.push_back(&m);
  return list;
}

nlohmann::json ModelListJson(const Environment& env) {
  return report::ModelListJson(ListModels(env));
}

const catalog::ModelArch& ShowModel(const Environment& env, std::string_view id,
                                    std::string_view field) {
  return OrNotFound([&]() -> const catalog::ModelArch& { return env.catalog.Model(id, field); });
}

nlohmann::json ModelShowJson(const Environment& env, std::string_view id, std::string_view field) {
  return report::ModelJson(ShowModel(env, id, field));
}

}  // namespace gpuadv::api
