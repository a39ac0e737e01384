// torchtune recipe config YAML and `tune run` line. Keys as the recipes read them
// (pytorch/torchtune recipes/{lora,full}_finetune_{single_device,distributed}.py, cfg.x and
// cfg.get("x")) and as the shipped configs give the components (recipes/configs/llama3_1/
// 8B_qlora_single_device.yaml, 70B_lora.yaml, 8B_full.yaml); the key list with its commit is
// tests/data/engine_keys/torchtune_keys.txt.
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

// The models torchtune builds (torchtune/models/llama3_1, llama3_2 __init__.py) and their
// Hugging Face checkpoint files as the shipped configs list them.
struct TuneModel {
  std::string_view id;       // catalog id
  std::string_view package;  // torchtune.models.<package>
  std::string_view builder;  // <builder>, lora_<builder>, qlora_<builder>
  std::string_view shards;   // max_filename of model-{}-of-{}.safetensors; "" = one file
};
constexpr std::array<TuneModel, 5> kTuneModels = {{
    {"llama-3.2-1b", "llama3_2", "llama3_2_1b", ""},          // llama3_2/1B_lora.yaml
    {"llama-3.2-3b", "llama3_2", "llama3_2_3b", "00002"},     // llama3_2/3B_lora.yaml
    {"llama-3.1-8b", "llama3_1", "llama3_1_8b", "00004"},     // llama3_1/8B_lora.yaml
    {"llama-3.1-70b", "llama3_1", "llama3_1_70b", "00030"},   // llama3_1/70B_lora.yaml
    {"llama-3.1-405b", "llama3_1", "llama3_1_405b", "00191"}  // llama3_1/405B_qlora.yaml
}};

const TuneModel* FindModel(const workload::Scenario& s) {
  for (const auto& m : kTuneModels)
    if (m.id == s.model.id) return &m;
  return nullptr;
}

// torchtune's LoRA attention modules (torchtune/modules/peft LORA_ATTN_MODULES) for the
// Hugging Face projection names; the MLP takes adapters on all three projections or none.
constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kAttnModules = {
    {{"q_proj", "q_proj"}, {"k_proj", "k_proj"}, {"v_proj", "v_proj"}, {"o_proj", "output_proj"}}};
constexpr std::array<std::string_view, 3> kMlpModules = {"gate_proj", "up_proj", "down_proj"};

struct TuneTargets {
  std::vector<std::string> attn;
  bool mlp = false;
  bool output = false;
  std::string error;  // why the targets cannot be expressed
};

TuneTargets Targets(const workload::LoraConfig& l) {
  TuneTargets t;
  if (l.all_linear) {
    for (const auto& [hf, tune] : kAttnModules) t.attn.emplace_back(tune);
    t.mlp = true;
    return t;
  }
  int mlp = 0;
  for (const auto& target : l.targets) {
    bool known = false;
    for (const auto& [hf, tune] : kAttnModules)
      if (target == hf) t.attn.emplace_back(tune), known = true;
    for (std::string_view m : kMlpModules)
      if (target == m) ++mlp, known = true;
    if (target == "lm_head") t.output = known = true;
    if (!known) t.error = "torchtune has no LoRA target " + target;
  }
  if (mlp != 0 && mlp != static_cast<int>(kMlpModules.size()))
    t.error = "torchtune adapts gate_proj, up_proj and down_proj together (apply_lora_to_mlp)";
  t.mlp = mlp > 0;
  return t;
}

std::string Recipe(const workload::Scenario& s) {
  return std::string(TrainsAdapters(s) ? "lora_finetune_" : "full_finetune_") +
         (s.hardware.TotalGpus() > 1 ? "distributed" : "single_device");
}

// Optimizers the shipped configs name (torch.optim.AdamW, bitsandbytes.optim.PagedAdamW /
// PagedAdamW8bit).
std::string_view OptimizerComponent(Optimizer o) {
  switch (o) {
    case Optimizer::kAdamW:
      return "torch.optim.AdamW";
    case Optimizer::kPagedAdamW:
      return "bitsandbytes.optim.PagedAdamW";
    case Optimizer::kPagedAdamW8bit:
      return "bitsandbytes.optim.PagedAdamW8bit";
    default:
      return "";
  }
}

void ModelNode(const workload::Scenario& s, const TuneModel& m, ConfigNode* root) {
  const auto& t = s.training;
  ConfigNode& model = root->Object("model");
  const std::string prefix = workload::QuantizedBase(t.method) ? "qlora_"
                             : TrainsAdapters(s)               ? "lora_"
                                                               : "";
  model.Str("_component_",
            "torchtune.models." + std::string(m.package) + "." + prefix + std::string(m.builder));
  if (!TrainsAdapters(s)) return;
  const TuneTargets targets = Targets(t.lora);
  model.List("lora_attn_modules", targets.attn);
  model.Bool("apply_lora_to_mlp", targets.mlp);
  model.Bool("apply_lora_to_output", targets.output);
  model.Int("lora_rank", t.lora.rank);
  model.Real("lora_alpha", t.lora.alpha);
  model.Real("lora_dropout", t.lora.dropout);
  if (workload::Adapter(t.method).weight_decomposed) model.Bool("use_dora", true);
}

