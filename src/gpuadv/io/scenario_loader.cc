#include "gpuadv/io/scenario_loader.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "gpuadv/catalog/module_names.h"
#include "gpuadv/catalog/param_count.h"
#include "gpuadv/core/embedded.h"
#include "gpuadv/io/gpu_loader.h"
#include "gpuadv/io/hf_cache.h"
#include "gpuadv/io/model_loader.h"
#include "gpuadv/io/stack_loader.h"
#include "gpuadv/workload/limits.h"
#include "gpuadv/workload/method_traits.h"

namespace gpuadv::io {
namespace {

using workload::Scenario;

namespace lim = workload;  // the bounds on user numbers: workload/limits.h (one table)
constexpr long long kMaxGpus = static_cast<long long>(lim::kMaxGpus);

// Field `key` of `f` within `l`'s bounds (the table GET /api/schema sends the page).
std::optional<long long> Int(Fields& f, std::string_view key, const lim::FieldLimit& l,
                             Fields::Suffixes suffixes = Fields::Suffixes::kDecimal) {
  return f.Integer(key, static_cast<long long>(l.min), static_cast<long long>(l.max), suffixes);
}
std::optional<double> Num(Fields& f, std::string_view key, const lim::FieldLimit& l) {
  return f.Number(key, l.min, l.max);
}

void ParseLora(Fields f, workload::LoraConfig& l) {
  if (auto v = Int(f, "rank", lim::kLoraRank)) l.rank = static_cast<int>(*v);
  if (auto v = f.Number("alpha", 0, 1e6)) l.alpha = *v;
  if (auto v = f.Number("dropout", 0, 1)) l.dropout = *v;
  if (f.Has("targets")) {
    const Doc& t = f.Raw("targets");
    const std::string text = t.is_primitive() ? ScalarText(t) : "";
    if (text == "all-linear" || text == "all_linear") {
      l.all_linear = true;
      l.targets.clear();
    } else {
      l.targets = *f.StringList("targets");
      l.all_linear = false;
      if (l.targets.empty())
        throw InputError(f.Field("targets"), "[]", "all-linear or a list of module names", "empty");
    }
  }
  if (auto v = f.Enum("base_dtype", workload::kBaseDtypes)) l.base_dtype = *v;
  f.Finish({"rank", "alpha", "dropout", "targets", "base_dtype"});
}

// bits and type describe one format: nf4 and fp4 are 4-bit, int8 is 8-bit. Either one
// alone sets the other; both given must agree.
void ParseQuant(Fields f, workload::QuantConfig& q) {
  const auto bits = f.Integer("bits", 2, 8);
  if (bits && *bits != 4 && *bits != 8)
    throw InputError(f.Field("bits"), std::to_string(*bits), "4 | 8", "unsupported");
  const auto type = f.String("type", 16);
  if (type && *type != "nf4" && *type != "fp4" && *type != "int8")
    throw InputError(f.Field("type"), *type, "nf4 | fp4 | int8");
  if (type) q.type = *type;
  if (bits) q.bits = static_cast<int>(*bits);
  const int type_bits = q.type == "int8" ? 8 : 4;
  if (bits && type && *bits != type_bits)
    throw InputError(f.Field("type"), *type,
                     *bits == 8 ? "int8 with bits: 8 (nf4 and fp4 are 4-bit)"
                                : "nf4 | fp4 with bits: 4 (int8 is 8-bit)",
                     "does not match bits: " + std::to_string(*bits) + ",");
  if (bits && !type) q.type = *bits == 8 ? "int8" : (q.type == "int8" ? "nf4" : q.type);
  if (type && !bits) q.bits = type_bits;
  if (auto v = f.Bool("double_quant")) q.double_quant = *v;
  if (auto v = f.Integer("block_size", 16, 4096)) q.block_size = static_cast<int>(*v);
  f.Finish({"bits", "type", "double_quant", "block_size"});
}

void ParseDiffusion(Fields f, workload::DiffusionConfig& d) {
  if (auto v = Int(f, "resolution", lim::kResolution)) d.resolution = static_cast<int>(*v);
  if (auto v = f.Bool("train_text_encoders")) d.train_text_encoders = *v;
  if (auto v = f.Bool("cache_latents")) d.cache_latents = *v;
  if (auto v = f.Bool("cache_text_embeddings")) d.cache_text_embeddings = *v;
  if (auto v = f.Bool("fp8_base")) d.fp8_base = *v;
  if (auto v = f.Number("block_swap", 0, 1)) d.block_swap = *v;
  if (auto v = f.Bool("ema")) d.ema = *v;
  f.Finish({"resolution", "train_text_encoders", "cache_latents", "cache_text_embeddings",
            "fp8_base", "block_swap", "ema"});
}

void ParseTraining(Fields f, workload::Training& t) {
  if (auto v = f.Enum("method", workload::kMethods)) t.method = *v;
  if (auto m = f.Map("lora")) ParseLora(*m, t.lora);
  if (auto m = f.Map("quantization")) ParseQuant(*m, t.quantization);
  if (auto v = f.Enum("precision", workload::kPrecisions)) t.precision = *v;
  if (auto v = f.Enum("optimizer", workload::kOptimizers)) t.optimizer = *v;
  if (auto v = Int(f, "seq_len", lim::kSeqLen, Fields::Suffixes::kContext)) t.seq_len = *v;
  if (auto v = Int(f, "micro_batch", lim::kMicroBatch)) t.micro_batch = *v;
  if (auto v = Int(f, "global_batch", lim::kGlobalBatch)) t.global_batch = *v;
  if (auto v = f.Enum("activation_checkpointing", workload::kCheckpointings))
    t.activation_checkpointing = *v;
  if (auto v = f.Integer("activation_checkpointing_layers", 0, 1000000))
    t.checkpoint_layers = static_cast<int>(*v);
  if (auto v = f.StringList("recompute_modules")) {
    if (v->empty())
      throw InputError(f.Field("recompute_modules"), "[]",
                       "one or more of " + AcceptedNames(workload::kRecomputeModules) +
                           " (no recomputation: activation_checkpointing none)",
                       "empty");
    for (const auto& name : *v)
      t.recompute_modules |= static_cast<unsigned>(
          ParseEnumOrThrow(workload::kRecomputeModules, f.Field("recompute_modules"), name));
  }
  if (auto v = f.Bool("activation_offload")) t.activation_offload = *v;
  if (auto v = f.Enum("attention", workload::kAttentions)) t.attention = *v;
  if (auto v = f.Enum("loss", workload::kLosses)) t.loss = *v;
  if (auto v = f.Bool("optimizer_in_backward")) t.optimizer_in_backward = *v;
  if (auto v = f.Enum("optimizer_state_dtype", workload::kStateDtypes))
    t.optimizer_state_dtype = *v;
  if (auto v = f.Bool("optimizer_state_offload")) t.optimizer_state_offload = *v;
  if (auto v = f.Enum("framework", workload::kFrameworks, workload::kFrameworkAliases))
    t.framework = *v;
  if (auto v = f.Integer("freeze_trainable_layers", 1, 100000))
    t.freeze_trainable_layers = static_cast<int>(*v);
  if (auto v = Num(f, "tokens", lim::kTokens)) t.tokens = *v;
  if (t.tokens && f.Has("dataset"))
    throw InputError(f.Field("dataset"), "{...}",
                     "either training.tokens or training.dataset, not both",
                     "conflicts with training.tokens");
  if (auto m = f.Map("dataset")) {
    workload::Dataset d;
    auto samples = Num(*m, "samples", lim::kSamples);
    if (!samples)
      throw InputError(m->Field("samples"), "missing", "a number of samples from 1 to 1e13",
                       "required");
    d.samples = *samples;
    if (auto v = Num(*m, "epochs", lim::kEpochs)) d.epochs = *v;
    m->Finish({"samples", "epochs"});
    t.dataset = d;
  }
  if (auto v = f.Bool("chinchilla_tokens")) t.chinchilla_tokens = *v;
  if (auto m = f.Map("diffusion")) ParseDiffusion(*m, t.diffusion);
  if (f.Has("stack_traits")) {
    const Doc& traits = f.Raw("stack_traits");
    if (!traits.is_object())
      throw InputError(f.Field("stack_traits"), traits.dump(),
                       "a map of stack traits (data/stacks.yaml fields, e.g. {kernels: fused})");
    t.stack_traits = traits.dump();
  }
  if (auto m = f.Map("fp8")) {
    if (auto v = m->Enum("recipe", workload::kFp8Recipes)) t.fp8.recipe = *v;
    if (auto v = m->Bool("wgrad")) t.fp8.wgrad = *v;
    if (auto v = m->Enum("master_weights", workload::kFp8MasterWeights)) t.fp8.master_weights = *v;
    if (auto v = m->Bool("attention")) t.fp8.attention = *v;
    if (auto v = m->Bool("activation_input")) t.fp8.activation_input = *v;
    m->Finish({"recipe", "wgrad", "master_weights", "attention", "activation_input"});
  }
  f.Finish({"method",
            "lora",
            "quantization",
            "precision",
            "optimizer",
            "seq_len",
            "micro_batch",
            "global_batch",
            "activation_checkpointing",
            "activation_checkpointing_layers",
            "recompute_modules",
            "activation_offload",
            "attention",
            "loss",
            "optimizer_in_backward",
            "optimizer_state_dtype",
            "optimizer_state_offload",
            "framework",
            "freeze_trainable_layers",
            "tokens",
            "dataset",
            "chinchilla_tokens",
            "diffusion",
            "fp8",
            "stack_traits"});
}

void ParseHardware(Fields f, workload::Hardware& h, const catalog::Catalog& cat) {
  const Doc& gpu = f.Raw("gpu");
  if (!Absent(gpu)) {
    if (gpu.is_primitive()) {
      h.gpu_id = ScalarText(gpu);
      h.gpu = cat.Gpu(h.gpu_id, f.Field("gpu"));
    } else if (gpu.is_object()) {
      Fields g(gpu, f.Field("gpu"));
      h.gpu = ParseGpuVariant(g, cat);
      h.gpu_id = h.gpu.id;
      g.Finish();
    } else {
      throw InputError(f.Field("gpu"), Printable(gpu), "a GPU id or {base: ID, ...overrides}",
                       "expected");
    }
  } else {
    h.gpu_id = "rtx-4090";
    h.gpu = cat.Gpu(h.gpu_id, f.Field("gpu"));
  }
  if (auto v = Int(f, "count", lim::kGpuCount)) h.count = static_cast<int>(*v);
  if (auto v = Int(f, "nodes", lim::kNodes)) h.nodes = static_cast<int>(*v);
  if (static_cast<long long>(h.count) * h.nodes > kMaxGpus)
    throw InputError(f.Field("nodes"), std::to_string(h.nodes),
                     "count x nodes up to " + std::to_string(kMaxGpus), "too many GPUs");
  if (auto v = f.Enum("interconnect", workload::kInterconnects)) h.interconnect = *v;
  if (auto v = f.Number("network_gbps", 0.1, 1e5)) h.network_gbps = *v;
  f.Finish({"gpu", "count", "nodes", "interconnect", "network_gbps"});
}

void ParseParallelism(Fields f, workload::Parallelism& p) {
  p.specified = true;
  auto degree = [&](const char* key, int& out) {
    if (auto v = Int(f, key, lim::kDegree)) out = static_cast<int>(*v);
  };
  degree("tp", p.tp);
  degree("pp", p.pp);
  degree("vpp", p.vpp);
  degree("cp", p.cp);
  degree("ep", p.ep);
  degree("etp", p.etp);
  if (auto v = Int(f, "zero", lim::kZero)) p.zero = static_cast<int>(*v);
  if (auto v = f.Integer("shard_group", 0, kMaxGpus)) p.shard_group = static_cast<int>(*v);
  if (auto v = f.Enum("offload", workload::kOffloads)) p.offload = *v;
  if (auto v = f.Bool("sequence_parallel")) p.sequence_parallel = *v;
  if (auto v = f.Bool("pipeline_embedding_loss")) p.pipeline_embedding_loss = *v;
  if (auto v = f.Enum("cp_comm", workload::kCpComms)) p.cp_comm = *v;
  f.Finish({"tp", "pp", "vpp", "cp", "ep", "etp", "zero", "shard_group", "offload",
            "sequence_parallel", "pipeline_embedding_loss", "cp_comm"});
}

void ParseSystem(Fields f, workload::System& s) {
  if (auto v = Num(f, "psu_watts", lim::kPsuWatts)) s.psu_watts = *v;
  if (auto v = f.Number("cpu_watts", 0, 1e5)) s.cpu_watts = *v;
  if (auto v = f.Integer("pcie_gen", 1, 7)) s.pcie_gen = static_cast<int>(*v);
  if (auto v = Int(f, "gpu_slots", lim::kGpuSlots)) s.gpu_slots = static_cast<int>(*v);
  if (auto v = f.Number("host_ram_gb", 0, 1e6)) s.host_ram_gb = *v;
  if (auto v = f.Enum("cooling", workload::kCoolings)) s.cooling = *v;
  f.Finish({"psu_watts", "cpu_watts", "pcie_gen", "gpu_slots", "host_ram_gb", "cooling"});
}

void ParseConstraints(Fields f, workload::Constraints& c) {
  if (auto v = Num(f, "budget_usd", lim::kBudget)) c.budget_usd = *v;
  if (auto v = Num(f, "deadline_hours", lim::kDeadlineHours)) c.deadline_hours = *v;
  // `deadline` with its unit: "720h", "30d", "2w" (a bare number is hours).
  if (auto v = f.String("deadline", 64)) {
    const std::string accepted = "a duration such as 720h, 30d or 2w (hours, days, weeks)";
    std::string t = *v;
    double unit = 1;
    if (!t.empty()) {
      const char u = static_cast<char>(std::tolower(static_cast<unsigned char>(t.back())));
      unit = u == 'h' ? 1 : u == 'd' ? 24 : u == 'w' ? 168 : 0;
      if (unit > 0)
        t.pop_back();
      else if (std::isdigit(static_cast<unsigned char>(t.back())))
        unit = 1;
    }
    char* end = nullptr;
    const double n = t.empty() || unit <= 0 ? -1 : std::strtod(t.c_str(), &end);
    if (!(n > 0) || end != t.c_str() + t.size() || !std::isfinite(n * unit) ||
        n * unit > lim::kDeadlineHours.max)
      throw InputError(f.Field("deadline"), *v, accepted);
    c.deadline_hours = n * unit;
  }
  if (auto v = f.StringList("vendors")) {
    for (auto& s : *v) {
      for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (s != "nvidia" && s != "amd" && s != "intel")
        throw InputError(f.Field("vendors"), s, "nvidia | amd | intel");
    }
    c.vendors = *v;
  }
  if (auto v = f.StringList("frameworks")) {
    for (auto& s : *v) {
      for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (s != "pytorch" && s != "tensorflow" && s != "jax" && s != "onnxruntime")
        throw InputError(f.Field("frameworks"), s, "pytorch | tensorflow | jax | onnxruntime");
    }
    c.frameworks = *v;
  }
  if (auto v = f.Enum("acquire", workload::kAcquires)) c.acquire = *v;
  if (auto v = Num(f, "electricity_usd_per_kwh", lim::kElectricity)) c.electricity_usd_per_kwh = *v;
  f.Finish({"budget_usd", "deadline_hours", "deadline", "vendors", "frameworks", "acquire",
            "electricity_usd_per_kwh"});
}

// An inline model gives both its shape and `params`: a count off by more than a factor of
// 2 from what the shape computes is a contradiction the user must settle (a typo in one or
// the other); a smaller difference is estimated with the shape's count and warned.
void CheckDeclaredParams(const catalog::ModelArch& m) {
  if (!m.has_shape() || m.kind == catalog::ModelKind::kDiffusion || m.declared_params <= 0) return;
  if (m.declared_params <= 2 * m.params && m.params <= 2 * m.declared_params) return;
  char computed[32];
  std::snprintf(computed, sizeof computed, "%.4g", m.params);
  throw InputError("model.params", Printable(Doc(m.declared_params)),
                   std::string("the count the shape gives, ") + computed +
                       " (within a factor of 2; estimates use the shape's count), or no params",
                   "contradicts the shape");
}

// "Org/Name" that is no file: the config.json of the local Hugging Face cache (offline).
catalog::ModelArch ModelFromHubCache(const std::string& repo_id, const std::string& path) {
  const std::vector<std::string> dirs = HubCacheDirs();
  const auto config = FindCachedConfig(repo_id, dirs);
  if (!config) {
    std::string searched;
    for (const auto& d : dirs)
      searched += (searched.empty() ? "" : ", ") + d + "/" + HubRepoFolder(repo_id);
    if (searched.empty()) searched = "nothing: HF_HUB_CACHE, HF_HOME and HOME are unset";
    throw InputError("model", repo_id,
                     "a catalog model id, a config.json path (" + path +
                         " does not exist), or a Hugging Face id in the local cache (searched " +
                         searched + "; fetch it once with `huggingface-cli download " + repo_id +
                         " config.json`)",
                     "not found");
  }
  return ModelFromHfConfig(ReadFileBounded(*config, "model"), *config);
}

catalog::ModelArch ResolveModel(Fields& root, const catalog::Catalog& cat,
                                const std::string& base_dir, std::string& model_ref) {
  const Doc& m = root.Raw("model");
  if (Absent(m))
    throw InputError("model", "missing",
                     "a catalog model id, a path to config.json, or an inline {params: ...}",
                     "required key");
  if (m.is_object()) {
    model_ref = "inline";
    Fields f(m, "model");
    catalog::ModelArch arch = ParseModel(f);
    f.Finish();
    CheckDeclaredParams(arch);
    return arch;
  }
  if (!m.is_primitive())
    throw InputError("model", Printable(m),
                     "a catalog model id, a path to config.json, or an inline map", "expected");
  model_ref = ScalarText(m);
  if (const auto* found = cat.FindModel(model_ref)) return *found;
  const bool looks_like_path =
      model_ref.find('/') != std::string::npos || model_ref.ends_with(".json");
  if (looks_like_path) {
    std::filesystem::path p(model_ref);
    if (p.is_relative()) p = std::filesystem::path(base_dir) / p;
    // The error_code overload: a name the OS refuses (too long, bad bytes) is not a
    // directory, and ReadFileBounded then rejects it as an InputError naming `model`.
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) p /= "config.json";
    if (!std::filesystem::exists(p, ec) && LooksLikeHubId(model_ref))
      return ModelFromHubCache(model_ref, p.string());
    const std::string text = ReadFileBounded(p.string(), "model");
    return ModelFromHfConfig(text, p.string());
  }
  return cat.Model(model_ref, "model");  // throws with did-you-mean
}

// LoRA targets as the model names its modules: a target the model's family names
// otherwise (q_proj on Phi-3, whose q, k and v are one qkv_proj) is renamed to the modules
// that play its role, and the outputs say so, so that every estimate and export adapts
// modules the model has (catalog::ResolveTargets).
void ResolveLoraTargets(Scenario& s) {
  auto& lora = s.training.lora;
  if (!workload::TrainsAdapters(s.training.method) || lora.all_linear) return;
  const auto r = catalog::ResolveTargets(s.model.family, lora.targets, false);
  if (!r.renamed) return;
  const std::string written = lora.TargetList();
  lora.targets = r.names;
  s.training.defaults.push_back(
      {"lora.targets", lora.TargetList(),
       "as " + s.model.family + " names its modules; written " + written});
}

// training.recompute_modules is Megatron-Core's --recompute-modules (checked once the stack
// is resolved): only under selective checkpointing on the megatron stack, and only modules
// the model has; Megatron refuses moe_act and layernorm under fp8's delayed scaling.
void CheckRecomputeModules(const Scenario& s) {
  const auto& t = s.training;
  if (t.recompute_modules == 0) return;
  const std::string field = "training.recompute_modules";
  const std::string written = "[" + workload::RecomputeModuleNames(t.recompute_modules, ", ") + "]";
  if (t.activation_checkpointing != workload::Checkpointing::kSelective)
    throw InputError(field, written, "modules under activation_checkpointing: selective",
                     "set without selective checkpointing:");
  if (t.stack.id != workload::Framework::kMegatron)
    throw InputError(field, written,
                     "training.framework megatron (Megatron-Core / NeMo --recompute-modules)",
                     "the " + std::string(EnumName(workload::kFrameworks, t.stack.id)) +
                         " stack has no per-module recomputation:");
  const auto& m = s.model;
  const bool moe = m.IsMoe(), dense_layers = !moe || m.MoeLayers() < m.layers;
  const std::string model = m.id.empty() ? "this model" : m.id;
  auto refuse = [&](workload::RecomputeModule mod, bool applies, const std::string& needs) {
    if (applies || !t.Recomputes(mod)) return;
    throw InputError(field, written, "modules the model has",
                     std::string(EnumName(workload::kRecomputeModules, mod)) + " needs " + needs +
                         ", which " + model + " lacks:");
  };
  refuse(workload::RecomputeModule::kMlaUpProj, m.IsMla(), "multi-latent attention");
  refuse(workload::RecomputeModule::kMoe, moe, "mixture-of-experts layers");
  refuse(workload::RecomputeModule::kMoeAct, moe, "mixture-of-experts layers");
  refuse(workload::RecomputeModule::kSharedExperts, moe && m.shared_expert_ffn > 0,
         "shared experts");
  refuse(workload::RecomputeModule::kMlp, dense_layers, "dense (non-MoE) layers");
  if (t.precision == workload::Precision::kFp8Mixed &&
      t.stack.fp8_recipe == workload::Fp8Recipe::kDelayed &&
      (t.Recomputes(workload::RecomputeModule::kMoeAct) ||
       t.Recomputes(workload::RecomputeModule::kLayernorm)))
    throw InputError(field, written,
                     "no moe_act or layernorm with fp8.recipe delayed (Megatron-Core refuses "
                     "them; use current, blockwise or mxfp8)",
                     "moe_act and layernorm cannot run under fp8 delayed scaling:");
}

// lora.base_dtype fp32 (checked once the stack is resolved) describes an fp32 model under
// torch.autocast: a LoRA run (QLoRA's base is quantised), mixed precision, and a stack that
// runs autocast over the model as loaded (not DeepSpeed's engine, which casts the module to
// 16 bits, nor fused-kernel or 16-bit-parameter stacks). Under precision fp32 it says nothing
// new.
void CheckBaseDtype(const Scenario& s) {
  const auto& t = s.training;
  if (t.lora.base_dtype != workload::BaseDtype::kFp32 ||
      t.precision == workload::Precision::kFp32 || s.Fp32FrozenBase())
    return;
  const std::string why = !workload::AdaptsUnquantisedBase(t.method)
                              ? "method " + std::string(EnumName(workload::kMethods, t.method)) +
                                    " has no 16-bit frozen base to keep in fp32:"
                          : !workload::IsMixed16(t.precision)
                              ? "precision " +
                                    std::string(EnumName(workload::kPrecisions, t.precision)) +
                                    " runs no autocast over an fp32 model:"
                              : "the " + std::string(EnumName(workload::kFrameworks, t.stack.id)) +
                                    " stack holds the model in 16 bits:";
  // The stacks that would take it, from their traits (data/stacks.yaml) rather than a list.
  std::string stacks;
  for (const auto& entry : BuiltinStacks()) {
    Scenario other = s;
    other.parallelism = {};  // ZeRO-1/2 or offloading run DeepSpeed's 16-bit module anywhere
    other.training.stack = entry.traits;
    other.training.method = workload::Method::kLora;
    other.training.precision = workload::Precision::kBf16Mixed;
    if (other.Fp32FrozenBase())
      stacks += (stacks.empty() ? "" : ", ") +
                std::string(EnumName(workload::kFrameworks, entry.traits.id));
  }
  throw InputError("training.lora.base_dtype", "fp32",
                   "auto; fp32 with method lora and precision bf16-mixed or fp16-mixed on a stack "
                   "that runs torch.autocast over the model as loaded (" +
                       stacks + ")",
                   why);
}

// The knobs only Megatron-Core runs (checked once the stack is resolved): bf16 Adam moments
// beside fp32 master weights, recompute modules, the optimizer-state offload.
void CheckMegatronKnobs(const Scenario& s) {
  // bf16 Adam moments beside fp32 master weights are Megatron-Core's precision-aware
  // optimizer; other stacks' AdamW keeps its moments in the parameters' dtype (precision:
  // bf16).
  if (s.training.optimizer_state_dtype == workload::StateDtype::kBf16 &&
      !s.training.PureBf16States() &&
      (!s.MegatronRuntime() || s.training.stack.id == workload::Framework::kMegatronDeepspeed))
    throw InputError("training.optimizer_state_dtype", "bf16",
                     "fp32, or bf16 with training.framework megatron (Megatron-Core's "
                     "precision-aware optimizer); other stacks keep bf16 moments with "
                     "training.precision bf16",
                     "no optimizer of this stack keeps bf16 moments beside fp32 weights");
  CheckRecomputeModules(s);
  // The optimizer-state offload swaps the states of Megatron's distributed optimizer; a CPU
  // optimizer step (parallelism.offload) leaves nothing on the GPU to swap.
  if (s.training.optimizer_state_offload && s.training.stack.id != workload::Framework::kMegatron)
    throw InputError("training.optimizer_state_offload", "true",
                     "training.framework megatron (Megatron-Core --offload-optimizer-states), or "
                     "parallelism.offload: optimizer for a CPU optimizer step (ZeRO-Offload)",
                     "the " + std::string(EnumName(workload::kFrameworks, s.training.stack.id)) +
                         " stack has no optimizer-state swap:");
  if (s.training.optimizer_state_offload && s.parallelism.offload != workload::Offload::kNone)
    throw InputError("training.optimizer_state_offload", "true",
                     "either it or parallelism.offload, not both",
                     "conflicts with parallelism.offload:");
}

}  // namespace

