#include "gpuadv/plan/published.h"

namespace gpuadv::plan {

PublishedComparison CompareWithPublished(const workload::Scenario& s, const estimate::Context& ctx,
                                         const PlanOptions& opt) {
  PublishedComparison out;
  out.gpus = s.hardware.TotalGpus();
  out.published_memory = estimate::EstimateMemory(s);
  out.published_throughput = estimate::EstimateThroughput(s, ctx);

  // Same cluster, same global batch (the published one, or what it implies).
  workload::Scenario base = s;
  base.training.global_batch = s.GlobalBatch();
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
  return out;
}

}  // namespace gpuadv::plan
