#pragma once
// The training stack as the estimators see it (issue 11 "framework stacks are first-class
// data"): what it allocates, which kernels it fuses, what it overlaps and what its host
// does per step. Values come from data/stacks.yaml (io/stack_loader); the defaults here
// are the neutral stack, eager PyTorch, which is what a Scenario built in code gets.
#include <string>
#include <string_view>
#include <vector>

#include "gpuadv/workload/enums.h"

namespace gpuadv::workload {

/// How the layer's element-wise ops run: eager PyTorch (one kernel per op; norms and
/// softmax saved in fp32 under autocast) or fused kernels (Transformer Engine / Apex /
/// compiled Triton: fused norm+cast, bias-dropout-add, SwiGLU; 16-bit saved tensors).
enum class KernelStyle { kEager, kFused };
inline constexpr EnumEntry<KernelStyle> kKernelStyles[] = {
    {"eager", KernelStyle::kEager, "one kernel per op, autocast fp32 norms / softmax"},
    {"fused", KernelStyle::kFused, "fused norm, bias-dropout-add, activation kernels"},
};

/// What `activation_checkpointing: selective` keeps.
enum class SelectivePolicy { kAttentionCore, kPerOp };
inline constexpr EnumEntry<SelectivePolicy> kSelectivePolicies[] = {
    {"attention-core", SelectivePolicy::kAttentionCore,
     "Megatron selective: recompute the attention core (scores) only"},
    {"per-op", SelectivePolicy::kPerOp,
     "torchtitan per-op SAC: keep matmul and attention outputs (every other matmul), "
     "recompute the rest (the routed experts' grouped GEMMs included)"},
};

/// The matmuls per-op selective checkpointing (SelectivePolicy::kPerOp) recomputes, as
/// module slots (catalog/module_names.h): torchtitan's policy (models/llama3/infra/
/// parallelize.py `_custom_policy`, selective_ac_option "op") saves the output of every
/// other aten.mm of a layer in call order, q, k, v, o, then gate, up, down (fc1, fc2 without
/// a gate), and recomputes the even-numbered ones (`mm_count % 2 == 0`): k, o and up (fc2).
/// A linear with a bias dispatches aten.addmm instead (at::linear folds a contiguous input
/// to 2-D for it), which torch's compute_intensive_ops lists and the policy saves without
/// counting it as an mm: a model with biases (`biased`) recomputes none of them.
unsigned PerOpRecomputedSlots(bool gated_mlp, bool biased);

/// The parallelism a stack runs (stack trait `parallelism`, bit flags): its data-parallel
/// modes and the model-parallel dimensions it offers. `plan` searches only these for a
/// scenario that names its stack (plan::MakeSearchSpace).
enum class ParallelMode : unsigned {
  kDdp = 1u << 0,
  kZero1 = 1u << 1,
  kZero2 = 1u << 2,
  kZero3 = 1u << 3,
  kHsdp = 1u << 4,
  kTp = 1u << 5,
  kSp = 1u << 6,
  kPp = 1u << 7,
  kVpp = 1u << 8,
  kCp = 1u << 9,
  kEp = 1u << 10,
};
inline constexpr EnumEntry<ParallelMode> kParallelModes[] = {
    {"ddp", ParallelMode::kDdp, "data parallel, every rank a whole replica (ZeRO 0)"},
    {"zero1", ParallelMode::kZero1, "optimizer states sharded (distributed optimizer)"},
    {"zero2", ParallelMode::kZero2, "gradients sharded too (FSDP SHARD_GRAD_OP)"},
    {"zero3", ParallelMode::kZero3, "parameters sharded too (FSDP FULL_SHARD)"},
    {"hsdp", ParallelMode::kHsdp, "ZeRO-2/3 sharded within a node, replicated across"},
    {"tp", ParallelMode::kTp, "tensor parallel"},
    {"sp", ParallelMode::kSp, "sequence parallel beside tensor parallel"},
    {"pp", ParallelMode::kPp, "pipeline parallel"},
    {"vpp", ParallelMode::kVpp, "interleaved pipeline stages"},
    {"cp", ParallelMode::kCp, "context parallel"},
    {"ep", ParallelMode::kEp, "expert parallel (MoE)"},
};
inline constexpr unsigned kAllParallelModes = (1u << 11) - 1;

/// The fused-attention kernel generation the stack calls (fa3: on Hopper and later).
enum class AttentionKernel { kFa2, kFa3, kFaTriton, kFlex, kCkV3 };
inline constexpr EnumEntry<AttentionKernel> kAttentionKernels[] = {
    {"fa2", AttentionKernel::kFa2, "FlashAttention-2 / PyTorch SDPA"},
    {"fa3", AttentionKernel::kFa3,
     "FlashAttention-3 / cuDNN fused attention (Hopper+: warp-specialised, TMA)"},
    {"fa-triton", AttentionKernel::kFaTriton,
     "FlashAttention in Triton of 2022-23 (llm-foundry attn_impl: triton, "
     "flash_attn_triton.py): FlashAttention-2 runs 1.3-1.5x its forward, ~2x its backward"},
    {"flex", AttentionKernel::kFlex,
     "FlexAttention (torch.nn.attention.flex_attention, its Triton templates; torchtitan's "
     "gpt-oss): 0.90 of FlashAttention-2's forward, 0.85 of its backward"},
    {"ck-v3", AttentionKernel::kCkV3,
     "AMD's assembly FMHA v3 kernels (Composable Kernel / AITER; Transformer Engine for ROCm "
     "with NVTE_FUSED_ATTN_CK): 1.38x the AOTriton kernel PyTorch SDPA runs on CDNA 3 / 4"},
};

/// Element-wise modules an eager stack runs as one fused kernel each (stack trait
/// `fused_modules`, bit flags), the rest of the layer staying eager: Liger-Kernel's
/// LigerRMSNorm, liger_rotary_pos_emb and LigerSiLUMulFunction (transformers'
/// use_liger_kernel), or flash-attn's rms_norm and rotary kernels, which Qwen-1's remote
/// code (modeling_qwen.py) calls whenever they import. A stack with `kernels: fused` fuses
/// all of them already.
enum class FusedModule : unsigned {
  kRmsNorm = 1u << 0,
  kRope = 1u << 1,
  kSwiGlu = 1u << 2,
};
inline constexpr EnumEntry<FusedModule> kFusedModules[] = {
    {"rmsnorm", FusedModule::kRmsNorm,
     "RMSNorm in one kernel each way, saving its 16-bit input and the fp32 rstd (Liger, "
     "flash-attn ops.rms_norm)"},
    {"rope", FusedModule::kRope,
     "rotary embedding of q and k in one kernel each (Liger, "
     "flash-attn layers.rotary)"},
    {"swiglu", FusedModule::kSwiGlu,
     "silu(gate) * up in one kernel saving gate and up only (Liger LigerSiLUMulFunction)"},
};

/// The modules Liger-Kernel's apply_liger_kernel_to_* fuse by default (with its fused linear
/// cross-entropy, the chunked loss): transformers' use_liger_kernel runs all of them.
inline constexpr unsigned kLigerFusedModules = static_cast<unsigned>(FusedModule::kRmsNorm) |
                                               static_cast<unsigned>(FusedModule::kRope) |
                                               static_cast<unsigned>(FusedModule::kSwiGlu);

/// What a chunked cross-entropy keeps (`loss: chunked`, StackTraits::chunked_loss_kind).
enum class ChunkedLossKind { kFusedLinear, kUpcastChunks };
inline constexpr EnumEntry<ChunkedLossKind> kChunkedLossKinds[] = {
    {"fused-linear", ChunkedLossKind::kFusedLinear,
     "the head projection and cross-entropy run chunk by chunk and the backward's input "
     "gradient is computed in the forward (Liger FusedLinearCrossEntropy, Unsloth): no "
     "logits outlive their chunk"},
    {"upcast-chunks", ChunkedLossKind::kUpcastChunks,
     "the 16-bit logits are upcast to fp32 one chunk at a time, but autograd keeps each "
     "chunk's fp32 log-softmax for backward (torchtune CEWithChunkedOutputLoss, "
     "LinearCrossEntropyLoss): 4 B per logit saved"},
};

/// FP8 scaling recipe (Transformer Engine names).
enum class Fp8Recipe { kDelayed, kCurrent, kBlockwise, kMxfp8 };
inline constexpr EnumEntry<Fp8Recipe> kFp8Recipes[] = {
    {"delayed", Fp8Recipe::kDelayed, "per-tensor scales from an amax history"},
    {"current", Fp8Recipe::kCurrent, "per-tensor scales from the current amax (extra pass)"},
    {"blockwise", Fp8Recipe::kBlockwise, "1x128 / 128x128 block scales (DeepSeek-V3 style)"},
    {"mxfp8", Fp8Recipe::kMxfp8, "MX 1x32 block scales in hardware (Blackwell)"},
};

/// The weights fp8 GEMMs run over: an fp32 master copy with 16-bit compute weights (the
/// fp8-mixed recipes of Megatron / torchao / Composer), or the model itself held in bf16
/// with no master copy (Transformer Engine fp8_autocast over a bf16 Hugging Face model).
enum class Fp8MasterWeights { kFp32, kBf16 };
inline constexpr EnumEntry<Fp8MasterWeights> kFp8MasterWeights[] = {
    {"fp32", Fp8MasterWeights::kFp32, "fp32 master weights and optimizer states"},
    {"bf16", Fp8MasterWeights::kBf16,
     "bf16 weights, gradients and optimizer states (a bf16 model under fp8 autocast)"},
};

/// The dtype of the optimizer's moment states beside fp32 master weights: fp32, or bf16 as
/// Megatron-Core's precision-aware optimizer keeps them (--use-precision-aware-optimizer
/// --exp-avg-dtype bf16 --exp-avg-sq-dtype bf16, Transformer Engine's FusedAdam).
enum class StateDtype { kFp32, kBf16 };
inline constexpr EnumEntry<StateDtype> kStateDtypes[] = {
    {"fp32", StateDtype::kFp32, "fp32 optimizer moments"},
    {"bf16", StateDtype::kBf16,
     "bf16 Adam moments beside fp32 master weights (Megatron's precision-aware optimizer)"},
};

/// What Megatron-Core's selective recomputation recomputes (--recompute-modules, its
/// TransformerConfig recompute_modules; default core_attn). Flags: a set of modules.
/// "Normal" checkpoints (core_attn, mlp, moe, shared_experts) keep the module's input;
/// output-discarding ones (moe_act, layernorm, mla_up_proj) free the module's output once
/// its consumer has run and recompute it in backward.
enum class RecomputeModule : unsigned {
  kCoreAttn = 1u << 0,
  kMlp = 1u << 1,
  kMoe = 1u << 2,
  kMoeAct = 1u << 3,
  kSharedExperts = 1u << 4,
  kLayernorm = 1u << 5,
  kMlaUpProj = 1u << 6,
};
inline constexpr EnumEntry<RecomputeModule> kRecomputeModules[] = {
    {"core_attn", RecomputeModule::kCoreAttn,
     "the attention core (s x s scores; FlashAttention's forward is rerun, nothing is saved)"},
    {"mlp", RecomputeModule::kMlp, "a dense layer's MLP with its fused norm, keeping its input"},
    {"moe", RecomputeModule::kMoe,
     "a MoE layer's router, dispatch, experts and combine, keeping its input"},
    {"moe_act", RecomputeModule::kMoeAct,
     "the routed experts' activation: its output, the second expert GEMM's input, is freed"},
    {"shared_experts", RecomputeModule::kSharedExperts, "the shared experts, keeping their input"},
    {"layernorm", RecomputeModule::kLayernorm,
     "the norms Megatron runs apart from a linear (an MLA layer's input norm, a MoE layer's "
     "pre-MLP norm): their outputs are freed"},
    {"mla_up_proj", RecomputeModule::kMlaUpProj,
     "MLA's query and key-value up projections and RoPE: Q, K and V are freed"},
};
/// The module set `recompute_modules` means when a Megatron run does not say.
inline constexpr unsigned kDefaultRecomputeModules =
    static_cast<unsigned>(RecomputeModule::kCoreAttn);
/// The names of the RecomputeModule flags `modules`, in kRecomputeModules order.
std::vector<std::string_view> RecomputeModuleList(unsigned modules);
/// The same joined by `sep` (Megatron's --recompute-modules takes them space-separated).
std::string RecomputeModuleNames(unsigned modules, std::string_view sep);

/// One stack's traits (data/stacks.yaml documents each field with its sources).
struct StackTraits {
  Framework id = Framework::kPytorch;
  // Chosen by DefaultFramework, not by the scenario. A Scenario built in code (no
  // resolution) counts as defaulted, so layout-implied rules apply to it.
  bool defaulted = true;

