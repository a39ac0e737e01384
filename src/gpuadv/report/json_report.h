#pragma once
#include <nlohmann/json.hpp>

#include "gpuadv/estimate/result.h"

namespace gpuadv::report {

/// Version of the JSON documents this program prints (benchmark's json_schema_version).
inline constexpr int kJsonSchemaVersion = 1;

/// The `estimate` JSON contract of DESIGN.md (field names and units fixed). Byte counts
/// are integers; non-finite numbers never appear (null instead).
nlohmann::json EstimateJson(const estimate::EstimateResult& r);

}  // namespace gpuadv::report
