// Hugging Face accelerate config YAML for FSDP. Keys as `accelerate config` writes them
// (huggingface/accelerate src/accelerate/commands/config/cluster.py; documented in
// docs/source/usage_guides/fsdp.md and docs/source/concept_guides/fsdp_and_deepspeed.md).
#include "gpuadv/export/config_tree.h"
#include "gpuadv/export/writers.h"

namespace gpuadv::launch {
namespace {

using workload::Offload;
using workload::Precision;

// FSDP sharding strategy for a ZeRO stage (accelerate's FSDP_SHARDING_STRATEGY names):
// FULL_SHARD = ZeRO-3, SHARD_GRAD_OP = ZeRO-2, NO_SHARD = DDP; HYBRID_SHARD(_ZERO2) shard
// within a node and replicate across nodes.
const char* ShardingStrategy(const workload::Parallelism& p) {
  if (p.zero == 0) return "NO_SHARD";
  if (p.shard_group > 0) return p.zero >= 3 ? "HYBRID_SHARD" : "HYBRID_SHARD_ZERO2";
  return p.zero >= 3 ? "FULL_SHARD" : "SHARD_GRAD_OP";
}

}  // namespace

LaunchConfig WriteAccelerateFsdp(const workload::Scenario& s) {
  LaunchConfig out;
  out.engine = Engine::kAccelerateFsdp;
  const auto& p = s.parallelism;
  const int nodes = s.hardware.nodes;
  ConfigNode root;
  root.Str("compute_environment", "LOCAL_MACHINE");
  root.Str("distributed_type", "FSDP");
  root.Str("downcast_bf16", "no", true);
  ConfigNode& f = root.Object("fsdp_config");
  f.Bool("fsdp_activation_checkpointing",
         s.training.activation_checkpointing == workload::Checkpointing::kFull);
  f.Str("fsdp_auto_wrap_policy", "TRANSFORMER_BASED_WRAP");
  f.Str("fsdp_backward_prefetch", "BACKWARD_PRE");
  f.Bool("fsdp_cpu_ram_efficient_loading", true);
  f.Bool("fsdp_forward_prefetch", false);
  f.Bool("fsdp_offload_params", p.offload == Offload::kOptimizerParams);
  f.Str("fsdp_sharding_strategy", ShardingStrategy(p));
  f.Str("fsdp_state_dict_type", "SHARDED_STATE_DICT");
  f.Bool("fsdp_sync_module_states", true);
  f.Bool("fsdp_use_orig_params", true);
  root.Int("machine_rank", 0);
  if (nodes > 1) {
    root.Str("main_process_ip", "MASTER_ADDR", true);
    root.Int("main_process_port", 29500);
  }
  root.Str("main_training_function", "main");
  switch (s.training.precision) {
    case Precision::kBf16Mixed:
      root.Str("mixed_precision", "bf16");
      break;
    case Precision::kFp16Mixed:
      root.Str("mixed_precision", "fp16");
      break;
    case Precision::kFp8Mixed:
      root.Str("mixed_precision", "fp8");
      break;
    case Precision::kBf16:
      root.Str("mixed_precision", "no", true);
      out.notes.push_back("pure bf16: load the model in torch.bfloat16 (no autocast)");
      break;
    case Precision::kFp32:
      root.Str("mixed_precision", "no", true);
      break;
  }
  root.Int("num_machines", nodes);
  root.Int("num_processes", s.hardware.TotalGpus());
  root.Bool("use_cpu", false);

  const std::string batch =
      "per_device_train_batch_size " + std::to_string(s.training.micro_batch) +
      ", gradient_accumulation_steps " + std::to_string(s.MicroBatchesPerStep());
  out.files.push_back({"fsdp_config.yaml", PlanSummary(s) + "\n# " + batch +
                                               " (TrainingArguments or your loop)\n" + Yaml(root)});
  out.keys = KeyPaths(root);
  out.launch = "accelerate launch --config_file " + out.Main().name + " train.py";
  out.notes.insert(out.notes.begin(), "train.py: " + batch);
  if (nodes > 1)
    out.notes.push_back("on each node set machine_rank (0.." + std::to_string(nodes - 1) +
                        ") and main_process_ip to the first node's address");
  if (s.training.method == workload::Method::kLora || s.training.method == workload::Method::kQlora)
    out.notes.push_back("adapters: apply the PEFT LoRA config (rank " +
                        std::to_string(s.training.lora.rank) + ") before accelerator.prepare");
  return out;
}

}  // namespace gpuadv::launch
