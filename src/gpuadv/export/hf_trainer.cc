// Hugging Face Trainer / TRL launch (issue 15 "a generic torchrun + HF Trainer/accelerate
// launch for non-Megatron jobs"): TRL's SFTConfig (TrainingArguments plus max_length and
// packing; huggingface/trl trl/trainer/sft_config.py, base_config.py) as the JSON file
// HfArgumentParser.parse_json_file reads, PEFT's LoraConfig (huggingface/peft
// src/peft/tuners/lora/config.py) and transformers' BitsAndBytesConfig
// (src/transformers/utils/quantization_config.py) as JSON, the DeepSpeed or accelerate FSDP
// config of the other writers, and a train.py that wires them together. The key lists with
// their commits are tests/data/engine_keys/{transformers,trl,peft,bitsandbytes}_keys.txt.
#include "gpuadv/export/config_tree.h"
#include "gpuadv/export/writers.h"
#include "gpuadv/workload/method_traits.h"

namespace gpuadv::launch {

std::string_view HfOptimizerName(workload::Optimizer o) {
  // transformers OptimizerNames (src/transformers/training_args.py).
  switch (o) {
    case workload::Optimizer::kAdamW:
      return "adamw_torch_fused";
    case workload::Optimizer::kAdamW8bit:
      return "adamw_bnb_8bit";
    case workload::Optimizer::kPagedAdamW:
      return "paged_adamw_32bit";
    case workload::Optimizer::kPagedAdamW8bit:
      return "paged_adamw_8bit";
    case workload::Optimizer::kSgd:
      return "sgd";
    case workload::Optimizer::kAdafactor:
      return "adafactor";
    case workload::Optimizer::kLion:
      return "lion_32bit";
  }
  return "adamw_torch_fused";
}

namespace {

using workload::Checkpointing;
using workload::Precision;

constexpr const char* kArgsFile = "sft_config.json";
constexpr const char* kLoraFile = "lora_config.json";
constexpr const char* kBnbFile = "bnb_config.json";

// Liger's loss (the chunked loss) or its kernels (StackTraits::fused_modules): transformers'
// use_liger_kernel runs both.
bool UsesLiger(const workload::Training& t) {
  return t.loss == workload::Loss::kChunked || t.stack.FusesAll(workload::kLigerFusedModules);
}

// The SFTConfig: batch split, optimizer, precision, checkpointing, sequence length and packing
// as the estimate assumed. TRL defaults gradient_checkpointing and bf16 to true, so both are
// always written.
void TrainingArguments(const workload::Scenario& s, ConfigNode* root) {
  const auto& t = s.training;
  const std::string model = s.model.id.empty() ? s.model_ref : s.model.id;
  root->Str("output_dir", "./outputs/" + model);
  root->Int("per_device_train_batch_size", t.micro_batch);
  root->Int("gradient_accumulation_steps", s.MicroBatchesPerStep());
  root->Real("num_train_epochs", 1);
  root->Real("learning_rate", TrainsAdapters(t.method) ? 2e-4 : 2e-5);
  root->Str("optim", std::string(HfOptimizerName(t.optimizer)));
  root->Real("max_grad_norm", 1.0);  // = the DeepSpeed config's gradient_clipping
  const bool fp16 = t.precision == Precision::kFp16Mixed;
  root->Bool("bf16", !fp16 && t.precision != Precision::kFp32);
  root->Bool("fp16", fp16);
  const bool ckpt = t.activation_checkpointing == Checkpointing::kFull;
  root->Bool("gradient_checkpointing", ckpt);
  if (ckpt) root->Object("gradient_checkpointing_kwargs").Bool("use_reentrant", false);
  if (t.activation_offload) root->Bool("activation_offloading", true);
  // Liger's fused linear cross-entropy computes the loss in chunks (the chunked loss); its
  // RMSNorm, RoPE and SwiGLU kernels are the stack's fused_modules. Either asks for Liger.
  root->Bool("use_liger_kernel", UsesLiger(t));
  root->Bool("torch_compile", AssumesCompile(s));
  root->Int("max_length", t.seq_len);
  root->Bool("packing", true);  // packed seq_len-token samples, as the estimate counts
  root->Real("logging_steps", 10);
  root->Str("report_to", "none");
  if (ViaDeepSpeed(s.parallelism) && s.parallelism.zero > 0)
    root->Str("deepspeed", "ds_config.json");
  else if (s.hardware.TotalGpus() > 1 && !ViaFsdp(s) && TrainsAdapters(t.method))
    root->Bool("ddp_find_unused_parameters", false);  // DDP over a frozen base
}

ConfigNode LoraConfig(const workload::Scenario& s) {
  const auto& l = s.training.lora;
  ConfigNode root;
  root.Int("r", l.rank);
  root.Real("lora_alpha", l.alpha);
  root.Real("lora_dropout", l.dropout);
  if (l.all_linear)
    root.Str("target_modules", "all-linear");
  else
    root.List("target_modules", l.targets);
  if (workload::Adapter(s.training.method).weight_decomposed) root.Bool("use_dora", true);
  root.Str("bias", "none");
  root.Str("task_type", "CAUSAL_LM");
  return root;
}

// NF4 / FP4 4-bit or LLM.int8() base weights; under FSDP the 4-bit weights are stored in bf16
// so FSDP can shard them (bitsandbytes FSDP-QLoRA).
ConfigNode BnbConfig(const workload::Scenario& s) {
  const auto& q = s.training.quantization;
  ConfigNode root;
  if (q.bits == 8) {
    root.Bool("load_in_8bit", true);
    return root;
  }
  root.Bool("load_in_4bit", true);
  root.Str("bnb_4bit_quant_type", q.type);
  root.Str("bnb_4bit_compute_dtype",
           s.training.precision == Precision::kFp16Mixed ? "float16" : "bfloat16");
  root.Bool("bnb_4bit_use_double_quant", q.double_quant);
  if (ViaFsdp(s)) root.Str("bnb_4bit_quant_storage", "bfloat16");
  return root;
}

// The training script: reads the JSON files above and runs TRL's SFTTrainer.
std::string TrainScript(const workload::Scenario& s) {
  const bool adapters = TrainsAdapters(s.training.method);
  const char* attn = s.training.attention == workload::Attention::kFlash  ? "flash_attention_2"
                     : s.training.attention == workload::Attention::kSdpa ? "sdpa"
                                                                          : "eager";
  std::string py = PlanSummary(s) +
                   "\nimport json\n\nimport torch\nfrom datasets import "
                   "load_dataset\nfrom transformers import AutoModelForCausalLM, "
                   "BitsAndBytesConfig, HfArgumentParser\nfrom trl import SFTConfig, "
                   "SFTTrainer\n";
  if (adapters) py += "from peft import LoraConfig\n";
  py += "\n(args,) = HfArgumentParser(SFTConfig).parse_json_file(\"" + std::string(kArgsFile) +
        "\")\n";
  // lora.base_dtype fp32: the base stays fp32 and the Trainer's --bf16 / --fp16 autocasts.
  const std::string dtype = s.Fp32FrozenBase()
                                ? "torch.float32"
                                : "torch.bfloat16 if args.bf16 else torch.float16 if args.fp16 "
                                  "else torch.float32";
  py += "model = AutoModelForCausalLM.from_pretrained(\n    \"" + HfRepo(s) +
        "\",\n    dtype=" + dtype + ",\n    attn_implementation=\"" + attn + "\",\n";
  if (QuantizedBase(s))
    py += "    quantization_config=BitsAndBytesConfig(**json.load(open(\"" + std::string(kBnbFile) +
          "\"))),\n";
  py += ")\n";
  py += adapters
            ? "peft_config = LoraConfig(**json.load(open(\"" + std::string(kLoraFile) + "\")))\n"
            : "peft_config = None\n";
  py +=
      "dataset = load_dataset(\"tatsu-lab/alpaca\", split=\"train\")  # replace with yours\n"
      "trainer = SFTTrainer(model=model, args=args, train_dataset=dataset, "
      "peft_config=peft_config)\ntrainer.train()\n";
  return py;
}

}  // namespace

std::optional<std::string> HfTrainerUnsupported(const workload::Scenario& s) {
  const auto& t = s.training;
  if (HfRepo(s).empty())
    return "hf-trainer: from_pretrained needs the model's Hugging Face repository (a catalog "
           "model with an org/name alias)";
  if (!HasFineTuningRecipe(t.method))
    return "hf-trainer: method " + std::string(EnumName(workload::kMethods, t.method)) +
           " (method: " + RecipeMethods() + "; pretraining: megatron or torchrun)";
  if (QuantizedBase(s) &&
      !(t.quantization.bits == 8 || (t.quantization.bits == 4 && (t.quantization.type == "nf4" ||
                                                                  t.quantization.type == "fp4"))))
    return "hf-trainer: training.quantization " + t.quantization.type +
           " — bitsandbytes loads 4-bit NF4 / FP4 or 8-bit (type: nf4 or fp4, or bits: 8)";
  if (t.precision == Precision::kFp8Mixed)
    return "hf-trainer: precision fp8-mixed has no TrainingArguments switch (use "
           "accelerate-fsdp, or precision: bf16-mixed)";
  if (t.optimizer_in_backward)
    return "hf-trainer: optimizer_in_backward has no TrainingArguments key "
           "(optimizer_in_backward: false)";
  if (ViaDeepSpeed(s.parallelism) && s.parallelism.shard_group > 0)
    return "hf-trainer: DeepSpeed has no HSDP shard group (shard_group: 0)";
  if (s.parallelism.offload == workload::Offload::kOptimizerParams && s.parallelism.zero < 3)
    return "hf-trainer: parameter offload needs ZeRO-3 / FSDP full sharding";
  if (ViaFsdp(s)) return Unsupported(Engine::kAccelerateFsdp, s);
  if (s.parallelism.offload != workload::Offload::kNone && s.parallelism.zero == 0)
    return "hf-trainer: offload needs DeepSpeed ZeRO 1-3 (zero: 1-3)";
  return std::nullopt;
}

LaunchConfig WriteHfTrainer(const workload::Scenario& s) {
  LaunchConfig out;
  out.engine = Engine::kHfTrainer;
  ConfigNode args;
  TrainingArguments(s, &args);
  out.files.push_back({kArgsFile, Json(args)});
  out.keys = KeyPaths(args);
  out.files.push_back({"train.py", TrainScript(s)});
  if (TrainsAdapters(s.training.method)) out.files.push_back({kLoraFile, Json(LoraConfig(s))});
  if (QuantizedBase(s)) out.files.push_back({kBnbFile, Json(BnbConfig(s))});

  const auto& p = s.parallelism;
  std::string launcher;
  if (ViaFsdp(s)) {
    const LaunchConfig fsdp = WriteAccelerateFsdp(s);
    out.files.push_back(fsdp.Main());
    launcher = "accelerate launch --config_file " + fsdp.Main().name;
  } else {
    if (ViaDeepSpeed(p) && p.zero > 0) {
      const LaunchConfig ds = WriteDeepSpeed(s);
      out.files.push_back(ds.Main());
      for (const auto& n : ds.notes)
        if (n.rfind("optimizer", 0) == 0) out.notes.push_back(n);
    }
    launcher = s.hardware.TotalGpus() > 1 ? LaunchLine(TorchrunLauncher(s)) : "python";
  }
  out.launch = launcher + " train.py";
  out.notes.push_back("train.py: TRL SFTTrainer reading " + std::string(kArgsFile) +
                      (TrainsAdapters(s.training.method) ? ", " + std::string(kLoraFile) : "") +
                      (QuantizedBase(s) ? ", " + std::string(kBnbFile) : "") +
                      "; the dataset (tatsu-lab/alpaca) is a placeholder, packed to max_length " +
                      std::to_string(s.training.seq_len) + " tokens as the estimate assumed");
  if (s.hardware.nodes > 1)
    out.notes.push_back("multi-node: run the launch line on every node (" +
                        std::string(ViaFsdp(s) ? "machine_rank and main_process_ip in the "
                                                 "accelerate config"
                                               : "same --rdzv-endpoint") +
                        ")");
  const bool chunked = s.training.loss == workload::Loss::kChunked;
  const bool liger_modules = s.training.stack.FusesAll(workload::kLigerFusedModules);
  if (chunked && liger_modules)
    out.notes.push_back(
        "loss and kernels: use_liger_kernel runs Liger's fused linear cross-entropy (the chunked "
        "loss) and its RMSNorm, RoPE and SwiGLU kernels, as the estimate assumed (needs the "
        "liger-kernel package)");
  else if (chunked)
    out.notes.push_back(
        "loss: use_liger_kernel runs Liger's fused linear cross-entropy, the chunked loss the "
        "estimate assumed (needs the liger-kernel package); it also fuses RMSNorm, RoPE and "
        "SwiGLU, which the estimate did not count (stack_traits fused_modules [rmsnorm, rope, "
        "swiglu] counts them)");
  else if (liger_modules)
    out.notes.push_back(
        "kernels: use_liger_kernel runs the Liger RMSNorm, RoPE and SwiGLU kernels the "
        "estimate assumed (needs the liger-kernel package); it also computes the loss with "
        "Liger's fused linear cross-entropy, whose logits the estimate (standard loss) counted "
        "in full");
  if (s.training.precision == Precision::kBf16)
    out.notes.push_back(
        "precision: bf16=true runs autocast over the loaded weights; the estimate assumed pure "
        "bf16 (load in torch.bfloat16, as train.py does)");
  return out;
}

}  // namespace gpuadv::launch
