#include "gpuadv/io/stack_loader.h"

#include <memory>
#include <mutex>
#include <utility>

#include "gpuadv/catalog/param_count.h"
#include "gpuadv/core/embedded.h"
#include "gpuadv/io/embedded_catalog.h"
#include "gpuadv/io/fields.h"
#include "gpuadv/workload/method_traits.h"

namespace gpuadv::io {
namespace {

using workload::Framework;

// The trait fields of a stack entry; a scenario's `training.stack_traits` takes the same.
const std::vector<std::string> kTraitKeys = {"kernels",
                                             "fsdp_no_sync",
                                             "fsdp_adapter_units",
                                             "zero3_module_gather",
                                             "module_16bit",
                                             "optimizer_in_backward",
                                             "chunked_loss",
                                             "chunked_loss_kind",
                                             "offload_checkpoints",
                                             "selective",
                                             "offers_selective",
                                             "parallelism",
                                             "elementwise_traffic",
                                             "kernels_per_layer",
                                             "micro_batch_host_s",
                                             "step_host_s",
                                             "tp_comm_overlap",
                                             "sp_dtensor",
                                             "zero3_keep_unsharded",
                                             "overlap_param_gather",
                                             "zero2_replicated_params",
                                             "fsdp_pipeline_unsharded",
                                             "moe_node_dedup",
                                             "moe_a2a_overlap",
                                             "pp_p2p_overlap",
                                             "pp_p2p_blocking",
                                             "fused_projections",
                                             "untied_head",
                                             "grad_accum_fused",
                                             "keeps_16bit_grads",
                                             "grad_reduce_fp32",
                                             "fsdp_per_param",
                                             "fsdp_reduce_fp32",
                                             "dp_bucket_params",
                                             "fused_optimizer",
                                             "attention_kernel",
                                             "fp8_recipe",
                                             "fp8_wgrad",
                                             "fp8_fused_casts",
                                             "fp8_weight_cache",
                                             "fp8_param_gather",
                                             "fp8_all_gather",
                                             "fp8_saved_casts",
                                             "moe_combine_fp32",
                                             "fused_modules",
                                             "kbit_fp32_upcast",
                                             "kbit_saves_input",
                                             "keeps_previous_outputs",
                                             "torch_1x",
                                             "expands_kv",
                                             "param_cast",
                                             "fsdp_fp32_trainable",
                                             "compiled_loss",
                                             "compiled_model_loss",
                                             "loss_parallel",
                                             "lora_fused_mlp",
                                             "fp32_adapters",
                                             "low_precision_norms",
                                             "expandable_segments",
                                             "variable_length_batches"};

std::vector<std::string> StackKeys() {
  std::vector<std::string> keys = {"id", "name", "method_defaults", "sources", "notes"};
  keys.insert(keys.end(), kTraitKeys.begin(), kTraitKeys.end());
  return keys;
}

// `method_defaults: {qlora: {optimizer: ..., activation_checkpointing: ...}, ...}`, each
// method merged over the base entry's.
void ParseMethodDefaults(Fields& f, StackEntry& e) {
  auto m = f.Map("method_defaults");
  if (!m) return;
  std::vector<std::string> known;
  for (const auto& method : workload::kMethods) {
    known.emplace_back(method.name);
    auto d = m->Map(method.name);
    if (!d) continue;
    MethodDefaults& out = e.method_defaults[static_cast<size_t>(method.value)];
    if (auto v = d->Enum("optimizer", workload::kOptimizers)) out.optimizer = *v;
    if (auto v = d->Enum("multi_gpu_optimizer", workload::kOptimizers))
      out.multi_gpu_optimizer = *v;
    if (auto v = d->Enum("activation_checkpointing", workload::kCheckpointings))
      out.activation_checkpointing = *v;
    if (auto v = d->Enum("precision", workload::kPrecisions)) out.precision = *v;
    d->Finish({"optimizer", "multi_gpu_optimizer", "activation_checkpointing", "precision"});
  }
  m->Finish(known);
}

// Reads the trait fields present in `f` over `t`.
void ParseTraits(Fields& f, workload::StackTraits& t) {
  if (auto v = f.Enum("kernels", workload::kKernelStyles)) t.kernels = *v;
  if (auto v = f.Bool("fsdp_no_sync")) t.fsdp_no_sync = *v;
  if (auto v = f.Bool("fsdp_adapter_units")) t.fsdp_adapter_units = *v;
  if (auto v = f.Bool("zero3_module_gather")) t.zero3_module_gather = *v;
  if (auto v = f.Bool("module_16bit")) t.module_16bit = *v;
  if (auto v = f.Bool("optimizer_in_backward")) t.optimizer_in_backward = *v;
  if (auto v = f.Bool("chunked_loss")) t.chunked_loss = *v;
  if (auto v = f.Enum("chunked_loss_kind", workload::kChunkedLossKinds)) t.chunked_loss_kind = *v;
  if (auto v = f.Bool("offload_checkpoints")) t.offload_checkpoints = *v;
  if (auto v = f.Enum("selective", workload::kSelectivePolicies)) t.selective = *v;
  if (auto v = f.Bool("offers_selective")) t.offers_selective = *v;
  if (auto v = f.StringList("parallelism")) {
    t.parallelism = 0;
    for (const auto& name : *v)
      t.parallelism |= static_cast<unsigned>(
          ParseEnumOrThrow(workload::kParallelModes, f.Field("parallelism"), name));
    if (t.parallelism == 0)
      throw InputError(f.Field("parallelism"), "[]",
                       "one or more of " + AcceptedNames(workload::kParallelModes));
  }
  if (auto v = f.Number("elementwise_traffic", 0.05, 2)) t.elementwise_traffic = *v;
  if (auto v = f.Number("kernels_per_layer", 1, 1000)) t.kernels_per_layer = *v;
  if (auto v = f.Number("micro_batch_host_s", 0, 10)) t.micro_batch_host_s = *v;
  if (auto v = f.Number("step_host_s", 0, 100)) t.step_host_s = *v;
  if (auto v = f.Bool("tp_comm_overlap")) t.tp_comm_overlap = *v;
  if (auto v = f.Bool("sp_dtensor")) t.sp_dtensor = *v;
  if (auto v = f.Bool("zero3_keep_unsharded")) t.zero3_keep_unsharded = *v;
  if (auto v = f.Bool("overlap_param_gather")) t.overlap_param_gather = *v;
  if (auto v = f.Bool("zero2_replicated_params")) t.zero2_replicated_params = *v;
  if (auto v = f.Bool("fsdp_pipeline_unsharded")) t.fsdp_pipeline_unsharded = *v;
  if (auto v = f.Bool("moe_node_dedup")) t.moe_node_dedup = *v;
  if (auto v = f.Bool("moe_a2a_overlap")) t.moe_a2a_overlap = *v;
  if (auto v = f.Bool("pp_p2p_overlap")) t.pp_p2p_overlap = *v;
  if (auto v = f.Bool("pp_p2p_blocking")) t.pp_p2p_blocking = *v;
  if (auto v = f.Bool("fused_projections")) t.fused_projections = *v;
  if (auto v = f.Bool("untied_head")) t.untied_head = *v;
  if (auto v = f.Bool("grad_accum_fused")) t.grad_accum_fused = *v;
  if (auto v = f.Bool("keeps_16bit_grads")) t.keeps_16bit_grads = *v;
  if (auto v = f.Bool("grad_reduce_fp32")) t.grad_reduce_fp32 = *v;
  if (auto v = f.Bool("fsdp_per_param")) t.fsdp_per_param = *v;
  if (auto v = f.Bool("fsdp_reduce_fp32")) t.fsdp_reduce_fp32 = *v;
  if (auto v = f.Number("dp_bucket_params", 0, 1e12)) t.dp_bucket_params = *v;
  if (auto v = f.Bool("fused_optimizer")) t.fused_optimizer = *v;
  if (auto v = f.Enum("attention_kernel", workload::kAttentionKernels)) t.attention_kernel = *v;
  if (auto v = f.Enum("fp8_recipe", workload::kFp8Recipes)) t.fp8_recipe = *v;
  if (auto v = f.Bool("fp8_wgrad")) t.fp8_wgrad = *v;
  if (auto v = f.Bool("fp8_fused_casts")) t.fp8_fused_casts = *v;
  if (auto v = f.Bool("fp8_weight_cache")) t.fp8_weight_cache = *v;
  if (auto v = f.Bool("fp8_param_gather")) t.fp8_param_gather = *v;
  if (auto v = f.Bool("fp8_all_gather")) t.fp8_all_gather = *v;
  if (auto v = f.Bool("fp8_saved_casts")) t.fp8_saved_casts = *v;
  if (auto v = f.Bool("moe_combine_fp32")) t.moe_combine_fp32 = *v;
  if (auto v = f.StringList("fused_modules")) {
    t.fused_modules = 0;  // [] says none
    for (const auto& name : *v)
      t.fused_modules |= static_cast<unsigned>(
          ParseEnumOrThrow(workload::kFusedModules, f.Field("fused_modules"), name));
  }
  if (auto v = f.Bool("kbit_fp32_upcast")) t.kbit_fp32_upcast = *v;
  if (auto v = f.Bool("kbit_saves_input")) t.kbit_saves_input = *v;
  if (auto v = f.Bool("keeps_previous_outputs")) t.keeps_previous_outputs = *v;
  if (auto v = f.Bool("torch_1x")) t.torch_1x = *v;
  if (auto v = f.Bool("expands_kv")) t.expands_kv = *v;
  if (auto v = f.Bool("param_cast")) t.param_cast = *v;
  if (auto v = f.Bool("fsdp_fp32_trainable")) t.fsdp_fp32_trainable = *v;
  if (auto v = f.Bool("compiled_loss")) t.compiled_loss = *v;
  if (auto v = f.Bool("compiled_model_loss")) t.compiled_model_loss = *v;
  if (auto v = f.Bool("loss_parallel")) t.loss_parallel = *v;
  if (auto v = f.Bool("lora_fused_mlp")) t.lora_fused_mlp = *v;
  if (auto v = f.Bool("fp32_adapters")) t.fp32_adapters = *v;
  if (auto v = f.Bool("low_precision_norms")) t.low_precision_norms = *v;
  if (auto v = f.Bool("expandable_segments")) t.expandable_segments = *v;
  if (auto v = f.Bool("variable_length_batches")) t.variable_length_batches = *v;
}

// Reads one entry's fields over `base` (the neutral `pytorch` entry for the others).
StackEntry ParseEntry(Fields& f, const StackEntry& base) {
  StackEntry e;
  e.method_defaults = base.method_defaults;
  workload::StackTraits& t = e.traits;
  t = base.traits;
  ParseMethodDefaults(f, e);
  if (auto v = f.String("name", 256)) e.name = *v;
  ParseTraits(f, t);
  if (auto v = f.StringList("sources")) e.sources = *v;
  if (auto v = f.String("notes")) e.notes = *v;
  f.Finish(StackKeys());
  return e;
}

constexpr size_t kStacks = std::size(workload::kFrameworks) - 1;  // all but `auto`

size_t Index(Framework id) { return static_cast<size_t>(id) - 1; }

// The `stacks:` list of a stacks document; throws naming the field.
const Doc& StackList(const Doc& doc, const std::string& origin) {
  Fields root(doc, "");
  const Doc& list = root.Raw("stacks");
  if (!list.is_array())
    throw InputError(origin + ": stacks", Printable(list), "a list of stack entries",
                     "expected a list, got");
  root.Finish({"stacks"});
  return list;
}

// The id of a stack entry (never `auto`); throws naming the field.
Framework EntryId(Fields& f) {
  auto id = f.Enum("id", workload::kFrameworks);
  if (!id || *id == Framework::kAuto)
    throw InputError(f.Field("id"), id ? "auto" : "missing",
                     "a stack of training.framework other than auto");
  return *id;
}

std::string EntryField(const std::string& origin, size_t i) {
  return origin + ": stacks[" + std::to_string(i) + "]";
}

InputError MissingEntry(const std::string& origin, Framework id) {
  return InputError(origin + ": stacks", std::string(EnumName(workload::kFrameworks, id)),
                    "an entry for every training.framework value", "missing entry for");
}

// The embedded data/stacks.yaml read by entry (its entry index, io/embedded_catalog.h),
// each entry on first use (StackFor): an estimate decodes `pytorch` (the base of the
// others) and the stack it uses, not the file.
class EmbeddedStacks {
 public:
  const StackEntry& Get(Framework id) {
    const std::lock_guard<std::mutex> lock(mutex_);  // serve reads it from many threads
    const StackEntry& neutral = Read(Framework::kPytorch, StackEntry{});
    return id == Framework::kPytorch ? neutral : Read(id, neutral);
  }

