// Communication over the real topology and host offload traffic (MODELLING.md section 8).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

#include "gpuadv/core/units.h"
#include "gpuadv/estimate/memory_terms.h"
#include "gpuadv/estimate/throughput_internal.h"
#include "gpuadv/workload/method_traits.h"

namespace gpuadv::estimate::detail {
namespace {

// Achievable fraction of the NVLink line rate per direction for ring collectives: A100
// SXM 300 GB/s/dir -> 200-235 GB/s all-reduce busbw (NVIDIA/nccl-tests#149, #178); H100
// SXM 450 -> ~370 (82%, NVIDIA/nccl-tests#212).
constexpr double kNvlinkEfficiency = 0.78;
// PCIe: per-lane per-direction GB/s by generation (after 128b/130b encoding) and the
// achievable fraction for NCCL over P2P (PCIe 4.0 x16 ~ 20-25 GB/s, 3.0 x16 ~ 10-12).
constexpr double kPcieLaneGbs[] = {0, 0.25, 0.5, 0.985, 1.969, 3.938, 7.563};
constexpr double kPcieEfficiency = 0.75;
// InfiniBand / RoCE: 85-90% of line rate per NIC (MODELLING section 8).
constexpr double kNetworkEfficiency = 0.87;
// Per-step latency of ring collectives (MODELLING section 8: 5-10 us intra, 10-30 inter).
constexpr double kAlphaNvlinkS = 6e-6;
constexpr double kAlphaPcieS = 10e-6;
constexpr double kAlphaNetworkS = 15e-6;
// NCCL's own cost model of a ring all-gather / reduce-scatter (NVIDIA/nccl
// src/graph/tuning.cc, Simple protocol, the one large messages use): a base latency of
// 8.4 us plus one per ring step, n - 1 steps of which nodes - 1 cross the network (14 us)
// and the others NVLink (3.4 us) or PCIe (5.7 us), at least the 3 us NCCL charges for
// posting a network send once the ring spans nodes. NCCL has no tree for these two
// collectives, so their latency grows with the rank count, not its logarithm: the reason
// Megatron-Core sizes its gradient buckets max(40M, 1M x dp) parameters ("larger DP sizes
// need larger buckets to ensure collectives do not become latency-bound",
// DistributedDataParallelConfig.bucket_size).
constexpr double kRingBaseS = 8.4e-6;
constexpr double kRingHopNvlinkS = 3.4e-6;
constexpr double kRingHopPcieS = 5.7e-6;
constexpr double kRingHopNetworkS = 14e-6;
constexpr double kRingNetPostS = 3e-6;
// Host DRAM bandwidth per node and the fraction a CPU optimizer step achieves (x0.5-0.7):
// 2-socket server (8-12 DDR4/5 channels per socket) vs a desktop (2 channels).
constexpr double kHostDramServerBytesPerS = 300e9;
constexpr double kHostDramDesktopBytesPerS = 70e9;
constexpr double kHostDramEfficiency = 0.6;
// DDP gradient bucket (bucket_cap_mb = 25): the last one cannot overlap backward.
constexpr double kDdpBucketBytes = 25e6;

// Communication hidden behind compute is not free (issue 11 "overlap that costs
// something"): NCCL kernels occupy SMs (one CTA per channel, 16-32 channels on NVLink of
// 108-148 SMs) and share HBM bandwidth with the GEMMs they overlap, which slow by ~10-30%
// while a collective runs (Jangda et al. 2022 "CoCoNet" section 2; Rashidi et al. 2021
// "Enabling compute-communication overlap in distributed deep learning training
// platforms", figure 3: 1.1-1.3x slower kernels). Charged as this fraction of each hidden
// second.
constexpr double kOverlapComputeSlowdown = 0.2;

// Exposed time of `comm` seconds overlapped with a `window` of compute at efficiency `eta`:
// the part that does not fit, plus the slowdown of the compute it hides behind.
double Exposed(double comm, double window, double eta) {
  const double hidden = std::min(comm, std::max(0.0, eta * window));
  return (comm - hidden) + kOverlapComputeSlowdown * hidden;
}

// Tensor-parallel collectives run pipelined with the GEMMs only where the stack
// implements it (stacks.yaml tp_comm_overlap: Megatron-Core / Transformer Engine
// --tp-comm-overlap, torchtitan async TP), with sequence parallelism (both require it),
// inside one NVLink domain, on GPUs with NVLink multicast (sm90 / sm100): Transformer
// Engine's userbuffers need CUDA multicast for their tuned path ("devices older than
// compute capability 9.0 require UB_SKIPMC=1 ... a less performant implementation",
// TransformerEngine examples/pytorch/comm_gemm_overlap/README.md; TP must stay within a
// node, TransformerEngine#1071) and NeMo ships userbuffer configs for H100 / B200 only;
// PyTorch async TP runs on SymmetricMemory multicast. Elsewhere (A100, Ada, PCIe) the
// collectives sit on the critical path as in Megatron-LM 2021-22.
bool TpOverlapped(const workload::Scenario& s, const Layout& lay, const Topology& topo) {
  if (lay.tp <= 1 || !lay.sequence_parallel || !s.training.stack.tp_comm_overlap) return false;
  const Link lt = GroupLink(topo, lay, lay.tp, 1);
  return lt.fast && !lt.cross_node && topo.nvlink && s.hardware.gpu.HopperClassDatacenter();
}

// ASCII lower case inline (std::tolower in the "C" locale, without a libc call per byte).
constexpr char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Case-insensitive substring test without allocating (hot path).
bool Contains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && AsciiLower(hay[i + k]) == needle[k]) ++k;
    if (k == needle.size()) return true;
  }
  return false;
}

