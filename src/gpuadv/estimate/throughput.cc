// Throughput per optimizer step (C4): FLOPs (flops.cc), per-GPU compute and memory time
// (compute_time.cc), communication and offload (communication.cc), pipeline bubble.
// MODELLING.md sections 6-8; conventions in DESIGN.md ("MFU uses the PaLM convention").
//
//   t_step = m * t_mb + t_optimizer + t_grad_accum     (compute + memory)
//          + m * exposed_comm_mb + exposed_comm_step   (communication)
//          + (p-1)/(v*m) * m * (t_mb + exposed_comm_mb) (bubble)
//          + exposed offload
// breakdown_s holds exactly these five terms, so they sum to step_time_s.
//
// Conventions printed with --explain:
//  * model_flops_per_token: PaLM 6N + 12*L*H*Q*T with N = non-embedding parameters + the
//    lm_head matmul (counted once even when tied); MoE: active parameters; LoRA/QLoRA:
//    4N + 6N_lora + attention (frozen weights get dX but no dW); freeze: the executed
//    work of its trainable tail. No recomputation; attention counted non-causal.
//  * hardware_flops_per_token adds executed recomputation (HFU).
//  * mfu = model FLOP/s per GPU / the dense peak of the precision the linear layers run
//    at: the 16-bit tensor peak (Peak16FlopsPerS), also for fp32 runs; for fp8-mixed runs
//    whose linear GEMMs run in fp8, the dense fp8 peak (as llm-foundry counts fp8 runs).
//    No FLOP runs faster than that peak, so mfu <= 1 (issue 17: sd-1.5 at fp8 reported
//    1.03-1.11 when its UNet was timed at fp8 and divided by the 16-bit peak).
#include <algorithm>
#include <cmath>
#include <limits>

#include "gpuadv/core/units.h"
#include "gpuadv/estimate/estimate.h"
#include "gpuadv/estimate/throughput_internal.h"