 private:
  static constexpr const char* kOrigin = "data/stacks.yaml";

  const StackEntry& Read(Framework id, const StackEntry& base) {
    auto& slot = entries_[Index(id)];
    if (slot) return *slot;
    const auto entry = FindEmbeddedEntry("stacks.yaml", EnumName(workload::kFrameworks, id));
    if (!entry) throw MissingEntry(kOrigin, id);
    const Doc doc = DecodeEmbedded(entry->bytes);
    Fields f(doc, EntryField(kOrigin, entry->index));
    if (EntryId(f) != id) throw MissingEntry(kOrigin, id);
    slot = std::make_unique<StackEntry>(ParseEntry(f, base));
    slot->traits.id = id;
    return *slot;
  }

  std::array<std::unique_ptr<StackEntry>, kStacks> entries_;
  std::mutex mutex_;
};

}  // namespace

std::vector<StackEntry> ParseStackDocument(const Doc& doc, const std::string& origin) {
  const Doc& list = StackList(doc, origin);
  std::vector<StackEntry> out(kStacks);
  std::vector<bool> seen(kStacks, false);
  StackEntry neutral;
  // The `pytorch` entry is the base of the others: read it first wherever it is.
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < list.size(); ++i) {
      Fields f(list[i], EntryField(origin, i));
      const Framework id = EntryId(f);
      if ((pass == 0) != (id == Framework::kPytorch)) continue;
      if (seen[Index(id)])
        throw InputError(f.Field("id"), std::string(EnumName(workload::kFrameworks, id)),
                         "each stack once", "duplicate");
      seen[Index(id)] = true;
      StackEntry e = ParseEntry(f, neutral);
      e.traits.id = id;
      if (id == Framework::kPytorch) neutral = e;
      out[Index(id)] = std::move(e);
    }
  }
  for (size_t i = 0; i < kStacks; ++i)
    if (!seen[i]) throw MissingEntry(origin, static_cast<Framework>(i + 1));
  return out;
}

