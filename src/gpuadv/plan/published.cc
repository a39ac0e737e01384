#include "gpuadv/plan/published.h"

namespace gpuadv::plan {

PublishedComparison CompareWithPublished(const workload::Scenario& s, const estimate::Context& ctx,
                                         const PlanOptions& opt) {
  PublishedComparison out;
  out.gpus = s.hardware.TotalGpus();
  out.published_memory = estimate::EstimateMemory(s, ctx);
  out.published_throughput = estimate::EstimateThroughput(s, ctx);

  // Same cluster, same global batch: the published one (the planner's layouts divide it),
  // or what it implies.
  workload::Scenario base = s;
  if (base.training.global_batch <= 0) base.training.global_batch = s.GlobalBatch();
  PlanOptions o = opt;
  o.gpus = out.gpus;
  o.top_k = 1;
  const PlanReport rep = Search(base, ctx, o);
  out.space_size = rep.space_size;
  out.evaluated = rep.evaluated;
  out.seconds = rep.seconds;
  if (!rep.plans.empty()) out.best = rep.plans.front();
  const double published = out.published_throughput.tokens_per_s;
  if (out.best && published > 0) {
    out.speedup = out.best->throughput.tokens_per_s / published;
    // Equal within rounding counts as "as fast" (the same layout re-found).
    out.at_least_as_fast = out.speedup >= 1.0 - 1e-9;
  }
  if (out.best && out.speedup > 1) {
    // Seconds per token of each step-time term (a step processes step_time * tokens_per_s
    // tokens); the term that falls most names the gain.
    const auto& a = out.published_throughput;
    const auto& b = out.best->throughput;
    const double tokens_a = a.step_time_s * a.tokens_per_s;
    const double tokens_b = b.step_time_s * b.tokens_per_s;
    const auto pa = a.breakdown_s.Terms(), pb = b.breakdown_s.Terms();
    double best_drop = 0;
    for (size_t i = 0; i < pa.size(); ++i) {
      const double drop = pa[i] / tokens_a - pb[i] / tokens_b;
      if (drop > best_drop) {
        best_drop = drop;
        out.gain_term = std::string(estimate::kBottlenecks[i].name);
      }
    }
    out.gain_term_share = best_drop * a.tokens_per_s;  // of the published seconds per token
  }
  return out;
}

}  // namespace gpuadv::plan
