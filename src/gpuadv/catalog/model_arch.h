#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gpuadv/core/enum_table.h"

namespace gpuadv::catalog {

enum class ModelKind { kDecoder, kEncoder, kEncoderDecoder, kDiffusion };
enum class MlpKind { kSwiGlu, kGelu };
enum class NormKind { kRmsNorm, kLayerNorm };
enum class PositionKind { kRope, kLearned, kAlibi };
enum class ComponentRole { kDenoiser, kTextEncoder, kVae };
enum class DenoiserType { kTransformer, kUnet };

inline constexpr EnumEntry<ModelKind> kModelKinds[] = {
    {"decoder", ModelKind::kDecoder, "causal language model"},
    {"encoder", ModelKind::kEncoder, "bidirectional encoder (BERT-like)"},
    {"encoder-decoder", ModelKind::kEncoderDecoder, "T5-like"},
    {"diffusion", ModelKind::kDiffusion, "diffusion denoiser (seq_len = its token count)"},
};
inline constexpr EnumEntry<MlpKind> kMlpKinds[] = {
    {"swiglu", MlpKind::kSwiGlu, "gated MLP: gate, up, down"},
    {"gelu", MlpKind::kGelu, "up, down"},
};
inline constexpr EnumEntry<NormKind> kNormKinds[] = {
    {"rmsnorm", NormKind::kRmsNorm, "RMSNorm (scale only)"},
    {"layernorm", NormKind::kLayerNorm, "LayerNorm (scale and bias)"},
};
inline constexpr EnumEntry<PositionKind> kPositionKinds[] = {
    {"rope", PositionKind::kRope, "rotary (no parameters)"},
    {"learned", PositionKind::kLearned, "learned absolute embeddings (max_seq_len x hidden)"},
    {"alibi", PositionKind::kAlibi, "ALiBi (no parameters)"},
};
inline constexpr EnumEntry<ComponentRole> kComponentRoles[] = {
    {"denoiser", ComponentRole::kDenoiser, "UNet or diffusion transformer"},
    {"text_encoder", ComponentRole::kTextEncoder, "CLIP / T5 text encoder"},
    {"vae", ComponentRole::kVae, "autoencoder (latents)"},
};
inline constexpr EnumEntry<DenoiserType> kDenoiserTypes[] = {
    {"transformer", DenoiserType::kTransformer, "DiT / MMDiT"},
    {"unet", DenoiserType::kUnet, "convolutional UNet with attention blocks"},
};

/// A part of a diffusion pipeline (MODELLING §9).
struct ModelComponent {
  std::string name;  // "unet", "clip-l", "t5-xxl", "vae"
  ComponentRole role = ComponentRole::kDenoiser;
  double params = 0;
  bool trains_by_default = false;  // the denoiser trains; encoders are frozen by default
};

/// Exact architecture of a model (data/models/*.yaml, a HF config.json, or inline).
/// For transformer stacks every shape field is set; `params` is then *computed*
/// (ParamCount) and `declared_params` keeps the published figure for checking.
/// A model given only by `params` (e.g. a UNet) has has_shape() == false.
struct ModelDerived;  // param_count.h: cached counts and linears

struct ModelArch {
  std::string id;  // "llama-3.1-8b"; empty for inline / config.json models
  std::string name;
  std::string family;  // "llama", "qwen2", "gpt2", ...
  std::vector<std::string> aliases;
  ModelKind kind = ModelKind::kDecoder;

  // Transformer shape (0 = unknown)
  int layers = 0;
  int hidden = 0;
  int heads = 0;
  int kv_heads = 0;  // GQA when < heads
  int head_dim = 0;  // default hidden / heads
  int ffn = 0;       // dense MLP intermediate size
  int vocab = 0;
  int max_seq_len = 0;
  MlpKind mlp = MlpKind::kSwiGlu;
  // Clamped SwiGLU (gpt-oss, config.json swiglu_limit 7): gate clamped above, up clamped both
  // ways, glu = gate * sigmoid(1.702 gate), out = glu * (up + 1); 0 = the plain SwiGLU.
  double swiglu_limit = 0;
  NormKind norm = NormKind::kRmsNorm;
  PositionKind position = PositionKind::kRope;
  double rope_theta = 0;           // rotary base (config.json rope_theta; 0 = unknown)
  double rope_scaling_factor = 0;  // Llama 3.1/3.2 "llama3" rope scaling factor (0 = none)
  bool bias = false;
  bool tied_embeddings = false;
  double dropout = 0;  // attention/hidden dropout probability used in training

  // Mixture of experts (0 = dense)
  int experts = 0;
  int experts_active = 0;
  int moe_ffn = 0;             // per-expert intermediate size (default ffn)
  int shared_expert_ffn = 0;   // always-active shared expert MLP size (0 = none)
  int moe_layer_freq = 1;      // every k-th layer is MoE (1 = all)
  int first_dense_layers = 0;  // leading dense layers (DeepSeek first_k_dense_replace)

