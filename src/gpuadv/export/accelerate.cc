// Hugging Face accelerate config YAML for FSDP. Keys as `accelerate config` writes them
// (huggingface/accelerate src/accelerate/commands/config/cluster.py; documented in
// docs/source/usage_guides/fsdp.md and docs/source/concept_guides/fsdp_and_deepspeed.md).
#include "gpuadv/export/config_tree.h"
#include "gpuadv/export/writers.h"

namespace gpuadv::launch {
namespace {

using workload::Offload;
using workload::Precision;

// FSDP2 (fsdp_version: 2, as current `accelerate config` writes) shards fully with
// reshard_after_forward true (ZeRO-3) or keeps parameters gathered with false (ZeRO-2). No
// sharding and hybrid sharding within a node stay FSDP1 strategies (fsdp_sharding_strategy
// NO_SHARD / HYBRID_SHARD(_ZERO2)).
bool Fsdp2(const workload::Parallelism& p) { return p.zero >= 2 && p.shard_group == 0; }

const char* Fsdp1Strategy(const workload::Parallelism& p) {
  if (p.zero == 0) return "NO_SHARD";
  return p.zero >= 3 ? "HYBRID_SHARD" : "HYBRID_SHARD_ZERO2";
}

void FsdpConfig(const workload::Scenario& s, ConfigNode* root) {
  const auto& p = s.parallelism;
  ConfigNode& f = root->Object("fsdp_config");
  f.Bool("fsdp_activation_checkpointing",
         s.training.activation_checkpointing == workload::Checkpointing::kFull);
  f.Str("fsdp_auto_wrap_policy", "TRANSFORMER_BASED_WRAP");
  f.Bool("fsdp_offload_params", p.offload == Offload::kOptimizerParams);
  f.Str("fsdp_state_dict_type", "SHARDED_STATE_DICT");
  if (Fsdp2(p)) {
    f.Bool("fsdp_reshard_after_forward", p.zero >= 3);
    f.Int("fsdp_version", 2);
    return;
  }
  f.Str("fsdp_backward_prefetch", "BACKWARD_PRE");
  f.Bool("fsdp_forward_prefetch", false);
  f.Str("fsdp_sharding_strategy", Fsdp1Strategy(p));
  f.Bool("fsdp_sync_module_states", true);
  f.Bool("fsdp_use_orig_params", true);
  f.Int("fsdp_version", 1);
}

void MixedPrecision(const workload::Scenario& s, ConfigNode* root,
                    std::vector<std::string>* notes) {
  switch (s.training.precision) {
    case Precision::kBf16Mixed:
      root->Str("mixed_precision", "bf16");
      break;
    case Precision::kFp16Mixed:
      root->Str("mixed_precision", "fp16");
      break;
    case Precision::kFp8Mixed: {
      // fp8 needs a recipe: Transformer Engine, HYBRID (E4M3 forward, E5M2 backward), as the
      // estimate assumes (accelerate utils/dataclasses.py TERecipeKwargs).
      root->Str("mixed_precision", "fp8");
      ConfigNode& fp8 = root->Object("fp8_config");
      fp8.Str("backend", "TE");
      fp8.Str("fp8_format", "HYBRID");
      break;
    }
    case Precision::kBf16:
      root->Str("mixed_precision", "no", true);
      notes->push_back("pure bf16: load the model in torch.bfloat16 (no autocast)");
      break;
    case Precision::kFp32:
      root->Str("mixed_precision", "no", true);
      break;
  }
}

}  // namespace

LaunchConfig WriteAccelerateFsdp(const workload::Scenario& s) {
  LaunchConfig out;
  out.engine = Engine::kAccelerateFsdp;
  const int nodes = s.hardware.nodes;
  ConfigNode root;
  root.Str("compute_environment", "LOCAL_MACHINE");
  root.Str("distributed_type", "FSDP");
  root.Str("downcast_bf16", "no", true);
  FsdpConfig(s, &root);
  root.Int("machine_rank", 0);
  if (nodes > 1) {
    root.Str("main_process_ip", "MASTER_ADDR", true);
    root.Int("main_process_port", 29500);
  }
  root.Str("main_training_function", "main");
  MixedPrecision(s, &root, &out.notes);
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
  if (TrainsAdapters(s.training.method))
    out.notes.push_back(PeftAdapterNote(s, "before accelerator.prepare"));
  return out;
}

}  // namespace gpuadv::launch
