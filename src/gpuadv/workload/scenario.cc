#include "gpuadv/workload/scenario.h"

#include <algorithm>

namespace gpuadv::workload {

int Scenario::DataParallel() const {
  const int model_parallel = parallelism.tp * parallelism.pp * parallelism.cp;
  return std::max(1, hardware.TotalGpus() / std::max(1, model_parallel));
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
