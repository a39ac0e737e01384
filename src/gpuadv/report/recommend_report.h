#pragma once
// Reporters for `recommend` (DESIGN.md "recommend returns ..."): the JSON contract, one
// Document (document.h) and the time-vs-cost SVG. Results are plain data from advise/; only
// presentation here.
#include <nlohmann/json.hpp>
#include <string>

#include "gpuadv/advise/guidance.h"
#include "gpuadv/advise/recommend.h"
#include "gpuadv/report/document.h"

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

/// `recommend` in every format: RecommendJson(r, g); the ranked table, why per pick, Pareto
/// front, exclusions, advice and, when `g` is non-null, guidance; CSV one row per pick with
/// its recommendation's JSON appended as columns.
Document RecommendDocument(const advise::RecommendResult& r, const advise::Guidance* g = nullptr);

/// A self-contained SVG scatter of training time (x, log) vs total cost (y, log) of every
/// feasible configuration, the Pareto front drawn as a line and labelled.
std::string ParetoSvg(const advise::RecommendResult& r, const std::string& title);

}  // namespace gpuadv::report