Scenario ParseScenario(const Doc& doc, const catalog::Catalog& cat, const std::string& origin,
                       const std::string& base_dir) {
  if (!doc.is_object())
    throw InputError(origin, Printable(doc), "a scenario map with at least `model:`",
                     "expected a map, got");
  Scenario s;
  Fields root(doc, "");
  s.model = ResolveModel(root, cat, base_dir, s.model_ref);
  if (auto f = root.Map("training")) ParseTraining(*f, s.training);
  {
    auto f = root.Map("hardware");
    static const Doc kEmpty = Doc::object();
    Fields none(kEmpty, "hardware");
    ParseHardware(f ? *f : none, s.hardware, cat);
  }
  if (auto f = root.Map("parallelism")) {
    ParseParallelism(*f, s.parallelism);
    // Interleaving that only the embedding-and-loss split makes whole (Llama 3.1 405B:
    // 126 layers on pp 16 x vpp 8) is that split unless the scenario says otherwise.
    auto& p = s.parallelism;
    const bool el_given =
        !Child(Child(doc, "parallelism"), "pipeline_embedding_loss").is_discarded();
    const long long chunks = static_cast<long long>(p.pp) * p.vpp;
    if (!el_given && p.vpp > 1 && s.model.layers > 0 && s.model.layers % chunks != 0 &&
        (s.model.layers + 2) % chunks == 0)
      p.pipeline_embedding_loss = true;
    // An expert-parallel group wider than the data-parallel ranks (DeepSeek-V3 on 1,024 H100
    // at tp 2, pp 16: ep 64 over dp 32) exists only with each expert whole on its GPU.
    // Unsaid, etp is Megatron's default, tp, where ep fits the dp x cp ranks, else 1 (MoE
    // parallel folding), shown resolved.
    if (p.etp == 0 && s.model.IsMoe() && p.ep > 1) {
      const long long dp_cp = static_cast<long long>(p.cp) * s.DataParallel();
      if (dp_cp % p.ep != 0 && (dp_cp * p.tp) % p.ep == 0) p.etp = 1;
    }
  }
  if (auto f = root.Map("system")) ParseSystem(*f, s.system);
  if (auto f = root.Map("constraints")) ParseConstraints(*f, s.constraints);
  if (auto v = root.Enum("objective", workload::kObjectives)) s.objective = *v;
  root.Finish(
      {"model", "training", "hardware", "parallelism", "system", "constraints", "objective"});
  ValidateScenario(s);
  catalog::PrepareDerived(s.model);
  // The stack and its defaults for the knobs the scenario left unset (issue 11).
  const Doc& tr = Child(doc, "training");
  auto given = [&tr](const char* key) { return !Absent(Child(tr, key)); };
  ResolveStack(s, {.loss = given("loss"),
                   .optimizer_in_backward = given("optimizer_in_backward"),
                   .activation_offload = given("activation_offload"),
                   .optimizer = given("optimizer"),
                   .activation_checkpointing = given("activation_checkpointing"),
                   .precision = given("precision")});
  ResolveLoraTargets(s);
  CheckMegatronKnobs(s);
  CheckBaseDtype(s);
  return s;
}

