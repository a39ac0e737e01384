#pragma once
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "gpuadv/catalog/gpu_spec.h"
#include "gpuadv/catalog/model_arch.h"
#include "gpuadv/workload/enums.h"
#include "gpuadv/workload/stack.h"

namespace gpuadv::workload {

/// LoRA adapters (Hu et al. 2021). targets: module names, or all_linear.
struct LoraConfig {
  int rank = 16;
  double alpha = 32;
  double dropout = 0;
  bool all_linear = false;
  std::vector<std::string> targets = {"q_proj", "k_proj", "v_proj", "o_proj"};
  // `base_dtype: fp32`: the frozen base loaded in fp32 and trained under autocast (a
  // Hugging Face model loaded without a dtype, then --bf16 / --fp16); default: the base in
  // the run's 16-bit dtype.
  BaseDtype base_dtype = BaseDtype::kAuto;

  /// The targets comma-separated ("q_proj,v_proj"), as outputs show them.
  std::string TargetList() const;
};

/// Quantised frozen base weights (QLoRA, Dettmers et al. 2023).
struct QuantConfig {
  int bits = 4;
  std::string type = "nf4";  // nf4 | fp4 | int8
  bool double_quant = true;
  int block_size = 64;
};

/// FP8 recipe knobs (fp8-mixed); unset = the stack's default (data/stacks.yaml).
struct Fp8Config {
  std::optional<Fp8Recipe> recipe;
  std::optional<bool> wgrad;  // weight-gradient GEMMs in fp8 (torchao rowwise_with_gw_hp: no)
  Fp8MasterWeights master_weights = Fp8MasterWeights::kFp32;
  // The fused attention core in fp8 too (Transformer Engine fp8 dot-product attention,
  // Megatron-Core fp8_dot_product_attention); off in every recipe's defaults.
  bool attention = false;
  // The MLP activation function's saved input in fp8, cast back for its backward
  // (Megatron-Core TransformerConfig activation_func_fp8_input_store); off by default.
  bool activation_input = false;
};

/// Diffusion training knobs (MODELLING §9); ignored for language models.
struct DiffusionConfig {
  int resolution = 0;  // pixels per side; 0 = the model's default
  bool train_text_encoders = false;
  bool cache_latents = false;          // VAE not resident
  bool cache_text_embeddings = false;  // text encoders not resident
  bool fp8_base = false;               // frozen weights stored at 1 B/param
  double block_swap = 0;               // fraction of denoiser blocks streamed from host (0..1)
  // An fp32 EMA copy of the trained weights (or LoRA weights), updated every optimizer step
  // (diffusers examples/text_to_image/train_text_to_image.py --use_ema, EMAModel).
  bool ema = false;
};

struct Dataset {
  double samples = 0;
  double epochs = 1;
};

/// A knob the scenario left unset and a default set: `knob` as in the scenario schema
/// ("optimizer"), `value` as written there ("paged-adamw"), `why` one short phrase.
struct DefaultedKnob {
  std::string knob;
  std::string value;
  std::string why;
};

/// Layers of a stage of `stage_layers` whose forward full checkpointing recomputes: all, or
/// `checkpoint_layers` per model chunk (`vpp` chunks); none without full checkpointing.
inline double RecomputedLayers(Checkpointing ckpt, int checkpoint_layers, double stage_layers,
                               int vpp) {
  if (ckpt != Checkpointing::kFull) return 0;
  if (checkpoint_layers <= 0) return stage_layers;
  return std::min(stage_layers, static_cast<double>(checkpoint_layers) * std::max(1, vpp));
}

struct Training {
  Method method = Method::kFull;
  LoraConfig lora;
  QuantConfig quantization;
  Precision precision = Precision::kBf16Mixed;
  Optimizer optimizer = Optimizer::kAdamW;
  long long seq_len = 2048;
  long long micro_batch = 1;
  long long global_batch = 0;  // 0 = micro_batch x data-parallel size (no accumulation)
  Checkpointing activation_checkpointing = Checkpointing::kNone;
  // With full checkpointing: the layers of each pipeline stage (each model chunk under vpp)
  // that recompute, the rest keeping all their activations (Megatron --recompute-method
  // block --recompute-num-layers N); 0 = every layer.
  int checkpoint_layers = 0;
  // With selective checkpointing on a Megatron-Core stack: the RecomputeModule flags it
  // recomputes (training.recompute_modules); 0 = the stack's selective policy.
  unsigned recompute_modules = 0;
  // The planner's modules where the scenario leaves them unsaid (plan::Apply: Megatron's
  // fine-grained set for a MoE / MLA job it checkpoints selectively); taken on the megatron
  // stack only, which a defaulted stack may resolve to after the layout is chosen.
  unsigned planned_recompute_modules = 0;
  bool activation_offload = false;
  Attention attention = Attention::kFlash;
  Loss loss = Loss::kStandard;
  bool optimizer_in_backward = false;
  StateDtype optimizer_state_dtype = StateDtype::kFp32;  // moments beside fp32 masters
  // The optimizer states and fp32 master weights wait in host memory through the forward and
  // backward and return for the GPU optimizer step, over side streams (Megatron-Core's
  // --offload-optimizer-states, OptimizerStateOffloader; the Megatron Core MoE report's GB200
  // runs).
  bool optimizer_state_offload = false;
  Fp8Config fp8;
  Framework framework = Framework::kAuto;  // as written (auto = DefaultFramework)
  StackTraits stack;                       // the resolved stack's traits (data/stacks.yaml)
  // training.stack_traits as written (a JSON object of data/stacks.yaml trait fields, e.g.
  // {"kernels": "fused", "fused_optimizer": true}): applied over the stack's own traits.
  std::string stack_traits;
  // Knobs the scenario left unset that the stack's defaults set (issue 12).
  std::vector<DefaultedKnob> defaults;
  int freeze_trainable_layers = 2;  // method: freeze, last layers that train
  std::optional<double> tokens;     // total training tokens
  std::optional<Dataset> dataset;   // or samples x epochs (x seq_len tokens)
  bool chinchilla_tokens = false;   // tokens = 20 x params when neither is given
  DiffusionConfig diffusion;

