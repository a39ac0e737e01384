#pragma once
// Catalog requests: `gpus list|show`, `models list|show` and GET /api/gpus[/ID],
// /api/models[/ID].
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "gpuadv/api/environment.h"

namespace gpuadv::api {

/// Filters of `gpus list`, as typed (validated by ListGpus). Empty = no filter.
struct GpuQuery {
  std::string vendor;      // vendor: nvidia | amd | intel
  std::string segment;     // segment: consumer | workstation | datacenter
  std::string min_memory;  // min-memory: GB, 0..100000
};

/// The catalog GPUs passing `q`, in catalog order. Throws InputError naming
/// `prefix` + the filter ("--vendor", "vendor").
std::vector<const catalog::GpuSpec*> ListGpus(const Environment& env, const GpuQuery& q,
                                              std::string_view prefix);
/// {"schema_version", "gpus": [...]}.
nlohmann::json GpuListJson(const Environment& env, const GpuQuery& q, std::string_view prefix);

/// One GPU by id or alias. Throws NotFoundError (an InputError; field `field`, with "did
/// you mean") when absent.
const catalog::GpuSpec& ShowGpu(const Environment& env, std::string_view id,
                                std::string_view field);
nlohmann::json GpuShowJson(const Environment& env, std::string_view id, std::string_view field);

/// Every catalog model, in catalog order.
std::vector<const catalog::ModelArch*> ListModels(const Environment& env);
nlohmann::json ModelListJson(const Environment& env);

/// One model by id or alias; NotFoundError when absent.
const catalog::ModelArch& ShowModel(const Environment& env, std::string_view id,
                                    std::string_view field);
nlohmann::json ModelShowJson(const Environment& env, std::string_view id, std::string_view field);

}  // namespace gpuadv::api
