// STUB: to be implemented (memory estimator helper).
#include "gpuadv/catalog/param_count.h"
#include "gpuadv/estimate/estimate.h"

namespace gpuadv::estimate {

MemoryResult EstimateMemory(const workload::Scenario& s, Explanation*) {
  MemoryResult r;
  r.capacity_bytes = s.hardware.gpu.CapacityBytes();
  r.total_params = catalog::CountParams(s.model).total;
  r.breakdown.weights = 16 * r.total_params;
  r.peak_allocated_bytes = r.peak_reserved_bytes = r.per_gpu_bytes = r.breakdown.weights;
  return r;
}

double MemoryLowerBoundBytes(const workload::Scenario& s) {
  return catalog::CountParams(s.model).total * 2;
}

}  // namespace gpuadv::estimate
