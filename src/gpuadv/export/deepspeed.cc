// DeepSpeed config JSON. Keys as documented in deepspeedai/DeepSpeed
// docs/_pages/config-json.md (deepspeed.ai/docs/config-json): batch size parameters,
// fp16 / bf16, gradient_clipping, zero_optimization with offload_optimizer / offload_param.
#include "gpuadv/export/config_tree.h"
#include "gpuadv/export/writers.h"

namespace gpuadv::launch {

void DeepSpeedFp16(ConfigNode* root) {
  constexpr int kInitialScalePower = 16;  // DeepSpeed config-json.md default
  ConfigNode& fp16 = root->Object("fp16");
  fp16.Bool("enabled", true);
  fp16.Int("loss_scale", 0);  // 0 = dynamic loss scaling
  fp16.Int("initial_scale_power", kInitialScalePower);
}

namespace {

using workload::Checkpointing;
using workload::Offload;
using workload::Precision;

void Precision16(const workload::Scenario& s, ConfigNode* root, std::vector<std::string>* notes) {
  const int zero = s.parallelism.zero;
  switch (s.training.precision) {
    case Precision::kFp16Mixed:
      DeepSpeedFp16(root);
      break;
    case Precision::kBf16Mixed:
      root->Object("bf16").Bool("enabled", true);
      break;
    case Precision::kFp8Mixed:
      root->Object("bf16").Bool("enabled", true);
      notes->push_back(
          "fp8: DeepSpeed's config has no fp8 switch; wrap the linear layers with "
          "Transformer Engine in the model (bf16 elsewhere)");
      break;
    case Precision::kBf16: {
      ConfigNode& bf16 = root->Object("bf16");
      bf16.Bool("enabled", true);
      if (zero >= 1) {
        // Pure bf16: bf16 master weights, gradients and optimizer states (ZeRO 1-3).
        bf16.Bool("bf16_master_weights_and_grads", true);
        bf16.Bool("bf16_optimizer_states", true);
      } else {
        notes->push_back(
            "pure bf16 master weights need ZeRO 1-3 in DeepSpeed: this config "
            "keeps fp32 master weights");
      }
      break;
    }
    case Precision::kFp32:
      break;
  }
}

// With CPU offload DeepSpeed requires its own CPU optimizer (zero_force_ds_cpu_optimizer
// defaults to true), so the config names it; "auto" lets the Hugging Face integration fill
// the values from TrainingArguments (transformers integrations/deepspeed.py).
void OffloadOptimizer(const workload::Scenario& s, ConfigNode* root,
                      std::vector<std::string>* notes) {
  ConfigNode& opt = root->Object("optimizer");
  opt.Str("type", "AdamW");
  ConfigNode& params = opt.Object("params");
  for (const char* k : {"lr", "betas", "eps", "weight_decay"}) params.Str(k, "auto");
  if (s.training.optimizer != workload::Optimizer::kAdamW)
    notes->push_back("optimizer: CPU offload runs DeepSpeedCPUAdam (AdamW), not " +
                     std::string(EnumName(workload::kOptimizers, s.training.optimizer)));
  notes->push_back(
      "optimizer block: DeepSpeedCPUAdam with \"auto\" values taken from TrainingArguments "
      "(learning_rate, adam_beta1, adam_beta2, adam_epsilon, weight_decay); outside the "
      "Trainer replace \"auto\" with numbers");
}

}  // namespace

LaunchConfig WriteDeepSpeed(const workload::Scenario& s) {
  LaunchConfig out;
  out.engine = Engine::kDeepSpeed;
  const auto& p = s.parallelism;
  ConfigNode root;
  root.Int("train_batch_size", s.GlobalBatch());
  root.Int("train_micro_batch_size_per_gpu", s.training.micro_batch);
  root.Int("gradient_accumulation_steps", s.MicroBatchesPerStep());
  root.Real("gradient_clipping", 1.0);
  Precision16(s, &root, &out.notes);

  ConfigNode& zero = root.Object("zero_optimization");
  zero.Int("stage", p.zero);
  if (p.zero >= 1) {
    zero.Bool("overlap_comm", true);
    zero.Bool("contiguous_gradients", true);
    if (p.zero <= 2) zero.Bool("reduce_scatter", true);
  }
  // The buckets the estimate timed the stage 1-2 collectives in (stack trait
  // dp_bucket_params, DeepSpeed's 5e8 default unless the scenario sets its own).
  const double bucket = s.training.stack.dp_bucket_params;
  if ((p.zero == 1 || p.zero == 2) && bucket > 0) {
    zero.Int("reduce_bucket_size", static_cast<long long>(bucket));
    zero.Int("allgather_bucket_size", static_cast<long long>(bucket));
  }
  if (p.zero == 3) zero.Bool("stage3_gather_16bit_weights_on_model_save", true);
  if (p.offload != Offload::kNone) {
    ConfigNode& opt = zero.Object("offload_optimizer");
    opt.Str("device", "cpu");
    opt.Bool("pin_memory", true);
  }
  if (p.offload == Offload::kOptimizerParams) {
    ConfigNode& par = zero.Object("offload_param");
    par.Str("device", "cpu");
    par.Bool("pin_memory", true);
  }
  if (p.offload != Offload::kNone) OffloadOptimizer(s, &root, &out.notes);
  if (s.training.activation_checkpointing == Checkpointing::kFull) {
    ConfigNode& ac = root.Object("activation_checkpointing");
    ac.Bool("partition_activations", false);
    ac.Bool("contiguous_memory_optimization", false);
    ac.Bool("cpu_checkpointing", false);
    out.notes.push_back(
        "activation checkpointing: the activation_checkpointing block configures "
        "deepspeed.checkpointing; enable it per layer (Hugging Face: gradient_checkpointing=True "
        "in TrainingArguments)");
  }
  out.files.push_back({"ds_config.json", Json(root)});
  out.keys = KeyPaths(root);

  // Launcher flags go before the script; what follows it goes to the script.
  const int nodes = s.hardware.nodes, count = s.hardware.count;
  out.launch = "deepspeed" + std::string(nodes > 1 ? " --hostfile hostfile" : "") +
               " --num_nodes " + std::to_string(nodes) + " --num_gpus " + std::to_string(count) +
               " train.py --deepspeed " + out.Main().name;
  out.notes.push_back("Hugging Face Trainer: pass TrainingArguments(per_device_train_batch_size=" +
                      std::to_string(s.training.micro_batch) +
                      ", gradient_accumulation_steps=" + std::to_string(s.MicroBatchesPerStep()) +
                      ", max_grad_norm=1.0, deepspeed=\"" + out.Main().name +
                      "\"); the config's batch values must match them");
  if (TrainsAdapters(s.training.method))
    out.notes.push_back(PeftAdapterNote(s, "in the training script"));
  return out;
}

}  // namespace gpuadv::launch