// Default per-GPU network when the scenario gives none (Gb/s): HGX/DGX-class nodes carry
// one NIC per GPU (HDR 200 for A100-era, NDR 400 from H100 on); other data-centre PCIe
// servers ~100 GbE; workstations 25 GbE; desktops 10 GbE.
double DefaultNetworkGbps(const catalog::GpuSpec& g, bool builtin_nvlink) {
  if (g.segment == "datacenter") {
    if (builtin_nvlink) return g.launch_year.value_or(2020) >= 2022 ? 400 : 200;
    return 100;
  }
  return g.segment == "workstation" ? 25 : 10;
}

// All-reduce latency steps: 2(n-1) inside a node; across nodes NCCL switches to trees /
// hierarchical rings whose latency grows with log2 of the node count.
double AllReduceSteps(int n) {
  if (n <= 1) return 0;
  if (n <= 8) return 2.0 * (n - 1);
  return 2.0 * (7 + std::ceil(std::log2(n / 8.0)));
}

}  // namespace

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

Topology ResolveTopology(const workload::Scenario& s, Explanation* explain) {
  const auto& gpu = s.hardware.gpu;
  const auto ic = s.hardware.interconnect;
  Topology t;
  const int count = std::max(1, s.hardware.count);
  const double link_bidir = gpu.interconnect_bw_gbs_bidir.value_or(0);
  const bool has_link =
      link_bidir > 0 && !Contains(gpu.gpu_interconnect, "none") && !gpu.gpu_interconnect.empty();
  const bool bridge = Contains(gpu.gpu_interconnect, "bridge");
  // auto = built-in NVLink / NVSwitch / Infinity Fabric (SXM, OAM); a bridge is an
  // accessory and needs interconnect: nvlink. Bridges link pairs: rings over 3+ cards
  // take PCIe hops, which bound them.
  const bool want =
      ic == workload::Interconnect::kNvlink || (ic == workload::Interconnect::kAuto && !bridge);
  t.nvlink = count > 1 && has_link && want && !(bridge && count > 2);
  if (explain && count > 1 && ic == workload::Interconnect::kNvlink && !has_link)
    explain->Warn(gpu.id + " has no NVLink: GPU-to-GPU traffic over PCIe");
  if (explain && count > 2 && bridge && ic == workload::Interconnect::kNvlink)
    explain->Warn("NVLink bridges join pairs of " + gpu.id +
                  ": rings over more cards are bounded by PCIe");

  int gen = gpu.pcie_gen.value_or(4);
  if (s.system.pcie_gen) gen = std::min(gen, *s.system.pcie_gen);
  gen = std::clamp(gen, 1, 6);
  int lanes = gpu.pcie_lanes.value_or(16);
  // Consumer boards split x16 into x8/x8 for two cards (MODELLING section 8).
  if (count >= 2 && gpu.segment == "consumer") lanes = std::min(lanes, 8);
  t.pcie_bytes_per_s = kPcieLaneGbs[gen] * lanes * kGiga * kPcieEfficiency;

  if (t.nvlink) {
    t.intra = {.busbw = link_bidir / 2 * kGiga * kNvlinkEfficiency,
               .alpha_s = kAlphaNvlinkS,
               .hop_s = kRingHopNvlinkS};
  } else if (!gpu.peer_to_peer) {
    // No P2P (GeForce): NCCL stages through host memory; each byte crosses PCIe twice.
    t.host_staged = count > 1;
    t.intra = {.busbw = t.pcie_bytes_per_s / 2,
               .alpha_s = kAlphaPcieS,
               .hop_s = kRingHopPcieS,
               .fast = false};
    if (explain && count > 1)
      explain->Warn("GeForce without P2P: all-reduce through host memory (~" +
                    Num(t.intra.busbw / kGiga) + " GB/s)");
  } else {
    t.intra = {
        .busbw = t.pcie_bytes_per_s, .alpha_s = kAlphaPcieS, .hop_s = kRingHopPcieS, .fast = false};
  }

  double gbps = s.hardware.network_gbps.value_or(0);
  if (!(gbps > 0)) gbps = DefaultNetworkGbps(gpu, has_link && !bridge);
  t.nic_bytes_per_s = gbps / 8 * kGiga * kNetworkEfficiency;
  const double dram =
      gpu.segment == "datacenter" ? kHostDramServerBytesPerS : kHostDramDesktopBytesPerS;
  t.host_bytes_per_s = dram * kHostDramEfficiency / count;
  if (explain) {
    std::string line = count > 1 ? (t.nvlink ? "NVLink" : (t.host_staged ? "host memory" : "PCIe"))
                                 : "single GPU per node";
    line += " intra-node busbw " + Num(t.intra.busbw / kGiga) + " GB/s; PCIe gen" +
            std::to_string(gen) + " x" + std::to_string(lanes) + " " +
            Num(t.pcie_bytes_per_s / kGiga) + " GB/s";
    if (s.hardware.nodes > 1)
      line += "; network " + Num(gbps) + " Gb/s per GPU" +
              (s.hardware.network_gbps ? "" : " (default for segment)") + " at " +
              Num(kNetworkEfficiency * 100) + "%";
    explain->Basis("throughput links", line);
  }
  return t;
}

namespace {

// Members of a group of `n` ranks, `stride` apart, that share a node.
int MembersPerNode(const Layout& lay, int n, int stride) {
  return std::clamp(lay.count / std::max(1, stride), 1, std::max(1, n));
}

}  // namespace

