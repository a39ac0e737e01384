#pragma once
// Reporters for `recommend` (DESIGN.md "recommend returns ..."): JSON, text/Markdown, CSV
// and the time-vs-cost SVG. Results are plain data from advise/; only presentation here.
#include <nlohmann/json.hpp>
#include <string>

#include "gpuadv/advise/guidance.h"
#include "gpuadv/advise/recommend.h"

namespace gpuadv::report {

/// {"schema_version", "objective", "recommendations": [{"rank", "gpu", "count", "nodes",
/// "acquire", "offer", "estimate": EstimateJson, "compatibility", "score", "why", ...}],
/// "excluded": [{"gpu", "reason"}], "advice": [...], "pareto": [...]} and, when `g` is
/// non-null, "guidance".
nlohmann::json RecommendJson(const advise::RecommendResult& r, const advise::Guidance* g = nullptr);

/// The compatibility object of one pick.
nlohmann::json CompatibilityJson(const advise::Compatibility& c);

/// The guidance object (C14).
nlohmann::json GuidanceJson(const advise::Guidance& g);

/// Human report: ranked table, why per pick, Pareto front, exclusions, advice, guidance.
std::string RecommendText(const advise::RecommendResult& r, const advise::Guidance* g,
                          bool markdown);

/// One header line and one row per pick.
std::string RecommendCsv(const advise::RecommendResult& r);

/// A self-contained SVG scatter of training time (x, log) vs total cost (y, log) of every
/// feasible configuration, the Pareto front drawn as a line and labelled.
std::string ParetoSvg(const advise::RecommendResult& r, const std::string& title);

}  // namespace gpuadv::report