void DataNodes(const workload::Scenario& s, const TuneModel& m, const std::string& dir,
               ConfigNode* root) {
  ConfigNode& tok = root->Object("tokenizer");
  tok.Str("_component_", "torchtune.models.llama3.llama3_tokenizer");
  tok.Str("path", dir + "/original/tokenizer.model");
  tok.Int("max_seq_len", s.training.seq_len);
  ConfigNode& ck = root->Object("checkpointer");
  ck.Str("_component_", "torchtune.training.FullModelHFCheckpointer");
  ck.Str("checkpoint_dir", dir);
  if (m.shards.empty()) {
    ck.List("checkpoint_files", {"model.safetensors"});
  } else {
    ConfigNode& files = ck.Object("checkpoint_files");
    files.Str("filename_format", "model-{}-of-{}.safetensors");
    files.Str("max_filename", std::string(m.shards), true);
  }
  ck.Str("recipe_checkpoint", "null");
  ck.Str("output_dir", "${output_dir}");
  ck.Str("model_type", "LLAMA3");
  root->Bool("resume_from_checkpoint", false);
  // Packed samples of seq_len tokens, as the estimate counts them.
  ConfigNode& data = root->Object("dataset");
  data.Str("_component_", "torchtune.datasets.alpaca_cleaned_dataset");
  data.Bool("packed", true);
  root->Str("seed", "null");
  root->Bool("shuffle", true);
}

void TrainingNodes(const workload::Scenario& s, ConfigNode* root) {
  const auto& t = s.training;
  root->Int("batch_size", t.micro_batch);
  root->Int("gradient_accumulation_steps", s.MicroBatchesPerStep());
  root->Int("epochs", 1);
  root->Str("max_steps_per_epoch", "null");
  ConfigNode& opt = root->Object("optimizer");
  opt.Str("_component_", std::string(OptimizerComponent(t.optimizer)));
  opt.Real("lr", TrainsAdapters(s) ? 3e-4 : 2e-5);
  if (t.optimizer == Optimizer::kAdamW) opt.Bool("fused", true);
  if (t.optimizer_in_backward) root->Bool("optimizer_in_bwd", true);
  ConfigNode& sched = root->Object("lr_scheduler");
  sched.Str("_component_", "torchtune.training.lr_schedulers.get_cosine_schedule_with_warmup");
  sched.Int("num_warmup_steps", 100);
  // The loss the estimate assumed: chunked = LinearCrossEntropyLoss (8 chunks, each chunk's
  // fp32 log-softmax kept); standard = the whole logits upcast at once, which torchtune's
  // CEWithChunkedOutputLoss does with one chunk (16-bit logits, their fp32 copy and the fp32
  // log-softmax: the estimate's standard loss).
  ConfigNode& loss = root->Object("loss");
  if (t.loss == workload::Loss::kChunked) {
    loss.Str("_component_", "torchtune.modules.loss.LinearCrossEntropyLoss");
  } else {
    loss.Str("_component_", "torchtune.modules.loss.CEWithChunkedOutputLoss");
    loss.Int("num_output_chunks", 1);
  }
  root->Str("clip_grad_norm", "null");
  root->Bool("compile", AssumesCompile(s));
  root->Str("device", "cuda");
  root->Str("dtype", t.precision == Precision::kFp32 ? "fp32" : "bf16");
  root->Bool("enable_activation_checkpointing", t.activation_checkpointing == Checkpointing::kFull);
  root->Bool("enable_activation_offloading", t.activation_offload);
}

void DistributedNodes(const workload::Scenario& s, ConfigNode* root) {
  const auto& p = s.parallelism;
  if (s.hardware.TotalGpus() == 1) return;
  // FSDP2 fully_shard: reshard after forward is ZeRO-3, kept gathered is ZeRO-2; HSDP
  // shards within `shard_group` ranks and replicates across the groups.
  root->Bool("fsdp_reshard_after_forward", p.zero >= 3);
  root->Bool("fsdp_cpu_offload", p.offload == Offload::kOptimizerParams);
  if (p.shard_group > 0) {
    root->Int("data_parallel_shard_dim", p.shard_group);
    root->Int("data_parallel_replicate_dim", s.DataParallel() / p.shard_group);
  }
}