Link GroupLink(const Topology& t, const Layout& lay, int n, int stride) {
  if (n <= 1) return t.intra;
  const int local = MembersPerNode(lay, n, stride);
  if (local >= n || lay.nodes <= 1) return t.intra;
  // Rings across nodes cross each node boundary on `local` NICs in parallel (one channel
  // per NIC): busbw = min(intra, local x NIC) (NVIDIA/nccl-tests#119: 4 HDR NICs per
  // 8-GPU node give ~90 of 100 GB/s busbw).
  Link l;
  const double nic = local * t.nic_bytes_per_s;
  l.busbw = local > 1 ? std::min(t.intra.busbw, nic) : nic;
  l.alpha_s = kAlphaNetworkS;
  l.hop_s = t.intra.hop_s;
  l.nodes = (n + local - 1) / local;
  l.cross_node = true;
  l.fast = !(local > 1 && t.intra.busbw < nic && !t.intra.fast);
  return l;
}

double AllReduceTime(double bytes, int n, const Link& l) {
  if (n <= 1 || bytes <= 0 || l.busbw <= 0) return 0;
  return l.alpha_s * AllReduceSteps(n) + bytes * AllReduceFactor(n) / l.busbw;
}

double RingLatency(int n, const Link& l) {
  if (n <= 1) return 0;
  const int nodes = std::clamp(l.nodes, 1, n);
  const double hop = nodes > 1 ? std::max(l.hop_s, kRingNetPostS) : l.hop_s;
  return kRingBaseS + (n - nodes) * hop + (nodes - 1) * kRingHopNetworkS;
}

double AllGatherTime(double bytes, int n, const Link& l, double calls) {
  if (n <= 1 || bytes <= 0 || l.busbw <= 0) return 0;
  return std::max(1.0, calls) * RingLatency(n, l) + bytes * AllGatherFactor(n) / l.busbw;
}

