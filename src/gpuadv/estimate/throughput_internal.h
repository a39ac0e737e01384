#pragma once
// Internal pieces of the throughput estimator (C4; MODELLING.md sections 6-8), shared by
// flops.cc, compute_time.cc, communication.cc and throughput.cc. Not a public interface.
//
// Contract: every function here is a pure function of its arguments; none allocates or
// formats strings unless it is handed a non-null Explanation (the planner calls the
// estimator ~1M times/s with explain == nullptr).
#include <span>
#include <string>
#include <vector>

#include "gpuadv/catalog/param_count.h"
#include "gpuadv/core/explain.h"
#include "gpuadv/estimate/efficiency.h"
#include "gpuadv/estimate/layout.h"
#include "gpuadv/workload/scenario.h"

namespace gpuadv::estimate::detail {

// The layout both estimators share (layout.h).
using estimate::Layout;
using estimate::MakeLayout;

/// What trains and how gradients flow (MODELLING section 6).
struct Regime {
  bool adapters = false;     // lora / qlora: frozen base, trained low-rank adapters
  bool quantized = false;    // qlora: 4-bit base weights dequantised per use
  int layers = 0;            // L
  int trainable_layers = 0;  // layers whose weights get dW (L; k for freeze; 0 for adapters)
  int backprop_layers = 0;   // layers that need dX (L; k for freeze)
  bool causal = true;        // decoder attention mask (kernels skip half the blocks)
  bool lm_head = true;       // a vocabulary projection + loss (decoders)
  bool full_recompute = false;
  // Share of a pipeline stage's layers whose forward is recomputed under full checkpointing
  // (training.checkpoint_layers of the stage's layers; 1 = all, 0 without full).
  double recompute_share = 0;
  // Selective checkpointing: the workload::RecomputeModule flags whose forward is rerun in
  // backward (Training::RecomputedModules); 0 without selective.
  unsigned recompute_modules = 0;
  // Per-op selective checkpointing (stack trait selective: per-op): the layer's element-wise
  // ops, the routed experts and the dense matmuls of per_op_slots
  // (workload::PerOpRecomputedSlots) rerun in backward; no attention core.
  bool per_op = false;
  unsigned per_op_slots = 0;

  /// Selective checkpointing reruns part of each layer (Megatron's modules or per-op).
  bool SelectiveRerun() const { return recompute_modules != 0 || per_op; }
  bool Recomputes(workload::RecomputeModule m) const {
    return (recompute_modules & static_cast<unsigned>(m)) != 0;
  }
};

Regime MakeRegime(const workload::Scenario& s);

/// Is linear `l` (of a model of hidden size `hidden`) inside a module selective
/// checkpointing recomputes: MLA's up projections (mla_up_proj), a dense MLP (mlp), a MoE
/// layer's experts, router and shared experts (moe), the shared experts (shared_experts)?
/// Under per-op selective checkpointing: is it a dense matmul the policy reruns?
/// A MoE model's linears describe its MoE layer, so its leading dense layers' MLPs are not
/// among them.
bool RecomputedLinear(const catalog::LinearShape& l, const Regime& g, long long hidden);

/// Parameter figures the estimator uses (all per whole model unless named _local).
struct ModelFigures {
  ModelFigures() = default;
  ModelFigures(ModelFigures&&) = default;  // moving keeps `linears` valid (heap buffer moves)
  ModelFigures(const ModelFigures&) = delete;
  ModelFigures& operator=(const ModelFigures&) = delete;

  catalog::ParamCounts counts;
  std::span<const catalog::LinearShape> linears;      // one layer's linear modules
  std::vector<catalog::LinearShape> linears_storage;  // when the model has no cache
  double n_model = 0;                // PaLM N: non-embedding (active) params + lm_head matmul
  double n_head = 0;                 // lm_head matmul weights (V*h) when the model has one, else 0
  double n_layer_linear_active = 0;  // active linear weights of one layer
  double n_adapter = 0;              // LoRA adapter params, whole model
  double n_adapter_active = 0;       // per token (MoE: active experts only)
  double n_trainable = 0;            // params with gradients, whole model
  double n_expert = 0;               // expert linear weights, whole model (sharded by ep)
  int adapted_linears = 0;           // linear modules per layer that carry an adapter
  unsigned adapter_slots = 0;        // module roles the LoRA targets reach (module_names.h)
  bool adapter_targets_matched = true;

