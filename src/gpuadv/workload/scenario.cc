#include "gpuadv/workload/scenario.h"

#include <algorithm>

namespace gpuadv::workload {

int Scenario::DataParallel() const {
  // In 64 bits: degrees up to 10^6 each would overflow int before validation rejects them.
  const long long model_parallel =
      static_cast<long long>(parallelism.tp) * parallelism.pp * parallelism.cp;
  const long long gpus = static_cast<long long>(hardware.count) * hardware.nodes;
  return static_cast<int>(std::clamp(gpus / std::max(1LL, model_parallel), 1LL, 2147483647LL));
}

long long Scenario::GlobalBatch() const {
  if (training.global_batch > 0) return training.global_batch;
  return training.micro_batch * DataParallel();
}

long long Scenario::MicroBatchesPerStep() const {
  const long long per_replica = training.micro_batch * DataParallel();
  return std::max<long long>(1, (GlobalBatch() + per_replica - 1) / per_replica);
}

}  // namespace gpuadv::workload