namespace {

// Overlap efficiency of a link: NVLink / InfiniBand or PCIe (MODELLING section 8).
double OverlapEta(const Link& l, const GlobalEfficiency& glob) {
  return l.fast ? glob.overlap_eta : glob.overlap_eta_pcie;
}

// The link of a micro-batch's collective that the stack runs beside its GEMMs (TP overlap,
// the interleaved pipeline's transfers, the overlapped MoE all-to-all): what the compute
// hides, at the cost hidden communication has.
double BesideCompute(double t, const Link& l, const MicroBatchTime& mb,
                     const GlobalEfficiency& glob) {
  return Exposed(t, mb.compute_fwd + mb.compute_bwd, OverlapEta(l, glob));
}

// Consecutive pipeline stages sit tp x cp x dp ranks apart; expert-parallel ranks etp apart
// (Megatron-Core's expert order etp-ep-edp-pp).
Link PipelineLink(const Topology& t, const Layout& lay) {
  return GroupLink(t, lay, lay.pp, lay.tp * lay.cp * lay.dp);
}
Link ExpertLink(const Topology& t, const Layout& lay) { return GroupLink(t, lay, lay.ep, lay.etp); }

// Parameters and gradients held per GPU after TP x PP (experts split by EP x ETP instead).
struct LocalCounts {
  double params = 0;
  double grads = 0;
};

LocalCounts LocalParamCounts(const workload::Scenario& s, const Layout& lay, const Regime& g,
                             const ModelFigures& f) {
  const double mp = static_cast<double>(lay.tp) * lay.pp;
  const double expert_mp = static_cast<double>(lay.ep) * lay.etp * lay.pp;
  auto local = [&](double n, double experts) {
    return std::max(0.0, (n - experts) / mp + experts / expert_mp);
  };
  const double total = f.counts.total > 0 ? f.counts.total : s.model.params;
  LocalCounts n;
  n.params = local(total, std::min(total, f.n_expert));
  n.grads =
      g.adapters ? f.n_trainable / mp : local(f.n_trainable, std::min(f.n_trainable, f.n_expert));
  return n;
}

// Exposed time of a once-per-step gradient collective of `t` seconds issued bucket by
// bucket during the last micro-batch's backward: its last bucket (`t_bucket`) cannot overlap.
double LastBackwardExposed(double t, double t_bucket, const MicroBatchTime& mb, double e) {
  return std::min(t, std::min(t, t_bucket) + Exposed(t, mb.Backward(), e));
}

// DDP: one gradient all-reduce per step (no_sync while accumulating), buckets overlap the
// last micro-batch's backward (MODELLING section 8 "Per-step volumes").
void DdpGradientAllReduce(double grad_bytes, const Layout& lay, const Link& ld,
                          const MicroBatchTime& mb, double e, CommTime* c) {
  const double t_ar = AllReduceTime(grad_bytes, lay.shard, ld);
  c->per_step += LastBackwardExposed(t_ar, AllReduceTime(kDdpBucketBytes, lay.shard, ld), mb, e);
  c->dp_total += t_ar;
}

// The collectives a ZeRO-1 / ZeRO-2 step issues each way, one per bucket of the stack's
// dp_bucket_params (0: Megatron-Core's max(40M, 1M x data-parallel size)); each pays the
// ring latency. A bucket holds whole parameter tensors, so a bucket size below a tensor's
// (NeMo's MLPerf configs: 64-200) gives one collective per tensor: a decoder layer's six
// under fused projections (Megatron-Core linear_qkv, linear_proj, linear_fc1, linear_fc2
// and two norm weights), nine in Hugging Face's layout.
double DpBuckets(const workload::Scenario& s, const Layout& lay, double params) {
  double bucket = s.training.stack.dp_bucket_params;
  if (!(bucket > 0)) bucket = std::max(4e7, 1e6 * lay.shard);
  const double tensors =
      std::max(1.0, lay.layers_stage * (s.training.stack.fused_projections ? 6.0 : 9.0));
  return std::clamp(std::ceil(params / bucket), 1.0, tensors);
}

// A distributed optimizer that keeps the whole 16-bit model on every rank, so no forward
// waits on a gather: ZeRO-1 (Megatron's distributed optimizer, DeepSpeed stage 1) and
// DeepSpeed's ZeRO-2 (stack trait zero2_replicated_params). The gradients are
// reduce-scattered into their partitions, ZeRO-1 once per step, bucket by bucket during the
// last micro-batch's backward, ZeRO-2 in every micro-batch's backward; each rank's updated
// partition is all-gathered after its optimizer step. Stacks with overlap_param_gather
// (Megatron-Core --overlap-param-gather) issue those gathers ahead of the next step's first
// forward, which hides them; elsewhere (DeepSpeed's stage 1-2 optimizer all_gather_dp_groups,
// torch ZeroRedundancyOptimizer) the gather ends the step. A ring reduce-scatter and an
// all-gather each move half an all-reduce; both cover the trained parameters only (the
// optimizer partitions what it updates). With fp8 primary weights (Training::Fp8Params) the
// gather moves 1 B per parameter.
void DistributedOptimizerTime(const workload::Scenario& s, const Layout& lay, double params,
                              double w, double grad_w, const Link& ld, const MicroBatchTime& mb,
                              double e, CommTime* c) {
  const double buckets = DpBuckets(s, lay, params);
  c->dp_calls = buckets;
  c->dp_latency_s = RingLatency(lay.shard, ld);
  const double t_rs = AllGatherTime(params * grad_w, lay.shard, ld, buckets);
  const double t_ag =
      AllGatherTime(params * (s.training.Fp8Params() ? 1.0 : w), lay.shard, ld, buckets);
  if (lay.zero == 1) {
    c->per_step += LastBackwardExposed(t_rs, t_rs / buckets, mb, e);
    c->dp_total += t_rs;
  } else {
    c->per_micro_batch += Exposed(t_rs, mb.Backward(), e);
    c->dp_total += lay.micro_batches * t_rs;
  }
  c->per_step += s.training.stack.overlap_param_gather ? Exposed(t_ag, mb.Forward(), e) : t_ag;
  c->dp_total += t_ag;
}

// How often a sharded data-parallel step gathers the parameters and reduce-scatters the
// gradients (ZeroGatherScatterTime, FsdpCopyTime).
struct ShardedPasses {
  bool keep = false;                 // parameters stay gathered across the step's micro-batches
  bool unsynced = false;             // gradients accumulate unsharded, reduce-scattered once
  double bwd_gathers = 0;            // gathers per micro-batch's backward (ZeRO-3, not kept)
  double gathers = 0, scatters = 0;  // per step
};

ShardedPasses ShardedDataParallelPasses(const workload::Scenario& s, const Layout& lay,
                                        const Regime& g) {
  ShardedPasses p;
  p.keep = (s.training.stack.zero3_keep_unsharded && lay.zero >= 3) || s.FsdpPipelineUnsharded();
  // Gradients accumulated unsharded (no_sync, a pipeline schedule) are reduce-scattered
  // once, in the last micro-batch's backward.
  p.unsynced = s.FsdpGradientsUnsynced();
  const double mbs = static_cast<double>(std::max(1LL, lay.micro_batches));
  // ZeRO-3 gathers the parameters again for the backward, unless it keeps them. A recomputed
  // forward under DeepSpeed ZeRO-3 (stacks with zero3_module_gather) gathers them once more: each
  // submodule's pre-forward hook fetches what is not available and its post-forward hook partitions
  // it again, in the recompute as in the forward, so the backward fetches a third time
  // (transformers issue 47254, traced on DeepSpeed 0.19.2; parameter_offload.py /
  // partition_parameters.py). FSDP gathers a wrapped layer in its pre-backward hook and recomputes
  // it inside that backward.
  if (!p.keep && lay.zero >= 3)
    p.bwd_gathers = 1 + (s.training.stack.zero3_module_gather ? g.recompute_share : 0);
  p.gathers = p.keep ? 1 : mbs * (1 + p.bwd_gathers);
  p.scatters = p.unsynced ? 1 : mbs;
  return p;
}

// Bytes per element of the compute dtype: 16-bit, fp32 in fp32 training. The parameters a
// sharded step gathers and the activations tensor, pipeline and context parallelism move.
double ComputeDtypeBytes(const workload::Scenario& s) {
  return s.training.precision == workload::Precision::kFp32 ? 4.0 : 2.0;
}

// Bytes per parameter a sharded step's all-gathers move (callers are on the gather path,
// GathersParameters): the gather dtype, the layers' linear weights at 1 B where the stack
// gathers them cast to fp8 (fp8_all_gather), at their packed 4-bit (or 8-bit) size with
// block constants under QLoRA (bitsandbytes Params4bit with quant_storage in the 16-bit
// dtype is sharded and gathered as stored); the embedding, head and norms stay 16-bit.
double GatheredParamBytes(const workload::Scenario& s, const Layout& lay, const ModelFigures& f) {
  const double w = ComputeDtypeBytes(s);
  double linear_bytes = w;
  if (Fp8AllGather(s, lay))
    linear_bytes = 1;
  else if (workload::QuantizedBase(s.training.method))
    linear_bytes = mem::QuantBytesPerParam(s.training.quantization, s.model.hidden).total;
  const auto& c = f.counts;
  const double total = c.total > 0 ? c.total : s.model.params;
  if (linear_bytes >= w || !(total > 0)) return w;
  const double linear = std::clamp(1 - (c.embedding + c.position + c.lm_head) / total, 0.0, 1.0);
  return w - (w - linear_bytes) * linear;
}

// Gradient-reduce dtype in bytes: Megatron's gradient buffer, fp32 where the stack's FSDP
// reduces in fp32 (stack trait fsdp_reduce_fp32), else the gather dtype.
double ReduceBytes(const workload::Scenario& s, const Layout& lay) {
  if (s.MegatronRuntime()) return s.MegatronGradBytes();
  return s.training.stack.fsdp_reduce_fp32 && GathersParameters(s, lay) ? 4.0
                                                                        : ComputeDtypeBytes(s);
}

// ZeRO-2 (FSDP SHARD_GRAD_OP) / ZeRO-3 (FULL_SHARD): parameters all-gathered for every
// micro-batch's forward (ZeRO-3 again for backward), gradients reduce-scattered every
// micro-batch; 1.5x DDP for ZeRO-3 (Rajbhandari et al. 2020 section 7.2). Prefetch hides
// them behind compute except the first unit. Stacks that keep parameters unsharded across
// micro-batches gather once per step. Each wrapped decoder layer is a collective of its
// own, paying the ring latency.
void ZeroGatherScatterTime(const workload::Scenario& s, const Layout& lay, const Regime& g,
                           double param_bytes, double grad_bytes, const Link& ld,
                           const MicroBatchTime& mb, double e, CommTime* c) {
  const double units = std::max(1.0, static_cast<double>(lay.layers_stage));
  c->dp_calls = units;
  c->dp_per_unit = true;
  c->dp_latency_s = RingLatency(lay.shard, ld);
  const double t_ag = AllGatherTime(param_bytes, lay.shard, ld, units);
  const double t_rs = AllGatherTime(grad_bytes, lay.shard, ld, units);
  const ShardedPasses passes = ShardedDataParallelPasses(s, lay, g);
  const bool keep = passes.keep, unsynced = passes.unsynced;
  const double mbs = static_cast<double>(std::max(1LL, lay.micro_batches));
  const double t_fwd_ag = keep ? t_ag / mbs : t_ag;
  const double t_bwd_comm = (unsynced ? 0 : t_rs) + passes.bwd_gathers * t_ag;
  const double first = t_fwd_ag / units;
  c->per_micro_batch +=
      first + Exposed(t_fwd_ag, mb.Forward(), e) + Exposed(t_bwd_comm, mb.Backward(), e);
  if (unsynced) c->per_step += Exposed(t_rs, mb.Backward(), e);
  c->dp_total += lay.micro_batches * (t_fwd_ag + t_bwd_comm) + (unsynced ? t_rs : 0);
}

// HSDP: all-reduce of the 1/g gradient shard across replica groups, once per step.
void HsdpReplicaAllReduce(double grad_bytes, const Layout& lay, const Topology& topo,
                          const MicroBatchTime& mb, const GlobalEfficiency& glob, CommTime* c) {
  const int groups = lay.dp_cp / lay.shard;
  const Link lr = GroupLink(topo, lay, groups, lay.tp * lay.shard);
  const double t_ar = AllReduceTime(grad_bytes / lay.shard, groups, lr);
  c->per_step += Exposed(t_ar, mb.Backward(), OverlapEta(lr, glob));
  c->dp_total += t_ar;
}

// Data parallel / ZeRO (MODELLING section 8 "Per-step volumes") over the `n` parameters and
// gradients this GPU holds.
void DataParallelTime(const workload::Scenario& s, const Layout& lay, const Regime& g,
                      const ModelFigures& f, const LocalCounts& n, const Topology& topo,
                      const MicroBatchTime& mb, const GlobalEfficiency& glob, CommTime* c) {
  if (lay.dp_cp <= 1) return;
  const Link ld = GroupLink(topo, lay, lay.shard, lay.tp);
  const double e = OverlapEta(ld, glob);
  const double w = ComputeDtypeBytes(s), grad_w = ReduceBytes(s, lay);
  if (GathersParameters(s, lay))
    ZeroGatherScatterTime(s, lay, g, n.params * GatheredParamBytes(s, lay, f), n.grads * grad_w, ld,
                          mb, e, c);
  else if (lay.zero == 0)
    DdpGradientAllReduce(n.grads * grad_w, lay, ld, mb, e, c);
  else
    DistributedOptimizerTime(s, lay, n.grads, w, grad_w, ld, mb, e, c);
  if (lay.shard < lay.dp_cp) HsdpReplicaAllReduce(n.grads * grad_w, lay, topo, mb, glob, c);
}

// Tensor-parallel all-reduces of one layer, forward and backward (with the recomputed
// forward's).
struct TpCollectives {
  double fwd = 0, bwd = 0;
  double Total() const { return fwd + bwd; }
};

// Tensor parallel (Shoeybi et al. 2019 section 3): 2 all-reduces per layer forward,
// 2 backward, +2 in a recomputed forward, where gradients flow.
TpCollectives TpCollectivesPerLayer(const Regime& g) {
  const double bp_share = static_cast<double>(g.backprop_layers) / std::max(1, g.layers);
  return {.fwd = 2, .bwd = bp_share * (2 + 2 * g.recompute_share)};
}

// Those all-reduces of b*s*h activations; with sequence parallelism all-gather +
// reduce-scatter of the same total. Returns the collective time per micro-batch, before
// overlap.
double TpAllReduceTime(const Layout& lay, const Regime& g, double act_w, double h, const Link& lt) {
  const double bytes = act_w * lay.tokens_mb * h;
  return lay.layers_stage * TpCollectivesPerLayer(g).Total() * AllReduceTime(bytes, lay.tp, lt);
}

// Pipeline p2p: b*s*h per boundary per micro-batch, forward and backward, v x with
// interleaving; Megatron's scatter-gather sends 1/t of it per TP rank and pairs each send
// with the opposite receive (two transfer times). DeepSpeed's pipeline engine
// (pp_p2p_blocking) sends the whole output from every TP rank, unless sequence parallelism
// has sharded it already, and waits on each of the four transfers in turn.
double PipelineP2pTime(const workload::Scenario& s, const Layout& lay, double act_w, double h,
                       const Topology& topo) {
  const Link lp = PipelineLink(topo, lay);
  const bool blocking = s.training.stack.pp_p2p_blocking;
  const double split = blocking && !lay.sequence_parallel ? 1.0 : lay.tp;
  const double bytes = act_w * lay.tokens_mb * h / split;
  return (blocking ? 4.0 : 2.0) * lay.vpp * (lp.alpha_s + bytes / std::max(1.0, lp.busbw));
}

// The interleaved schedule of a stack with pp_p2p_overlap hides its transfers behind the
// other chunks' compute.
bool PipelineP2pHidden(const workload::Scenario& s, const Layout& lay) {
  return s.training.stack.pp_p2p_overlap && lay.vpp > 1;
}

// Context parallel. Ring attention (p2p): K, V blocks per hop, c-1 hops per layer forward,
// ~2x backward, hidden behind the attention compute when s/c is large. All-to-all (a2a,
// Megatron-Core --cp-comm-type a2a; Transformer Engine AttnFuncWithCPAndQKVOA2A): Q, K and V
// gathered to the whole sequence over heads / c before the attention and its output
// scattered back after it, the gradients the same way in backward; the attention waits on
// them, so none is hidden. Under fp8 attention they travel in fp8.
double ContextParallelTime(const workload::Scenario& s, const Layout& lay, const Regime& g,
                           double act_w, const Topology& topo, const MicroBatchTime& mb,
                           const GlobalEfficiency& glob) {
  const catalog::ModelArch& m = s.model;
  const Link lc = GroupLink(topo, lay, lay.cp, lay.tp);
  const double passes = 1 + g.recompute_share + 1;  // forward (+ recompute), backward
  if (s.parallelism.cp_comm == workload::CpComm::kA2a) {
    const double w = s.Fp8Attention() ? 1.0 : act_w;
    const double widths =
        (m.heads * m.QkHeadDim() + 2.0 * m.KvHeads() * m.HeadDim() + m.heads * m.VHeadDim()) /
        static_cast<double>(lay.tp);
    const double sent = w * lay.tokens_mb * widths * (lay.cp - 1) / lay.cp;
    // Two all-to-alls a pass (Q, K, V together; the output), the peers served at once: one
    // latency each, as the expert all-to-all.
    const double per_layer = 2 * lc.alpha_s + sent / std::max(1.0, lc.busbw);
    return lay.layers_stage * per_layer * passes;
  }
  const double hop =
      2.0 * act_w * lay.tokens_mb * (m.KvHeads() / static_cast<double>(lay.tp)) * m.HeadDim();
  const double per_layer = (lay.cp - 1) * (lc.alpha_s + hop / std::max(1.0, lc.busbw));
  const double t_cp = lay.layers_stage * per_layer * (1 + 2 + g.recompute_share);
  return Exposed(t_cp, mb.attention, OverlapEta(lc, glob));
}

// Expert parallel: all-to-all dispatch + combine per MoE layer, forward and backward (and
// again in a recomputed forward). Each rank routes its sequence-parallel share of the
// micro-batch's tokens, k copies of each; the copies bound for experts on other GPUs of
// the same node cross NVLink, those for other nodes the GPU's own NIC (an all-to-all
// cannot aggregate NICs: NVIDIA/nccl-tests#267), both at once. A node-deduplicating
// dispatcher (stack trait moe_node_dedup: DeepEP, HybridEP) sends a token once per remote
// node that holds any of its experts and forwards it over NVLink there. The ep - 1
// exchanges of one all-to-all run concurrently (a group of sends and receives): one
// latency. With etp > 1 the received tokens are all-gathered over the etp ranks that split
// an expert (reduce-scattered after), inside the node.
double ExpertAllToAllTime(const workload::Scenario& s, const Layout& lay, const Regime& g,
                          double act_w, const Topology& topo) {
  const auto& m = s.model;
  const double k = std::max(1, m.experts_active);
  const double tokens = lay.tokens_mb / lay.tp;  // the rank's share (sequence parallel)
  const double routed = act_w * tokens * k * m.hidden;
  const Link le = ExpertLink(topo, lay);
  const int local = le.cross_node ? MembersPerNode(lay, lay.ep, lay.etp) : lay.ep;
  const double intra = routed * (local - 1) / lay.ep;
  double remote = routed * (lay.ep - local) / lay.ep;
  if (remote > 0 && s.training.stack.moe_node_dedup) {
    // Expected remote nodes a token's k experts fall on (experts spread evenly, k drawn
    // without replacement): (nodes - 1) x (1 - C(E - E/nodes, k) / C(E, k)).
    const double nodes = std::ceil(static_cast<double>(lay.ep) / local);
    const double e = std::max(1, m.experts), e_node = e / nodes;
    double miss = 1;
    for (int i = 0; i < static_cast<int>(k); ++i) miss *= std::max(0.0, (e - e_node - i) / (e - i));
    remote = act_w * tokens * m.hidden * (nodes - 1) * (1 - miss);
  }
  const double nic = std::max(1.0, std::min(le.busbw, topo.nic_bytes_per_s));
  const double t_a2a =
      lay.ep > 1 ? le.alpha_s + std::max(intra / std::max(1.0, topo.intra.busbw), remote / nic) : 0;
  const double t_gather =
      lay.etp > 1 ? AllGatherTime(routed * lay.etp, lay.etp, GroupLink(topo, lay, lay.etp, 1)) : 0;
  const double moe_layers = lay.layers_stage * m.MoeLayers() / std::max(1, m.layers);
  // Megatron's moe recompute module reruns the MoE layer's forward, its exchanges too.
  const double rerun = g.recompute_share + (g.Recomputes(workload::RecomputeModule::kMoe) ? 1 : 0);
  const double n = 4 + 2 * rerun;
  return moe_layers * n * (t_a2a + t_gather);
}

void ExplainCommunication(const workload::Scenario& s, const Layout& lay, const CommTime& c,
                          bool tp_overlapped, const GlobalEfficiency& glob, Explanation* explain) {
  std::string line = "dp " + std::to_string(lay.dp) +
                     (lay.cp > 1 ? " x cp " + std::to_string(lay.cp) : std::string()) + " zero " +
                     std::to_string(lay.zero) + ": collectives " + Num(c.dp_total * 1e3) +
                     " ms/step";
  if (c.dp_calls > 0)
    line += " (" + Num(c.dp_calls) + (c.dp_per_unit ? " units" : " buckets") +
            " each way, ring latency " + Num(c.dp_latency_s * 1e6) + " us each)";
  if (lay.tp > 1)
    line += "; tp " + Num(c.tp_total * 1e3) + " ms/micro-batch (" +
            (tp_overlapped ? "overlapped with GEMMs: sequence parallel + the stack's TP "
                             "overlap on NVLink multicast"
                           : "exposed") +
            ")";
  if (c.ep_total > 0) {
    const auto& st = s.training.stack;
    line +=
        "; ep " + std::to_string(lay.ep) + " x etp " + std::to_string(lay.etp) + " all-to-all " +
        Num(c.ep_total * 1e3) + " ms/micro-batch (" +
        (st.moe_node_dedup ? "one copy per remote node" : "one copy per routed expert") +
        (st.moe_a2a_overlap ? ", overlapped with another micro-batch's compute)" : ", exposed)");
  }
  line += "; exposed " + Num(c.per_micro_batch * 1e3) + " ms/micro-batch + " +
          Num(c.per_step * 1e3) + " ms/step (overlap " + Num(glob.overlap_eta) + " NVLink/IB, " +
          Num(glob.overlap_eta_pcie) + " PCIe; hidden communication slows compute by " +
          Num(kOverlapComputeSlowdown * 100) + "% of its time)";
  explain->Basis("throughput communication", line);
}

}  // namespace

