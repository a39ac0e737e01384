#pragma once
// Reporters for `plan` (C9): the JSON contract and one Document (document.h) of a
// plan::PlanReport.
#include <nlohmann/json.hpp>
#include <string>

#include "gpuadv/plan/planner.h"
#include "gpuadv/report/document.h"

namespace gpuadv::report {

/// {"schema_version", "model", "gpu": {"id", "name"}, "gpus", "gpus_per_node", "nodes",
///  "seq_len", "global_batch", "global_batch_assumed",
///  "search": {"strategy", "threads", "space_size", "evaluated", "throughput_evaluated",
///             "fitting", "seconds", "offload_used", "rejected": {status: count}},
///  "plans": [{"rank", "tp", "pp", "vpp", "cp", "ep", "dp", "zero", "shard_group",
///             "sequence_parallel", "offload", "micro_batch", "gradient_accumulation",
///             "activation_checkpointing", "label",
///             "memory": {"per_gpu_bytes", "capacity_bytes", "fit", "breakdown_bytes": {...}},
///             "throughput": {"step_time_s", "tokens_per_s", "tokens_per_s_per_gpu", "mfu",
///                            "tflops_per_gpu", "bottleneck", "breakdown_s": {...}}}],
///  "notes": [...]}
nlohmann::json PlanJson(const plan::PlanReport& r);
/// `plan` in every format: PlanJson, the search, the ranked plans, the best plan's breakdown
/// and the notes; CSV one row per plan.
Document PlanDocument(const plan::PlanReport& r);

}  // namespace gpuadv::report