void LogNodes(ConfigNode* root) {
  ConfigNode& log = root->Object("metric_logger");
  log.Str("_component_", "torchtune.training.metric_logging.DiskLogger");
  log.Str("log_dir", "${output_dir}/logs");
  root->Int("log_every_n_steps", 1);
  root->Bool("log_peak_memory_stats", true);
  root->Str("log_level", "INFO");
  ConfigNode& prof = root->Object("profiler");
  prof.Str("_component_", "torchtune.training.setup_torch_profiler");
  prof.Bool("enabled", false);
}

}  // namespace

std::optional<std::string> TorchtuneUnsupported(const workload::Scenario& s) {
  const auto& t = s.training;
  const auto& p = s.parallelism;
  if (!FindModel(s)) {
    std::string ids;
    for (const auto& m : kTuneModels) ids += (ids.empty() ? "" : ", ") + std::string(m.id);
    return "torchtune: model " + (s.model.id.empty() ? s.model_ref : s.model.id) +
           " has no builder here (model: " + ids + ")";
  }
  if (!HasFineTuningRecipe(t.method))
    return "torchtune: method " + std::string(EnumName(workload::kMethods, t.method)) +
           " has no recipe (method: " + RecipeMethods() + ")";
  if (workload::QuantizedBase(t.method) &&
      (t.quantization.bits != 4 || t.quantization.type != "nf4"))
    return "torchtune: training.quantization " + t.quantization.type +
           " — QLoRA quantizes the base to NF4 only (type: nf4, bits: 4)";
  if (TrainsAdapters(s) && !Targets(t.lora).error.empty())
    return "torchtune: training.lora.targets — " + Targets(t.lora).error;
  if (OptimizerComponent(t.optimizer).empty())
    return "torchtune: optimizer " + std::string(EnumName(workload::kOptimizers, t.optimizer)) +
           " is not in its configs (optimizer: adamw, paged-adamw or paged-adamw-8bit)";
  if (t.optimizer_in_backward && TrainsAdapters(s))
    return "torchtune: optimizer_in_backward runs in the full fine-tune recipes only";
  if (t.precision == Precision::kFp16Mixed || t.precision == Precision::kFp8Mixed)
    return "torchtune: precision " + std::string(EnumName(workload::kPrecisions, t.precision)) +
           " (dtype: bf16 or fp32; precision: bf16, bf16-mixed or fp32)";
  if (t.activation_checkpointing == Checkpointing::kSelective)
    return "torchtune: activation_checkpointing selective (enable_activation_checkpointing "
           "checkpoints whole layers: full or none)";
  if (s.hardware.TotalGpus() == 1 && (p.offload != Offload::kNone || p.zero != 0))
    return "torchtune: the single-device recipes have no ZeRO/offload (zero: 0, offload: none)";
  if (s.hardware.TotalGpus() > 1 && p.zero != 2 && p.zero != 3)
    return "torchtune: the distributed recipes shard with FSDP2 (zero: 2 or 3)";
  if (p.offload == Offload::kOptimizer)
    return "torchtune: fsdp_cpu_offload moves parameters, gradients and optimizer together "
           "(offload: optimizer+params)";
  return std::nullopt;
}

LaunchConfig WriteTorchtune(const workload::Scenario& s) {
  LaunchConfig out;
  out.engine = Engine::kTorchtune;
  const TuneModel& m = *FindModel(s);
  const std::string repo = HfRepo(s);
  const std::string dir = "/tmp/" + repo.substr(repo.find('/') + 1);
  ConfigNode root;
  root.Str("output_dir", "/tmp/torchtune/" + std::string(m.id) + "_" + Recipe(s));
  ModelNode(s, m, &root);
  DataNodes(s, m, dir, &root);
  TrainingNodes(s, &root);
  DistributedNodes(s, &root);
  LogNodes(&root);
  out.files.push_back({"torchtune.yaml", PlanSummary(s) + "\n" + Yaml(root)});
  out.keys = KeyPaths(root);

  Args launcher;
  if (s.hardware.TotalGpus() > 1) launcher = TorchrunLauncher(s);
  out.launch = LaunchLine(launcher, "tune run") + " " + Recipe(s) + " --config " + out.Main().name;
  out.notes.push_back("weights: tune download " + repo + " --output-dir " + dir +
                      " (checkpointer.checkpoint_dir, tokenizer.path)");
  out.notes.push_back("dataset: alpaca_cleaned_dataset, packed to " +
                      std::to_string(s.training.seq_len) +
                      " tokens as the estimate assumed; replace dataset._component_ with yours");
  if (s.training.precision == Precision::kBf16Mixed)
    out.notes.push_back(
        "precision: torchtune trains in pure bf16 (dtype: bf16, no fp32 master weights); the "
        "estimate assumed bf16-mixed, which needs more memory");
  return out;
}

}  // namespace gpuadv::launch