  /// fp8-mixed with the primary weights stored in fp8 (StackTraits::fp8_param_gather); MXFP8
  /// keeps them 16-bit (NeMo's bf16_with_mxfp8_mixed sets fp8_param_gather False).
  bool Fp8Params() const {
    return precision == Precision::kFp8Mixed && stack.fp8_param_gather &&
           stack.fp8_recipe != Fp8Recipe::kMxfp8;
  }

  /// Weights, gradients and optimizer states in bf16 with no fp32 master copy: precision
  /// bf16, or fp8-mixed over a bf16 model (fp8.master_weights: bf16).
  bool PureBf16States() const {
    return precision == Precision::kBf16 ||
           (precision == Precision::kFp8Mixed && fp8.master_weights == Fp8MasterWeights::kBf16);
  }

  /// The RecomputeModule flags selective checkpointing recomputes: the scenario's, else the
  /// attention core (Megatron's default, and what the other stacks' attention-core policy
  /// recomputes); 0 without selective checkpointing.
  unsigned RecomputedModules() const {
    if (activation_checkpointing != Checkpointing::kSelective) return 0;
    if (recompute_modules != 0) return recompute_modules;
    if (planned_recompute_modules != 0 && stack.id == Framework::kMegatron)
      return planned_recompute_modules;
    return kDefaultRecomputeModules;
  }
  /// Does selective checkpointing recompute module `m`?
  bool Recomputes(RecomputeModule m) const {
    return (RecomputedModules() & static_cast<unsigned>(m)) != 0;
  }

