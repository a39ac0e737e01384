// STUB: to be implemented (throughput estimator helper).
#include "gpuadv/catalog/param_count.h"
#include "gpuadv/estimate/estimate.h"

namespace gpuadv::estimate {

ThroughputResult EstimateThroughput(const workload::Scenario& s, const Context&, Explanation*) {
  ThroughputResult r;
  const double n = catalog::CountParams(s.model).total;
  r.model_flops_per_token = 6 * n;
  const double peak = s.hardware.gpu.Peak16FlopsPerS();
  const double tokens = static_cast<double>(s.GlobalBatch() * s.training.seq_len);
  r.step_time_s = peak > 0 ? r.model_flops_per_token * tokens / (0.5 * peak * s.hardware.TotalGpus()) : 0;
  r.tokens_per_s = r.step_time_s > 0 ? tokens / r.step_time_s : 0;
  r.tokens_per_s_per_gpu = r.tokens_per_s / s.hardware.TotalGpus();
  r.mfu = 0.5;
  r.breakdown_s.compute = r.step_time_s;
  return r;
}

}  // namespace gpuadv::estimate
