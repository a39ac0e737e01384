#pragma once
#include "gpuadv/core/explain.h"
#include "gpuadv/workload/scenario.h"

namespace gpuadv::workload {

/// Appends every input of the scenario (model shape, method, precision, batch, hardware,
/// parallelism, system) to the basis, so `--explain` shows what the estimate used.
void DescribeScenario(const Scenario& s, Explanation& explain);

}  // namespace gpuadv::workload
