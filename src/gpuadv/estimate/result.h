#pragma once
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gpuadv/core/enum_table.h"
#include "gpuadv/workload/scenario.h"

namespace gpuadv::estimate {

/// Fits / tight / does not fit (C15): "tight" when capacity lies inside the estimate's
/// uncertainty range.
enum class Fit { kFits, kTight, kDoesNotFit };
inline constexpr EnumEntry<Fit> kFits[] = {
    {"fits", Fit::kFits, "fits with margin"},
    {"tight", Fit::kTight, "capacity inside the uncertainty range: out-of-memory risk"},
    {"does_not_fit", Fit::kDoesNotFit, "needs more memory than the GPU has"},
};
/// Rank of a fit class, best first: fits 0, tight 1, does not fit 2.
inline int FitClass(Fit f) { return static_cast<int>(f); }

enum class Bottleneck { kCompute, kMemory, kCommunication, kBubble, kOffload };
inline constexpr EnumEntry<Bottleneck> kBottlenecks[] = {
    {"compute", Bottleneck::kCompute, "tensor-core GEMMs and attention"},
    {"memory", Bottleneck::kMemory, "memory-bandwidth-bound kernels"},
    {"communication", Bottleneck::kCommunication, "exposed collectives"},
    {"bubble", Bottleneck::kBubble, "pipeline bubble"},
    {"offload", Bottleneck::kOffload, "host<->device offload traffic"},
};

/// Bytes per GPU by kind (DESIGN.md JSON "breakdown_bytes"), at the peak phase:
/// weights + gradients + optimizer + activations + logits = peak_allocated (transients are
/// folded into the kind that causes them); fragmentation = reserved - allocated;
/// runtime = CUDA context, NCCL buffers, library workspaces = per_gpu - reserved.
/// So the seven fields sum to per_gpu_bytes.
struct MemoryBreakdown {
  double weights = 0;
  double gradients = 0;
  double optimizer = 0;
  double activations = 0;
  double logits = 0;
  double runtime = 0;
  double fragmentation = 0;
};

struct MemoryResult {
  double peak_allocated_bytes = 0;  // torch.cuda.max_memory_allocated
  double peak_reserved_bytes = 0;   // torch.cuda.max_memory_reserved
  double per_gpu_bytes = 0;         // nvidia-smi: reserved + context + NCCL + libraries
  // What must be resident for the job to run, the fit verdict's bound: the allocated peak
  // and the runtime (the allocator's cache is given back before out-of-memory).
  double resident_bytes = 0;
  double capacity_bytes = 0;
  MemoryBreakdown breakdown;
  Fit fit = Fit::kFits;
  double low_bytes = 0;  // uncertainty range of per_gpu_bytes (C15)
  double high_bytes = 0;
  double host_ram_bytes = 0;     // host memory the job needs (offload, loading)
  double paged_state_bytes = 0;  // paged optimizer state in unified memory (outside torch)
  double trainable_params = 0;   // parameters with gradients (adapters for LoRA)
  double total_params = 0;
  double ema_bytes = 0;  // diffusion EMA copy of the trained weights (in breakdown.optimizer)
};

struct TimeBreakdown {
  double compute = 0;        // GEMMs + attention at achievable tensor rates
  double memory = 0;         // memory-bound kernels, optimizer step, dequantisation
  double communication = 0;  // exposed (not overlapped) collectives
  double bubble = 0;         // pipeline bubble
  double offload = 0;        // exposed host<->device traffic

