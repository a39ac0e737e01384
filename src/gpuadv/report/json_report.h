#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "gpuadv/estimate/result.h"

namespace gpuadv::report {

/// Version of the JSON documents this program prints (benchmark's json_schema_version).
inline constexpr int kJsonSchemaVersion = 1;

/// The `estimate` JSON contract of DESIGN.md (field names and units fixed). Byte counts
/// are integers; non-finite numbers never appear (null instead).
nlohmann::json EstimateJson(const estimate::EstimateResult& r);

/// The text every front end prints for a JSON document: indented by 2, and valid UTF-8
/// whatever bytes its strings hold (an invalid byte becomes U+FFFD instead of the dump
/// throwing type_error 316).
inline std::string JsonText(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace gpuadv::report
