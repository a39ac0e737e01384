#include "gpuadv/estimate/estimate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>

#include "gpuadv/catalog/param_count.h"
#include "gpuadv/core/units.h"
#include "gpuadv/estimate/invariants.h"
#include "gpuadv/estimate/throughput_internal.h"
#include "gpuadv/estimate/uncertainty.h"
#include "gpuadv/workload/describe.h"
#include "gpuadv/workload/method_traits.h"

namespace gpuadv::estimate {
namespace {

// Average board power while training, as a fraction of TDP. Training keeps tensor cores
// busy but stalls on communication, data loading and memory-bound kernels; published
// nvidia-smi traces of LLM training sit around 80-90% of the power limit.
constexpr double kTrainingPowerFraction = 0.85;
// Chinchilla-optimal tokens per parameter (Hoffmann et al. 2022).
constexpr double kChinchillaTokensPerParam = 20.0;
// Fine-tuning token count assumed when the scenario gives neither tokens nor dataset.
constexpr double kDefaultFinetuneTokens = 1e8;
// TrainingTimeLowerBound's GEMM bound sums the FLOPs in another order than the estimate.
constexpr double kBoundRoundingMargin = 0.999;

// The training tokens the scenario gives (tokens, or a dataset's samples x epochs x
// sequence length); nullopt when they follow from the model (TrainingTokens).
std::optional<double> GivenTrainingTokens(const workload::Training& t) {
  if (t.tokens) return *t.tokens;
  if (t.dataset) return t.dataset->samples * t.dataset->epochs * static_cast<double>(t.seq_len);
  return std::nullopt;
}

double TrainingTokens(const workload::Scenario& s, double params, EstimateResult& r,
                      Explanation* explain) {
  const auto& t = s.training;
  if (const auto given = GivenTrainingTokens(t)) return *given;
  const bool pretrain = workload::Traits(t.method).from_scratch;
  if (t.chinchilla_tokens || pretrain) {
    if (explain)
      explain->Basis("training", "no tokens given: Chinchilla-optimal 20 tokens/parameter");
    r.defaults.push_back({"tokens", fmt::format("{:.3g}", kChinchillaTokensPerParam * params),
                          "Chinchilla-optimal 20 tokens per parameter; set training.tokens"});
    return kChinchillaTokensPerParam * params;
  }
  if (explain)
    explain->Basis("training", "no tokens or dataset given: assumed 1e8 tokens (fine-tune)");
  r.defaults.push_back({"tokens", "1e+08", "fine-tune default; set training.tokens or dataset"});
  return kDefaultFinetuneTokens;
}

// The value a defaulted knob has now: a front end's layout search may have changed it
// since (checkpointing), and then the default no longer describes the estimate.
std::string KnobValue(const workload::Scenario& s, const std::string& knob) {
  using namespace workload;
  const Training& t = s.training;
  if (knob == "model.tied_embeddings") return s.model.tied_embeddings ? "true" : "false";
  if (knob == "optimizer") return std::string(EnumName(kOptimizers, t.optimizer));
  if (knob == "activation_checkpointing")
    return std::string(EnumName(kCheckpointings, t.activation_checkpointing));
  if (knob == "loss") return std::string(EnumName(kLosses, t.loss));
  if (knob == "optimizer_in_backward") return t.optimizer_in_backward ? "true" : "false";
  if (knob == "activation_offload") return t.activation_offload ? "true" : "false";
  if (knob == "precision") return std::string(EnumName(kPrecisions, t.precision));
  if (knob == "lora.targets") return t.lora.TargetList();
  if (knob == "global_batch") return std::to_string(t.global_batch);
  return {};
}

// The stack the estimate assumed, and the default rule's reason (issue 11).
void SetFramework(const workload::Scenario& s, EstimateResult& r) {
  const auto& st = s.training.stack;
  r.framework = std::string(EnumName(workload::kFrameworks, st.id));
  r.framework_defaulted = st.defaulted;
  r.stack_traits = s.training.stack_traits;
  if (st.defaulted)
    r.framework_reason = std::string(
        workload::DefaultFrameworkReason(s.training.method, s.training.precision,
                                         s.hardware.TotalGpus(), s.parallelism.ModelParallel()));
}

// A GPU written by a family name that several catalog GPUs share ("a100", "h100"): the
// alias's GPU is used, and a note names the others (issue 12).
void NoteAmbiguousGpu(const workload::Hardware& h, const catalog::Catalog& cat,
                      Explanation& explain) {
  std::string written;
  for (char c : h.gpu_id)
    written += c == ' ' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto at = h.gpu.id.find(written);
  if (written.empty() || written == h.gpu.id || at == std::string::npos) return;
  const std::string family = h.gpu.id.substr(0, at + written.size()) + "-";
  std::string others;
  for (const auto& id : cat.GpuIds())
    if (id != h.gpu.id && id.starts_with(family)) others += (others.empty() ? "" : ", ") + id;
  if (!others.empty())
    explain.Warn("hardware.gpu '" + h.gpu_id + "' read as " + h.gpu.id + " (" + h.gpu.name +
                 "); also in the catalog: " + others);
}

// What the scenario asks that runs otherwise than written.
void WarnScenario(const workload::Scenario& s, Explanation& explain) {
  const auto& t = s.training;
  if (t.global_batch > 0 && s.GlobalBatch() != t.global_batch) {
    const long long steps = s.MicroBatchesPerStep();
    explain.Warn("training.global_batch " + std::to_string(t.global_batch) +
                 " is not a multiple of micro_batch x data-parallel = " +
                 std::to_string(s.GlobalBatch() / steps) + ": runs as " + std::to_string(steps) +
                 " micro-steps = " + std::to_string(s.GlobalBatch()) +
                 " sequences per step, and is estimated at that");
  }
  const auto& m = s.model;
  for (const auto& w : m.warnings) explain.Warn(w);
  if (s.model_ref == "inline" && m.has_shape() && m.declared_params > 0 &&
      std::fabs(m.declared_params - m.params) > 0.10 * m.params)
    explain.Warn("model.params " + detail::Num(m.declared_params) + " differs from the " +
                 detail::Num(m.params) + " its shape gives by more than 10%: estimated with " +
                 detail::Num(m.params));
  if (m.max_seq_len > 0 && t.seq_len > m.max_seq_len)
    explain.Warn("training.seq_len " + std::to_string(t.seq_len) + " exceeds the model's " +
                 std::to_string(m.max_seq_len) +
                 " positions: it needs position scaling (RoPE scaling, context extension); "
                 "estimated at the length given");
  if (t.checkpoint_layers > 0 && t.activation_checkpointing != workload::Checkpointing::kFull)
    explain.Warn(
        "training.activation_checkpointing_layers ignored: it counts the layers full "
        "checkpointing recomputes, and activation_checkpointing is " +
        std::string(EnumName(workload::kCheckpointings, t.activation_checkpointing)));
  if (t.fp8.activation_input && !s.Fp8ActivationInput())
    explain.Warn(
        "training.fp8.activation_input ignored: it needs precision fp8-mixed; the activation's "
        "input estimated in 16-bit");
  if (t.fp8.attention && !s.Fp8Attention()) {
    const auto& gpu = s.hardware.gpu;
    const std::string why = t.precision != workload::Precision::kFp8Mixed
                                ? "it needs precision fp8-mixed"
                            : t.attention == workload::Attention::kEager
                                ? "eager attention has no fp8 kernel"
                                : "no fp8 FlashAttention-3 / cuDNN class kernel "
                                  "runs on " +
                                      gpu.id + " (fp8 Hopper or datacenter Blackwell)";
    explain.Warn("training.fp8.attention ignored: " + why + "; attention estimated in 16-bit");
  }
}

// Rent: the cheapest offer whose instances are the job's nodes (Offer::Serves), else the
// GPU's own cloud price where it stands for such instances (GpuSpec::CloudPriceServes).
void PriceRental(const workload::Scenario& s, const Context& ctx, double gpu_hours,
                 CostResult& cost) {
  const auto& gpu = s.hardware.gpu;
  const int per_node = s.hardware.count, nodes = s.hardware.nodes;
  if (ctx.catalog) {
    if (const auto* offer = ctx.catalog->CheapestOffer(gpu.id, per_node, nodes)) {
      cost.rent_offer = offer->id;
      cost.rent_usd = offer->usd_per_gpu_hr * gpu_hours;
      cost.rent_price_known = true;
      return;
    }
  }
  if (gpu.cloud_usd_per_gpu_hr && gpu.CloudPriceServes(per_node, nodes)) {
    cost.rent_offer = gpu.cloud_price_source.empty() ? "catalog" : gpu.cloud_price_source;
    cost.rent_usd = *gpu.cloud_usd_per_gpu_hr * gpu_hours;
    cost.rent_price_known = true;
  }
}

}  // namespace

double TrainingTimeLowerBound(const workload::Scenario& s, const Context& ctx) {
  const auto tokens = GivenTrainingTokens(s.training);
  const auto& gpu = s.hardware.gpu;
  // The fastest rate any precision's MFU is measured against (ResolveRates: the 16-bit
  // tensor peak, the dense fp8 peak, or a rate standing in for a missing one).
  const double peak =
      std::max({gpu.Peak16FlopsPerS(), gpu.fp32_tflops_nontensor.value_or(0) * kTera,
                gpu.fp8_tensor_fp32acc_dense_tflops.value_or(0) * kTera});
  if (!tokens || !(peak > 0)) return 0;
  const detail::Regime g = detail::MakeRegime(s);
  const detail::ModelFigures f = detail::MakeModelFigures(s, g);
  const double gpus = s.hardware.TotalGpus();
  // The compute floor: model FLOPs at the peak (ApplyComputeFloor).
  double per_token = detail::CountFlops(s, g, f).model / peak;
  // The GEMMs at their best achievable rate (GemmTime), 0.1% below for the rounding of
  // the two summation orders: tighter wherever gemm_eta_max < 1.
  if (ctx.efficiency) {
    const detail::Rates rates =
        detail::ResolveRates(s, ctx.efficiency->For(gpu.architecture), nullptr);
    per_token = std::max(
        per_token, kBoundRoundingMargin * detail::GemmSecondsPerTokenLowerBound(s, g, f, rates));
  }
  return *tokens * per_token / gpus;
}

namespace {

// The scenario's figures the result repeats: GPU, layout, training settings, the defaults
// that were applied and the framework.
void DescribeRun(const workload::Scenario& s, EstimateResult& r) {
  const auto& gpu = s.hardware.gpu;
  r.gpu_id = gpu.id;
  r.gpu_name = gpu.name;
  r.gpu_memory_bytes = gpu.CapacityBytes();
  r.gpus = s.hardware.TotalGpus();
  r.parallelism = s.parallelism;
  r.micro_batch = s.training.micro_batch;
  r.checkpointing = s.training.activation_checkpointing;
  if (r.checkpointing == workload::Checkpointing::kFull && s.training.checkpoint_layers > 0)
    r.checkpoint_layers = s.training.checkpoint_layers;
  r.layout_source = s.parallelism.specified ? "scenario" : "default";
  r.method = s.training.method;
  r.precision = s.training.precision;
  r.optimizer = s.training.optimizer;
  r.optimizer_state_dtype = s.training.optimizer_state_dtype;
  r.optimizer_state_offload = s.training.optimizer_state_offload;
  if (r.checkpointing == workload::Checkpointing::kSelective &&
      s.training.stack.id == workload::Framework::kMegatron)
    r.recompute_modules = s.training.RecomputedModules();
  r.seq_len = s.training.seq_len;
  r.global_batch = s.GlobalBatch();
  if (s.model.kind == catalog::ModelKind::kDiffusion) r.ema = s.training.diffusion.ema;
  if (s.training.precision == workload::Precision::kFp8Mixed) {
    r.fp8_master_weights = s.training.fp8.master_weights;
    r.fp8_attention = s.Fp8Attention();
    r.fp8_activation_input = s.Fp8ActivationInput();
  }
  if (workload::AdaptsUnquantisedBase(s.training.method)) {
    using workload::Precision;
    const Precision p = s.training.precision;
    r.lora_base_dtype = s.Fp32FrozenBase() || p == Precision::kFp32 ? "fp32"
                        : p == Precision::kFp16Mixed                ? "fp16"
                        : p == Precision::kFp8Mixed && s.training.Fp8Params()
                            ? "fp8"  // Transformer Engine fp8 primary weights
                            : "bf16";
  }
  for (const auto& d : s.training.defaults)
    if (KnobValue(s, d.knob) == d.value) r.defaults.push_back(d);
  SetFramework(s, r);
}

// Time and energy (C5).
void TimeAndEnergy(const workload::Scenario& s, EstimateResult& r, Explanation* explain) {
  const auto& gpu = s.hardware.gpu;
  const double params =
      r.memory.total_params > 0 ? r.memory.total_params : catalog::CachedCounts(s.model).total;
  r.training.tokens = TrainingTokens(s, params, r, explain);
  if (r.throughput.tokens_per_s > 0) {
    // At least one optimizer step: fewer tokens than one step still run one step.
    const double step_tokens = r.throughput.tokens_per_s * r.throughput.step_time_s;
    r.training.time_s =
        std::max(r.training.tokens / r.throughput.tokens_per_s, r.throughput.step_time_s);
    r.training.gpu_hours = r.training.time_s * r.gpus / kSecondsPerHour;
    if (explain && r.training.tokens < step_tokens)
      explain->Warn("training tokens " + detail::Num(r.training.tokens) +
                    " are fewer than one step's " + detail::Num(step_tokens) +
                    ": training time is one step");
  }
  const double gpu_w = gpu.tdp_w.value_or(0) * kTrainingPowerFraction;
  const double host_w = s.system.cpu_watts.value_or(0) * s.hardware.nodes;
  const double watts = gpu_w * r.gpus + host_w;
  r.training.energy_kwh = watts * r.training.time_s / kJoulesPerKwh;
  if (explain) {
    explain->Basis(
        "energy",
        "GPU power " + std::to_string(static_cast<int>(gpu_w)) +
            " W each (85% of TDP while training)" +
            (host_w > 0 ? ", host " + std::to_string(static_cast<int>(host_w)) + " W" : ""));
    if (!gpu.tdp_w) explain->Warn("TDP of " + gpu.id + " unknown: energy not counted");
  }
}

// Cost: electricity, rental and purchase.
void PriceTraining(const workload::Scenario& s, const Context& ctx, EstimateResult& r) {
  const auto& gpu = s.hardware.gpu;
  r.cost.electricity_usd = r.training.energy_kwh * s.constraints.electricity_usd_per_kwh;
  PriceRental(s, ctx, r.training.gpu_hours, r.cost);
  const auto unit_price = gpu.street_price_usd ? gpu.street_price_usd : gpu.launch_msrp_usd;
  if (unit_price) {
    r.cost.buy_usd = *unit_price * r.gpus;
    r.cost.buy_price_known = true;
  }
}

}  // namespace

EstimateResult Estimate(const workload::Scenario& s, const Context& ctx, Explanation* explain) {
  EstimateResult r;
  DescribeRun(s, r);
  if (explain) {
    workload::DescribeScenario(s, *explain);
    WarnScenario(s, *explain);
    if (ctx.catalog) NoteAmbiguousGpu(s.hardware, *ctx.catalog, *explain);
  }

  r.memory = EstimateMemory(s, ctx, explain);
  r.throughput = EstimateThroughput(s, ctx, explain);
  // Ranges from the cross-validated error of the scenario's category (C15).
  if (ctx.efficiency) ApplyUncertainty(s, *ctx.efficiency, &r, explain);

  TimeAndEnergy(s, r, explain);
  PriceTraining(s, ctx, r);

  if (explain) {
    r.warnings = explain->warnings;
    r.basis = explain->basis;
  }
#if GPUADV_CHECK_INVARIANTS
  const auto broken = CheckInvariants(r);
#else
  const auto broken = CheckCoreInvariants(r);  // cheap: Release builds check these too
#endif
  if (!broken.empty()) throw std::logic_error("estimate: invariant broken: " + broken.front());
  return r;
}

}  // namespace gpuadv::estimate