Scenario LoadScenarioFile(const std::string& path, const catalog::Catalog& cat) {
  const std::string text = ReadFileBounded(path, "scenario");
  const std::string dir = std::filesystem::path(path).parent_path().string();
  return ParseScenario(ParseDocument(text, path), cat, path, dir.empty() ? "." : dir);
}

Doc DefaultScenarioDocument() {
  auto doc = EmbeddedDoc("scenarios/default.yaml");
  return doc ? std::move(*doc) : Doc::object();
}

void ApplyOverride(Doc& doc, const std::string& dotted_key, const std::string& value) {
  if (!doc.is_object()) doc = Doc::object();
  Doc parsed;
  try {
    parsed = ParseYaml(value, dotted_key);
  } catch (const InputError&) {
    parsed = value;  // not YAML: the text itself
  }
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = dotted_key.find('.', start);
    parts.push_back(dotted_key.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  Doc* at = &doc;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    Doc& child = (*at)[parts[i]];
    if (!child.is_object()) child = Doc::object();
    at = &child;
  }
  (*at)[parts.back()] = std::move(parsed);
  // training.tokens and training.dataset are two ways to give the amount of training (a
  // scenario holding both is rejected): overriding one replaces the other.
  if (parts.size() >= 2 && parts[0] == "training" &&
      (parts[1] == "tokens" || parts[1] == "dataset"))
    doc["training"].erase(parts[1] == "tokens" ? "dataset" : "tokens");
}