const std::vector<StackEntry>& BuiltinStacks() {
  static const std::vector<StackEntry> stacks = [] {
    auto doc = EmbeddedDoc("stacks.yaml");
    if (!doc) throw std::runtime_error("data/stacks.yaml is not embedded");
    return ParseStackDocument(*doc, "data/stacks.yaml");
  }();
  return stacks;
}

const StackEntry& StackFor(Framework id) {
  if (id == Framework::kAuto) id = Framework::kPytorch;
  static EmbeddedStacks stacks;
  return stacks.Get(id);
}

namespace {

// A stack with fused_projections runs q, k, v as one linear and SwiGLU's gate and up as
// another, whatever the model's own layout; another stack undoes what one set.
void FuseProjections(catalog::ModelArch& m, bool fuse) {
  bool changed = false;
  const auto apply = [&changed](bool want, bool& fused, bool& by_stack) {
    if (want && !fused) {
      fused = by_stack = changed = true;
    } else if (!want && by_stack) {
      fused = by_stack = false;
      changed = true;
    }
  };
  apply(fuse && !m.IsMla(), m.fused_qkv, m.qkv_fused_by_stack);
  apply(fuse && m.mlp == catalog::MlpKind::kSwiGlu, m.fused_gate_up, m.gate_up_fused_by_stack);
  if (changed && m.derived) catalog::PrepareDerived(m);
}

// A stack with untied_head holds the output head apart from the embedding: a model that
// ties them gets a head of its own (and its parameters); undone on another stack.
void UntieHead(catalog::ModelArch& m, bool untie) {
  if (untie && m.tied_embeddings && m.has_shape() && m.vocab > 0) {
    m.tied_embeddings = false;
    m.head_untied_by_stack = true;
  } else if (!untie && m.head_untied_by_stack) {
    m.tied_embeddings = true;
    m.head_untied_by_stack = false;
  } else {
    return;
  }
  m.params = catalog::CountParams(m).total;
  if (m.derived) catalog::PrepareDerived(m);
}

// A scenario's `kernels: eager` on a stack whose own kernels are fused (torchtitan without
// torch.compile) carries the eager counts of the neutral `pytorch` entry: the stack entry's
// elementwise_traffic and kernels_per_layer describe its fused kernels, while the eager
// ones move the eager bytes (elementwise_traffic 1.0 is the definition of the eager count)
// and launch the ~40 kernels per layer profiled eagerly. The other way round stays with the
// stack's counts: what "fused" fuses is the stack's own (Inductor, Transformer Engine,
// Liger), so a run that compiles a plain loop gives its counts (the H200 compile rows do).
// Counts the scenario gives win.
void EagerKernelCounts(const Fields& given, const workload::StackTraits& own,
                       workload::StackTraits& t) {
  if (t.kernels != workload::KernelStyle::kEager || own.kernels == t.kernels) return;
  const workload::StackTraits& eager = StackFor(Framework::kPytorch).traits;
  if (!given.Has("elementwise_traffic")) t.elementwise_traffic = eager.elementwise_traffic;
  if (!given.Has("kernels_per_layer")) t.kernels_per_layer = eager.kernels_per_layer;
}

// Installs stack `id`'s traits, with the scenario's `stack_traits` and its own fp8 recipe
// knobs on top.
void UseStack(workload::Scenario& s, Framework id, bool defaulted) {
  workload::Training& t = s.training;
  t.stack = StackFor(id).traits;
  t.stack.defaulted = defaulted;
  if (!t.stack_traits.empty()) {
    const Doc traits = Doc::parse(t.stack_traits);
    Fields f(traits, "training.stack_traits");
    ParseTraits(f, t.stack);
    f.Finish(kTraitKeys);
    EagerKernelCounts(f, StackFor(id).traits, t.stack);
  }
  if (t.fp8.recipe) t.stack.fp8_recipe = *t.fp8.recipe;
  if (t.fp8.wgrad) t.stack.fp8_wgrad = *t.fp8.wgrad;
  FuseProjections(s.model, t.stack.fused_projections);
  UntieHead(s.model, t.stack.untied_head);
}

Framework DefaultFor(const workload::Scenario& s) {
  return workload::DefaultFramework(s.training.method, s.training.precision, s.hardware.TotalGpus(),
                                    s.parallelism.ModelParallel());
}

}  // namespace

