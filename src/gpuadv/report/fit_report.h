#pragma once
// Reporters for `fit` (C8) and `compare`: JSON, text/Markdown and CSV.
#include <nlohmann/json.hpp>
#include <string>

#include "gpuadv/advise/compare.h"
#include "gpuadv/advise/fit.h"

namespace gpuadv::report {

/// {"schema_version", "gpu", "already_fits", "baseline": EstimateJson, "options":
/// [{"changes": [{"group", "change", "effect", "changes_job"}], "per_gpu_bytes", "fit",
/// "time_s", "gpu_hours", "slowdown", "estimate": EstimateJson}], "evaluated"}.
nlohmann::json FitJson(const advise::FitResult& r);
std::string FitText(const advise::FitResult& r, bool markdown);
std::string FitCsv(const advise::FitResult& r);

/// {"schema_version", "gpus": [{"id", "name", "specs": {...}, "estimate": EstimateJson,
/// "verdict", "reasons"}], "summary"}.
nlohmann::json CompareJson(const advise::CompareResult& r);
std::string CompareText(const advise::CompareResult& r, bool markdown);
std::string CompareCsv(const advise::CompareResult& r);

}  // namespace gpuadv::report