  /// Layers of a stage whose forward full checkpointing recomputes (workload::RecomputedLayers).
  double RecomputedLayers(double stage_layers, int vpp) const {
    return workload::RecomputedLayers(activation_checkpointing, checkpoint_layers, stage_layers,
                                      vpp);
  }
};

struct Hardware {
  std::string gpu_id;    // as written by the user (id or alias)
  catalog::GpuSpec gpu;  // resolved (with {base, overrides} applied)
  int count = 1;         // GPUs per node
  int nodes = 1;
  Interconnect interconnect = Interconnect::kAuto;
  std::optional<double> network_gbps;  // per-GPU inter-node bandwidth, Gb/s

  int TotalGpus() const { return count * nodes; }
};

struct Parallelism {
  int tp = 1;
  int pp = 1;
  int vpp = 1;
  int cp = 1;
  int ep = 1;
  // Expert tensor parallel: the ranks one expert's weights are split over (Megatron-Core
  // --expert-tensor-parallel-size). 0 = tp, Megatron's default; 1 with "MoE parallel
  // folding" (the experts' ETP x EP x EDP grid laid over the dense TP x CP x DP ranks).
  int etp = 0;
  int zero = 0;         // 0..3 (FSDP FULL_SHARD = 3)
  int shard_group = 0;  // 0 = whole DP group; else HSDP group size
  Offload offload = Offload::kNone;
  bool sequence_parallel = false;
  // How context parallelism exchanges the sequence (Megatron-Core --cp-comm-type): a ring of
  // K / V blocks beside the attention (p2p, the default), or all-to-alls before and after it
  // that trade the sequence split for a head split (a2a, DeepSpeed-Ulysses style).
  CpComm cp_comm = CpComm::kP2p;
  // The embedding and the loss each count as one pipeline layer (Megatron
  // --account-for-embedding-in-pipeline-split --account-for-loss-in-pipeline-split): the
  // first and last stages hold one transformer layer fewer, and pp x vpp need only divide
  // layers + 2 (Llama 3.1 405B: 126 + 2 = 128 = pp 16 x vpp 8).
  bool pipeline_embedding_loss = false;
  bool specified = false;  // the scenario had a parallelism section (else plan/recommend choose)

  /// The resolved expert tensor-parallel degree (etp, else tp).
  int ExpertTp() const { return etp > 0 ? etp : tp; }
  /// Any tensor / pipeline / context / expert parallelism or sequence parallelism.
  bool ModelParallel() const { return tp > 1 || pp > 1 || cp > 1 || ep > 1 || sequence_parallel; }
  /// Transformer layers on the heaviest pipeline stage of a model of `layers` layers (the
  /// stage that bounds the step): layers / pp when it divides, else rounded up; with the
  /// embedding and loss counted, the middle stages' (layers + 2) / pp.
  double HeaviestStageLayers(int layers) const {
    return HeaviestStage(layers, pp, vpp, pipeline_embedding_loss);
  }
  /// Pipeline layers (transformer layers, plus the embedding and the loss when they count)
  /// of the GPU holding the most: ceil(total / pp), or with interleaving vpp chunks of
  /// ceil(total / (pp x vpp)) each, which is total / pp where pp x vpp divides the total and
  /// an uneven split's heaviest rank otherwise (Megatron-Core
  /// --pipeline-model-parallel-layout: DeepSeek-V3's 61 layers on pp 8 x vpp 4).
  static double HeaviestStage(int layers, int pp, int vpp, bool embedding_loss) {
    if (pp <= 1) return layers;
    const int total = layers + (embedding_loss ? 2 : 0);
    const int chunks = pp * std::max(1, vpp);
    return static_cast<double>(std::max(1, vpp) * ((total + chunks - 1) / chunks));
  }
};

struct System {
  std::optional<double> psu_watts;
  std::optional<double> cpu_watts;
  std::optional<int> pcie_gen;
  std::optional<int> gpu_slots;
  std::optional<double> host_ram_gb;
  Cooling cooling = Cooling::kAir;
};

struct Constraints {
  std::optional<double> budget_usd;
  std::optional<double> deadline_hours;
  std::vector<std::string> vendors;     // empty = any
  std::vector<std::string> frameworks;  // empty = any
  Acquire acquire = Acquire::kEither;
  double electricity_usd_per_kwh = 0.15;
};

/// A fully resolved scenario: model and GPU looked up in the catalog, defaults applied,
/// values validated (io/scenario_loader). The estimators take only this.
struct Scenario {
  std::string model_ref;  // as written ("llama-3.1-8b", a path, or "inline")
  catalog::ModelArch model;
  Training training;
  Hardware hardware;
  Parallelism parallelism;
  System system;
  Constraints constraints;
  Objective objective = Objective::kValue;

