#pragma once
// The per-engine writers behind launch::Export. Internal to src/gpuadv/export.
#include "gpuadv/export/launch.h"

namespace gpuadv::launch {

LaunchConfig WriteDeepSpeed(const workload::Scenario& s);
LaunchConfig WriteAccelerateFsdp(const workload::Scenario& s);
LaunchConfig WriteMegatron(const workload::Scenario& s);
LaunchConfig WriteTorchrun(const workload::Scenario& s);

/// "# gpu-advisor plan: llama-3.1-70b on 64 x h100-sxm: tp8 pp2 ..." (no trailing newline).
std::string PlanSummary(const workload::Scenario& s);

}  // namespace gpuadv::launch