  // ---- memory ----
  KernelStyle kernels = KernelStyle::kEager;
  bool fsdp_no_sync = false;  // FSDP accumulation keeps unsharded gradients
  // LoRA adapters in FSDP units of their own (PEFT fsdp_auto_wrap_policy) or FSDP2
  // per-parameter shards: under no_sync the frozen base weights hold no gradient.
  bool fsdp_adapter_units = false;
  // ZeRO-3 gathers each submodule's parameters (DeepSpeed's pre-forward hooks), live ones
  // capped by stage3_max_live_parameters, instead of whole wrapped decoder layers (FSDP).
  bool zero3_module_gather = false;
  // The engine casts the whole module to the run's 16-bit dtype at every ZeRO stage and
  // keeps the fp32 master weights in its optimizer (DeepSpeed's engine): fp16-mixed /
  // bf16-mixed run without torch.autocast, with 16-bit weights, gradients, activations and
  // residual stream (Scenario::DeepSpeedMixedPrecision).
  bool module_16bit = false;
  bool optimizer_in_backward = false;  // default when the scenario does not say
  bool chunked_loss = false;           // default loss when the scenario does not say
  ChunkedLossKind chunked_loss_kind = ChunkedLossKind::kFusedLinear;  // what `chunked` keeps
  SelectivePolicy selective = SelectivePolicy::kAttentionCore;
  bool offers_selective = true;  // the stack has a selective checkpointing policy
  // The parallelism it runs (ParallelMode flags); the planner searches only these.
  unsigned parallelism = kAllParallelModes;
  bool Offers(ParallelMode m) const { return (parallelism & static_cast<unsigned>(m)) != 0; }
  bool offload_checkpoints = false;  // default: checkpointed layer inputs kept in host RAM

