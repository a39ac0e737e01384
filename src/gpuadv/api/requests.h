#pragma once
// One function per request (STYLE.md principle 1): the CLI's verbs and the server's routes
// both call these, so `gpu-advisor VERB --format json` and POST /api/VERB print the same
// JSON for the same scenario. Each has a typed form (the CLI's table/CSV/Markdown printers
// use it) and a JSON form (the typed form through the report/ JSON reporter).
//
// Options name their fields as the front end spells them: `prefix` is "--" on the CLI
// ("--top") and "" for a query string ("top"), so errors name what the user typed.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "gpuadv/advise/compare.h"
#include "gpuadv/advise/fit.h"
#include "gpuadv/advise/guidance.h"
#include "gpuadv/advise/recommend.h"
#include "gpuadv/api/environment.h"
#include "gpuadv/api/scenario_request.h"
#include "gpuadv/estimate/result.h"
#include "gpuadv/plan/planner.h"

namespace gpuadv::api {

struct EstimateOptions {
  bool explain = false;  // keep the basis of each estimate (--explain)
};

/// `estimate` (C3-C5, C15).
estimate::EstimateResult Estimate(const ScenarioRequest& req, const Environment& env,
                                  const EstimateOptions& opt);
/// The DESIGN.md `estimate` JSON.
nlohmann::json EstimateJson(const ScenarioRequest& req, const Environment& env,
                            const EstimateOptions& opt);

struct RecommendOptions {
  int top = 5;                        // top: picks shown, 1..100
  std::optional<double> min_vram_gb;  // min-vram: GB
  double months = 36;                 // months: ownership horizon of buy vs rent, 1..240
  double hours_per_month = 120;       // hours-per-month: use when owning, 1..744
};

/// A GPU memory size as users type it: "24", "24GB", "24 GiB", "80g" (GB as the catalog
/// labels cards: a "24 GB" card holds 24 GiB; MODELLING section 0). Throws InputError naming
/// `field` for anything else or outside 0-100000.
double ParseMemoryGb(std::string_view text, const std::string& field);

/// Throws InputError naming `prefix` + the option ("--top", "top") when out of range.
void CheckRecommendOptions(const RecommendOptions& opt, std::string_view prefix);

/// A ranking with what it was ranked for. Contract: the picks point into the catalog of the
/// Environment it was computed in, which must outlive it.
struct RecommendOutput {
  workload::Scenario scenario;
  advise::RecommendResult result;
  std::optional<advise::Guidance> guidance;  // only for the embedded default scenario (C14)
};

/// `recommend` (C6, C5, C7, C14). Checks `opt` (CheckRecommendOptions) first.
RecommendOutput Recommend(const ScenarioRequest& req, const Environment& env,
                          const RecommendOptions& opt, std::string_view prefix);
/// The `recommend` JSON of DESIGN.md.
nlohmann::json RecommendJson(const RecommendOutput& out);
nlohmann::json RecommendJson(const ScenarioRequest& req, const Environment& env,
                             const RecommendOptions& opt, std::string_view prefix);

struct FitOptions {
  bool allow_shorter_seq = false;  // allow-shorter-seq
};

/// `fit` (C8) on the scenario's GPU.
advise::FitResult Fit(const ScenarioRequest& req, const Environment& env, const FitOptions& opt);
nlohmann::json FitJson(const ScenarioRequest& req, const Environment& env, const FitOptions& opt);

struct PlanRequestOptions {
  std::optional<int> gpus;          // gpus: total GPUs; default: the scenario's count x nodes
  int top = 5;                      // top: plans kept
  std::string strategy = "pruned";  // strategy: exhaustive | pruned
  int threads = 0;                  // threads: 0 = every core
  bool safe = false;                // safe: exclude plans with out-of-memory risk
  bool prefer_tight = false;        // prefer_tight: rank tight plans by speed with the others
};

/// `plan` (C9). Throws InputError naming `prefix` + the option for a bad value.
plan::PlanReport Plan(const ScenarioRequest& req, const Environment& env,
                      const PlanRequestOptions& opt, std::string_view prefix);
nlohmann::json PlanJson(const ScenarioRequest& req, const Environment& env,
                        const PlanRequestOptions& opt, std::string_view prefix);

/// `compare` (issue 12, 14): the scenario on each of `gpus`, each "ID", "Nx ID" or "NxID"
/// (a count 1-64 before an id, or a lone "Nx" followed by the id), at least two. Throws
/// InputError naming `field` for a bad item.
advise::CompareResult Compare(const ScenarioRequest& req, const Environment& env,
                              const std::vector<std::string>& gpus, const std::string& field);
nlohmann::json CompareJson(const ScenarioRequest& req, const Environment& env,
                           const std::vector<std::string>& gpus, const std::string& field);

}  // namespace gpuadv::api