namespace gpuadv::estimate {
namespace {

// Relative error of tokens/s per GPU behind the low/high range (C15): the p90 absolute
// relative error of `gpu-advisor validate` on the throughput rows (see data/efficiency.yaml).
constexpr double kThroughputRelativeError = 0.25;

// Gradient accumulation in autograd: every micro-batch after the first adds its gradient
// into .grad (read, read, write) in the gradient dtype. Stacks whose weight-gradient GEMMs
// accumulate into the fp32 main grad (stacks.yaml grad_accum_fused) do it inside the GEMM.
constexpr double kGradAccumPasses = 3;
// Megatron's runtime without that fusion (Megatron-LM before 2022-02 and, for fp16, before
// 2022-09; Megatron-DeepSpeed, whose fused path is absent or commented out): 16-bit
// parameters whose .grad a backward hook adds into the main-grad buffer, then frees
// (megatron/model/distributed.py: param.main_grad.add_(param.grad.data)): read the 16-bit
// gradient, read and write the main grad, which is fp32 under bf16
// (accumulate_allreduce_grads_in_fp32, forced on for bf16) and fp16 under fp16.
constexpr double kModelGradBytes = 2;
// The explanation warns when GPU-to-GPU traffic staged through host memory (PCIe cards
// without peer-to-peer) takes more than this share of the step: a presentation threshold
// for the warning, not a modelled term (the time itself is in the step).
constexpr double kHostStagedWarnShare = 0.2;
// EMA update per trained parameter: read + write the fp32 EMA copy, read the fp32 weight.
constexpr double kEmaBytesPerParam = 4 + 4 + 4;

bool Finite(double v) { return std::isfinite(v) && v >= 0; }

void ExplainFlops(const workload::Scenario& s, const detail::Regime& g,
                  const detail::ModelFigures& f, const detail::FlopsPerToken& fl,
                  Explanation* explain) {
  using detail::Num;
  explain->Basis("throughput flops",
                 "model " + Num(fl.model / kGiga) + " GFLOP/token (" +
                     (g.adapters ? std::string("4N + 6N_lora") : std::string("6N")) +
                     " + 12LHQT, N = " + Num(f.n_model) + " non-embedding params" +
                     (f.n_head > 0 ? " incl. the lm_head matmul" : "") + "), hardware " +
                     Num(fl.hardware / kGiga) + " GFLOP/token incl. recompute" +
                     (g.causal ? "; causal attention timed at half" : ""));
  if (!f.adapter_targets_matched)
    explain->Warn("no LoRA target matches a linear module name: adapters not counted");
  if (!s.model.has_shape())
    explain->Warn("model has no transformer shape: throughput from 6N per token only");
}

void ExplainRates(const workload::Scenario& s, const catalog::GpuSpec& gpu,
                  const ArchEfficiency& eff, const detail::Rates& rates, Explanation* explain) {
  using detail::Num;
  explain->Basis(
      "throughput rates",
      "peak " + Num(rates.tensor_peak / kTera) + " TFLOP/s" +
          (rates.linear_peak != rates.tensor_peak
               ? " (fp8 GEMMs " + Num(rates.linear_peak / kTera) + ")"
               : "") +
          (rates.power_scale < 1
               ? " (power-limited: the datasheet peak x " + Num(rates.power_scale) + ", as " +
                     Num(gpu.tdp_w.value_or(0)) + " W / " + Num(eff.gemm_pj_per_flop) +
                     " pJ per FLOP sustains " + Num(rates.sustained_gemm / kTera) +
                     " TFLOP/s of GEMMs)"
               : "") +
          ", " + (gpu.architecture.empty() ? "?" : gpu.architecture) + " gemm eta_max " +
          Num(eff.gemm_eta_max) + " (half at " + Num(eff.gemm_half_flops) + " FLOP" +
          (s.model.IsMoe()
               ? "; routed experts as grouped GEMMs, half at " +
                     Num(eff.gemm_half_flops * detail::kGroupedGemmHalfScale) + " FLOP per expert"
               : "") +
          "), attention eta " + Num(eff.attn_eta) +
          (rates.attention_speedup != 1
               ? " x " + Num(rates.attention_speedup) + " (stack trait attention_kernel " +
                     std::string(
                         EnumName(workload::kAttentionKernels, s.training.stack.attention_kernel)) +
                     ")"
               : "") +
          ", memory " + Num(rates.bandwidth / kGiga) + " GB/s (eta " + Num(eff.mem_eta) +
          "); MFU against " + Num(rates.mfu_peak / kTera) + " TFLOP/s dense " +
          (rates.linear_bytes == 1 ? "fp8" : "16-bit"));
}

// Optimizer step on the GPU (memory-bound, sharded by ZeRO-1+; MODELLING section 7):
// streams whole parameter-sized buffers at copy-kernel bandwidth, not mem_eta's. A CPU
// optimizer (offload) runs off the GPU (OffloadTime).
double OptimizerStepTime(const workload::Scenario& s, const detail::Layout& lay,
                         const detail::ModelFigures& f, const detail::Rates& rates) {
  const double mp = static_cast<double>(lay.tp) * lay.pp;
  const double opt_params = f.n_trainable / mp / (lay.zero >= 1 ? lay.shard : 1);
  const bool cpu_optimizer = s.parallelism.offload != workload::Offload::kNone;
  const double bw = rates.stream_bandwidth;
  return (cpu_optimizer || bw <= 0) ? 0 : opt_params * detail::OptimizerBytesPerParam(s) / bw;
}

// EMA update of a diffusion run keeping an EMA copy (diffusers examples/text_to_image/
// train_text_to_image.py --use_ema; EMAModel.step after each optimizer step): one
// memory-bound pass reading and writing the fp32 copy and reading the fp32 trained weights,
// kEmaBytesPerParam per trained parameter on this GPU, at copy-kernel bandwidth.
double EmaUpdateTime(const workload::Scenario& s, const detail::Layout& lay,
                     const detail::ModelFigures& f, const detail::Rates& rates) {
  const double mp = static_cast<double>(lay.tp) * lay.pp;
  const double bw = rates.stream_bandwidth;
  const bool ema = s.model.kind == catalog::ModelKind::kDiffusion && s.training.diffusion.ema;
  return ema && bw > 0 ? f.n_trainable / mp * kEmaBytesPerParam / bw : 0;
}

// Gradient accumulation over micro-batches (kGradAccumPasses, sharded by ZeRO-2+), at
// copy-kernel bandwidth; fused into the GEMMs on stacks with grad_accum_fused.
double GradAccumTime(const workload::Scenario& s, const detail::Layout& lay,
                     const detail::ModelFigures& f, const detail::Rates& rates) {
  const double mp = static_cast<double>(lay.tp) * lay.pp;
  const double grads_local = f.n_trainable / mp / (lay.zero >= 2 ? lay.shard : 1);
  const double bw = rates.stream_bandwidth;
  const bool pure_bf16 = s.PureBf16States();
  double per_param = kGradAccumPasses * (pure_bf16 ? 2.0 : 4.0);
  if (s.MegatronRuntime() && !pure_bf16) {
    per_param = kModelGradBytes + 2 * s.MegatronGradBytes();
  }
  return bw > 0 && !s.training.stack.grad_accum_fused
             ? (lay.micro_batches - 1) * per_param * grads_local / bw
             : 0;
}

// No GPU computes faster than its peak: where the per-layer timing counts fewer FLOPs than
// the model's per-token count (a stage holding the trainable layers of a frozen model, a
// model given only by its parameter count), the step's compute is at least the model
// FLOPs at the peak MFU is measured against (issue 17: MFU <= 1 in every build).
void ApplyComputeFloor(double model_flops, double step_tokens, const detail::Layout& lay,
                       const detail::Rates& rates, TimeBreakdown* b, Explanation* explain) {
  using detail::Num;
  const double compute_floor =
      rates.mfu_peak > 0 ? model_flops * step_tokens / lay.gpus / rates.mfu_peak : 0;
  if (b->compute < compute_floor) {
    if (explain)
      explain->Basis("throughput floor", "compute raised from " + Num(b->compute) + " s to " +
                                             Num(compute_floor) +
                                             " s: the model FLOPs of the step at peak");
    b->compute = compute_floor;
  }
}

// The context's efficiency table; with none, data/efficiency.yaml's fallback values
// (FallbackEfficiency), unwarned.
const EfficiencyTable& TableOf(const Context& ctx) {
  return ctx.efficiency ? *ctx.efficiency : FallbackEfficiency();
}

// Serial host work of the stack per step (data loading in the main process, loss syncs,
// gradient clipping, scheduler; data/stacks.yaml) while the GPU waits.
double HostTime(const workload::Scenario& s, const detail::Layout& lay) {
  const auto& stack = s.training.stack;
  return static_cast<double>(lay.micro_batches) * stack.micro_batch_host_s + stack.step_host_s;
}

double StepTokens(const workload::Scenario& s) {
  return static_cast<double>(s.GlobalBatch()) *
         static_cast<double>(std::max<long long>(1, s.training.seq_len));
}

// The step's compute (with its floor) and memory terms: the micro-batches, the stack's
// host work and the once-per-step memory-bound passes (`per_step_memory`).
// The stack's host work and the launch-bound excess are both time the GPU waits for the
// host, and they overlap: the stack's work is mostly syncs (the Trainer's loss isnan test
// each micro-batch) after which the drained GPU waits for the host to refill its queue, a
// wait that costs nothing more when the host is the bottleneck already. Measured on H200
// (scripts/gpu_measure/results_h200, transformers Trainer against the plain loop): +5.5 to
// +12.7 ms per GPU-bound step, +0.7 to +2.4 ms per launch-bound one.
void ComputeAndMemory(const detail::Layout& lay, const detail::MicroBatchTime& mb, double host,
                      double model_flops, double step_tokens, double per_step_memory,
                      const detail::Rates& rates, TimeBreakdown* b, Explanation* explain) {
  const double m = static_cast<double>(lay.micro_batches);
  b->compute = m * (mb.compute_fwd + mb.compute_bwd) + std::max(m * mb.launch_excess, host) +
               m * mb.zero3_hooks;
  ApplyComputeFloor(model_flops, step_tokens, lay, rates, b, explain);
  b->memory = m * (mb.memory_fwd + mb.memory_bwd) + per_step_memory;
}

// Rates per second of a step of `step` seconds, the range and the bottleneck term.
void StepRates(const workload::Scenario& s, const detail::Layout& lay, double step,
               double step_tokens, const detail::Rates& rates, ThroughputResult* r) {
  r->step_time_s = step;
  const double samples = static_cast<double>(s.GlobalBatch());
  r->tokens_per_s = step_tokens / step;
  r->tokens_per_s_per_gpu = r->tokens_per_s / lay.gpus;
  r->samples_per_s = samples / step;
  const double flops_per_gpu = r->model_flops_per_token * r->tokens_per_s_per_gpu;
  r->tflops_per_gpu = flops_per_gpu / kTera;
  r->mfu = rates.mfu_peak > 0 ? flops_per_gpu / rates.mfu_peak : 0;
  r->low_tokens_per_s_per_gpu = r->tokens_per_s_per_gpu * (1 - kThroughputRelativeError);
  r->high_tokens_per_s_per_gpu = r->tokens_per_s_per_gpu * (1 + kThroughputRelativeError);

  const auto terms = r->breakdown_s.Terms();
  size_t best = 0;
  for (size_t i = 1; i < terms.size(); ++i)
    if (terms[i] > terms[best]) best = i;
  r->bottleneck = kBottlenecks[best].value;
}

// The step's terms for --explain (`host`: the stack's serial host work).
void ExplainStep(const Context& ctx, const detail::Layout& lay, const detail::MicroBatchTime& mb,
                 const detail::CommTime& comm, const detail::Topology& topo, const TimeBreakdown& b,
                 double host, double t_opt, double step, Explanation* explain) {
  using detail::Num;
  const double m = static_cast<double>(lay.micro_batches);
  explain->Basis("throughput step",
                 std::to_string(lay.micro_batches) + " micro-batches of " + Num(lay.tokens_mb) +
                     " tokens/GPU: compute " + Num(b.compute) + " s (launch-bound excess " +
                     Num(m * mb.launch_excess) + " s, stack host work " + Num(host) +
                     " s: the GPU waits for the larger" +
                     (mb.zero3_hooks > 0 ? ", + ZeRO-3 hooks " + Num(m * mb.zero3_hooks) + " s"
                                         : std::string()) +
                     "), memory " + Num(b.memory) + " s (optimizer " + Num(t_opt) +
                     " s), communication " + Num(b.communication) + " s, bubble " + Num(b.bubble) +
                     " s, offload " + Num(b.offload) + " s = " + Num(step) + " s");
  if (!ctx.efficiency || ctx.efficiency->uncertainty.Empty())  // else Estimate() sets it
    explain->Basis("throughput range",
                   "tokens/s per GPU +-" + Num(kThroughputRelativeError * 100) + "% (default)");
  if (topo.host_staged && lay.gpus > 1 &&
      comm.per_step + comm.per_micro_batch > kHostStagedWarnShare * step)
    explain->Warn("communication through host memory takes " + Num(100 * b.communication / step) +
                  "% of the step");
}

}  // namespace

ThroughputResult EstimateThroughput(const workload::Scenario& s, const Context& ctx,
                                    Explanation* explain) {
  using namespace detail;
  ThroughputResult r;
  const auto& gpu = s.hardware.gpu;
  const EfficiencyTable& table = TableOf(ctx);
  const ArchEfficiency& eff = table.For(gpu.architecture);
  const GlobalEfficiency& glob = table.global;
  if (explain && ctx.efficiency && &eff == &ctx.efficiency->fallback)
    explain->Warn("no efficiency factors for architecture '" + gpu.architecture +
                  "': fallback factors used");

  const Layout lay = MakeLayout(s);
  const Regime g = MakeRegime(s);
  const ModelFigures f = MakeModelFigures(s, g);
  const FlopsPerToken fl = CountFlops(s, g, f);
  r.model_flops_per_token = fl.model;
  r.hardware_flops_per_token = fl.hardware;
  if (explain) ExplainFlops(s, g, f, fl, explain);

  const Rates rates = ResolveRates(s, eff, explain);
  if (rates.tensor_peak <= 0) return r;  // no peak: zeros, never NaN (warned above)
  if (explain) ExplainRates(s, gpu, eff, rates, explain);

  MicroBatchTime mb = MicroBatchCompute(s, lay, g, f, rates, glob);
  const Topology topo = ResolveTopology(s, explain);
  const double sp_copies = AddSpCollectiveCopies(s, lay, g, topo, rates, &mb);
  const CommTime comm = Communication(s, lay, g, f, topo, mb, glob, explain);
  const double offload = OffloadTime(s, lay, g, f, topo, mb, glob, explain);
  const double t_opt = OptimizerStepTime(s, lay, f, rates);
  const double t_accum = GradAccumTime(s, lay, f, rates);
  const double t_ema = EmaUpdateTime(s, lay, f, rates);
  const double t_fsdp_copy = FsdpCopyTime(s, lay, g, f, rates);

  const double m = static_cast<double>(lay.micro_batches);
  TimeBreakdown& b = r.breakdown_s;
  const double host = HostTime(s, lay);
  const double step_tokens = StepTokens(s);
  ComputeAndMemory(lay, mb, host, fl.model, step_tokens, t_opt + t_accum + t_ema + t_fsdp_copy,
                   rates, &b, explain);
  b.communication = m * comm.per_micro_batch + comm.per_step;
  b.bubble =
      BubbleFraction(lay.pp, lay.vpp, lay.micro_batches) * m * (mb.Total() + comm.per_micro_batch);
  b.offload = offload;
  const double step = b.compute + b.memory + b.communication + b.bubble + b.offload;
  if (!(step > 0) || !std::isfinite(step)) {
    if (explain) explain->Warn("throughput could not be estimated (zero or invalid step time)");
    r.breakdown_s = {};
    return r;
  }
  StepRates(s, lay, step, step_tokens, rates, &r);
  if (explain && t_ema > 0)
    explain->Basis("throughput ema", "EMA update " + Num(t_ema) + " s per step (" +
                                         Num(kEmaBytesPerParam) + " B/param at copy bandwidth)");
  if (explain && sp_copies > 0)
    explain->Basis("throughput sp copies",
                   "sequence-parallel collectives on the sequence dimension (DTensor Shard(1)): "
                   "each gather and scatter copies the tensor once more, " +
                       Num(sp_copies * 1e3) + " ms per micro-batch (memory-bound, copy bandwidth)");
  if (explain && t_fsdp_copy > 0)
    explain->Basis("throughput fsdp copies",
                   "FSDP2 copies " + Num(t_fsdp_copy) +
                       " s per step: each all-gather copied out into the parameters, each "
                       "reduce-scatter's input copied in from the gradients (compute stream, "
                       "copy bandwidth)");
  if (explain) ExplainStep(ctx, lay, mb, comm, topo, b, host, t_opt, step, explain);
  if (!Finite(r.tokens_per_s) || !Finite(r.mfu)) return ThroughputResult{};
  return r;
}

double TokensPerSUpperBound(const workload::Scenario& s, long long max_micro_batches,
                            const Context& ctx) {
  using namespace detail;
  const auto& gpu = s.hardware.gpu;
  const EfficiencyTable& table = TableOf(ctx);
  const ArchEfficiency& eff = table.For(gpu.architecture);
  const GlobalEfficiency& glob = table.global;
  const Layout lay = MakeLayout(s);
  const Regime g = MakeRegime(s);
  const ModelFigures f = MakeModelFigures(s, g);
  const Rates rates = ResolveRates(s, eff, nullptr);
  constexpr double kUnbounded = std::numeric_limits<double>::infinity();
  if (rates.tensor_peak <= 0) return kUnbounded;
  MicroBatchTime mb = MicroBatchCompute(s, lay, g, f, rates, glob);
  // Every term below, times the micro-batches, only grows as the micro-batch shrinks (GEMM
  // efficiency, per-micro-batch weight traffic, latencies) or recomputation is added. The
  // launch-bound excess does not, nor ZeRO-3's hooks at another ZeRO stage: left
  // out, as are the communication a compute can hide,
  // the data-parallel collectives and offload (all >= 0).
  mb.launch_excess = 0;
  mb.zero3_hooks = 0;
  TimeBreakdown b;
  const double step_tokens = StepTokens(s);
  ComputeAndMemory(lay, mb, HostTime(s, lay), CountFlops(s, g, f).model, step_tokens,
                   OptimizerStepTime(s, lay, f, rates) + GradAccumTime(s, lay, f, rates) +
                       EmaUpdateTime(s, lay, f, rates) + FsdpCopyTime(s, lay, g, f, rates),
                   rates, &b, nullptr);
  const double m = static_cast<double>(lay.micro_batches);
  const Topology topo = ResolveTopology(s, nullptr);
  b.communication = m * UnhiddenCommPerMicroBatch(s, lay, g, topo);
  // The bubble is (p-1)/v micro-batch times; a micro-batch of the group does at least the
  // work of this step spread over its most micro-batches.
  b.bubble = BubbleFraction(lay.pp, lay.vpp, 1) * m * (mb.Forward() + mb.Backward()) /
             std::max(m, static_cast<double>(max_micro_batches));
  const double step = b.compute + b.memory + b.communication + b.bubble;
  return step > 0 ? step_tokens / step : kUnbounded;
}

}  // namespace gpuadv::estimate