  // ---- throughput ----
  // Element-wise (memory-bound) bytes still moved, as a fraction of the eager count.
  double elementwise_traffic = 1.0;
  // Kernels launched per decoder layer forward (host-bound small runs).
  double kernels_per_layer = 40;
  // Host time the GPU waits for once per micro-batch / per optimizer step (data loading
  // in the main process, loss sync, gradient clipping, scheduler, logging).
  double micro_batch_host_s = 0;
  double step_host_s = 0;
  bool tp_comm_overlap = false;  // TP collectives pipelined with GEMMs (needs SP)
  // Sequence parallelism through PyTorch DTensor on batch-first activations (Shard(1)): the
  // collectives gather and scatter on the sequence dimension (_functional_collectives.py
  // all_gather_tensor and reduce_scatter_tensor chunk and cat the whole tensor when the
  // dimension is not the first), one more copy of it through memory per collective; a
  // column-parallel linear's input is gathered by its module hook, so the linear saves the
  // gathered tensor (the lm_head input at full size). False: a sequence-first layout that
  // gathers in place and saves the shard (Megatron-Core, Transformer Engine).
  bool sp_dtensor = false;
  bool zero3_keep_unsharded = false;  // parameters stay gathered across micro-batches
  // ZeRO-1 (distributed optimizer): the updated parameters are all-gathered bucket by bucket
  // ahead of the next step's first forward (Megatron-Core --overlap-param-gather), not
  // after the optimizer step on the critical path.
  bool overlap_param_gather = false;
  // ZeRO-2 keeps the full 16-bit parameters on every rank and all-gathers the updated
  // partitions once per step, after the optimizer step (DeepSpeed stage 2); false: FSDP
  // SHARD_GRAD_OP, which reshards after backward and gathers again for each forward.
  bool zero2_replicated_params = false;
  // Under pipeline parallelism FSDP keeps each stage's parameters gathered and its gradients
  // unsharded for the whole step (torch.distributed.pipelining with torchtitan's default
  // reshard policy): Scenario::FsdpPipelineUnsharded.
  bool fsdp_pipeline_unsharded = false;
  // MoE token dispatch sends a token once per remote node holding any of its experts and
  // forwards it over NVLink there (DeepEP / HybridEP: Megatron-Core
  // --moe-token-dispatcher-type flex); false: NCCL all-to-all, one copy per expert.
  bool moe_node_dedup = false;
  // The MoE dispatch and combine of one micro-batch run while another computes (1F1B with
  // the two micro-batches' layers interleaved: Megatron-Core
  // --overlap-moe-expert-parallel-comm, DeepSeek's DualPipe); false: on the critical path.
  bool moe_a2a_overlap = false;
  // The interleaved pipeline schedule posts its sends and receives ahead and runs the next
  // model chunk meanwhile (Megatron-Core --overlap-p2p-communication, on by default with
  // vpp > 1); false: each boundary transfer on the critical path.
  bool pp_p2p_overlap = false;
  // DeepSpeed's pipeline engine: each stage sends its whole output from every
  // tensor-parallel rank and receives, both ways, as four separate blocking transfers per
  // micro-batch (deepspeed/runtime/pipe/engine.py _exec_send_activations / _exec_recv_grads
  // over p2p.send / p2p.recv); false: Megatron's schedule, each send batched with the
  // opposite receive and 1 / tp of the activations per rank (scatter-gather).
  bool pp_p2p_blocking = false;
  // The stack builds its own modules: q, k and v in one linear and SwiGLU's gate and up in
  // another (Megatron-Core linear_qkv, linear_fc1), whatever the model's Hugging Face layout:
  // one GEMM and one LoRA adapter each.
  bool fused_projections = false;
  // The stack loads the output head as a weight of its own even where the model shares it
  // with the embedding (LitGPT: its checkpoint converter copies the embedding into
  // lm_head.weight and the model never ties them): the model is untied on this stack.
  bool untied_head = false;
  bool grad_accum_fused = false;  // wgrad GEMMs accumulate into the fp32 main grad
  // Under bf16 the optimizer wrapper keeps each backward's 16-bit gradients allocated until
  // the next backward clears them, beside its fp32 accumulation buffer (DeepSpeed's
  // BF16_Optimizer, which the pipeline engine always takes under bf16): 2 B per trainable
  // parameter more at the peak.
  bool keeps_16bit_grads = false;
  // Megatron's gradient buffer (main_grad) and its data-parallel reduction in fp32
  // (Megatron-LM --accumulate-allreduce-grads-in-fp32, which --bf16 forces; NeMo's
  // MegatronMixedPrecision grad_reduce_in_fp32); false: in the parameters' 16-bit dtype.
  // fp16 runs keep 16-bit gradients (Megatron's default without the flag):
  // Scenario::MegatronGradBytes.
  bool grad_reduce_fp32 = true;
  // FSDP2 (fully_shard): parameters sharded one by one, so each all-gather is copied out of
  // its flat output into the parameters and each reduce-scatter's input is copied in from
  // the gradients, both on the compute stream's critical path (torch
  // distributed/fsdp/_fully_shard/_fsdp_collectives.py foreach_all_gather_copy_out,
  // foreach_reduce); false: FSDP1's flat parameter gathers into its own storage, DeepSpeed.
  bool fsdp_per_param = false;
  // FSDP reduce-scatters the gradients in fp32 (FSDP2 MixedPrecisionPolicy
  // reduce_dtype=float32): twice the 16-bit bytes on the wire, and the copy-in casts.
  bool fsdp_reduce_fp32 = false;
  // Parameters per bucket of the ZeRO-1 / ZeRO-2 gradient reduce-scatter and parameter
  // all-gather, each bucket one collective paying the ring latency (DeepSpeed
  // reduce_bucket_size / allgather_bucket_size 5e8); 0: Megatron-Core's default
  // max(40M, 1M x data-parallel size) (DistributedDataParallelConfig.bucket_size).
  double dp_bucket_params = 5e8;
  bool fused_optimizer = false;  // AdamW as one fused kernel, not PyTorch's foreach
  AttentionKernel attention_kernel = AttentionKernel::kFa2;
  // ---- fp8 ----
  Fp8Recipe fp8_recipe = Fp8Recipe::kDelayed;
  bool fp8_wgrad = true;         // weight-gradient GEMMs in fp8 too
  bool fp8_fused_casts = true;   // cast + transpose fused into neighbouring kernels
  bool fp8_weight_cache = true;  // an fp8 copy (+ transpose) of each weight kept per step
  // The primary weights are stored in fp8 (Transformer Engine fp8_model_init: Megatron-Core
  // --fp8-param-gather, NeMo fp8_param_gather): no 16-bit model copy, the fp32 master
  // weights in the optimizer, the distributed optimizer's all-gather in fp8. Not with MXFP8
  // (Training::Fp8Params).
  bool fp8_param_gather = false;
  // FSDP all-gathers the linear weights already cast to fp8 (torchao Float8Linear with
  // enable_fsdp_float8_all_gather: each shard cast before the gather), 1 B per weight on the
  // wire; the sharded master weights stay as they are. Off by default in torchtitan.
  bool fp8_all_gather = false;
  // Backward reuses the fp8 (transposed) input and weight copies the forward cast
  // (Transformer Engine saves them); false: autograd keeps the 16-bit operands and the
  // backward casts them again (torchao Float8Linear).
  bool fp8_saved_casts = false;
  // The MoE combine weights the routed expert outputs in fp32 before adding them back
  // (torchtitan's LocalTokenDispatcher: upcast, product with the scores, downcast); false:
  // in the activations' dtype (transformers' per-expert index_add_, Megatron's fused unpermute).
  bool moe_combine_fp32 = false;
  // Element-wise modules an eager stack runs fused (FusedModule flags; 0: none).
  unsigned fused_modules = 0;
  bool FusesAll(unsigned modules) const { return (fused_modules & modules) == modules; }
  bool Fuses(FusedModule m) const { return FusesAll(static_cast<unsigned>(m)); }
  // QLoRA: PEFT prepare_model_for_kbit_training casts every parameter bitsandbytes did not
  // quantise (embeddings, head, norms) to fp32, so the residual stream runs in fp32 too.
  bool kbit_fp32_upcast = false;
  // QLoRA: bitsandbytes' 4-bit matmul saves its input for backward, which it never uses
  // (MatMul4Bit `ctx.tensors = (A, B)`, until bitsandbytes 0.43.2 of 2024-07-23 dropped it:
  // bitsandbytes#1270). The 8-bit matmul (MatMul8bitLt) still saves it.
  bool kbit_saves_input = false;
  // The training loop still references the previous micro-batch's outputs (its logits, or a
  // loss with its graph) while the next forward runs, so that micro-batch's autograd graph
  // lives on: its 16-bit logits, and what custom autograd functions keep as ctx attributes
  // rather than saved tensors, which backward does not free (bitsandbytes' 4-bit matmul
  // before 0.43.2 and its 8-bit matmul: their inputs). litgpt's finetune loops rebind
  // `logits = model(...)` only once the next forward has returned.
  bool keeps_previous_outputs = false;
  // PyTorch before 2.0 (a run's software, not a stack's): optimizer.zero_grad() and
  // Module.zero_grad() kept the gradients allocated and zeroed them (set_to_none defaulted
  // to False until 2.0), torch.optim's AdamW stepped one parameter at a time (foreach became
  // the CUDA default in 2.0; transformers' own AdamW, the Trainer's adamw_hf default, always
  // did), and CUDA modules loaded eagerly at context creation (PyTorch sets
  // CUDA_MODULE_LOADING=LAZY from 1.13 on CUDA >= 11.7 builds, pytorch#86509: a 1.13 run
  // on such a build over-counts its context by about 0.8 GB): gradients alive through the
  // forward, no foreach temporary at the step, a larger CUDA context. Memory only.
  bool torch_1x = false;
  // Grouped-query attention with K and V expanded to every query head before the attention
  // kernel (litgpt CausalSelfAttention: k.expand(...) then reshape, a copy): the kernel saves
  // K and V at the query width. HF eager attention's repeat_kv does the same on any stack.
  bool expands_kv = false;
  // bf16-mixed computes with 16-bit copies of the fp32 parameters (FSDP2
  // MixedPrecisionPolicy), not under torch.autocast: activations and the residual stream
  // are 16-bit.
  bool param_cast = false;
  // FSDP under mixed precision upcasts a 16-bit model's trainable parameters to fp32
  // (accelerate: FSDP1 since v0.30.0, FSDP2 since its first release): a bf16 model trained
  // with the Trainer's bf16 autocast holds fp32 master weights, gradients and AdamW states,
  // and computes on bf16 copies (FSDP MixedPrecision param_dtype).
  bool fsdp_fp32_trainable = false;
  // The cross-entropy runs as one fused kernel over the 16-bit logits (a torch.compile'd
  // loss, flash-attn's xentropy CrossEntropyLoss): it keeps the 16-bit logits and writes a
  // 16-bit gradient, with no fp32 copy of the logits.
  bool compiled_loss = false;
  // With fused (compiled) kernels, the loss is compiled inside the model's graph
  // (torch.compile of a whole Hugging Face model, which computes its loss in forward): the
  // graph returns the 16-bit logits and saves an fp32 log-softmax, 6 B per logit. False where
  // the stack compiles each block and runs the loss outside (torchtitan, LitGPT): without
  // compiled_loss that loss is eager (16-bit logits, fp32 copy and log-softmax).
  bool compiled_model_loss = false;
  // Under tensor parallelism the output projection stays sharded over the vocabulary and the
  // loss runs on the shards (torchtitan loss_parallel): each rank holds its 1 / tp of the
  // logits on every loss path.
  bool loss_parallel = false;
  // LoRA over a SwiGLU / GEGLU MLP runs as one autograd function (Unsloth LoRA_MLP): it
  // saves its input and the gate and up outputs, recomputes their product in backward and
  // writes the gradients into the saved buffers.
  bool lora_fused_mlp = false;
  // LoRA-style adapters and their optimizer states in fp32 whatever the model's dtype (PEFT
  // >= 0.12, autocast_adapter_dtype=True: the adapter casts its input to fp32); false: in
  // the model's own dtype, multiplying the module input itself or, with lora_dropout, their
  // dropped-out copy of it (torchtune builds the whole model in the recipe dtype; LitGPT
  // creates them under the precision plugin).
  bool fp32_adapters = true;
  // Norms run on the 16-bit downcast of their input with autocast off (llm-foundry
  // LPLayerNorm, norm_type low_precision_layernorm): they save 16-bit inputs, not fp32.
  bool low_precision_norms = false;
  // PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True: segments grow in place, so freed
  // blocks coalesce and the caching allocator's block slack is gone.
  bool expandable_segments = false;
  // The run's fine-tuning batches vary in length (padded per batch to their longest sample,
  // not packed): every step allocates tensors of a new size and the caching allocator keeps
  // the blocks of earlier sizes (PyTorch tuning guide, "preallocate memory in case of
  // variable input length"), about one more copy of the logits and a layer's working set in
  // reserved memory. Off by default: how much depends on how the lengths spread over the
  // run (data/stacks.yaml); the explanation says what it could add.
  bool variable_length_batches = false;
};

/// The stack `auto` means for this job (issue 11: "default chosen by method and scale and
/// said so"): Transformer Engine (megatron) for fp8 or any model parallelism; Megatron-Core
/// for pretraining beyond one node; plain PyTorch for pretraining on one node; the
/// Hugging Face Trainer (with PEFT for adapters) for fine-tuning.
Framework DefaultFramework(Method method, Precision precision, int total_gpus, bool model_parallel);

/// Why DefaultFramework chose what it chose (one short phrase, for outputs).
std::string_view DefaultFrameworkReason(Method method, Precision precision, int total_gpus,
                                        bool model_parallel);

}  // namespace gpuadv::workload