  /// Does the LoRA config put an adapter on this linear module? (the same slots the
  /// memory estimate adapts, mem::SetupLora)
  bool Adapted(const catalog::LinearShape& l) const { return (l.slots & adapter_slots) != 0; }
};

ModelFigures MakeModelFigures(const workload::Scenario& s, const Regime& g);

/// FLOPs per token (MODELLING section 6).
struct FlopsPerToken {
  double model = 0;      // MFU numerator: PaLM 6N + 12LHQT (4N + 6N_lora for adapters)
  double hardware = 0;   // executed incl. recomputation, attention counted non-causal
  double attention = 0;  // 12*L*H*Q*T (full, non-causal)
};

FlopsPerToken CountFlops(const workload::Scenario& s, const Regime& g, const ModelFigures& f);

/// Achievable rates of one GPU for this precision (MODELLING section 7).
struct Rates {
  double linear_peak = 0;        // FLOP/s of the linear-layer GEMMs (fp8 GEMMs for fp8-mixed)
  double tensor_peak = 0;        // FLOP/s of 16-bit (or fp32) GEMMs: attention, lm_head, adapters
  double mfu_peak = 0;           // MFU denominator: dense peak of the linear layers' precision
  double bandwidth = 0;          // achievable bytes/s: datasheet * mem_eta
  double stream_bandwidth = 0;   // large streaming kernels: datasheet * copy eta
  double act_bytes = 2;          // bytes per activation / weight element in GEMMs (4 for fp32)
  double linear_bytes = 2;       // bytes per element of the linear GEMM operands (1 for fp8)
  double attention_speedup = 1;  // the stack's attention kernel vs FA2 (kernel, arch)
  double fp8_attention_fwd = 1;  // fp8 attention core's forward rate over 16-bit (else 1)
  double power_scale = 1;        // tensor rates x this: the board's power limit (else 1)
  double sustained_gemm = 0;     // SustainedGemmRate: large 16-bit GEMMs, FLOP/s
  const ArchEfficiency* eff = nullptr;
};

/// Picks the peaks; warns (when explain) about unknown peaks or unsupported types.
Rates ResolveRates(const workload::Scenario& s, const ArchEfficiency& eff, Explanation* explain);

// Routed experts run as one grouped GEMM per linear (torch._grouped_mm, CUTLASS or cuBLAS
// grouped kernels, Transformer Engine's GroupedLinear), whose per-expert problems reach
// their ceiling later than the same shapes run alone: each group pays its own tile
// scheduling, pipeline fill and epilogue. Measured on H100 for Qwen3-30B-A3B's up
// projection (128 experts, K 2048, N 1536, 65536 routed rows, uniform routing), the CUTLASS
// SM90 cooperative grouped kernel ran at 160.5 TFLOP/s, 0.162 of the dense peak
// (tgale96/grouped_gemm PR #37, 2026-03): at Hopper's GEMM ceiling (0.634) that puts the
// half-rate point at 9.4 GFLOP per expert, 2.35x the single-GEMM curve's 4 GFLOP. The same
// benchmark's loop of per-expert cuBLAS GEMMs ran slower (129.5), and torch._grouped_mm over
// a whole Qwen3-30B-A3B MoE layer forward, routing included, at 242 TFLOP/s (ByteDance
// VeOmni PR #460); large groups run at the dense rate (16 groups of 128000 x 7168 x 7168 at
// 0.71 of the H200 peak, pytorch PR #156203; 4 groups of 32768 x 7168 x 4096 at 0.58 of a
// Blackwell peak, PR #170802), which the curve gives as well. Applied to every
// architecture's fitted curve as a ratio.
inline constexpr double kGroupedGemmHalfScale = 2.35;

/// Roofline time of one GEMM (M x K) * (K x N): max(2MNK / (peak * eta(x)), bytes / BW),
/// eta(x) = eta_max * x / (x + x_half) (MODELLING section 7 "Size dependence"); `half_scale`
/// multiplies x_half for the problems of a grouped GEMM (kGroupedGemmHalfScale).
double GemmTime(double m, double k, double n, double peak, double elem_bytes, const Rates& r,
                double half_scale = 1);

/// Per-GPU time of one micro-batch, by phase, before communication.
struct MicroBatchTime {
  double compute_fwd = 0;    // GEMMs + attention, forward
  double compute_bwd = 0;    // backward (dX, dW) + recomputed forward
  double memory_fwd = 0;     // memory-bound kernels, forward
  double memory_bwd = 0;     // memory-bound kernels, backward + recompute + dequantisation
  double launch_excess = 0;  // host launch time not hidden by GPU work
  double zero3_hooks = 0;    // host time of DeepSpeed ZeRO-3's module and gradient hooks
  double attention = 0;      // attention-core share of compute (context-parallel overlap)
  double Forward() const { return compute_fwd + memory_fwd; }
  double Backward() const { return compute_bwd + memory_bwd; }
  double Total() const { return Forward() + Backward() + launch_excess + zero3_hooks; }
};

MicroBatchTime MicroBatchCompute(const workload::Scenario& s, const Layout& lay, const Regime& g,
                                 const ModelFigures& f, const Rates& r,
                                 const GlobalEfficiency& glob);

/// Seconds of GEMM work per token summed over all GPUs, a lower bound for every layout,
/// micro-batch, checkpointing level and stack: the linear layers' (and lm_head's) FLOPs of
/// one token at each GEMM's best achievable rate (peak * gemm_eta_max). Dividing by the GPU
/// count bounds the step time per token (TrainingTimeLowerBound).
double GemmSecondsPerTokenLowerBound(const workload::Scenario& s, const Regime& g,
                                     const ModelFigures& f, const Rates& r);

/// Optimizer-step bytes moved per trainable parameter (MODELLING section 7).
double OptimizerBytesPerParam(const workload::Scenario& s);

/// One communication path: achievable bus bandwidth (bytes/s, per GPU, per direction),
/// per-step latency, and whether comm can overlap with compute at the fast-fabric rate.
struct Link {
  double busbw = 0;
  double alpha_s = 0;
  double hop_s = 0;  // NCCL's latency per intra-node ring step (NVLink or PCIe)
  int nodes = 1;     // nodes the group spans
  bool fast = true;  // NVLink / InfiniBand class (overlap_eta); false: PCIe / host memory
  bool cross_node = false;
};

/// The links of this machine (MODELLING section 8).
struct Topology {
  Link intra;                   // GPU-GPU inside a node
  double nic_bytes_per_s = 0;   // achievable per-GPU network bandwidth
  double pcie_bytes_per_s = 0;  // achievable host<->GPU bandwidth per GPU (offload)
  double host_bytes_per_s = 0;  // achievable host DRAM bandwidth per GPU (CPU optimizer)
  bool nvlink = false;
  bool host_staged = false;  // no P2P: collectives go through host memory
};

Topology ResolveTopology(const workload::Scenario& s, Explanation* explain);

/// The link a collective over `n` ranks uses when consecutive members are `stride` ranks
/// apart (ranks numbered tp fastest, then cp, dp, pp: Megatron order). Across nodes the
/// ring is bounded by the slower of NVLink and the NICs of the group's members in a node.
Link GroupLink(const Topology& t, const Layout& lay, int n, int stride);

/// Ring collective time: latency + S * F / busbw, with F = 2(n-1)/n (all-reduce) or
/// (n-1)/n (all-gather, reduce-scatter); S = full (unsharded) bytes. An all-gather or
/// reduce-scatter issued as `calls` collectives (gradient buckets, FSDP units) pays the
/// ring latency, which grows with the ranks (RingLatency), once per call.
double AllReduceTime(double bytes, int n, const Link& l);
double AllGatherTime(double bytes, int n, const Link& l, double calls = 1);

/// NCCL's latency of one ring all-gather or reduce-scatter over `n` ranks.
double RingLatency(int n, const Link& l);

/// Ring traffic factors (nccl-tests doc/PERFORMANCE.md).
inline double AllReduceFactor(int n) { return n > 1 ? 2.0 * (n - 1) / n : 0.0; }
inline double AllGatherFactor(int n) { return n > 1 ? static_cast<double>(n - 1) / n : 0.0; }

/// Pipeline bubble fraction (Narayanan et al. 2021 section 2.2): (p-1)/(v*m).
inline double BubbleFraction(int p, int v, long long m) {
  if (p <= 1) return 0.0;
  return static_cast<double>(p - 1) / (static_cast<double>(v < 1 ? 1 : v) * (m < 1 ? 1 : m));
}

/// Exposed communication of one step, split by when it happens.
struct CommTime {
  double per_micro_batch = 0;  // exposed on every micro-batch (TP, PP, CP, EP, ZeRO-2/3)
  double per_step = 0;         // exposed once per step (DP gradient all-reduce)
  double dp_total = 0;         // unhidden DP/ZeRO collective time (for explain)
  double dp_calls = 0;         // DP/ZeRO all-gathers (or reduce-scatters) per pass (explain)
  double dp_latency_s = 0;     // ring latency of each of them (explain)
  bool dp_per_unit = false;    // one per FSDP / ZeRO-3 unit, not per gradient bucket
  double tp_total = 0;         // TP collective time per micro-batch
  double ep_total = 0;         // MoE all-to-all (and etp gather) time per micro-batch
};

CommTime Communication(const workload::Scenario& s, const Layout& lay, const Regime& g,
                       const ModelFigures& f, const Topology& topo, const MicroBatchTime& mb,
                       const GlobalEfficiency& glob, Explanation* explain);

/// Stacks whose sequence-parallel collectives act on the sequence dimension of batch-first
/// activations (StackTraits::sp_dtensor, PyTorch DTensor) copy each gathered and
/// each scattered tensor once more on the compute stream (chunk + cat): added to the
/// micro-batch's memory-bound time at copy bandwidth, and returned. Not where TpOverlapped.
double AddSpCollectiveCopies(const workload::Scenario& s, const Layout& lay, const Regime& g,
                             const Topology& topo, const Rates& r, MicroBatchTime* t);

/// The part of CommTime::per_micro_batch no compute hides: tensor-parallel collectives
/// where TpOverlapped is false, pipeline p2p (TokensPerSUpperBound).
double UnhiddenCommPerMicroBatch(const workload::Scenario& s, const Layout& lay, const Regime& g,
                                 const Topology& topo);

/// ZeRO-2 on the FSDP path (SHARD_GRAD_OP, not DeepSpeed's replicated parameters) and
/// ZeRO-3 all-gather the parameters for the forward; the other data-parallel modes keep
/// them whole.
bool GathersParameters(const workload::Scenario& s, const Layout& lay);

/// Those gathers move the layers' linear weights cast to fp8 on each shard (stack trait
/// fp8_all_gather under fp8-mixed).
bool Fp8AllGather(const workload::Scenario& s, const Layout& lay);

/// FSDP2's copies around its collectives in one step (stack trait fsdp_per_param): each
/// all-gather's output copied into the unsharded parameters, each reduce-scatter's input
/// copied in (and cast to the reduce dtype) from the gradients, memory-bound work on the
/// compute stream's critical path, at copy-kernel bandwidth. 0 for other stacks.
double FsdpCopyTime(const workload::Scenario& s, const Layout& lay, const Regime& g,
                    const ModelFigures& f, const Rates& r);

/// Exposed host<->device offload time of one step (ZeRO-Offload; MODELLING sections 2, 7).
double OffloadTime(const workload::Scenario& s, const Layout& lay, const Regime& g,
                   const ModelFigures& f, const Topology& topo, const MicroBatchTime& mb,
                   const GlobalEfficiency& glob, Explanation* explain);

/// "%.3g" formatting for explain lines (only called with a non-null Explanation).
std::string Num(double v);

}  // namespace gpuadv::estimate::detail