bool GathersParameters(const workload::Scenario& s, const Layout& lay) {
  return lay.dp_cp > 1 &&
         (lay.zero >= 3 || (lay.zero == 2 && !s.training.stack.zero2_replicated_params));
}

bool Fp8AllGather(const workload::Scenario& s, const Layout& lay) {
  return s.training.precision == workload::Precision::kFp8Mixed &&
         s.training.stack.fp8_all_gather && GathersParameters(s, lay);
}

double FsdpCopyTime(const workload::Scenario& s, const Layout& lay, const Regime& g,
                    const ModelFigures& f, const Rates& r) {
  if (!s.training.stack.fsdp_per_param || !GathersParameters(s, lay) || lay.shard <= 1 ||
      r.stream_bandwidth <= 0)
    return 0;
  const LocalCounts n = LocalParamCounts(s, lay, g, f);
  const ShardedPasses p = ShardedDataParallelPasses(s, lay, g);
  // Copy-out: the gathered output read, the unsharded parameters written. Copy-in: the
  // 16-bit gradients read, the reduce-scatter input written in the reduce dtype.
  const double bytes = p.gathers * 2 * GatheredParamBytes(s, lay, f) * n.params +
                       p.scatters * (ComputeDtypeBytes(s) + ReduceBytes(s, lay)) * n.grads;
  return bytes / r.stream_bandwidth;
}

