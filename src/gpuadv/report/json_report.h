#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gpuadv/estimate/result.h"

namespace gpuadv::report {

/// Version of the JSON documents this program prints (benchmark's json_schema_version).
inline constexpr int kJsonSchemaVersion = 1;

/// The `estimate` JSON contract of DESIGN.md (field names and units fixed). Byte counts
/// are integers; non-finite numbers never appear (null instead).
nlohmann::json EstimateJson(const estimate::EstimateResult& r);

/// `csv` (a header line, then one line per row) with the JSON document of each row (the
/// items of the array `rows`) appended as columns: its scalar leaves named by dotted path
/// ("memory.breakdown_bytes.weights", array items ".0", ".1"); a null row adds nothing. The
/// columns are the union over the rows in first-seen order, empty
/// where a row lacks one; numbers print as JSON does (full precision). The CSV of a result
/// thus carries every figure of its JSON (tests/cli/format_parity_test.cc).
std::string AppendJsonColumns(const std::string& csv, const nlohmann::json& rows);

/// The text every front end prints for a JSON document: indented by 2, and valid UTF-8
/// whatever bytes its strings hold (an invalid byte becomes U+FFFD instead of the dump
/// throwing type_error 316).
inline std::string JsonText(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace gpuadv::report
