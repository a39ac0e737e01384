#pragma once
// Internal pieces of the memory estimator (C3; MODELLING.md sections 2-5 and 9), shared by
// memory_setup.cc, model_states.cc, activations.cc, diffusion_memory.cc and memory.cc.
// Not a public interface: the public one is EstimateMemory / MemoryLowerBoundBytes.
//
// The model follows the mechanism: what is allocated, by whom, and in which phase of a
// training step (forward, backward, optimizer step). Byte counts are per GPU.
//
// Contract: the functions here never allocate or format strings unless they are handed a
// non-null Explanation (the planner calls the estimator ~1M times/s with explain ==
// nullptr). The one exception is setup for LoRA targets, which reads
// catalog::LayerLinears (a small vector) once per call.
#include "gpuadv/catalog/param_count.h"
#include "gpuadv/core/explain.h"
#include "gpuadv/estimate/layout.h"
#include "gpuadv/estimate/result.h"
#include "gpuadv/workload/scenario.h"

namespace gpuadv::estimate::mem {

inline constexpr double kFp32Bytes = 4;  // an fp32 element

/// How the stack's kernels run (workload::StackTraits::kernels): fused kernels with
/// 16-bit saved tensors (Transformer Engine / Apex / compiled Triton: kMegatron) or eager
/// PyTorch ops (Hugging Face transformers / PEFT / LitGPT / accelerate / DeepSpeed).
/// When the stack was chosen by default, model parallelism implies the fused one.
enum class Stack { kPyTorch, kMegatron };

/// The cross-entropy that holds the logits (MODELLING.md section 4), chosen once from the
/// scenario and its stack (SetupStack), in this order of precedence.
enum class LossPath {
  kUpcastChunks,   // chunked, each chunk's fp32 log-softmax kept (ChunkedLossKind)
  kChunked,        // chunked linear cross-entropy fused with the head
  kCompiled,       // compiled loss: 16-bit logits and gradient only (StackTraits)
  kVocabParallel,  // Megatron's vocab-parallel cross-entropy: 16-bit logits + fp32 softmax
  kInGraph,        // loss compiled with a whole model (fused kernels, compiled_model_loss)
  kEager,          // 16-bit logits, fp32 copy and log-softmax; 12 B per logit in backward
};

/// Where model-state bytes of trainable parameters go (MODELLING.md section 2 table).
enum class Regime {
  kFp32,       // fp32 weights, grads, states
  kAmp,        // torch.autocast over an fp32 model: 4 + 4 + states, +2 B/param cast cache
  kDeepSpeed,  // DeepSpeed's 16-bit module + fp32 master: 2 + 2 + (4 master + states)
  kMegatron,   // Megatron 16-bit + fp32 main grads/params: 2 + 4 (or 2) + (4 master + states)
  kPureBf16,   // bf16 weights, grads and optimizer states (LitGPT bf16-true)
  kFp8,        // Transformer Engine fp8: Megatron states + cached fp8 weight copy
};

/// Bytes per parameter of one class of parameters.
struct Rates {
  double weight = 0;     // persistent weight storage
  double grad = 0;       // gradient buffer
  double master = 0;     // fp32 master copy (optimizer kind)
  double state = 0;      // optimizer moments (optimizer kind)
  double cast = 0;       // transient compute copy alive from forward to its backward
  double step_temp = 0;  // optimizer-step temporaries (foreach intermediates)
};

/// Model shape used by the activation model (per model replica, before any parallelism).
struct Shape {
  bool known = false;     // a transformer layer stack is known (given or inferred)
  bool inferred = false;  // shape inferred from the parameter count (warned)
  double layers = 0, hidden = 0, heads = 0, kv_heads = 0, head_dim = 0, ffn = 0, vocab = 0;
  double v_head_dim = 0;  // value head size (MLA: v_head_dim; else head_dim)
  double mla_latent = 0;  // MLA: q_lora_rank + kv_lora_rank + qk_rope_head_dim per token
  bool swiglu = true, layernorm = false, dropout = false, bias = false;
  bool gelu_composite = false;  // HF `gelu_new` (GPT-2, GPT-J, GPT-Neo, CodeGen, Phi-1/2)
  bool swiglu_clamped = false;  // gpt-oss's clamped SwiGLU (ModelArch::swiglu_limit)
  catalog::ModelKind kind = catalog::ModelKind::kDecoder;
  // MoE
  double experts = 0, experts_active = 0, moe_ffn = 0, shared_ffn = 0;
  double moe_layers = 0;  // layers with experts
};

/// Parameter classes of one model replica (before TP/PP/EP/ZeRO division).
struct Params {
  double total = 0;      // all parameters of the trained network
  double vision = 0;     // frozen vision encoder of a multimodal model (not in total)
  double embedding = 0;  // input embedding + learned positions
  double lm_head = 0;    // untied output projection
  double final_norm = 0;
  double per_layer = 0;           // average layer (attention, MLP / experts, norms)
  double expert_per_layer = 0;    // average expert-MLP params per layer (divided by ep)
  double moe_block = 0;           // one MoE layer's expert-MLP params (all experts)
  double norms_per_layer = 0;     // norm (and bias) params, not quantised by QLoRA
  double largest_linear = 0;      // biggest weight matrix (dequant buffer)
  double largest_tensor = 0;      // biggest parameter tensor (per-tensor optimizer temporaries)
  double adafactor_fraction = 0;  // Adafactor state elements per parameter
};

/// What trains and how (per replica).
struct MethodTerms {
  workload::Method kind = workload::Method::kFull;
  bool adapters = false;   // lora / qlora
  bool quantized = false;  // qlora: layer linears stored quantised
  double quant_bytes = 0;  // bytes per quantised parameter (NF4: 0.5 + block constants)
  // Of quant_bytes, the block constants (absmax, LLM.int8 row scales): bitsandbytes keeps
  // them as the module's quant_state, not in the parameter, so ZeRO-3 / FSDP neither shard
  // nor offload them (bitsandbytes#970, 2024-01-16: Linear4bit registers module.quant_state
  // and restores it "when the parameter got converted. This happens for example for fsdp").
  double quant_state_bytes = 0;
  double trainable_layers = 0;  // freeze: last layers that train
  // LoRA adapters (params), by where they live.
  double adapter_per_layer = 0;
  double adapter_head = 0;   // on lm_head (last stage)
  double adapter_embed = 0;  // on the embedding (first stage)
  // Saved-tensor effects of adapters, per token of one layer.
  double adapter_rank_sum = 0;  // sum of r over adapted modules (A outputs saved by B)
  // Sum of d_in over adapted modules (their input copies): the dense column-parallel ones
  // (q, k, v, gate, up: the input replicated over tensor-parallel ranks), and the others
  // (row-parallel o, down and the experts: an input tensor parallelism splits).
  double adapter_din_column = 0, adapter_din_split = 0;
  // Adapter variants (workload::AdapterVariant): elements saved per token besides LoRA's
  // (saved_per_output x d_out summed over adapted modules), and the forward's weight-sized
  // temporaries of the largest adapted module (elements).
  double adapter_out_saved = 0;
  double adapter_weight_temporary = 0;
  bool lora_dropout = false;
  // Which linear inputs are saved for the module's own weight gradient (or by a quantised
  // matmul), and which modules carry adapters.
  bool qkv_trains = true, o_trains = true, mlp_in_trains = true, down_trains = true;
  bool qkv_adapted = false, o_adapted = false, mlp_in_adapted = false, down_adapted = false;
  bool head_trains = true, norms_train = true;
  int unknown_targets = 0;  // LoRA target names that match no linear (warned)
};

/// Diffusion pipeline pieces besides the trained denoiser (MODELLING.md section 9).
struct Diffusion {
  bool active = false;
  bool unet = false;               // convolutional denoiser without a layer shape
  double latent_pixels = 0;        // (resolution / 8)^2 per image
  double image_pixels = 0;         // resolution^2
  double text_encoder_params = 0;  // resident (not cached) frozen text encoders
  double trained_text_encoder_params = 0;
  double vae_params = 0;              // resident VAE (latents not cached)
  double frozen_bytes_per_param = 2;  // 16-bit, or 1 with fp8_base
  double block_swap = 0;              // fraction of denoiser weights streamed from host
  bool ema = false;                   // an fp32 EMA copy of the trained weights (EmaBytes)
};

/// Everything the estimator derives once from the scenario.
struct Setup {
  Stack stack = Stack::kPyTorch;
  // Megatron's runtime (distributed optimizer, fp32 main-grad buffers, no DDP buckets / FSDP
  // wrappers): the megatron stacks, or model parallelism under a defaulted stack.
  bool megatron_runtime = false;
  // Adam moments in bf16 beside fp32 master weights (training.optimizer_state_dtype).
  bool bf16_moments = false;
  // Optimizer states in host memory outside the step (training.optimizer_state_offload).
  bool optimizer_state_offload = false;
  // FSDP accumulates unsharded gradients over the step (Scenario::FsdpGradientsUnsynced).
  bool fsdp_unsynced_grads = false;
  bool fsdp_pipeline_unsharded = false;  // Scenario::FsdpPipelineUnsharded: stage kept gathered
  bool fsdp_adapter_units = false;   // adapters in their own FSDP units: frozen weights no grads
  bool zero3_module_gather = false;  // ZeRO-3 gathers submodules, not layers (StackTraits)
  bool fsdp_per_param = false;       // FSDP2 fully_shard (StackTraits): gathers copied out
  bool deepspeed_mixed = false;      // DeepSpeed holds the 16-bit model (DeepSpeedMixedPrecision)
  workload::SelectivePolicy selective = workload::SelectivePolicy::kAttentionCore;
  bool fp8_weight_cache = false;   // fp8-mixed: the stack caches an fp8 copy of each weight
  bool fp8_params = false;         // fp8-mixed: primary weights stored in fp8 (Fp8Params)
  double megatron_grad_bytes = 4;  // Megatron's gradient buffer (Scenario::MegatronGradBytes)
  // bf16: the 16-bit gradients stay beside the fp32 buffer (StackTraits::keeps_16bit_grads).
  bool kept_16bit_grads = false;
  // An fp8 weight keeps a transposed copy for its backward GEMMs (GPUs whose fp8 GEMMs take
  // only the TN layout: GpuSpec::Fp8AnyLayout false).
  bool fp8_transposed_weights = true;
  bool kbit_upcast = false;             // QLoRA: unquantised params and the residual stream in fp32
  bool frozen_fp32 = false;             // LoRA over an fp32 base under autocast (Fp32FrozenBase)
  bool kbit_saves_input = false;        // quantised linears keep their input (StackTraits)
  bool keeps_previous_outputs = false;  // the loop holds the last micro-batch's graph
  bool param_cast = false;              // bf16-mixed on 16-bit parameter copies, no autocast
  bool fsdp_fp32_trainable = false;     // FSDP holds a bf16 model's trainables in fp32
  LossPath loss = LossPath::kEager;
  bool compiled_loss = false;         // compiled cross-entropy (also per chunk, kUpcastChunks)
  bool loss_parallel = false;         // the eager loss on vocab shards (StackTraits, tp > 1)
  bool sp_dtensor = false;            // DTensor SP (StackTraits, SP on): lm_head input whole
  bool lora_fused_mlp = false;        // the stack's LoRA MLP function (StackTraits) applies
  bool fp32_adapters = true;          // adapters fp32 whatever the model dtype (PEFT)
  bool low_precision_norms = false;   // norms save 16-bit inputs under autocast (StackTraits)
  bool fused_rmsnorm = false;         // its RMSNorms one kernel (Scenario::RunsFused)
  bool fused_swiglu = false;          // its silu(gate) * up one kernel (Scenario::RunsFused)
  bool expandable_segments = false;   // allocator segments grow in place: no block slack
  bool lengths_may_vary = false;      // fine-tuning without expandable segments
  bool variable_length = false;       // ... and the stack says they vary: counted
  bool fused_optimizer = false;       // AdamW as one fused kernel: no foreach temporaries
  bool torch_1x = false;              // PyTorch < 2.0 (StackTraits::torch_1x)
  bool expands_kv = false;            // K and V saved at the query width (StackTraits)
  bool fp8_attention = false;         // Scenario::Fp8Attention: Q, K, V, O saved in fp8
  bool fp8_activation_input = false;  // Scenario::Fp8ActivationInput: MLP activation input
  Regime regime = Regime::kAmp;
  workload::Precision precision = workload::Precision::kBf16Mixed;
  workload::Optimizer optimizer = workload::Optimizer::kAdamW;
  workload::Attention attention = workload::Attention::kFlash;
  workload::Checkpointing ckpt = workload::Checkpointing::kNone;
  // Full checkpointing of only this many layers per model chunk (Training::checkpoint_layers);
  // 0 = every layer.
  int checkpoint_layers = 0;
  // Selective checkpointing: the workload::RecomputeModule flags recomputed
  // (Training::RecomputedModules; the attention core unless Megatron is told otherwise).
  unsigned recompute_modules = 0;
  bool activation_offload = false;
  bool optimizer_in_backward = false;
  bool paged = false;  // optimizer state in CUDA unified memory
  // Parallel layout and batch: the derivation the throughput estimator uses too (layout.h)
  Layout lay;
  workload::Offload offload = workload::Offload::kNone;
  double s = 1;  // tokens per sequence held by one GPU (lay.s after context parallel)
  // Element sizes (bytes)
  double e_act = 2;      // activations (linear outputs, intermediates)
  double e_res = 2;      // residual stream / norm inputs
  double e_compute = 2;  // compute copy of weights (gather buffers)
  bool amp = false;      // torch.autocast active (fp32 softmax / layer_norm / loss)
  Shape shape;
  Params params;
  MethodTerms method;
  Diffusion diffusion;
};

/// Derives the setup. `explain` gets warnings for inferred shapes and unknown targets.
Setup MakeSetup(const workload::Scenario& s, Explanation* explain);

/// The dtypes LoRA-style adapters run at against the activations (PEFT LoRA
/// Linear.forward `_cast_input_dtype`; PEFT >= 0.12 keeps adapters in fp32,
/// autocast_adapter_dtype=True): fp32 training and Megatron/NeMo or fused-kernel adapters
/// (model dtype) share the module input; under autocast each adapter makes a 16-bit copy of
/// it; a 16-bit model without autocast casts the input to the fp32 adapters, which then
/// compute, scale and add in fp32 before the result is cast back.
struct AdapterDtypes {
  double input_bytes = 0;  // bytes per element of the adapter's own input copy (0: shared)
  double out_bytes = 2;    // bytes per element of the adapter path's outputs
};
/// Bytes per quantised base weight (a QLoRA base linear), its block constants included
/// (`state`: absmax, double-quantised, or LLM.int8 row scales).
struct QuantBytes {
  double total = 0, state = 0;
};
QuantBytes QuantBytesPerParam(const workload::QuantConfig& q, double hidden);

AdapterDtypes AdapterDtypesOf(const Setup& st);
/// The same from a scenario, for the time estimator (the stack and dtype parts of the setup).
AdapterDtypes AdapterDtypesOf(const workload::Scenario& s);
/// Optimizer state and fp32 master bytes per trainable parameter (TrainableRates), from a
/// scenario, for the time estimator (what an optimizer-state offload moves).
double OptimizerStateBytesPerParam(const workload::Scenario& s);

// ---- model states (model_states.cc) ----

/// A pipeline stage as one GPU sees it.
struct Stage {
  bool first = true, last = true;
  double layers = 0;        // transformer layers on this stage
  double layers_after = 0;  // layers of later stages (freeze: which layers train)
  double in_flight = 1;     // micro-batches whose activations the stage holds
};

/// Model-state bytes of one GPU of a stage, by kind and lifetime.
struct States {
  double weights = 0;            // persistent on the GPU (incl. frozen / quantised / adapters)
  double weights_transient = 0;  // autocast / fp8 casts, dequant buffer, ZeRO-3 gathers
  double weights_buffers = 0;    // the part of weights_transient alive through backward
  double gathers_in_flight = 0;  // ZeRO-3 / FSDP: the units' gathered bytes in flight at once
  double gradients = 0;          // full gradient buffers at the end of backward (incl. DDP buckets)
  double gradients_fwd = 0;      // alive during the forward (accumulation, persistent buffers)
  double gradients_bwd_unit = 0;  // unsharded unit gradient before reduce-scatter (ZeRO-3)
  double optimizer = 0;           // optimizer state + master weights on the GPU
  double optimizer_step = 0;      // step temporaries
  double ema = 0;                 // EMA copy of the trained weights (part of `optimizer`)
  double paged = 0;               // optimizer state in unified memory (outside torch)
  double host = 0;                // bytes kept in host RAM (offload, block swap)
  double trainable_params = 0;    // per replica
  double total_params = 0;        // per replica (incl. adapters and resident components)
  Rates trainable, adapter;       // rates used (for explain)
  double frozen_rate = 0;
  double frozen_edge_rate = 0;  // frozen embedding, head and final norm
};

/// Rates of trainable (full) parameters for the setup's regime and optimizer.
Rates TrainableRates(const Setup& st);
/// Rates of LoRA adapters (PEFT keeps them fp32 unless the whole model is bf16).
Rates AdapterRates(const Setup& st);
/// Model states on one GPU of `stage`.
States StageStates(const Setup& st, const Stage& stage);

// ---- activations (activations.cc) ----

/// One transformer layer as one GPU computes it (sizes per GPU after TP/CP).
struct LayerSpec {
  Stack stack = Stack::kPyTorch;
  workload::Attention attention = workload::Attention::kFlash;
  double s = 0, b = 0, h = 0, a = 0, k = 0, d = 0, f = 0;  // f: dense MLP width
  double d_v = 0;         // value head size (0 = d; MLA: d is the query/key head size)
  double mla_latent = 0;  // MLA latents per token (inputs of q_b_proj and kv_b_proj)
  double t = 1;           // tensor-parallel size
  bool sp = false;        // sequence parallel: replicated tensors divided by t
  bool swiglu = true, layernorm = false, dropout = false;
  bool gelu_composite = false;  // unfused tanh-GELU (HF gelu_new): saves ~4 tensors
  bool swiglu_clamped = false;  // clamped SwiGLU (gpt-oss): eager saves 4 f-wide tensors more
  bool bias = false;            // linears with biases (workload::PerOpRecomputedSlots)
  double e_act = 2, e_res = 2;
  bool amp = false;                  // autocast: layer_norm and softmax saved in fp32
  bool low_precision_norms = false;  // autocast norms on a 16-bit downcast (llm-foundry)
  bool fused_rmsnorm = false;        // RMSNorm one kernel saving its 16-bit input (Liger)
  bool fused_swiglu = false;         // silu(gate) * up one kernel saving gate and up (Liger)
  // Eager attention's softmax output saved in fp32 (PyTorch stacks): autocast lists softmax
  // as fp32 and HF's eager attention upcasts explicitly (softmax(..., dtype=float32)) in
  // pure 16-bit runs. A model cast to 16 bits without autocast (param_cast: apex amp O2,
  // FSDP MixedPrecision param_dtype) runs a plain 16-bit softmax (DeepLearningExamples BERT).
  bool softmax_fp32 = false;
  bool expands_kv = false;  // K and V saved at the query width (StackTraits::expands_kv)
  // The MLP is one LoRA autograd function (StackTraits::lora_fused_mlp): gate and up outputs
  // saved, their product recomputed in backward, gradients written into the saved buffers.
  bool lora_fused_mlp = false;
  bool fp8_inputs = false;     // Transformer Engine saves linear inputs in fp8
  bool fp8_attention = false;  // fp8 attention core: Q, K, V and O saved in fp8
  double act_in_bytes = 2;     // the MLP activation's saved input (1: fp8 input store)
  bool qkv_trains = true, o_trains = true, mlp_in_trains = true, down_trains = true;
  bool norms_train = true;
  // LoRA: A outputs (rank_sum, in adapter_out_bytes) and each adapter's own copy of its
  // input (adapter_din_* elements in adapter_input_bytes; 0 = it shares the module input).
  double adapter_rank_sum = 0, adapter_din_column = 0, adapter_din_split = 0;
  // Column-parallel adapters gather their input from the sequence shards (sequence
  // parallelism over tp > 1): a tensor of their own, not the module's shard.
  bool adapters_gather = false;
  double adapter_input_bytes = 0, adapter_out_bytes = 2;
  // Adapter variants: extra elements saved per token (adapter_out_bytes each) and the
  // forward's weight-sized temporaries (elements, e_act each; MethodTerms).
  double adapter_out_saved = 0, adapter_weight_temporary = 0;
  bool lora_dropout = false;
  // MoE (experts > 1): routed tokens per GPU = experts_active * capacity * s * b * etp / t
  // (each rank routes its sequence-parallel share, gathered over etp), expert width / etp.
  double experts = 0, experts_active = 0, moe_ffn = 0, shared_ffn = 0;
  double etp = 1;      // expert tensor-parallel size
  bool adaln = false;  // diffusion transformer: adaLN modulation input saved
};

/// The parts of a layer's saved bytes each of Megatron's recompute modules frees
/// (workload::RecomputeModule) beside the attention core (LayerBytes::score_saved): a
/// normal checkpoint frees what its module saves less the input it keeps, an
/// output-discarding one the output it recomputes.
struct ModuleBytes {
  double mla_up_proj = 0;  // Q, K and V after MLA's up projections and RoPE
  double norm_attn = 0;    // the input norm's output where a norm runs apart (MLA)
  double norm_mlp = 0;     // the pre-MLP norm's output where it runs apart (MoE layers)
  double mlp = 0;          // a dense layer's MLP input and intermediates
  double moe = 0;          // a MoE layer's routing, experts and combine, less its input
  double moe_act = 0;      // the routed experts' activation output (second GEMM's input)
  double shared = 0;       // the shared experts' intermediates
};

/// Bytes of one layer for one micro-batch.
struct LayerBytes {
  double saved = 0;          // tensors saved for backward (no recomputation)
  double score_saved = 0;    // the part of `saved` in s x s tensors (selective drops it)
  ModuleBytes modules;       // the parts of `saved` Megatron's recompute modules free
  double per_op_kept = 0;    // what per-op selective checkpointing keeps (torchtitan SAC)
  double input = 0;          // the layer input (what full checkpointing keeps)
  double linear_inputs = 0;  // the tensors the layer's linears take in, each tensor once
  double fwd_transient = 0;  // working set while the layer runs forward
  double bwd_transient = 0;  // working set while the layer runs backward (gradients)
};

LayerBytes LayerActivationBytes(const LayerSpec& l);

/// What recomputing `modules` (workload::RecomputeModule flags) frees of a layer: moe holds
/// moe_act and the shared experts.
double ModulesFreed(const LayerBytes& l, unsigned modules);

/// Logits and loss of one micro-batch (MODELLING.md section 4).
struct LogitBytes {
  double fwd = 0;       // peak at the end of forward
  double bwd = 0;       // peak at the start of backward (dlogits)
  double returned = 0;  // the 16-bit logits the model returns (none from a fused linear loss)
};

/// Activations of one GPU of a stage (all in-flight micro-batches).
struct Activations {
  double saved = 0;          // at the end of forward (incl. per-micro-batch extras)
  double extras = 0;         // part of `saved` outside the layers (ids, final norm, ...)
  double fwd_transient = 0;  // a layer's forward working set
  double bwd_transient = 0;  // a layer's backward working set (+ recompute for full ckpt)
  double host = 0;           // offloaded to host memory
  LogitBytes logits;
  // What the previous micro-batch's graph still holds while the next forward runs
  // (Setup::keeps_previous_outputs): its 16-bit logits, and the quantised linears' inputs
  // that bitsandbytes keeps as ctx attributes (Setup::kbit_saves_input).
  double previous_graph = 0;
  LayerBytes layer;       // one average layer, one micro-batch (for explain)
  double layer_kept = 0;  // what the checkpointing policy keeps of `layer` (for explain)
  LayerSpec spec;         // the layer as computed (for explain)
};

Activations StageActivations(const Setup& st, const Stage& stage);

// ---- diffusion (diffusion_memory.cc) ----

/// Fills Setup::diffusion and the token count of a diffusion scenario.
void SetupDiffusion(const workload::Scenario& s, Setup& st, Explanation* explain);
/// Saved activation bytes of a convolutional UNet for one micro-batch (no shape known).
double UnetActivationBytes(const Setup& st);
/// Transient bytes of encoding images to latents in the step (0 when latents are cached).
double VaeEncodeTransientBytes(const Setup& st);

}  // namespace gpuadv::estimate::mem
