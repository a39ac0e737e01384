#include "gpuadv/api/requests.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>

#include "gpuadv/core/enum_table.h"
#include "gpuadv/core/error.h"
#include "gpuadv/io/cpu_loader.h"
#include "gpuadv/io/stack_loader.h"
#include "gpuadv/plan/candidate.h"
#include "gpuadv/report/fit_report.h"
#include "gpuadv/report/json_report.h"
#include "gpuadv/report/plan_report.h"
#include "gpuadv/report/recommend_report.h"
#include "gpuadv/workload/limits.h"

namespace gpuadv::api {
namespace {

std::string Name(std::string_view prefix, std::string_view option) {
  return std::string(prefix) + std::string(option);
}

// The planner names its options as the CLI spells them ("--gpus"); a query string spells
// them without the dashes. Rebuilds the error under the front end's name, same text.
[[noreturn]] void RethrowRenamed(const InputError& e, std::string_view prefix) {
  const std::string& field = e.field();
  if (prefix == "--" || !field.starts_with("--")) throw e;
  const std::string msg = e.what();
  const std::string head = field + ": ", tail = " '" + e.value() + "'; accepted: ";
  const size_t end = msg.rfind(tail);
  const std::string problem =
      msg.starts_with(head) && end != std::string::npos && end >= head.size()
          ? msg.substr(head.size(), end - head.size())
          : std::string("invalid value");
  throw InputError(Name(prefix, std::string_view(field).substr(2)), e.value(), e.accepted(),
                   problem);
}

estimate::Context ContextOf(const Environment& env) { return {env.efficiency, &env.catalog}; }

}  // namespace

namespace {

// A multi-GPU scenario without a layout is estimated at the planner's best layout (issue 18:
// the same layout `plan --gpus N` puts first, with its micro-batch and checkpointing), so
// estimate and plan give one answer. False when the planner finds none (the scenario is
// then estimated as given and says why).
bool PlanLayout(workload::Scenario& s, const Environment& env, std::string* why) {
  if (s.parallelism.specified || s.hardware.TotalGpus() <= 1) return false;
  plan::PlanOptions o;
  o.gpus = s.hardware.TotalGpus();
  o.top_k = 1;
  o.space.restack = io::RestackDefault;
  const plan::PlanReport r = plan::Search(s, ContextOf(env), o);
  if (r.plans.empty()) {
    *why = "the planner found no layout that fits on " + std::to_string(o.gpus) +
           " GPUs: estimated with data parallelism (tp 1, pp 1), which does not fit either";
    return false;
  }
  s = plan::BestPlanned(s, r);
  io::RestackDefault(s);
  return true;
}

// A GPU count that no layout divides (768 GPUs for a global batch of 1024 sequences) is
// planned on the whole-node count below it, down to half of it, whose best plan trains
// fastest; the other GPUs stay idle and a note says so (issue 12: counts are answered,
// not refused).
plan::PlanReport SearchUsingWholeNodes(const workload::Scenario& s, const Environment& env,
                                       plan::PlanOptions o) {
  const int asked = o.gpus;
  const int node = std::max(1, s.hardware.count);
  std::optional<InputError> refused;  // why the count asked for has no layout
  try {
    return plan::Search(s, ContextOf(env), o);  // also validates the count
  } catch (const InputError& e) {
    if (e.problem() != "no parallel layout fits") throw;
    refused = e;
  }
  std::optional<plan::PlanReport> best;
  const auto speed = [](const plan::PlanReport& p) {
    return p.plans.empty() ? 0.0 : p.plans.front().throughput.tokens_per_s;
  };
  for (o.gpus = asked - node; o.gpus >= 1 && 2 * o.gpus >= asked; o.gpus -= node) {
    try {
      plan::PlanReport r = plan::Search(s, ContextOf(env), o);
      if (!best || speed(r) > speed(*best)) best = std::move(r);
    } catch (const InputError& e) {
      if (e.problem() != "no parallel layout fits") throw;
    }
  }
  if (!best) throw *refused;
  best->idle_gpus = asked - best->gpus;
  best->notes.insert(best->notes.begin(),
                     "uses " + std::to_string(best->gpus) + " of the " + std::to_string(asked) +
                         " GPUs (the fastest count below it that a layout divides): no layout "
                         "splits " +
                         std::to_string(asked) +
                         " GPUs into data-parallel groups that divide the global batch of " +
                         std::to_string(best->global_batch) + " sequences; " +
                         std::to_string(best->idle_gpus) +
                         " stay idle (or choose a global batch the count divides)");
  return *best;
}

// The scenario as estimate and fit judge it: built, and laid out by the planner when it has
// several GPUs and no layout.
struct Resolved {
  workload::Scenario s;
  bool planned = false;
  std::string no_plan;  // why the planner's layout could not be used
};
Resolved Resolve(const ScenarioRequest& req, const Environment& env) {
  Resolved r{BuildScenario(req, env), false, {}};
  r.planned = PlanLayout(r.s, env, &r.no_plan);
  return r;
}

}  // namespace

estimate::EstimateResult Estimate(const ScenarioRequest& req, const Environment& env,
                                  const EstimateOptions& opt) {
  const auto [s, planned, no_plan] = Resolve(req, env);
  Explanation explain;
  estimate::EstimateResult r = estimate::Estimate(s, ContextOf(env), &explain);
  if (planned) r.layout_source = "planner";
  if (!no_plan.empty()) r.warnings.push_back(no_plan);
  if (!opt.explain) r.basis.clear();  // warnings always; the basis only when asked
  return r;
}

nlohmann::json EstimateJson(const ScenarioRequest& req, const Environment& env,
                            const EstimateOptions& opt) {
  return report::EstimateJson(Estimate(req, env, opt));
}

double ParseMemoryGb(std::string_view text, const std::string& field) {
  const std::string accepted =
      "a memory size in GiB from 0 to 100000 (24, 24GiB, or 24GB as cards are labelled)";
  std::string s;
  for (char c : text)
    if (c != ' ') s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* unit : {"gib", "gb", "g"})
    if (s.size() > std::strlen(unit) && s.ends_with(unit)) {
      s.resize(s.size() - std::strlen(unit));
      break;
    }
  double v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v) || v < 0 ||
      v > 1e5)
    throw InputError(field, std::string(text), accepted);
  return v;
}