void CheckComputePeak(const catalog::GpuSpec& gpu, const std::string& field) {
  if (gpu.Peak16FlopsPerS() > 0 || gpu.fp32_tflops_nontensor.value_or(0) > 0) return;
  throw InputError(field, gpu.id,
                   "a GPU with bf16_tensor_dense_tflops, fp16_tensor_fp32acc_dense_tflops or "
                   "fp32_tflops_nontensor (set one in --catalog or {base: ..., "
                   "bf16_tensor_dense_tflops: N})",
                   "no compute peak known for");
}

void ValidateScenario(const Scenario& s) {
  const auto& p = s.parallelism;
  const auto& m = s.model;
  const long long gpus = s.hardware.TotalGpus();
  const long long mp = static_cast<long long>(p.tp) * p.pp * p.cp;
  if (mp > gpus || gpus % mp != 0)
    throw InputError("parallelism.tp",
                     std::to_string(p.tp) + "x" + std::to_string(p.pp) + "x" + std::to_string(p.cp),
                     "tp x pp x cp dividing the " + std::to_string(gpus) + " GPUs",
                     "model-parallel size does not divide the GPU count");
  if (m.has_shape()) {
    if (m.heads % p.tp != 0)
      throw InputError("parallelism.tp", std::to_string(p.tp),
                       "a divisor of the model's " + std::to_string(m.heads) + " heads",
                       "does not divide the heads");
    if (p.pp > m.layers)
      throw InputError("parallelism.pp", std::to_string(p.pp),
                       "at most the model's " + std::to_string(m.layers) + " layers",
                       "too many stages");
    // pp x vpp need not divide the layers (Megatron-Core's pipeline layout splits them
    // unevenly; the estimate times the heaviest rank), but every virtual stage holds one.
    const int split = m.layers + (p.pipeline_embedding_loss ? 2 : 0);
    if (p.vpp > 1 && static_cast<long long>(p.pp) * p.vpp > split)
      throw InputError("parallelism.vpp", std::to_string(p.vpp),
                       "pp x vpp at most the " + std::to_string(split) +
                           " pipeline layers, each virtual stage holding one (layers + 2 "
                           "with parallelism.pipeline_embedding_loss: true, the embedding "
                           "and loss counted as pipeline layers)",
                       "more virtual stages than layers");
    if (p.pipeline_embedding_loss && p.pp > 1 && split / p.pp < 2)
      throw InputError("parallelism.pipeline_embedding_loss", "true",
                       "stages of at least 2 pipeline layers (layers + 2 >= 2 x pp)",
                       "leaves a stage without transformer layers");
  }
  if (p.ep > 1) {
    if (!m.IsMoe())
      throw InputError("parallelism.ep", std::to_string(p.ep), "1 for a dense model",
                       "expert parallel needs experts");
    if (m.experts % p.ep != 0)
      throw InputError("parallelism.ep", std::to_string(p.ep),
                       "a divisor of the model's " + std::to_string(m.experts) + " experts",
                       "does not divide the experts");
  }
  if (p.etp > 0 && p.etp != p.tp && !m.IsMoe())
    throw InputError("parallelism.etp", std::to_string(p.etp), "omitted or tp for a dense model",
                     "expert tensor parallel needs experts");
  // The experts' ETP x EP x EDP grid covers the dense TP x CP x DP ranks of a stage
  // (Megatron-Core's expert rank generator, order etp-ep-edp-pp).
  if (m.IsMoe() && (p.ep > 1 || p.etp > 0)) {
    const long long ranks = static_cast<long long>(p.tp) * p.cp * s.DataParallel();
    const long long grid = static_cast<long long>(p.ep) * p.ExpertTp();
    if (ranks % grid != 0)
      throw InputError(p.etp > 0 ? "parallelism.etp" : "parallelism.ep",
                       std::to_string(p.etp > 0 ? p.etp : p.ep),
                       "ep x etp (etp defaults to tp) dividing tp x cp x dp = " +
                           std::to_string(ranks) + " ranks of a pipeline stage",
                       "ep " + std::to_string(p.ep) + " x etp " + std::to_string(p.ExpertTp()) +
                           " does not divide them");
  }
  // Layers per model chunk (Megatron --recompute-num-layers with --recompute-method block).
  if (s.training.checkpoint_layers > 0 && m.layers > 0 &&
      static_cast<double>(s.training.checkpoint_layers) * p.vpp > p.HeaviestStageLayers(m.layers))
    throw InputError("training.activation_checkpointing_layers",
                     std::to_string(s.training.checkpoint_layers),
                     "0 (every layer) or at most the " +
                         std::to_string(static_cast<int>(p.HeaviestStageLayers(m.layers))) +
                         " layers of a pipeline stage" +
                         (p.vpp > 1 ? " over its " + std::to_string(p.vpp) + " model chunks" : ""),
                     "more layers than a stage holds");
  if (p.cp > 1 && s.training.seq_len % p.cp != 0)
    throw InputError("parallelism.cp", std::to_string(p.cp), "a divisor of training.seq_len",
                     "does not divide the sequence");
  // The all-to-all hands each cp rank whole heads of its tensor-parallel share.
  if (p.cp > 1 && p.cp_comm == workload::CpComm::kA2a && m.heads > 0 &&
      m.heads % (static_cast<long long>(p.tp) * p.cp) != 0)
    throw InputError(
        "parallelism.cp_comm", "a2a",
        "p2p, or a2a with tp x cp dividing the " + std::to_string(m.heads) + " attention heads",
        "tp " + std::to_string(p.tp) + " x cp " + std::to_string(p.cp) + " does not divide them");
  if (p.shard_group > 0 && s.DataParallel() % p.shard_group != 0)
    throw InputError("parallelism.shard_group", std::to_string(p.shard_group),
                     "0 or a divisor of the data-parallel size " + std::to_string(s.DataParallel()),
                     "does not divide");
  // Judged against the layout the scenario gives; without one (several GPUs) the planner
  // chooses a layout whose data-parallel size splits the batch (issue 18), so tp = pp = 1,
  // which nobody chose, is not held against it.
  const long long per_step = s.training.micro_batch * s.DataParallel();
  const bool layout_given = p.specified || gpus <= 1;
  if (layout_given && s.training.global_batch > 0 && s.training.global_batch % per_step != 0 &&
      s.training.global_batch < per_step)
    throw InputError("training.global_batch", std::to_string(s.training.global_batch),
                     "at least micro_batch x data-parallel size = " + std::to_string(per_step) +
                         " at the given layout tp" + std::to_string(p.tp) + " pp" +
                         std::to_string(p.pp) + " cp" + std::to_string(p.cp) + " on " +
                         std::to_string(gpus) + " GPUs (dp " + std::to_string(s.DataParallel()) +
                         ")",
                     "smaller than one micro-step");
  const bool adapters = workload::TrainsAdapters(s.training.method);
  if (adapters && !m.has_shape() && m.kind != catalog::ModelKind::kDiffusion)
    throw InputError("training.method", "lora", "a model with layers/hidden/heads given",
                     "LoRA needs the architecture");
  if (adapters && m.hidden > 0 && s.training.lora.rank > m.hidden)
    throw InputError("training.lora.rank", std::to_string(s.training.lora.rank),
                     "at most the model's hidden size " + std::to_string(m.hidden) +
                         " (a rank that high trains more than the layers it adapts)",
                     "larger than the model");
  CheckComputePeak(s.hardware.gpu, "hardware.gpu");
  if (m.max_seq_len > 0 && m.position == catalog::PositionKind::kLearned &&
      s.training.seq_len > m.max_seq_len && m.kind == catalog::ModelKind::kDecoder)
    throw InputError("training.seq_len", std::to_string(s.training.seq_len),
                     "at most the model's " + std::to_string(m.max_seq_len) + " learned positions",
                     "longer than the model supports");
}

}  // namespace gpuadv::io
