// Layout, training regime, parameter figures and FLOPs per token (MODELLING.md section 6).
#include <algorithm>
#include <cmath>

#include "gpuadv/catalog/module_names.h"
#include "gpuadv/estimate/throughput_internal.h"
#include "gpuadv/workload/method_traits.h"
#include "gpuadv/workload/stack.h"

namespace gpuadv::estimate::detail {

Regime MakeRegime(const workload::Scenario& s) {
  Regime g;
  const auto& t = s.training;
  g.layers = std::max(0, s.model.layers);
  g.adapters = workload::TrainsAdapters(t.method);
  g.quantized = workload::QuantizedBase(t.method);
  if (g.adapters) {
    g.trainable_layers = 0;
    g.backprop_layers = g.layers;
  } else if (workload::TrainsLastLayers(t.method)) {
    // Only the last k layers train; backpropagation stops below them.
    g.trainable_layers = std::clamp(t.freeze_trainable_layers, 0, g.layers);
    g.backprop_layers = g.trainable_layers;
  } else {
    g.trainable_layers = g.backprop_layers = g.layers;
  }
  // Causal masking only for decoder stacks; encoders and diffusion transformers attend
  // bidirectionally (MODELLING section 6). Encoder-decoder: counted as non-causal.
  g.causal = s.model.kind == catalog::ModelKind::kDecoder;
  // A vocabulary projection + loss for language models. Encoders are modelled with a
  // small task head (sequence classification; BERT-style rows in ../validation), which
  // does no vocabulary-sized matmul; diffusion denoisers have none.
  g.lm_head = s.model.kind == catalog::ModelKind::kDecoder ||
              s.model.kind == catalog::ModelKind::kEncoderDecoder;
  g.full_recompute = t.activation_checkpointing == workload::Checkpointing::kFull;
  const double stage = s.parallelism.HeaviestStageLayers(std::max(1, s.model.layers));
  g.recompute_share = t.RecomputedLayers(stage, s.parallelism.vpp) / stage;  // 0 unless full
  if (t.activation_checkpointing == workload::Checkpointing::kSelective &&
      t.stack.selective == workload::SelectivePolicy::kPerOp) {
    g.per_op = true;
    g.per_op_slots =
        workload::PerOpRecomputedSlots(s.model.mlp == catalog::MlpKind::kSwiGlu, s.model.bias);
  } else {
    g.recompute_modules = t.RecomputedModules();
  }
  return g;
}

bool RecomputedLinear(const catalog::LinearShape& l, const Regime& g, long long hidden) {
  using workload::RecomputeModule;
  if (g.per_op) {
    // torchtitan's per-op policy saves the outputs of the ops on its save list (every other
    // aten.mm / linear, attention, topk, collectives) and recomputes every other op. The
    // routed experts' grouped GEMMs (aten._grouped_mm) are on no list, so they rerun in
    // backward, and the router's linear is forced to (force_recompute_mm_shapes_by_fqns
    // 'moe.router.gate', an aten.mm; torchtitan/distributed/activation_checkpoint.py). The
    // dense matmuls, shared experts' included, alternate (a fused projection is one matmul,
    // saved unless every role it plays is a recomputed one; per_op_slots).
    if (l.copies > 1) return true;
    // per_op_slots is empty only for a biased model (PerOpRecomputedSlots), whose router is
    // an aten.addmm like its projections: saved.
    if ((l.slots & catalog::kSlotRouter) != 0) return g.per_op_slots != 0;
    const unsigned dense = catalog::kSlotQ | catalog::kSlotK | catalog::kSlotV | catalog::kSlotO |
                           catalog::kSlotGate | catalog::kSlotUp | catalog::kSlotDown;
    const unsigned slots = l.slots & dense;
    return slots != 0 && (slots & ~g.per_op_slots) == 0;
  }
  if (g.recompute_modules == 0) return false;
  if (l.moe_block)
    return g.Recomputes(RecomputeModule::kMoe) ||
           (g.Recomputes(RecomputeModule::kSharedExperts) && l.copies <= 1 &&
            (l.slots & catalog::kSlotRouter) == 0);
  if (l.slots & (catalog::kSlotGate | catalog::kSlotUp | catalog::kSlotDown))
    return g.Recomputes(RecomputeModule::kMlp);
  // MLA's up projections take a latent, not the hidden state (q_b_proj, kv_b_proj).
  return g.Recomputes(RecomputeModule::kMlaUpProj) &&
         (l.slots & (catalog::kSlotQ | catalog::kSlotK | catalog::kSlotV)) != 0 && l.d_in != hidden;
}

ModelFigures MakeModelFigures(const workload::Scenario& s, const Regime& g) {
  const auto& m = s.model;
  ModelFigures f;
  if (const auto* d = catalog::ValidDerived(m)) {
    f.counts = d->counts;
    f.linears = d->linears;
  } else {
    f.counts = catalog::CountParams(m);
    if (m.has_shape()) f.linears_storage = catalog::LayerLinears(m);
    f.linears = f.linears_storage;
  }
  const auto& c = f.counts;
  const double total = c.total > 0 ? c.total : m.params;
  const double active = c.active > 0 ? c.active : total;

  // PaLM's N (MODELLING section 6): every parameter except an untied input-embedding table
  // (a lookup does no FLOPs) and learned positions; the lm_head matmul counts (2*h*V
  // forward) even when tied to the input table. Models without an lm_head (encoders with
  // a classification head) drop it. MoE: active parameters.
  const double vh = static_cast<double>(m.vocab) * m.hidden;
  f.n_head = g.lm_head && m.has_shape() ? vh : 0;
  if (m.has_shape() && (c.embedding > 0 || c.non_embedding > 0)) {
    const double non_emb_active = active - c.embedding - c.position;
    f.n_model = std::max(0.0, non_emb_active - c.lm_head + f.n_head);
  } else {
    f.n_model = active;  // no shape: all parameters (Kaplan 6N)
  }

  const int layers = std::max(1, m.layers);
  const int rank = std::max(0, s.training.lora.rank);
  double adapter_layer = 0, adapter_layer_active = 0;
  if (g.adapters)
    f.adapter_slots =
        catalog::TargetSlots(m.family, s.training.lora.targets, s.training.lora.all_linear);
  for (const auto& l : f.linears) {
    const double w = static_cast<double>(l.d_in) * l.d_out;
    f.n_layer_linear_active += w * std::max(1, l.active_copies);
    if (l.copies > 1) f.n_expert += w * l.copies * layers;
    if (f.Adapted(l)) {
      const double a = workload::AdapterParams(s.training.method, rank, l.d_in, l.d_out);
      adapter_layer += a * std::max(1, l.copies);
      adapter_layer_active += a * std::max(1, l.active_copies);
      ++f.adapted_linears;
    }
  }
  if (f.n_layer_linear_active <= 0 && m.has_shape())
    f.n_layer_linear_active = std::max(0.0, (f.n_model - f.n_head) / layers);
  f.n_adapter = adapter_layer * layers;
  f.n_adapter_active = adapter_layer_active * layers;
  f.adapter_targets_matched = !g.adapters || f.linears.empty() || f.adapted_linears > 0;

  if (g.adapters) {
    f.n_trainable = f.n_adapter;
  } else if (workload::TrainsLastLayers(s.training.method) && m.has_shape()) {
    const double per_layer = c.per_layer > 0 ? c.per_layer : (total - c.embedding) / layers;
    f.n_trainable = per_layer * g.trainable_layers;
  } else {
    f.n_trainable = total - c.vision;  // a vision encoder stays frozen (memory_setup)
  }
  return f;
}

FlopsPerToken CountFlops(const workload::Scenario& s, const Regime& g, const ModelFigures& f) {
  FlopsPerToken r;
  const auto& m = s.model;
  const double n = f.n_model;
  if (!m.has_shape()) {
    // No transformer shape (e.g. a UNet given by its parameter count): Kaplan 6N per token.
    r.model = (g.adapters ? 4.0 : 6.0) * n;
    r.hardware = r.model + g.recompute_share * 2.0 * n;
    return r;
  }
  const double L = m.layers;
  const double T = static_cast<double>(std::max<long long>(1, s.training.seq_len));
  // Attention core per token and layer, forward: QK^T and PV, 2*T*Q FLOPs each per head,
  // counted without the causal mask (PaLM convention; the time model halves it). Local
  // (sliding-window) layers attend w keys; MLA's QK and PV head sizes differ.
  const double keys = m.MeanAttendedKeys(T, false);
  const double attn_fwd_layer = 2.0 * m.heads * (m.QkHeadDim() + m.VHeadDim()) * keys;
  r.attention = 3.0 * L * attn_fwd_layer;  // = 12*L*H*Q*T

  const double n_layers = std::max(0.0, n - f.n_head);  // weights inside the layers
  const double n_layer = n_layers / L;
  const double k = g.trainable_layers;
  if (g.adapters) {
    // Frozen weights: forward + dX (4N); adapters train (6 N_lora); attention in full.
    r.model = 4.0 * n + 6.0 * f.n_adapter_active + r.attention;
  } else if (k < L) {
    // Freeze: forward everywhere; dX through the (frozen) lm_head and the k trainable
    // layers; dW on those layers only.
    r.model = 2.0 * n + 2.0 * f.n_head + 4.0 * n_layer * k + attn_fwd_layer * (L + 2.0 * k);
  } else {
    r.model = 6.0 * n + r.attention;  // PaLM: 6N + 12*L*H*Q*T
  }

  // Executed recomputation (HFU; PaLM App. B, Korthikanti section 5): full recomputes the
  // forward of every layer that backpropagates, selective the attention core or the linears
  // of Megatron's recompute modules, per-op selective every other matmul (RecomputedLinear).
  const double bp = g.backprop_layers;
  double recompute = 0;
  if (g.full_recompute) {
    recompute = g.recompute_share * (2.0 * n_layer * bp + attn_fwd_layer * bp);
    if (g.adapters) recompute += g.recompute_share * 2.0 * f.n_adapter_active * bp / L;
  } else if (g.SelectiveRerun()) {
    double weights = 0;  // per token: experts at their active copies
    for (const auto& l : f.linears)
      if (RecomputedLinear(l, g, s.model.hidden))
        weights += static_cast<double>(l.d_in) * l.d_out * std::max(1, l.active_copies);
    recompute = bp * ((g.Recomputes(workload::RecomputeModule::kCoreAttn) ? attn_fwd_layer : 0) +
                      2.0 * weights);
  }
  r.hardware = r.model + recompute;
  return r;
}

}  // namespace gpuadv::estimate::detail