double AddSpCollectiveCopies(const workload::Scenario& s, const Layout& lay, const Regime& g,
                             const Topology& topo, const Rates& r, MicroBatchTime* t) {
  if (!s.training.stack.sp_dtensor || lay.tp <= 1 || !lay.sequence_parallel ||
      !s.model.has_shape() || r.stream_bandwidth <= 0 || TpOverlapped(s, lay, topo))
    return 0;
  // The layer's all-reduces, each an all-gather and a reduce-scatter under sequence
  // parallelism; each of those reads and writes the whole b*s*h tensor once more.
  const double copy =
      2 * 2 * ComputeDtypeBytes(s) * lay.tokens_mb * s.model.hidden / r.stream_bandwidth;
  const TpCollectives n = TpCollectivesPerLayer(g);
  const double fwd = lay.layers_stage * n.fwd * copy;
  const double bwd = lay.layers_stage * n.bwd * copy;
  t->memory_fwd += fwd;
  t->memory_bwd += bwd;
  return fwd + bwd;
}

double UnhiddenCommPerMicroBatch(const workload::Scenario& s, const Layout& lay, const Regime& g,
                                 const Topology& topo) {
  const auto& m = s.model;
  if (!m.has_shape()) return 0;
  const double act_w = ComputeDtypeBytes(s);
  double t = 0;
  if (lay.tp > 1 && !TpOverlapped(s, lay, topo))
    t += TpAllReduceTime(lay, g, act_w, m.hidden, GroupLink(topo, lay, lay.tp, 1));
  if (lay.pp > 1 && !PipelineP2pHidden(s, lay)) t += PipelineP2pTime(s, lay, act_w, m.hidden, topo);
  return t;
}

