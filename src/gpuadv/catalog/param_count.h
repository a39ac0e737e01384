#pragma once
#include <string>
#include <vector>

#include "gpuadv/catalog/model_arch.h"
#include "gpuadv/catalog/module_names.h"

namespace gpuadv::catalog {

/// One linear (matmul) module of a decoder layer, by HF Llama's names (q_proj, k_proj,
/// v_proj, o_proj, gate_proj, up_proj, down_proj; qkv_proj and gate_up_proj where the model
/// fuses them) and the roles it plays (module_names.h), which LoRA targets select.
struct LinearShape {
  std::string name;
  long long d_in = 0;
  long long d_out = 0;
  unsigned slots = 0;      // ModuleSlot flags: kSlotQ | kSlotK | kSlotV for a fused qkv
  int copies = 1;          // experts for MoE MLP modules (all experts), 1 otherwise
  int active_copies = 1;   // experts used per token
  bool moe_block = false;  // inside an MoE MLP block (experts, router, shared expert)
};

/// Parameter counts (MODELLING §1; Megatron theoretical_memory_usage.py decomposition).
struct ParamCounts {
  double total = 0;      // all parameters
  double active = 0;     // per token (MoE: k_e experts); = total for dense
  double embedding = 0;  // input embedding table (V x h)
  double lm_head = 0;    // output projection (0 when tied)
  double position = 0;   // learned position embeddings
  double per_layer = 0;  // one (average) layer incl. norms and biases
  double per_layer_active = 0;
  double layer_linear = 0;    // weights of the linear modules of one layer (all experts)
  double largest_linear = 0;  // biggest single weight matrix (dequant / gather buffers)
  double non_embedding = 0;   // total - embedding - position (PaLM 6N convention)
  double vision = 0;          // vision encoder (in total, not in active)
  double mtp = 0;             // multi-token-prediction modules (not in total)
  double mtp_active = 0;      // of which per token
};

/// Linear modules of one transformer layer (MoE MLPs with copies = experts).
std::vector<LinearShape> LayerLinears(const ModelArch& m);

/// Computed counts for a shaped model. For a model without shape (has_shape() false)
/// returns total = active = m.params and zeros elsewhere.
ParamCounts CountParams(const ModelArch& m);

/// The shape fields the counts depend on; a cache is valid while they are unchanged.
struct ShapeKey {
  int kind = 0, layers = 0, hidden = 0, heads = 0, kv_heads = 0, head_dim = 0, ffn = 0, vocab = 0,
      max_seq_len = 0, mlp = 0, norm = 0, position = 0, experts = 0, experts_active = 0,
      moe_ffn = 0, shared_expert_ffn = 0, moe_layer_freq = 0, first_dense_layers = 0,
      q_lora_rank = 0, kv_lora_rank = 0, qk_rope_head_dim = 0, v_head_dim = 0, mtp_layers = 0;
  bool bias = false, tied = false, qk_norm = false, embedding_norm = false, fused_qkv = false,
       fused_gate_up = false;
  double params = 0, vision_params = 0;
  static ShapeKey Of(const ModelArch& m);
  bool operator==(const ShapeKey&) const = default;
};

/// CountParams and LayerLinears of a model, cached in ModelArch::derived.
struct ModelDerived {
  ShapeKey key;
  ParamCounts counts;
  std::vector<LinearShape> linears;
};

/// Computes and stores m.derived (loaders call this once per model).
void PrepareDerived(ModelArch& m);

/// m.derived when it matches m's shape, else nullptr (the caller computes afresh).
const ModelDerived* ValidDerived(const ModelArch& m);

/// Counts from the cache when valid, else computed.
ParamCounts CachedCounts(const ModelArch& m);

}  // namespace gpuadv::catalog