  /// The five terms in kBottlenecks order.
  std::array<double, 5> Terms() const { return {compute, memory, communication, bubble, offload}; }
};

struct ThroughputResult {
  double step_time_s = 0;  // one optimizer step (all micro-batches)
  double tokens_per_s = 0;
  double tokens_per_s_per_gpu = 0;
  double samples_per_s = 0;
  double model_flops_per_token = 0;     // PaLM convention (MFU numerator)
  double hardware_flops_per_token = 0;  // executed, incl. recompute
  double tflops_per_gpu = 0;            // model TFLOP/s per GPU
  double mfu = 0;
  Bottleneck bottleneck = Bottleneck::kCompute;
  TimeBreakdown breakdown_s;
  double low_tokens_per_s_per_gpu = 0;  // uncertainty range (C15)
  double high_tokens_per_s_per_gpu = 0;
};

struct TrainingResult {
  double tokens = 0;
  double time_s = 0;
  double gpu_hours = 0;
  double energy_kwh = 0;
};

struct CostResult {
  double electricity_usd = 0;
  double rent_usd = 0;  // 0 with rent_offer empty when no offer
  std::string rent_offer;
  double buy_usd = 0;  // 0 when no price is known
  bool buy_price_known = false;
  bool rent_price_known = false;
};

/// Everything `estimate` returns; plain data, printed by report/ (STYLE.md principle 10).
struct EstimateResult {
  std::string gpu_id;
  std::string gpu_name;
  double gpu_memory_bytes = 0;
  int gpus = 1;
  // The training stack the estimate assumed (training.framework resolved; issue 11), and
  // why when the scenario left it to the default.
  std::string framework;
  bool framework_defaulted = false;
  std::string framework_reason;
  std::string stack_traits;  // training.stack_traits (JSON object text) set over it, or empty
  // The layout the estimate used (issue 18: shown in every output): the scenario's, the
  // single-GPU default, or the planner's best for a multi-GPU scenario that gave none.
  workload::Parallelism parallelism;
  long long micro_batch = 1;
  workload::Checkpointing checkpointing = workload::Checkpointing::kNone;
  // Full checkpointing of only this many layers per model chunk; null: every layer.
  std::optional<int> checkpoint_layers;
  // Selective checkpointing on the megatron stack: the recompute modules it runs (Megatron's
  // default core_attn when the scenario does not say); absent elsewhere.
  std::optional<unsigned> recompute_modules;
  std::string layout_source = "scenario";  // "scenario" | "default" | "planner"
  // The job as estimated (issue 12: every output shows the resolved knobs).
  workload::Method method = workload::Method::kPretrain;
  workload::Precision precision = workload::Precision::kBf16Mixed;
  workload::Optimizer optimizer = workload::Optimizer::kAdamW;
  workload::StateDtype optimizer_state_dtype = workload::StateDtype::kFp32;
  bool optimizer_state_offload = false;  // training.optimizer_state_offload
  long long seq_len = 0;
  long long global_batch = 0;
  std::optional<bool> ema;  // diffusion: the EMA copy of the trained weights; null otherwise
  // fp8-mixed: the weights its GEMMs run over (fp32 masters or a bf16 model); null otherwise.
  std::optional<workload::Fp8MasterWeights> fp8_master_weights;
  // fp8-mixed: whether the attention core runs in fp8 too (Scenario::Fp8Attention); null
  // otherwise.
  std::optional<bool> fp8_attention;
  // fp8-mixed: whether the MLP activation's input is saved in fp8; null otherwise.
  std::optional<bool> fp8_activation_input;
  // LoRA (not QLoRA): the frozen base's dtype, "fp32" (precision fp32, or lora.base_dtype
  // fp32 under autocast) or the run's 16-bit dtype; null otherwise.
  std::optional<std::string> lora_base_dtype;
  // Knobs the scenario left unset and the defaults that set them (stack method and recipe
  // defaults still in force, the token count); shown beside the resolved knobs.
  std::vector<workload::DefaultedKnob> defaults;
  // What the throughput estimate is not validated for ("architecture Xe-HPG (Alchemist)",
  // "this category"), from the calibration's category table; empty = validated (C18).
  std::string unvalidated;
  MemoryResult memory;
  ThroughputResult throughput;
  TrainingResult training;
  CostResult cost;
  std::vector<std::string> warnings;
  std::vector<std::string> basis;  // --explain
};

}  // namespace gpuadv::estimate