CommTime Communication(const workload::Scenario& s, const Layout& lay, const Regime& g,
                       const ModelFigures& f, const Topology& topo, const MicroBatchTime& mb,
                       const GlobalEfficiency& glob, Explanation* explain) {
  CommTime c;
  const auto& m = s.model;
  DataParallelTime(s, lay, g, f, LocalParamCounts(s, lay, g, f), topo, mb, glob, &c);

  const double act_w = ComputeDtypeBytes(s);  // activations cross the wire in 16-bit
  // TP collectives sit on the critical path unless TpOverlapped:
  // exposed = max(0, t_tp - overlap_eta * t_gemm).
  const bool tp_overlapped = TpOverlapped(s, lay, topo);
  if (lay.tp > 1 && m.has_shape()) {
    const Link lt = GroupLink(topo, lay, lay.tp, 1);
    c.tp_total = TpAllReduceTime(lay, g, act_w, m.hidden, lt);
    c.per_micro_batch += tp_overlapped ? BesideCompute(c.tp_total, lt, mb, glob) : c.tp_total;
  }
  if (lay.pp > 1 && m.has_shape()) {
    const double t_pp = PipelineP2pTime(s, lay, act_w, m.hidden, topo);
    c.per_micro_batch +=
        PipelineP2pHidden(s, lay) ? BesideCompute(t_pp, PipelineLink(topo, lay), mb, glob) : t_pp;
  }
  if (lay.cp > 1 && m.has_shape())
    c.per_micro_batch += ContextParallelTime(s, lay, g, act_w, topo, mb, glob);
  if ((lay.ep > 1 || lay.etp > 1) && m.IsMoe()) {
    // Stacks that overlap the dispatch and combine of one micro-batch with another's
    // compute (moe_a2a_overlap: Megatron-Core --overlap-moe-expert-parallel-comm, DeepSeek's
    // DualPipe) hide them behind it, at the cost any hidden collective has.
    c.ep_total = ExpertAllToAllTime(s, lay, g, act_w, topo);
    c.per_micro_batch += s.training.stack.moe_a2a_overlap
                             ? BesideCompute(c.ep_total, ExpertLink(topo, lay), mb, glob)
                             : c.ep_total;
  }
  if (explain) ExplainCommunication(s, lay, c, tp_overlapped, glob, explain);
  return c;
}

