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

// The fp8 recipe the estimate ran, as accelerate's fp8_config (huggingface/accelerate
// 16cb6eb: commands/config/cluster.py, utils/dataclasses.py TERecipeKwargs / AORecipeKwargs,
// utils/transformer_engine.py). Current (tensorwise) scaling is torchao Float8, the AO
// backend; delayed scaling is Transformer Engine's DelayedScaling, HYBRID (E4M3 forward,
// E5M2 backward); MXFP8 is Transformer Engine's MXFP8BlockScaling, switched on by an
// environment variable; accelerate has no blockwise recipe.
void Fp8Recipe(const workload::Scenario& s, ConfigNode* fp8, std::vector<std::string>* notes) {
  const auto& stack = s.training.stack;
  if (stack.fp8_recipe == workload::Fp8Recipe::kCurrent) {
    fp8->Str("backend", "AO");
    fp8->Bool("enable_fsdp_float8_all_gather", true);
    fp8->Bool("pad_inner_dim", true);
    notes->push_back(
        std::string("fp8 (torchao Float8, tensorwise current scaling): FSDP2 all-gathers the "
                    "weights in float8 (accelerate's default, kept), ") +
        (stack.fp8_all_gather ? "as the estimate counts (stack trait fp8_all_gather)"
                              : "half the volume the estimate counts (stack trait "
                                "fp8_all_gather false)"));
    if (!stack.fp8_wgrad)
      notes->push_back(
          "fp8 wgrad in 16-bit: the config file cannot say it; pass "
          "AORecipeKwargs(config=Float8LinearConfig.from_recipe_name(\"rowwise_with_gw_hp\")) "
          "to the Accelerator");
  } else {
    fp8->Str("backend", "TE");
    fp8->Str("fp8_format", "HYBRID");
    if (stack.fp8_recipe == workload::Fp8Recipe::kMxfp8)
      notes->push_back(
          "fp8 MXFP8 block scaling: set ACCELERATE_FP8_USE_MXFP8_BLOCK_SCALING=true "
          "(TERecipeKwargs use_mxfp8_block_scaling; Blackwell), else Transformer Engine runs "
          "delayed scaling");
    if (stack.fp8_recipe == workload::Fp8Recipe::kBlockwise)
      notes->push_back(
          "fp8 blockwise scaling: accelerate has no blockwise recipe (Transformer Engine "
          "DelayedScaling or MXFP8BlockScaling only); this config runs delayed scaling, "
          "which the estimate did not");
    if (!stack.fp8_wgrad)
      notes->push_back(
          "fp8 wgrad in 16-bit: set fp8_config override_linear_precision to [false, false, "
          "true] (fprop, dgrad, wgrad), or --fp8_override_linear_precision false,false,true");
  }
  if (s.training.fp8.attention)
    notes->push_back(
        "training.fp8.attention: accelerate has no switch for fp8 dot-product attention; "
        "pass a Transformer Engine recipe with fp8_dpa=True where your version has it");
  if (s.Fp8ActivationInput())
    notes->push_back(
        "training.fp8.activation_input: Hugging Face modules save the MLP activation's input in "
        "16-bit; only Megatron-Core's fused SwiGLU / GELU store it in fp8 "
        "(activation_func_fp8_input_store)");
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
    case Precision::kFp8Mixed:
      root->Str("mixed_precision", "fp8");
      Fp8Recipe(s, &root->Object("fp8_config"), notes);
      break;
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