void RestackDefault(workload::Scenario& s) {
  if (!s.training.stack.defaulted) return;
  const Framework id = DefaultFor(s);
  if (id != s.training.stack.id) UseStack(s, id, true);
}

void ResolveStack(workload::Scenario& s, const GivenKnobs& given) {
  workload::Training& t = s.training;
  const bool defaulted = t.framework == Framework::kAuto;
  const Framework id = defaulted ? DefaultFor(s) : t.framework;
  UseStack(s, id, defaulted);
  const std::string method(EnumName(workload::kMethods, t.method));
  const std::string why =
      method + " default on " + std::string(EnumName(workload::kFrameworks, id));
  auto note = [&t](const char* knob, std::string_view value, const std::string& reason) {
    t.defaults.push_back({knob, std::string(value), reason});
  };
  const MethodDefaults& md = StackFor(id).method_defaults[static_cast<size_t>(t.method)];
  const bool multi_gpu = s.hardware.TotalGpus() > 1 && md.multi_gpu_optimizer;
  const auto optimizer = multi_gpu ? md.multi_gpu_optimizer : md.optimizer;
  if (!given.optimizer && optimizer && *optimizer != t.optimizer) {
    t.optimizer = *optimizer;
    note("optimizer", EnumName(workload::kOptimizers, t.optimizer),
         multi_gpu ? why + " (its multi-GPU recipes)" : why);
  }
  if (!given.activation_checkpointing && md.activation_checkpointing &&
      *md.activation_checkpointing != t.activation_checkpointing) {
    t.activation_checkpointing = *md.activation_checkpointing;
    note("activation_checkpointing",
         EnumName(workload::kCheckpointings, t.activation_checkpointing), why);
  }
  if (!given.precision && md.precision && *md.precision != t.precision &&
      !(workload::RunsBf16(*md.precision) && s.hardware.gpu.bf16_support == false)) {
    t.precision = *md.precision;
    note("precision", EnumName(workload::kPrecisions, t.precision), why);
  }
  const std::string recipe =
      "recipe default on " + std::string(EnumName(workload::kFrameworks, id));
  if (s.model.head_untied_by_stack)
    note("model.tied_embeddings", "false", recipe + ": the output head is a weight of its own");
  if (!given.loss && t.stack.chunked_loss && t.loss != workload::Loss::kChunked) {
    t.loss = workload::Loss::kChunked;
    note("loss", "chunked", recipe);
  }
  if (!given.optimizer_in_backward && t.stack.optimizer_in_backward &&
      !workload::TrainsAdapters(t.method) && s.DataParallel() == 1 &&
      s.MicroBatchesPerStep() == 1) {
    t.optimizer_in_backward = true;  // torchtune: single device, no accumulation
    note("optimizer_in_backward", "true", recipe + ", single device without accumulation");
  }
  if (!given.activation_offload && t.stack.offload_checkpoints &&
      t.activation_checkpointing == workload::Checkpointing::kFull) {
    t.activation_offload = true;
    note("activation_offload", "true", recipe);
  }
}

}  // namespace gpuadv::io