double OffloadTime(const workload::Scenario& s, const Layout& lay, const Regime& g,
                   const ModelFigures& f, const Topology& topo, const MicroBatchTime& mb,
                   const GlobalEfficiency& glob, Explanation* explain) {
  using workload::Offload;
  const auto off = s.parallelism.offload;
  const bool act_off = s.training.activation_offload;
  const bool state_swap = s.training.optimizer_state_offload;
  if (off == Offload::kNone && !act_off && !state_swap) return 0;
  const double pcie = std::max(1.0, topo.pcie_bytes_per_s);
  const double mp = static_cast<double>(lay.tp) * lay.pp;
  const double shard = lay.zero >= 1 ? lay.shard : 1;
  const double trainable = f.n_trainable / mp / shard;
  const double eta = glob.overlap_eta_pcie;
  double t = 0;
  if (off != Offload::kNone) {
    // ZeRO-Offload (Ren et al. 2021): 16-bit gradients down, optimizer step on the CPU
    // (host DRAM bandwidth), 16-bit parameters back up.
    const double cpu_step =
        trainable * OptimizerBytesPerParam(s) / std::max(1.0, topo.host_bytes_per_s);
    const double down = trainable * 2 / pcie;
    const double up = trainable * 2 / pcie;
    t += cpu_step + up + std::max(0.0, down - eta * mb.Backward());
  }
  if (off == Offload::kOptimizerParams) {
    // Parameters streamed from host for every use: forward, backward (+ recompute).
    const double total = f.counts.total > 0 ? f.counts.total : s.model.params;
    const double uses = 2.0 + g.recompute_share;
    const double stream = total / mp * 2 * uses / pcie;
    t += lay.micro_batches * std::max(0.0, stream - eta * mb.Total());
  }
  if (state_swap) {
    // Megatron-Core's optimizer-state offload: the fp32 master weights and the moments go
    // to host memory after the step and come back before the next, on side streams beside
    // the step's forward and backward (OptimizerStateOffloader's overlapped D2H / H2D).
    const double bytes = trainable * mem::OptimizerStateBytesPerParam(s);
    t += std::max(0.0, 2 * bytes / pcie - eta * lay.micro_batches * mb.Total());
  }
  if (act_off && s.model.has_shape()) {
    // Checkpointed layer inputs out to host and back, per micro-batch.
    const double bytes = 2.0 * lay.layers_stage * lay.tokens_mb * s.model.hidden * 2;
    t += lay.micro_batches * std::max(0.0, bytes / pcie - eta * mb.Total());
  }
  if (explain)
    explain->Basis("throughput offload",
                   "host<->GPU over PCIe " + Num(pcie / kGiga) + " GB/s, CPU optimizer at " +
                       Num(topo.host_bytes_per_s / kGiga) + " GB/s host DRAM per GPU: exposed " +
                       Num(t) + " s/step");
  return t;
}

}  // namespace gpuadv::estimate::detail
