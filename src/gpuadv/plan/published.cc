#include "gpuadv/plan/published.h"

#include <iterator>

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
  if (out.best && out.speedup > 1) {
    const auto& a = out.published_throughput;
    const auto& b = out.best->throughput;
    const double ta = a.tokens_per_s, tb = b.tokens_per_s;
    const double pa[] = {a.breakdown_s.compute, a.breakdown_s.memory, a.breakdown_s.communication,
                         a.breakdown_s.bubble, a.breakdown_s.offload};
    const double pb[] = {b.breakdown_s.compute, b.breakdown_s.memory, b.breakdown_s.communication,
                         b.breakdown_s.bubble, b.breakdown_s.offload};
    const estimate::Bottleneck kinds[] = {
        estimate::Bottleneck::kCompute, estimate::Bottleneck::kMemory,
        estimate::Bottleneck::kCommunication, estimate::Bottleneck::kBubble,
        estimate::Bottleneck::kOffload};
    // Seconds per token of each term (the step processes step_time * tokens_per_s tokens).
    const double per_a = a.step_time_s * ta, per_b = b.step_time_s * tb;
    double best_drop = 0;
    for (size_t i = 0; i < std::size(pa); ++i) {
      const double drop = pa[i] / per_a - pb[i] / per_b;
      if (drop > best_drop) {
        best_drop = drop;
        out.gain_term = std::string(EnumName(estimate::kBottlenecks, kinds[i]));
      }
    }
    out.gain_term_share = per_a > 0 ? best_drop / (a.step_time_s / per_a) : 0;
  }
  return out;
}

}  // namespace gpuadv::plan