  // Multi-head latent attention (DeepSeek-V2/V3; kv_lora_rank 0 = standard attention).
  // Under MLA head_dim is the non-rotary query/key size (qk_nope_head_dim).
  int q_lora_rank = 0;          // query compression rank (0 = full-rank q_proj)
  int kv_lora_rank = 0;         // compressed KV latent (the per-token KV state)
  int qk_rope_head_dim = 0;     // rotary query/key part per head (shared K rope head)
  int v_head_dim = 0;           // value head size (0 = head_dim)
  bool qk_norm = false;         // per-head RMSNorm on q and k (Qwen3, Gemma 3)
  bool embedding_norm = false;  // a norm right after the word embeddings (BLOOM)
  // Projections computed as one linear module (one GEMM, one LoRA wrapper, one ZeRO-3 hook):
  // q, k and v (GPT-2 and Qwen-1 c_attn, GPT-NeoX / Falcon / BLOOM query_key_value, MPT
  // Wqkv, Phi-3 qkv_proj, LitGPT attn); SwiGLU's gate and up (Phi-3 gate_up_proj).
  bool fused_qkv = false;
  bool fused_gate_up = false;
  // Set by a training stack that builds its own fused modules (StackTraits::fused_projections:
  // Megatron linear_qkv, linear_fc1) on a model whose own layout keeps them apart; undone
  // when the scenario moves to another stack.
  bool qkv_fused_by_stack = false;
  bool gate_up_fused_by_stack = false;
  // Untied by a training stack that loads the output head as a weight of its own
  // (StackTraits::untied_head: LitGPT); tied again when the scenario moves to another stack.
  bool head_untied_by_stack = false;

  // Sliding-window attention: local layers attend `sliding_window` keys; every
  // global_layer_every-th layer is global (Gemma 3: 6, gpt-oss: 2; 0 = all local).
  int sliding_window = 0;
  int global_layer_every = 0;

  int mtp_layers = 0;            // multi-token-prediction modules (DeepSeek-V3: 1)
  double vision_params = 0;      // vision encoder + projector (frozen in text fine-tuning)
  std::string checkpoint_dtype;  // dtype of the published weights ("bf16", "fp8", "mxfp4")

  // Parameter counts
  double params = 0;           // total parameters used by the estimators
  double declared_params = 0;  // published figure (0 = none)

  // Diffusion pipelines: components; the denoiser is the trained network.
  DenoiserType denoiser_type = DenoiserType::kTransformer;
  std::vector<ModelComponent> components;
  int latent_channels = 4;  // 4 SD/SDXL, 16 SD3/FLUX
  int patch_size = 2;       // DiT patch size on the latent
  int default_resolution = 512;
  int text_tokens = 0;  // text tokens joined into attention (MMDiT/FLUX)

  /// Counts and linears computed once (PrepareDerived in param_count.h), so the
  /// estimators' inner loop does not recount; ignored when the shape changed since.
  std::shared_ptr<const ModelDerived> derived;

  std::vector<std::string> sources;
  std::string notes;
  std::vector<std::string> warnings;  // what loading guessed (an unknown config.json type)

  bool has_shape() const { return layers > 0 && hidden > 0 && heads > 0; }
  int HeadDim() const { return head_dim > 0 ? head_dim : (heads > 0 ? hidden / heads : 0); }
  int KvHeads() const { return kv_heads > 0 ? kv_heads : heads; }
  bool IsMoe() const { return experts > 1; }
  bool IsMla() const { return kv_lora_rank > 0; }
  /// A GELU MLP whose Hugging Face modelling code uses `gelu_new` (NewGELUActivation, the
  /// tanh formula written out in pow/mul/add/tanh) rather than one native F.gelu kernel.
  bool GeluComposite() const;
  int QkHeadDim() const { return HeadDim() + qk_rope_head_dim; }
  int VHeadDim() const { return v_head_dim > 0 ? v_head_dim : HeadDim(); }
  /// MoE layers: after the leading dense ones, Megatron's pattern i % moe_layer_freq == 0.
  int MoeLayers() const {
    if (!IsMoe()) return 0;
    const int freq = moe_layer_freq > 1 ? moe_layer_freq : 1;
    const int rest = layers > first_dense_layers ? layers - first_dense_layers : 0;
    return (rest + freq - 1) / freq;
  }
  /// Layers attending the whole sequence (all of them without a sliding window).
  int GlobalLayers() const {
    if (sliding_window <= 0) return layers;
    return global_layer_every > 0 ? layers / global_layer_every : 0;
  }
  /// Keys a query attends at sequence length `seq`, averaged over queries and layers: a
  /// causal global layer seq / 2, a causal local one w - w^2 / (2 seq); without the causal
  /// mask seq and w.
  double MeanAttendedKeys(double seq, bool causal) const {
    const double full = causal ? seq / 2 : seq;
    if (sliding_window <= 0 || layers <= 0 || seq <= sliding_window) return full;
    const double w = sliding_window;
    const double local = causal ? w - w * w / (2 * seq) : w;
    const double global = GlobalLayers();
    return (global * full + (layers - global) * local) / layers;
  }
};

}  // namespace gpuadv::catalog