namespace {

std::string Shortest(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// Throws InputError naming `prefix` + the limit's key when `v` is outside it.
void CheckLimit(double v, const workload::FieldLimit& l, std::string_view prefix) {
  if (v >= l.min && v <= l.max) return;
  throw InputError(Name(prefix, l.key), Shortest(v),
                   (l.integer ? "an integer from " : "a number from ") + Shortest(l.min) + " to " +
                       Shortest(l.max),
                   "out of range");
}

}  // namespace

void CheckRecommendOptions(const RecommendOptions& opt, std::string_view prefix) {
  if (opt.top < 1 || opt.top > 100)
    throw InputError(Name(prefix, "top"), std::to_string(opt.top), "an integer from 1 to 100",
                     "out of range");
  CheckLimit(opt.months, workload::kMonths, prefix);
  CheckLimit(opt.hours_per_month, workload::kHoursPerMonth, prefix);
  if (opt.min_vram_gb && !(*opt.min_vram_gb >= 0 && *opt.min_vram_gb <= 1e5))
    throw InputError(Name(prefix, "min-vram"), std::to_string(*opt.min_vram_gb),
                     "a number of GiB from 0 to 100000", "out of range");
}

RecommendOutput Recommend(const ScenarioRequest& req, const Environment& env,
                          const RecommendOptions& opt, std::string_view prefix) {
  CheckRecommendOptions(opt, prefix);
  RecommendOutput out{BuildScenario(req, env), {}, std::nullopt};
  const advise::Inputs inputs{&env.catalog, env.efficiency, &io::BuiltinPlatforms(),
                              &io::RestackDefault};
  ;
  advise::RecommendOptions ro;
  ro.top_n = opt.top;
  ro.min_vram_gb = opt.min_vram_gb;
  ro.cost.horizon_months = opt.months;
  ro.cost.hours_per_month = opt.hours_per_month;
  out.result = advise::Recommend(out.scenario, inputs, ro);
  // The embedded default scenario (a first project) gets the beginner guidance (C14).
  if (req.IsDefault()) out.guidance = advise::BuildGuidance(out.scenario, out.result, inputs);
  return out;
}

nlohmann::json RecommendJson(const RecommendOutput& out) {
  return report::RecommendJson(out.result, out.guidance ? &*out.guidance : nullptr);
}

nlohmann::json RecommendJson(const ScenarioRequest& req, const Environment& env,
                             const RecommendOptions& opt, std::string_view prefix) {
  return RecommendJson(Recommend(req, env, opt, prefix));
}

advise::FitResult Fit(const ScenarioRequest& req, const Environment& env, const FitOptions& opt) {
  const workload::Scenario s = Resolve(req, env).s;
  advise::FitOptions fo;
  fo.allow_shorter_seq = opt.allow_shorter_seq;
  return advise::MakeItFit(s, ContextOf(env), fo);
}

nlohmann::json FitJson(const ScenarioRequest& req, const Environment& env, const FitOptions& opt) {
  return report::FitJson(Fit(req, env, opt));
}

plan::PlanReport Plan(const ScenarioRequest& req, const Environment& env,
                      const PlanRequestOptions& opt, std::string_view prefix) {
  const plan::StrategyKind strategy =
      ParseEnumOrThrow(plan::kStrategies, Name(prefix, "strategy"), opt.strategy);
  if (opt.threads < 0)
    throw InputError(Name(prefix, "threads"), std::to_string(opt.threads), "0 (all cores) or more",
                     "out of range");
  const workload::Scenario s = BuildScenario(req, env);
  plan::PlanOptions o;
  o.gpus = opt.gpus.value_or(s.hardware.TotalGpus());
  o.top_k = opt.top;
  o.strategy = strategy;
  o.threads = opt.threads;
  o.allow_tight = !opt.safe;
  o.prefer_tight = opt.prefer_tight;
  o.space.restack = io::RestackDefault;
  try {
    plan::PlanReport r = SearchUsingWholeNodes(s, env, o);
    plan::AddJobFigures(s, ContextOf(env), o.space.restack, &r);
    return r;
  } catch (const InputError& e) {
    RethrowRenamed(e, prefix);
  }
}

nlohmann::json PlanJson(const ScenarioRequest& req, const Environment& env,
                        const PlanRequestOptions& opt, std::string_view prefix) {
  return report::PlanJson(Plan(req, env, opt, prefix));
}

}  // namespace gpuadv::api