  /// Data-parallel size: total GPUs / (tp x pp x cp). ep shares the DP ranks (MoE experts).
  int DataParallel() const;
  /// Sequences per optimizer step as run: global_batch rounded up to whole micro-steps of
  /// micro_batch x DP sequences (micro_batch x DP when unset); as given on several GPUs
  /// without a layout (the planner picks one that divides it). Every count (tokens/s,
  /// samples, exports) uses this; estimate warns when it differs from global_batch.
  long long GlobalBatch() const;
  /// Micro-batches per optimizer step per pipeline (gradient accumulation x pp schedule).
  long long MicroBatchesPerStep() const;
  /// Whether Megatron-Core's runtime holds the model states (MODELLING.md section 2): the
  /// megatron stacks, or model parallelism / fp8 under a defaulted stack (a Scenario built
  /// in code; resolution picks the megatron stack there).
  bool MegatronRuntime() const;
  /// Megatron-Core's fine-grained recompute modules for this job on a Megatron stack
  /// (RecomputeModule flags): the output-discarding ones that free the most per unit of
  /// compute (the norms it runs apart for MoE / MLA layers, the routed experts' activation,
  /// MLA's up projections; the Megatron Core MoE report's DeepSeek-V3 runs), less those fp8
  /// delayed scaling refuses; 0 for a model with none of them.
  unsigned FineRecomputeModules() const;
  /// Bytes per element of Megatron's gradient buffer and of its data-parallel reduction:
  /// 4 under grad_reduce_fp32 (data/stacks.yaml), else 2; fp16-mixed keeps 16-bit
  /// gradients, fp32 training fp32 ones. The one answer the model states, the gradient accumulation
  /// and the data-parallel collectives use.
  double MegatronGradBytes() const;
  /// Whether DeepSpeed runs a 16-bit mixed-precision job outside Megatron's runtime: its
  /// engine casts the module to 16-bit and keeps the fp32 master weights in its optimizer.
  /// The DeepSpeed engine's stacks at any ZeRO stage (StackTraits::module_16bit), or ZeRO-1
  /// / ZeRO-2 / offload on another stack (which only DeepSpeed's optimizer provides there).
  /// Memory (16-bit weights and gradients, fp32 master) and time (no autocast) both ask this.
  bool DeepSpeedMixedPrecision() const;
  /// Whether torch.autocast runs a mixed-precision job's 16-bit compute over fp32 weights on
  /// eager kernels: fp16-mixed / bf16-mixed on an eager stack, unless Megatron's runtime or
  /// DeepSpeed holds the 16-bit model (DeepSpeedMixedPrecision) or FSDP computes on 16-bit
  /// parameter copies (StackTraits::param_cast). Each linear then casts its weight and input
  /// (extra kernels), the residual stream is fp32 under full training, and autocast's fp32
  /// ops widen their tensors. Memory and time both ask this.
  bool EagerAutocast() const;
  /// Whether the model's `module` runs as one fused kernel on an eager stack
  /// (StackTraits::fused_modules): the stack fuses it and the model has it (RMSNorm norms,
  /// rotary positions, an unclamped SwiGLU; Liger's silu-mul has no clamp). Kernel counts,
  /// element-wise traffic and saved tensors all ask this.
  bool RunsFused(FusedModule module) const;
  /// Whether the optimizer step is one fused kernel (no foreach passes, no foreach
  /// temporary): the stack says so (data/stacks.yaml fused_optimizer), or Megatron's runtime
  /// runs it (FusedAdam). The one answer memory and time both use.
  bool FusedOptimizer() const;
  /// Whether the fused attention core runs in fp8 (training.fp8.attention, taken where it
  /// can run: fp8-mixed, a fused attention kernel, and an fp8 FlashAttention-3 / cuDNN class
  /// kernel, i.e. an fp8-capable Hopper or datacenter Blackwell GPU). Memory (fp8 Q, K, V, O
  /// saved) and time (the forward at the fp8 rate) both ask this.
  bool Fp8Attention() const;
  /// Whether the MLP activation's input is saved in fp8 (training.fp8.activation_input
  /// under fp8-mixed).
  bool Fp8ActivationInput() const {
    return training.fp8.activation_input && training.precision == Precision::kFp8Mixed;
  }
  /// Whether the loss is chunked (`loss: chunked`) the way `kind` says (the stack's
  /// chunked_loss_kind): a head fused into the loss (Liger, Unsloth) or fp32 upcasts chunk by
  /// chunk (torchtune). Memory (what each keeps) and time (whether the logits' traffic
  /// remains) both ask this.
  bool ChunkedLossIs(ChunkedLossKind kind) const;
  /// Whether a LoRA run keeps its frozen base in fp32 under autocast (lora.base_dtype fp32 on
  /// a stack that runs torch.autocast over the model as loaded, Scenario::EagerAutocast):
  /// 4 B per frozen weight, an fp32 residual stream, and a 16-bit cast of every frozen linear
  /// per call (autocast caches only the casts of parameters that require grad), which the
  /// linear keeps for its input gradient.
  bool Fp32FrozenBase() const;
  /// Whether a QLoRA run's unquantised parameters were cast to fp32 (stack trait
  /// kbit_fp32_upcast, PEFT prepare_model_for_kbit_training): the embedding's fp32 output
  /// keeps the residual stream fp32, and each 4-bit linear casts its input to the compute
  /// dtype and its output back to the input's (bitsandbytes Linear4bit.forward), so the
  /// element-wise work between the linears runs in fp32 too. Memory (the residual stream's
  /// dtype, fp32 norms and head) and time (the casts and the fp32 element-wise bytes) both
  /// ask this.
  bool KbitFp32Upcast() const;
  /// Whether FSDP holds the trainable parameters of a bf16 model in fp32 (stack trait
  /// fsdp_fp32_trainable, ZeRO-3 / FSDP, precision bf16 as the Trainer runs it: a bf16 model
  /// under bf16 autocast): fp32 master weights, gradients and optimizer states, bf16 compute
  /// copies.
  bool FsdpFp32Trainable() const;
  /// FSDP (ZeRO-3 outside Megatron's runtime) under pipeline parallelism on a stack whose
  /// pipeline schedule keeps each stage's parameters gathered and its gradients unsharded for
  /// the whole step (StackTraits::fsdp_pipeline_unsharded): one all-gather and one
  /// reduce-scatter per step, the stage's 16-bit parameters and gradients held whole.
  bool FsdpPipelineUnsharded() const;
  /// FSDP accumulates unsharded gradients over the step's micro-batches and reduce-scatters
  /// them once, after the last (accelerate's no_sync, StackTraits::fsdp_no_sync; or
  /// FsdpPipelineUnsharded). Memory (the unsharded gradients) and time (one reduce-scatter)
  /// both ask this.
  bool FsdpGradientsUnsynced() const;
  /// Weights, gradients and optimizer states in bf16 with no fp32 master copy: the
  /// training's PureBf16States() unless FSDP upcasts the trainable parameters. The one answer
  /// memory and time both use.
  bool PureBf16States() const;
};

}  // namespace gpuadv::workload
