#pragma once
// Reporters for `fit` (C8) and `compare`: one Document each (document.h).
#include <nlohmann/json.hpp>
#include <string>

#include "gpuadv/advise/compare.h"
#include "gpuadv/advise/fit.h"
#include "gpuadv/report/document.h"

namespace gpuadv::report {

/// {"schema_version", "gpu", "already_fits", "baseline": EstimateJson, "options":
/// [{"changes": [{"group", "change", "effect", "changes_job"}], "per_gpu_bytes", "fit",
/// "time_s", "gpu_hours", "slowdown", "estimate": EstimateJson}], "evaluated"}.
nlohmann::json FitJson(const advise::FitResult& r);
/// `fit` in every format: FitJson, the options table and what each change trades; CSV one
/// row per option.
Document FitDocument(const advise::FitResult& r);

/// {"schema_version", "gpus": [{"id", "name", "specs": {...}, "estimate": EstimateJson,
/// "verdict", "reasons"}], "summary"}.
nlohmann::json CompareJson(const advise::CompareResult& r);
/// `compare` in every format: CompareJson, the specifications and estimate side by side,
/// the verdicts; CSV one row per GPU.
Document CompareDocument(const advise::CompareResult& r);

}  // namespace gpuadv::report
