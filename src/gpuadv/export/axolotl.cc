// axolotl config YAML and `axolotl train` line. Keys of AxolotlInputConfig and its bases
// (axolotl-ai-cloud/axolotl src/axolotl/utils/schemas/*.py); layout as the shipped examples
// write it (examples/llama-3/qlora-1b.yml, qlora-fsdp-70b.yaml, 3b-fp8-fsdp2.yaml: fsdp_version
// 2 with fsdp_config). The key list with its commit is tests/data/engine_keys/axolotl_keys.txt.
// ZeRO-1 and optimizer-only offload go through DeepSpeed: the config names the DeepSpeed JSON
// that WriteDeepSpeed writes (axolotl `deepspeed:` key).
#include <array>
#include <string_view>

#include "gpuadv/export/config_tree.h"
#include "gpuadv/export/writers.h"
#include "gpuadv/workload/method_traits.h"

namespace gpuadv::launch {
namespace {

using workload::Checkpointing;
using workload::Offload;
using workload::Optimizer;
using workload::Precision;

// FSDP wraps each decoder layer (transformers modeling_<family>.py layer classes).
constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kDecoderLayers = {{
    {"llama", "LlamaDecoderLayer"},
    {"mistral", "MistralDecoderLayer"},
    {"qwen2", "Qwen2DecoderLayer"},
    {"qwen3", "Qwen3DecoderLayer"},
    {"gemma2", "Gemma2DecoderLayer"},
    {"phi3", "Phi3DecoderLayer"},
    {"mixtral", "MixtralDecoderLayer"},
}};

std::string_view DecoderLayer(const workload::Scenario& s) {
  for (const auto& [family, cls] : kDecoderLayers)
    if (s.model.family == family) return cls;
  return "";
}

void AdapterKeys(const workload::Scenario& s, ConfigNode* root) {
  const auto& t = s.training;
  if (workload::QuantizedBase(t.method)) {
    root->Bool(t.quantization.bits == 8 ? "load_in_8bit" : "load_in_4bit", true);
    root->Str("adapter", t.quantization.bits == 8 ? "lora" : "qlora");
  } else {
    root->Str("adapter", "lora");
  }
  root->Int("lora_r", t.lora.rank);
  root->Int("lora_alpha", static_cast<long long>(t.lora.alpha));
  root->Real("lora_dropout", t.lora.dropout);
  if (workload::Adapter(t.method).weight_decomposed) root->Bool("peft_use_dora", true);
  if (t.lora.all_linear)
    root->Bool("lora_target_linear", true);
  else
    root->List("lora_target_modules", t.lora.targets);
}

void PrecisionKeys(const workload::Scenario& s, ConfigNode* root, std::vector<std::string>* notes) {
  switch (s.training.precision) {
    case Precision::kFp16Mixed:
      root->Bool("fp16", true);
      break;
    case Precision::kFp32:
      root->Bool("bf16", false);
      break;
    case Precision::kFp8Mixed:
      root->Bool("bf16", true);
      root->Bool("fp8", true);
      break;
    case Precision::kBf16:
      root->Bool("bf16", true);
      notes->push_back(
          "precision: axolotl's bf16 runs autocast over fp32 trainable weights (bf16-mixed); "
          "the estimate assumed pure bf16, which needs less memory");
      break;
    case Precision::kBf16Mixed:
      root->Bool("bf16", true);
      break;
  }
}

void LayoutKeys(const workload::Scenario& s, ConfigNode* root) {
  const auto& p = s.parallelism;
  const bool full_ckpt = s.training.activation_checkpointing == Checkpointing::kFull;
  if (ViaDeepSpeed(p) && p.zero > 0) root->Str("deepspeed", "ds_config.json");
  if (!ViaFsdp(s)) {
    root->Bool("gradient_checkpointing", full_ckpt);
    return;
  }
  // FSDP2: reshard after forward = ZeRO-3, kept gathered = ZeRO-2; checkpointing through
  // FSDP's own wrapper.
  root->Int("fsdp_version", 2);
  ConfigNode& f = root->Object("fsdp_config");
  f.Bool("offload_params", p.offload == Offload::kOptimizerParams);
  f.Bool("cpu_ram_efficient_loading", true);
  f.Str("auto_wrap_policy", "TRANSFORMER_BASED_WRAP");
  f.Str("transformer_layer_cls_to_wrap", std::string(DecoderLayer(s)));
  f.Str("state_dict_type", "FULL_STATE_DICT");
  f.Bool("reshard_after_forward", p.zero >= 3);
  f.Bool("activation_checkpointing", full_ckpt);
  if (p.shard_group > 0) {
    root->Int("dp_shard_size", p.shard_group);
    root->Int("dp_replicate_size", s.DataParallel() / p.shard_group);
  }
}

void TrainingKeys(const workload::Scenario& s, ConfigNode* root) {
  const auto& t = s.training;
  root->Int("sequence_len", t.seq_len);
  root->Bool("sample_packing", true);  // packed seq_len-token samples, as the estimate counts
  root->Bool("pad_to_sequence_len", true);
  root->Int("micro_batch_size", t.micro_batch);
  root->Int("gradient_accumulation_steps", s.MicroBatchesPerStep());
  root->Int("num_epochs", 1);
  root->Str("optimizer", std::string(HfOptimizerName(t.optimizer)));
  root->Str("lr_scheduler", "cosine");
  root->Real("learning_rate", TrainsAdapters(s) ? 2e-4 : 2e-5);
  root->Real("max_grad_norm", 1.0);
  const char* attn = t.attention == workload::Attention::kFlash  ? "flash_attention_2"
                     : t.attention == workload::Attention::kSdpa ? "sdpa"
                                                                 : "eager";
  root->Str("attn_implementation", attn);
  if (t.activation_offload) root->Bool("activation_offloading", true);
  root->Bool("torch_compile", AssumesCompile(s));
}

}  // namespace

std::optional<std::string> AxolotlUnsupported(const workload::Scenario& s) {
  const auto& t = s.training;
  const auto& p = s.parallelism;
  if (HfRepo(s).empty())
    return "axolotl: base_model needs the model's Hugging Face repository (a catalog model "
           "with an org/name alias)";
  if (!HasFineTuningRecipe(t.method))
    return "axolotl: method " + std::string(EnumName(workload::kMethods, t.method)) +
           " (method: " + RecipeMethods() + ")";
  if (workload::QuantizedBase(t.method) && t.quantization.type != "nf4" && t.quantization.bits != 8)
    return "axolotl: training.quantization.type " + t.quantization.type +
           " — bitsandbytes 4-bit loads NF4 (type: nf4, or bits: 8)";
  if (TrainsAdapters(s) &&
      t.lora.alpha != static_cast<double>(static_cast<long long>(t.lora.alpha)))
    return "axolotl: training.lora.alpha must be a whole number (lora_alpha is an int)";
  if (s.Fp32FrozenBase())
    return "axolotl: training.lora.base_dtype fp32 — axolotl loads the base in the dtype it "
           "trains in (bf16 / fp16); use --engine hf-trainer, which loads it in fp32";
  if (ViaFsdp(s) && DecoderLayer(s).empty())
    return "axolotl: FSDP needs the decoder layer class of model family " + s.model.family;
  if (p.offload == Offload::kOptimizerParams && p.zero < 3)
    return "axolotl: parameter offload needs ZeRO-3 / FSDP full sharding";
  if (p.offload != Offload::kNone && p.zero == 0)
    return "axolotl: offload needs DeepSpeed ZeRO 1-3 (zero: 1-3)";
  if (ViaDeepSpeed(p) && p.shard_group > 0)
    return "axolotl: DeepSpeed has no HSDP shard group (shard_group: 0)";
  if (t.optimizer_in_backward)
    return "axolotl: optimizer_in_backward has no axolotl key (optimizer_in_backward: false)";
  return std::nullopt;
}

LaunchConfig WriteAxolotl(const workload::Scenario& s) {
  LaunchConfig out;
  out.engine = Engine::kAxolotl;
  const std::string model = s.model.id.empty() ? s.model_ref : s.model.id;
  ConfigNode root;
  root.Str("base_model", HfRepo(s));
  if (TrainsAdapters(s)) AdapterKeys(s, &root);
  ConfigNode& data = root.Sequence("datasets").Object("");
  data.Str("path", "tatsu-lab/alpaca");
  data.Str("type", "alpaca");
  root.Str("output_dir", "./outputs/" + model);
  TrainingKeys(s, &root);
  PrecisionKeys(s, &root, &out.notes);
  LayoutKeys(s, &root);
  out.files.push_back({"axolotl.yaml", PlanSummary(s) + "\n" + Yaml(root)});
  out.keys = KeyPaths(root);
  if (ViaDeepSpeed(s.parallelism) && s.parallelism.zero > 0) {
    const LaunchConfig ds = WriteDeepSpeed(s);
    out.files.push_back(ds.Main());
  }

  // `axolotl train` launches through accelerate on all local GPUs; across nodes it takes
  // torchrun's options after `--` (axolotl/cli/main.py train --launcher).
  out.launch = "axolotl train " + out.Main().name;
  if (s.hardware.nodes > 1)
    out.launch += " --launcher torchrun -- " + LaunchLine(TorchrunLauncher(s), "").substr(1);
  out.notes.push_back(
      "dataset: datasets[0] is a placeholder (tatsu-lab/alpaca); samples are "
      "packed to sequence_len as the estimate assumed");
  return out;
}

}  // namespace gpuadv::launch
