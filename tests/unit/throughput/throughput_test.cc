// Throughput estimator (C4): rules of MODELLING.md sections 6-8, hand-computed.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <string>

#include "gpuadv/catalog/module_names.h"
#include "gpuadv/catalog/param_count.h"
#include "gpuadv/estimate/estimate.h"
#include "gpuadv/estimate/memory_terms.h"
#include "gpuadv/estimate/throughput_internal.h"
#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/io/efficiency_loader.h"
#include "gpuadv/workload/stack.h"

namespace gpuadv::estimate {
namespace {

// Llama-3.1-8B (MODELLING section 1 check: 8.03e9 parameters, untied).
catalog::ModelArch Llama8B() {
  catalog::ModelArch m;
  m.id = "llama-3.1-8b";
  m.layers = 32;
  m.hidden = 4096;
  m.heads = 32;
  m.kv_heads = 8;
  m.ffn = 14336;
  m.vocab = 128256;
  m.max_seq_len = 131072;
  m.params = 8.03e9;
  return m;
}

catalog::GpuSpec A100() {
  catalog::GpuSpec g;
  g.id = "a100-80gb-sxm";
  g.vendor = "nvidia";
  g.segment = "datacenter";
  g.architecture = "Ampere";
  g.launch_year = 2020;
  g.memory_gb = 80;
  g.memory_bw_gbs = 2039;
  g.fp32_tflops_nontensor = 19.5;
  g.bf16_tensor_dense_tflops = 312;
  g.fp16_tensor_fp32acc_dense_tflops = 312;
  g.pcie_gen = 4;
  g.pcie_lanes = 16;
  g.gpu_interconnect = "NVLink 3.0 (12 links) via NVSwitch";
  g.interconnect_bw_gbs_bidir = 600;
  return g;
}

catalog::GpuSpec H100() {
  catalog::GpuSpec g = A100();
  g.id = "h100-sxm";
  g.architecture = "Hopper";
  g.launch_year = 2022;
  g.memory_bw_gbs = 3350;
  g.fp32_tflops_nontensor = 66.9;
  g.bf16_tensor_dense_tflops = 989.4;
  g.fp16_tensor_fp32acc_dense_tflops = 989.4;
  g.fp8_tensor_fp32acc_dense_tflops = 1978.9;
  g.pcie_gen = 5;
  g.gpu_interconnect = "NVLink 4.0 (18 links)";
  g.interconnect_bw_gbs_bidir = 900;
  return g;
}

catalog::GpuSpec Rtx4090() {
  catalog::GpuSpec g;
  g.id = "rtx-4090";
  g.vendor = "nvidia";
  g.segment = "consumer";
  g.architecture = "Ada Lovelace";
  g.memory_gb = 24;
  g.memory_bw_gbs = 1008;
  g.fp32_tflops_nontensor = 82.6;
  g.bf16_tensor_dense_tflops = 165.2;
  g.fp16_tensor_fp32acc_dense_tflops = 165.2;
  g.pcie_gen = 4;
  g.pcie_lanes = 16;
  g.gpu_interconnect = "none";
  g.peer_to_peer = false;
  return g;
}

workload::Scenario Base(catalog::GpuSpec gpu = A100(), int count = 1, int nodes = 1) {
  workload::Scenario s;
  s.model_ref = "llama-3.1-8b";
  s.model = Llama8B();
  s.training.method = workload::Method::kPretrain;
  s.training.seq_len = 2048;
  s.training.micro_batch = 2;
  s.hardware.gpu_id = gpu.id;
  s.hardware.gpu = std::move(gpu);
  s.hardware.count = count;
  s.hardware.nodes = nodes;
  return s;
}

Context Ctx() { return Context{&io::BuiltinEfficiency(), nullptr}; }

ThroughputResult Estimate1(const workload::Scenario& s) { return EstimateThroughput(s, Ctx()); }

// The built-in factors without the fixed GPU time per memory-bound kernel: for tests that
// isolate the bytes a term moves between stacks or dtypes that launch different kernels.
const EfficiencyTable& BytesOnly() {
  static const EfficiencyTable t = [] {
    EfficiencyTable e = io::BuiltinEfficiency();
    e.global.memory_kernel_fixed_s = 0;
    return e;
  }();
  return t;
}
ThroughputResult EstimateBytes(const workload::Scenario& s) {
  return EstimateThroughput(s, Context{&BytesOnly(), nullptr});
}

double Sum(const TimeBreakdown& b) {
  return b.compute + b.memory + b.communication + b.bubble + b.offload;
}

// 6N + 12LHQT, N = non-embedding params incl. the (untied) lm_head, by hand from
// MODELLING section 1: layer = attn 4096*(4096 + 2*1024 + 4096) + mlp 3*4096*14336 + norms.
double Llama8BPalmFlops(double seq) {
  const double attn = 4096.0 * (4096 + 2 * 1024) + 4096.0 * 4096;
  const double mlp = 3.0 * 4096 * 14336;
  const double layer = attn + mlp + 2 * 4096;
  const double n = 32 * layer + 4096 /*final norm*/ + 128256.0 * 4096 /*lm_head*/;
  return 6 * n + 12.0 * 32 * 32 * 128 * seq;
}

TEST(ThroughputFlops, ModelFlopsArePalm6NPlus12LHQT) {
  auto s = Base();
  auto r = Estimate1(s);
  // 6 * 7.50e9 + 3.22e9 = 48.25 GFLOP/token.
  EXPECT_NEAR(r.model_flops_per_token / Llama8BPalmFlops(2048), 1.0, 0.005);
  EXPECT_NEAR(r.model_flops_per_token, 48.25e9, 0.1e9);
  EXPECT_DOUBLE_EQ(r.hardware_flops_per_token, r.model_flops_per_token);  // no recompute
}

TEST(ThroughputFlops, TiedLmHeadMatmulStillCounts) {
  auto s = Base();
  auto tied = s;
  tied.model.tied_embeddings = true;
  // Tying removes the input table from the parameters, not the lm_head matmul.
  EXPECT_NEAR(Estimate1(tied).model_flops_per_token / Estimate1(s).model_flops_per_token, 1.0,
              1e-3);
}

TEST(ThroughputFlops, LoraIsAbout4NPlusAttention) {
  auto s = Base();
  s.training.method = workload::Method::kLora;
  s.training.lora.rank = 16;
  auto r = Estimate1(s);
  const double attention = 12.0 * 32 * 32 * 128 * 2048;
  const double n = (Llama8BPalmFlops(2048) - attention) / 6;
  // 4N + 6 N_lora + attention; adapters r16 on q,k,v,o: 32 * 16 * (4*4096 + 4096+1024*2 + 4096)...
  const double lora = 32.0 * 16 * ((4096 + 4096) * 2 + (4096 + 1024) * 2);
  EXPECT_NEAR(r.model_flops_per_token, 4 * n + 6 * lora + attention, 0.01 * n);
  EXPECT_NEAR((r.model_flops_per_token - attention) / n, 4.0, 0.05);
}

// PEFT keeps the adapters in fp32: over a bf16 model without autocast each adapter casts its
// input to fp32 and scales and adds in fp32 before the sum is cast back; under autocast it
// makes a 16-bit copy of its input; fp32 training and fused-kernel stacks share the input.
// The element-wise time grows by those bytes, forward and once more in backward.
TEST(ThroughputMemory, Fp32AdaptersOverA16BitModelMoveTheirCasts) {
  auto lora = [](workload::Precision p, workload::KernelStyle k) {
    auto s = Base();
    s.training.method = workload::Method::kLora;
    s.training.lora.rank = 16;
    s.training.precision = p;
    s.training.stack.kernels = k;
    return s;
  };
  using workload::KernelStyle;
  using workload::Precision;
  const auto pure = lora(Precision::kBf16, KernelStyle::kEager);
  const auto amp = lora(Precision::kBf16Mixed, KernelStyle::kEager);
  const auto fused = lora(Precision::kBf16, KernelStyle::kFused);
  EXPECT_EQ(mem::AdapterDtypesOf(pure).input_bytes, 4);
  EXPECT_EQ(mem::AdapterDtypesOf(pure).out_bytes, 4);
  EXPECT_EQ(mem::AdapterDtypesOf(amp).input_bytes, 2);
  EXPECT_EQ(mem::AdapterDtypesOf(amp).out_bytes, 2);
  EXPECT_EQ(mem::AdapterDtypesOf(fused).input_bytes, 0);
  EXPECT_EQ(mem::AdapterDtypesOf(lora(Precision::kFp32, KernelStyle::kEager)).input_bytes, 0);

  // By hand, r16 on q, k, v, o of Llama-3.1-8B (d_in 4096; n_out 4096, 1024, 1024, 4096):
  // input copy 2 + 4 + 2 B per d_in element, fp32 output path 16 B per n_out element.
  const double tokens = 2 * 2048, layers = 32;
  const double per_token = 4 * 8.0 * 4096 + 16.0 * (4096 + 1024 + 1024 + 4096);
  const double bw = detail::ResolveRates(pure, Ctx().efficiency->For("Ampere"), nullptr).bandwidth;
  ASSERT_GT(bw, 0);
  // The same job on a fused-kernel stack (its adapters share the 16-bit input).
  auto shared = [](workload::Scenario s) {
    s.training.stack.kernels = KernelStyle::kFused;
    return s;
  };
  const double extra =
      EstimateBytes(pure).breakdown_s.memory - EstimateBytes(shared(pure)).breakdown_s.memory;
  const double cast_s = 2 * layers * tokens * per_token / bw;  // forward + backward once
  EXPECT_NEAR(extra, cast_s, 0.02 * cast_s);
  // Autocast: the 16-bit input copy only (the input read + the copy written, 2 + 2 B).
  const double amp_extra =
      EstimateBytes(amp).breakdown_s.memory - EstimateBytes(shared(amp)).breakdown_s.memory;
  const double amp_s = 2 * layers * tokens * 4 * 4.0 * 4096 / bw;
  EXPECT_NEAR(amp_extra, amp_s, 0.02 * amp_s);
}

// Without gradient-accumulation fusion every micro-batch after the first adds its gradient
// into the accumulated one: autograd's .grad += in the gradient dtype (read, read, write:
// 12 B/param for AMP's fp32 gradients), or on Megatron's runtime a hook adds the 16-bit
// .grad into the main-grad buffer (2 B read + main grad read and written: fp16 2 B each,
// bf16's fp32 main grad 4 B each). Fused stacks do it inside the weight-gradient GEMM.
TEST(ThroughputMemory, UnfusedAccumulationAddsEachMicroBatchIntoTheMainGrad) {
  auto job = [](workload::Framework stack, workload::Precision p, bool fused) {
    auto s = Base(A100(), 8);
    s.parallelism.tp = 8;
    s.training.global_batch = 2 * 16;  // dp 1, micro-batch 2: 16 micro-batches
    s.training.precision = p;
    s.training.stack.id = stack;
    s.training.stack.defaulted = false;
    s.training.stack.grad_accum_fused = fused;
    return s;
  };
  auto extra = [&](workload::Framework stack, workload::Precision p) {
    return Estimate1(job(stack, p, false)).step_time_s - Estimate1(job(stack, p, true)).step_time_s;
  };
  using workload::Framework;
  using workload::Precision;
  const double megatron_fp16 = extra(Framework::kMegatronDeepspeed, Precision::kFp16Mixed);
  const double megatron_bf16 = extra(Framework::kMegatronDeepspeed, Precision::kBf16Mixed);
  const double amp = extra(Framework::kPytorch, Precision::kBf16Mixed);
  ASSERT_GT(megatron_fp16, 0);
  EXPECT_NEAR(megatron_bf16 / megatron_fp16, 10.0 / 6, 1e-6);
  EXPECT_NEAR(amp / megatron_fp16, 12.0 / 6, 1e-6);
  // 15 passes over the GPU's 1/8 of Llama 3.1 8B at the copy-kernel bandwidth.
  const auto& eff = Ctx().efficiency->For("Ampere");
  const double stream = 2039e9 * eff.StreamEta();
  const double params = catalog::CountParams(Llama8B()).total / 8;
  EXPECT_NEAR(megatron_fp16, 15 * 6 * params / stream, 0.01 * megatron_fp16);
}

TEST(ThroughputFlops, FullRecomputeExecutesAbout8N) {
  auto s = Base();
  s.training.activation_checkpointing = workload::Checkpointing::kFull;
  auto r = Estimate1(s);
  const double attention = 12.0 * 32 * 32 * 128 * 2048;
  const double n = (Llama8BPalmFlops(2048) - attention) / 6;
  EXPECT_DOUBLE_EQ(r.model_flops_per_token, Estimate1(Base()).model_flops_per_token);
  // Recompute adds the layers' forward (not the lm_head): 8N - 2*lm_head, +4/3 attention.
  const double head = 128256.0 * 4096;
  EXPECT_NEAR(r.hardware_flops_per_token, 8 * n - 2 * head + attention * 4 / 3, 0.01 * n);
  EXPECT_NEAR((r.hardware_flops_per_token - attention * 4 / 3) / n, 8.0, 0.2);
}

TEST(ThroughputFlops, SelectiveRecomputeAddsOnlyTheAttentionCore) {
  auto s = Base();
  s.training.activation_checkpointing = workload::Checkpointing::kSelective;
  auto r = Estimate1(s);
  const double attention = 12.0 * 32 * 32 * 128 * 2048;
  EXPECT_NEAR(r.hardware_flops_per_token - r.model_flops_per_token, attention / 3, 1e6);
}

// Megatron's recompute modules (training.recompute_modules) rerun their own forward: mlp
// the dense MLP's GEMMs (2 FLOPs per weight per token, 3 x 4096 x 14336 per layer) and not
// the attention core, which only core_attn reruns.
TEST(ThroughputFlops, RecomputeModulesRerunTheirOwnForward) {
  auto s = Base();
  s.training.stack.id = workload::Framework::kMegatron;
  s.training.activation_checkpointing = workload::Checkpointing::kSelective;
  const auto core = Estimate1(s);
  s.training.recompute_modules = static_cast<unsigned>(workload::RecomputeModule::kMlp);
  const auto mlp = Estimate1(s);
  EXPECT_NEAR(mlp.hardware_flops_per_token - mlp.model_flops_per_token, 32 * 2.0 * 3 * 4096 * 14336,
              1e3);
  s.training.recompute_modules |= static_cast<unsigned>(workload::RecomputeModule::kCoreAttn);
  const auto both = Estimate1(s);
  const double attention = 12.0 * 32 * 32 * 128 * 2048;
  EXPECT_NEAR(both.hardware_flops_per_token - mlp.hardware_flops_per_token, attention / 3, 1e6);
  EXPECT_NEAR(core.hardware_flops_per_token - core.model_flops_per_token, attention / 3, 1e6);
  EXPECT_GT(mlp.step_time_s, core.step_time_s);  // the MLP costs more than the attention
  EXPECT_GT(both.step_time_s, mlp.step_time_s);
}

// torchtitan's per-op selective checkpointing keeps the attention output and reruns every
// other matmul in call order: k, o and up, 2 FLOPs per weight per token
// (4096 x (1024 + 4096 + 14336) per layer), and no attention core.
TEST(ThroughputFlops, PerOpSelectiveRerunsEveryOtherMatmul) {
  using catalog::kSlotDown;
  using catalog::kSlotK;
  using catalog::kSlotO;
  using catalog::kSlotUp;
  EXPECT_EQ(workload::PerOpRecomputedSlots(true, false), kSlotK | kSlotO | kSlotUp);
  EXPECT_EQ(workload::PerOpRecomputedSlots(false, false), kSlotK | kSlotO | kSlotDown);
  EXPECT_EQ(workload::PerOpRecomputedSlots(true, true), 0u);  // addmm: saved, not counted
  auto s = Base();
  s.training.activation_checkpointing = workload::Checkpointing::kSelective;
  s.training.stack.selective = workload::SelectivePolicy::kPerOp;
  const auto r = Estimate1(s);
  EXPECT_NEAR(r.hardware_flops_per_token - r.model_flops_per_token,
              32 * 2.0 * 4096 * (1024 + 4096 + 14336), 1e3);
  s.training.activation_checkpointing = workload::Checkpointing::kNone;
  EXPECT_GT(r.step_time_s, Estimate1(s).step_time_s);
}

// FSDP2 copies each all-gather's output into the parameters (read + write, 2 B each) and
// each reduce-scatter's input in from the gradients on the compute stream: ZeRO-3 gathers
// twice a micro-batch and reduce-scatters once, 2 x 4 + 4 = 12 B per parameter with a
// 16-bit reduction, 14 B with an fp32 one (2 B read, 4 B written), at copy bandwidth.
TEST(ThroughputComm, Fsdp2CopiesAroundItsCollectives) {
  auto job = [](bool per_param, bool reduce_fp32) {
    auto s = Base(A100(), 8);
    s.training.micro_batch = 1;
    s.training.global_batch = 8;
    s.parallelism.zero = 3;
    s.training.stack.defaulted = false;
    s.training.stack.fsdp_per_param = per_param;
    s.training.stack.fsdp_reduce_fp32 = reduce_fp32;
    return Estimate1(s).breakdown_s;
  };
  const auto& eff = Ctx().efficiency->For("Ampere");
  const double stream = 2039e9 * eff.StreamEta();
  const double params = catalog::CountParams(Llama8B()).total;
  EXPECT_NEAR(job(true, false).memory - job(false, false).memory, 12 * params / stream, 1e-3);
  EXPECT_NEAR(job(true, true).memory - job(false, true).memory, 14 * params / stream, 1e-3);
  // The fp32 reduction doubles the reduce-scatter's bytes on the wire.
  EXPECT_GT(job(false, true).communication, job(false, false).communication);
}

// Weights all-gathered in fp8 (torchao enable_fsdp_float8_all_gather) halve the layers'
// share of the gather and need no per-use cast, only the transpose.
TEST(ThroughputComm, Fp8AllGatherMovesAndCastsLess) {
  auto job = [](bool fp8_gather) {
    auto s = Base(H100(), 8, 8);
    s.hardware.network_gbps = 100;
    s.training.precision = workload::Precision::kFp8Mixed;
    s.training.micro_batch = 1;
    s.training.global_batch = 64;
    s.parallelism.zero = 3;
    s.training.stack.defaulted = false;
    s.training.stack.fp8_all_gather = fp8_gather;
    return Estimate1(s).breakdown_s;
  };
  const auto bf16 = job(false), fp8 = job(true);
  EXPECT_LT(fp8.communication, bf16.communication);
  EXPECT_LT(fp8.memory, bf16.memory);
}

// Offloaded optimizer states (training.optimizer_state_offload) cross PCIe twice a step
// (12 B per parameter each way) beside the step's compute: hidden behind 256 micro-batches,
// exposed where one micro-batch leaves nothing to hide them behind.
TEST(ThroughputFlops, OffloadedOptimizerStatesHideBehindTheStep) {
  auto s = Base();
  s.training.stack.id = workload::Framework::kMegatron;
  s.training.global_batch = 2 * 256;
  s.training.optimizer_state_offload = true;
  EXPECT_EQ(Estimate1(s).breakdown_s.offload, 0);
  s.training.global_batch = 2;
  const double exposed = Estimate1(s).breakdown_s.offload;
  // 2 x 12 B x 8.03e9 parameters over PCIe 4 x16 (~25 GB/s): several seconds, less what
  // the one micro-batch hides.
  EXPECT_GT(exposed, 1.0);
  EXPECT_LT(exposed, 2 * 12 * 8.03e9 / 20e9);
}

TEST(ThroughputFlops, EncodersHaveNoCausalHalving) {
  auto dec = Base();
  auto enc = Base();
  enc.model.kind = catalog::ModelKind::kEncoder;
  EXPECT_TRUE(detail::MakeRegime(dec).causal);
  EXPECT_FALSE(detail::MakeRegime(enc).causal);
  // Same weights, no vocabulary head: encoder attention runs full, so its step spends
  // more time in attention per layer.
  auto a = detail::MicroBatchCompute(
      dec, detail::MakeLayout(dec), detail::MakeRegime(dec),
      detail::MakeModelFigures(dec, detail::MakeRegime(dec)),
      detail::ResolveRates(dec, io::BuiltinEfficiency().For("Ampere"), nullptr),
      io::BuiltinEfficiency().global);
  auto b = detail::MicroBatchCompute(
      enc, detail::MakeLayout(enc), detail::MakeRegime(enc),
      detail::MakeModelFigures(enc, detail::MakeRegime(enc)),
      detail::ResolveRates(enc, io::BuiltinEfficiency().For("Ampere"), nullptr),
      io::BuiltinEfficiency().global);
  // Twice the FLOPs, at the higher rate of 2048 keys per query against 1024 (the fused
  // kernel's rate K / (K + 225), measured on H200: attention_bench.py).
  const double rate = [](double k) { return k / (k + 225); }(2048) / (1024.0 / (1024 + 225));
  EXPECT_NEAR(b.attention / a.attention, 2.0 / rate, 1e-9);
}

// Fused attention runs at K / (K + 225) of its long-sequence rate, K the keys per query
// (H200, FlashAttention-2 and cuDNN alike: scripts/gpu_measure/results_h200/attention.jsonl):
// at the same tokens per micro-batch, 16k-token sequences execute 16x the attention FLOPs
// of 1k-token ones per token, at a higher rate.
TEST(ThroughputFlops, FusedAttentionRateGrowsWithTheKeysPerQuery) {
  auto at = [](int seq) {
    auto s = Base(H100());
    s.training.seq_len = seq;
    s.training.micro_batch = 16384 / seq;
    const auto g = detail::MakeRegime(s);
    return detail::MicroBatchCompute(
               s, detail::MakeLayout(s), g, detail::MakeModelFigures(s, g),
               detail::ResolveRates(s, io::BuiltinEfficiency().For("Hopper"), nullptr),
               io::BuiltinEfficiency().global)
        .attention;
  };
  const double k1 = 512, k16 = 8192;  // causal: half the sequence on average
  EXPECT_NEAR(at(16384) / at(1024), 16.0 * (k1 / (k1 + 225)) / (k16 / (k16 + 225)), 1e-6);
}

// A GEMM's fixed cost (launch, ramp, tail wave: gemm_half_flops at the 16-bit rate) is time,
// the same seconds at fp8's rate: t(x) = (x + half) / (peak eta_max) at 16-bit, x / (peak8
// eta_max) + half / (peak eta_max) at fp8, so a tiny fp8 GEMM takes as long as a 16-bit one
// and a large one approaches the fp8 speedup.
TEST(ThroughputFlops, AGemmsFixedTimeIsTheSameAtFp8) {
  auto s = Base(H100());
  const auto r = detail::ResolveRates(s, io::BuiltinEfficiency().For("Hopper"), nullptr);
  const double peak8 = 1.8 * r.tensor_peak, eta = r.eff->gemm_eta_max;
  const double half_s = r.eff->gemm_half_flops / (r.tensor_peak * eta);
  const auto t = [&](double n, double peak) { return detail::GemmTime(n, n, n, peak, 1, r); };
  for (double n : {1024.0, 16384.0}) {  // compute-bound at 1 B per element
    const double x = 2 * n * n * n;
    EXPECT_NEAR(t(n, r.tensor_peak), x / (r.tensor_peak * eta) + half_s, 1e-12) << n;
    EXPECT_NEAR(t(n, peak8), x / (peak8 * eta) + half_s, 1e-12) << n;
  }
  // A small GEMM gains little from fp8, a large one nearly the whole rate.
  EXPECT_LT(t(1024, r.tensor_peak) / t(1024, peak8), 1.25);
  EXPECT_GT(t(16384, r.tensor_peak) / t(16384, peak8), 1.75);
}

// One micro-batch of `s` on a Hopper card with the built-in factors.
detail::MicroBatchTime HopperMicroBatch(const workload::Scenario& s,
                                        const EfficiencyTable& table = io::BuiltinEfficiency()) {
  const auto g = detail::MakeRegime(s);
  return detail::MicroBatchCompute(s, detail::MakeLayout(s), g, detail::MakeModelFigures(s, g),
                                   detail::ResolveRates(s, table.For("Hopper"), nullptr),
                                   table.global);
}

// training.fp8.attention: the attention core's forward at FlashAttention-3's fp8 / bf16
// rate (1.2 PFLOP/s against 740 TFLOP/s, Shah et al. 2024), its backward (2.5x the 16-bit
// forward) unchanged; only where it can run (fp8-mixed, an fp8 Hopper-class GPU).
TEST(ThroughputFlops, Fp8AttentionRunsTheForwardAtTheFp8Rate) {
  auto s = Base(H100());
  s.hardware.gpu.fp8_support = true;
  s.hardware.gpu.cuda_cc_or_target = "9.0";
  s.training.seq_len = 8192;
  s.training.precision = workload::Precision::kFp8Mixed;
  const double bf16 = HopperMicroBatch(s).attention;
  s.training.fp8.attention = true;
  ASSERT_TRUE(s.Fp8Attention());
  const double fp8 = HopperMicroBatch(s).attention;
  // attention = L x fwd + L x 2.5 x fwd (no recompute); the forward shrinks by 1.2e15 / 740e12.
  const double fwd = bf16 / 3.5;
  EXPECT_NEAR(bf16 - fp8, fwd * (1 - 740e12 / 1.2e15), 1e-9 * bf16);
  s.training.precision = workload::Precision::kBf16Mixed;  // not fp8-mixed: no fp8 core
  EXPECT_FALSE(s.Fp8Attention());
  s.training.precision = workload::Precision::kFp8Mixed;
  s.hardware.gpu.cuda_cc_or_target = "8.9";  // Ada: no FlashAttention-3 class fp8 kernel
  EXPECT_FALSE(s.Fp8Attention());
}

// stack trait attention_kernel fa-triton (llm-foundry's attn_impl: triton, the FlashAttention
// in Triton of 2022-23): on A100 FlashAttention-2 runs its forward 1.4x and its backward 2x
// as fast (Dao 2023 section 4.1), so the attention core takes (1.4 + 2 x 2.5) / (1 + 2.5) of
// FlashAttention-2's time and nothing else moves. From Hopper on no ratio is published:
// timed as FlashAttention-2 (compute_time.cc kFaTritonOverFa2). attention_kernel flex
// (FlexAttention's Triton templates, kFlexOverFa2) likewise; ck-v3 (AMD's assembly kernels,
// kCkV3FwdLow / High) above it on CDNA 3 / 4.
TEST(ThroughputFlops, AttentionKernelsRunAtTheirPublishedShareOfFlashAttention2) {
  auto micro = [](const catalog::GpuSpec& gpu, workload::AttentionKernel kernel) {
    auto s = Base(gpu);
    s.training.seq_len = 8192;
    s.training.micro_batch = 1;
    s.training.stack.attention_kernel = kernel;
    const auto g = detail::MakeRegime(s);
    return detail::MicroBatchCompute(
        s, detail::MakeLayout(s), g, detail::MakeModelFigures(s, g),
        detail::ResolveRates(s, io::BuiltinEfficiency().For(gpu.architecture), nullptr),
        io::BuiltinEfficiency().global);
  };
  using workload::AttentionKernel;
  auto a100 = A100(), h100 = H100();
  a100.cuda_cc_or_target = "8.0";
  h100.cuda_cc_or_target = "9.0";
  const auto fa2 = micro(a100, AttentionKernel::kFa2);
  const auto triton = micro(a100, AttentionKernel::kFaTriton);
  EXPECT_NEAR(triton.attention / fa2.attention, (1.4 + 2.0 * 2.5) / (1 + 2.5), 1e-9);
  EXPECT_NEAR(triton.compute_fwd + triton.compute_bwd - fa2.compute_fwd - fa2.compute_bwd,
              triton.attention - fa2.attention, 1e-9 * fa2.attention);
  EXPECT_EQ(triton.memory_fwd + triton.memory_bwd, fa2.memory_fwd + fa2.memory_bwd);
  EXPECT_EQ(micro(h100, AttentionKernel::kFaTriton).attention,
            micro(h100, AttentionKernel::kFa2).attention);
  // FlexAttention's Triton templates: 0.90 of the forward, 0.85 of the backward on A100; as
  // FlashAttention-2 from Hopper on, below the FlashAttention-3 class.
  EXPECT_NEAR(micro(a100, AttentionKernel::kFlex).attention / fa2.attention,
              (1 / 0.90 + 2.5 / 0.85) / (1 + 2.5), 1e-9);
  EXPECT_EQ(micro(h100, AttentionKernel::kFlex).attention,
            micro(h100, AttentionKernel::kFa2).attention);
  EXPECT_GT(micro(h100, AttentionKernel::kFlex).attention,
            1.5 * micro(h100, AttentionKernel::kFa3).attention);
  // AMD's assembly FMHA v3 (attention_kernel ck-v3): sqrt(1.18 x 1.62) of the SDPA (AOTriton)
  // rate on CDNA 3 and 4, which run nothing else as fa3; no such kernel on NVIDIA GPUs.
  for (const char* id : {"mi300x", "mi355x"}) {
    const catalog::GpuSpec& mi = *io::BuiltinCatalog().FindGpu(id);
    EXPECT_NEAR(
        micro(mi, AttentionKernel::kFa2).attention / micro(mi, AttentionKernel::kCkV3).attention,
        std::sqrt(1.18 * 1.62), 1e-9)
        << id;
    EXPECT_EQ(micro(mi, AttentionKernel::kFa3).attention,
              micro(mi, AttentionKernel::kFa2).attention);
  }
  EXPECT_EQ(micro(h100, AttentionKernel::kCkV3).attention,
            micro(h100, AttentionKernel::kFa2).attention);
}

// The board's power limit (ArchEfficiency::gemm_pj_per_flop): the same silicon on a 250 W
// board sustains TDP / energy per FLOP, below eta_max x its datasheet peak; its tensor rates
// (GEMMs, attention) scale down together, its memory-bound rates do not, and the 400 W
// board at the same energy per FLOP is not limited. No value, no limit.
TEST(ThroughputFlops, PowerLimitCapsTheTensorRatesOfALowPowerBoard) {
  ArchEfficiency eff = io::BuiltinEfficiency().For("Ampere");
  eff.gemm_eta_max = 0.75;
  eff.gemm_pj_per_flop = 1.6;  // 250 W -> 156 TFLOP/s; 400 W -> 250 > 0.75 x 312
  auto board = [](double watts) {
    auto g = A100();
    g.tdp_w = watts;
    return Base(g);
  };
  const auto sxm = detail::ResolveRates(board(400), eff, nullptr);
  const auto pcie = detail::ResolveRates(board(250), eff, nullptr);
  EXPECT_EQ(sxm.power_scale, 1);
  EXPECT_DOUBLE_EQ(sxm.tensor_peak, 312e12);
  EXPECT_NEAR(pcie.power_scale, 250 / 1.6e-12 / (0.75 * 312e12), 1e-12);
  EXPECT_NEAR(pcie.tensor_peak, 312e12 * pcie.power_scale, 1);
  EXPECT_EQ(pcie.linear_peak, pcie.tensor_peak);
  EXPECT_EQ(pcie.bandwidth, sxm.bandwidth);
  EXPECT_EQ(pcie.mfu_peak, sxm.mfu_peak);  // MFU stays against the datasheet peak
  auto no_tdp = board(250);
  no_tdp.hardware.gpu.tdp_w.reset();
  EXPECT_EQ(detail::ResolveRates(no_tdp, eff, nullptr).power_scale, 1);
  eff.gemm_pj_per_flop = 0;
  EXPECT_EQ(detail::ResolveRates(board(250), eff, nullptr).power_scale, 1);
  // Through the estimate: the limited board is slower, and its basis says why.
  EfficiencyTable table = io::BuiltinEfficiency();
  for (auto& a : table.archs)
    if (a.Canonical() == "Ampere") a.gemm_eta_max = 0.75, a.gemm_pj_per_flop = 1.6;
  Explanation explain;
  const Context ctx{&table, nullptr};
  const double slow = EstimateThroughput(board(250), ctx, &explain).tokens_per_s_per_gpu;
  const double fast = EstimateThroughput(board(400), ctx).tokens_per_s_per_gpu;
  EXPECT_LT(slow, fast * 0.85);
  bool said = false;
  for (const auto& b : explain.basis)
    said = said || b.find("as 250 W / 1.6 pJ per FLOP sustains") != std::string::npos;
  EXPECT_TRUE(said);
}

// Host-bound micro-batch (1 x 16 tokens: the GPU work is far below the launches): its time,
// the host's launches.
double HostBoundSeconds(workload::Scenario s) {
  s.training.micro_batch = 1;
  s.training.seq_len = 16;
  const auto t = HopperMicroBatch(s);
  EXPECT_GT(t.launch_excess, 0);
  return t.launch_excess + t.Forward() + t.Backward();
}

// Host launches (MODELLING section 7): torch.autocast on eager modules adds a weight and an
// input cast per linear forward, their gradient casts backward; fused stacks (no autocast)
// and pure 16-bit runs have none.
TEST(ThroughputFlops, AutocastAddsTwoLaunchesPerLinearOnEagerStacks) {
  auto host_s = [](workload::Precision p, workload::KernelStyle k) {
    auto s = Base(H100());
    s.training.precision = p;
    s.training.stack.kernels = k;
    return HostBoundSeconds(s);
  };
  using workload::KernelStyle, workload::Precision;
  const double launch = io::BuiltinEfficiency().global.launch_overhead_s;
  // Llama: 7 linears per layer, 32 layers, forward + 2x backward launches.
  EXPECT_NEAR(host_s(Precision::kBf16Mixed, KernelStyle::kEager) -
                  host_s(Precision::kBf16, KernelStyle::kEager),
              2 * 7 * 32 * 3 * launch, 1e-9);
  EXPECT_NEAR(host_s(Precision::kBf16Mixed, KernelStyle::kFused),
              host_s(Precision::kBf16, KernelStyle::kFused), 1e-12);
  // DeepSpeed's engine runs the module in 16-bit (module_16bit): no autocast casts.
  auto ds = Base(H100());
  ds.training.stack.kernels = KernelStyle::kEager;
  ds.training.stack.module_16bit = true;
  ds.training.precision = Precision::kBf16;
  const double ds_bf16 = HostBoundSeconds(ds);
  ds.training.precision = Precision::kBf16Mixed;
  EXPECT_NEAR(HostBoundSeconds(ds), ds_bf16, 1e-12);
}

// Eager stacks count kernels_per_layer for a Llama layer of HF modules; other modules
// launch other counts (profiled: scripts/gpu_measure/results_h200/launches.jsonl). A GPT-2
// layer: 2 LayerNorms (1 each, not 8), no rotary (-10), GELU MLP with 2 linears and
// gelu_new's 8 kernels (+5 over SwiGLU's 3 + 2), 2 residual dropouts.
TEST(ThroughputFlops, EagerLaunchesFollowTheLayerModules) {
  auto host_s = [](auto edit, workload::KernelStyle k) {
    auto s = Base(H100());
    s.training.precision = workload::Precision::kBf16;
    s.training.stack.kernels = k;
    edit(s.model);
    return HostBoundSeconds(s);
  };
  auto llama = [](catalog::ModelArch&) {};
  auto gpt2 = [](catalog::ModelArch& m) {
    m.family = "gpt2";
    m.norm = catalog::NormKind::kLayerNorm;
    m.position = catalog::PositionKind::kLearned;
    m.mlp = catalog::MlpKind::kGelu;
    m.dropout = 0.1;
  };
  auto neox = [&](catalog::ModelArch& m) {  // native F.gelu, rotary, no dropout
    gpt2(m);
    m.family = "gpt_neox";
    m.position = catalog::PositionKind::kRope;
    m.dropout = 0;
  };
  using workload::KernelStyle;
  const double launch = io::BuiltinEfficiency().global.launch_overhead_s;
  const double per_layer = 32 * 3 * launch;  // 32 layers, forward + 2x backward
  EXPECT_NEAR(host_s(gpt2, KernelStyle::kEager) - host_s(llama, KernelStyle::kEager),
              (2 * (1 - 8) - 10 + 5 + 2) * per_layer, 1e-9);
  EXPECT_NEAR(host_s(neox, KernelStyle::kEager) - host_s(llama, KernelStyle::kEager),
              (2 * (1 - 8) - 2) * per_layer, 1e-9);
  // A fused stack's count is its own.
  EXPECT_NEAR(host_s(gpt2, KernelStyle::kFused), host_s(llama, KernelStyle::kFused), 1e-12);
}

// transformers' gelu_new on an eager stack: 8 kernels over the FFN tensor (18 passes instead
// of GELU's 2), in fp32 under autocast (twice the bytes); a fused stack or a native-GELU
// family moves GELU's 2.
TEST(ThroughputFlops, GeluNewMovesItsChainOfFfnTensorsOnEagerStacks) {
  auto mem_fwd = [](const std::string& family, workload::Precision p, workload::KernelStyle k) {
    auto s = Base(H100());
    s.model.family = family;
    s.model.mlp = catalog::MlpKind::kGelu;
    s.training.precision = p;
    s.training.stack.kernels = k;
    return HopperMicroBatch(s, BytesOnly()).memory_fwd;
  };
  using workload::KernelStyle, workload::Precision;
  const double extra_bf16 = mem_fwd("gpt2", Precision::kBf16, KernelStyle::kEager) -
                            mem_fwd("gpt_neox", Precision::kBf16, KernelStyle::kEager);
  const double extra_mixed = mem_fwd("gpt2", Precision::kBf16Mixed, KernelStyle::kEager) -
                             mem_fwd("gpt_neox", Precision::kBf16Mixed, KernelStyle::kEager);
  EXPECT_GT(extra_bf16, 0);
  EXPECT_NEAR(extra_mixed / extra_bf16, (36.0 - 2) / (18 - 2), 1e-9);
  EXPECT_DOUBLE_EQ(mem_fwd("gpt2", Precision::kBf16, KernelStyle::kFused),
                   mem_fwd("gpt_neox", Precision::kBf16, KernelStyle::kFused));
}

TEST(ThroughputFlops, MoeUsesActiveParameters) {
  auto s = Base();
  s.model.experts = 8;
  s.model.experts_active = 2;
  auto dense = Estimate1(Base());
  auto moe = Estimate1(s);
  // Twice the active MLP weights: more FLOPs than dense, far less than 8x the MLPs.
  EXPECT_GT(moe.model_flops_per_token, dense.model_flops_per_token * 1.5);
  EXPECT_LT(moe.model_flops_per_token, dense.model_flops_per_token * 2.5);
}

// A fine-grained MoE (128 experts, top-8) on 4 nodes of 8 H100, expert parallel 32.
workload::Scenario FineGrainedMoe(int tp, int etp) {
  auto s = Base(H100(), 8, 4);
  s.model.experts = 128;
  s.model.experts_active = 8;
  s.model.moe_ffn = 1024;
  s.model.params = catalog::CountParams(s.model).total;
  s.training.precision = workload::Precision::kBf16Mixed;
  s.training.micro_batch = 1;
  s.training.seq_len = 4096;
  s.training.global_batch = 32 / tp * 4;
  s.parallelism.tp = tp;
  s.parallelism.sequence_parallel = tp > 1;
  s.parallelism.ep = 32;
  s.parallelism.etp = etp;
  s.parallelism.zero = 1;
  return s;
}

// Recomputing the whole MoE layer (Megatron's moe module) reruns its expert, router and
// shared-expert GEMMs and its dispatch and combine: 6 expert all-to-alls per layer and
// micro-batch instead of 4. moe_act reruns only the experts' activation: no GEMM.
TEST(ThroughputFlops, MoeRecomputeRerunsTheExpertsAndTheirAllToAlls) {
  auto s = FineGrainedMoe(1, 1);
  s.training.stack.id = workload::Framework::kMegatron;
  s.training.activation_checkpointing = workload::Checkpointing::kSelective;
  s.training.recompute_modules = static_cast<unsigned>(workload::RecomputeModule::kMoeAct);
  const auto act = Estimate1(s);
  EXPECT_DOUBLE_EQ(act.hardware_flops_per_token, act.model_flops_per_token);
  s.training.recompute_modules = static_cast<unsigned>(workload::RecomputeModule::kMoe);
  const auto moe = Estimate1(s);
  const double experts = 8 * 3.0 * 4096 * 1024, router = 4096.0 * 128;
  EXPECT_NEAR(moe.hardware_flops_per_token - moe.model_flops_per_token, 32 * 2 * (experts + router),
              1e3);
  // The expert all-to-alls, exposed here (no moe_a2a_overlap), run 6 times instead of 4.
  ASSERT_GT(act.breakdown_s.communication, 0);
  EXPECT_GT(moe.breakdown_s.communication, act.breakdown_s.communication);
  EXPECT_LE(moe.breakdown_s.communication, 1.5 * act.breakdown_s.communication + 1e-9);
}

// Routed experts run as one grouped GEMM whose per-expert problems pay a per-group cost
// (kGroupedGemmHalfScale): Qwen3-30B-A3B's up projection on H100, 128 experts of 512 routed
// rows (K 2048, N 1536), runs well below the same problems timed alone and near the
// published grouped kernel (160.5 TFLOP/s, 0.16 of the dense peak; tgale96/grouped_gemm
// PR #37), while a few large groups (4 x 32768 x 7168 x 4096) run at the dense rate.
TEST(ThroughputFlops, GroupedExpertGemmsPayAPerExpertCost) {
  const auto s = Base(H100(), 8, 1);
  const auto r = detail::ResolveRates(s, Ctx().efficiency->For("Hopper"), nullptr);
  auto rate = [&](double m, double k, double n, double scale) {
    return 2 * m * k * n / detail::GemmTime(m, k, n, r.tensor_peak, 2, r, scale) / r.tensor_peak;
  };
  const double grouped = rate(512, 2048, 1536, detail::kGroupedGemmHalfScale);
  EXPECT_LT(grouped, 0.7 * rate(512, 2048, 1536, 1));
  EXPECT_NEAR(grouped, 0.162, 0.04);
  EXPECT_GT(rate(32768, 7168, 4096, detail::kGroupedGemmHalfScale),
            0.97 * rate(32768, 7168, 4096, 1));
  // The basis of an MoE estimate says so; a dense model's does not.
  auto says_grouped = [](const workload::Scenario& sc) {
    Explanation e;
    EstimateThroughput(sc, Ctx(), &e);
    bool said = false;
    for (const auto& b : e.basis)
      said = said || b.find("routed experts as grouped GEMMs") != std::string::npos;
    return said;
  };
  EXPECT_TRUE(says_grouped(FineGrainedMoe(1, 1)));
  EXPECT_FALSE(says_grouped(s));
}

// The expert GEMMs do the same work however an expert is split (etp) and its tokens
// gathered: etp 1 / ep 32 runs 4 local experts on T rows at full width, etp 2 / ep 16 runs
// 8 on T rows at half width. Same FLOPs; the narrower GEMMs are no faster, and a grouped
// GEMM of twice as many half-size problems pays its per-expert cost twice as often
// (kGroupedGemmHalfScale), a few per cent to ~15 % at these sizes.
TEST(ThroughputFlops, ExpertTensorParallelKeepsTheFlops) {
  const auto folded = Estimate1(FineGrainedMoe(2, 1));
  auto split = FineGrainedMoe(2, 2);
  split.parallelism.ep = 16;  // ep x etp over the 32 ranks of tp x dp
  const auto r = Estimate1(split);
  EXPECT_GE(r.breakdown_s.compute, folded.breakdown_s.compute);
  EXPECT_LT(r.breakdown_s.compute, 1.15 * folded.breakdown_s.compute);
}

// A node-deduplicating dispatcher (DeepEP) sends a token once to each remote node that
// holds any of its 8 experts: with 32 experts per node that is 3 x (1 - C(96,8)/C(128,8))
// = 2.7 copies across the network instead of 8 x 24/32 = 6 with NCCL's all-to-all. Within
// one node there is nothing to deduplicate.
TEST(ThroughputComm, NodeDedupDispatchCutsCrossNodeExpertTraffic) {
  auto s = FineGrainedMoe(1, 1);
  const auto nccl = Estimate1(s);
  s.training.stack.moe_node_dedup = true;
  const auto dedup = Estimate1(s);
  EXPECT_LT(dedup.breakdown_s.communication, 0.6 * nccl.breakdown_s.communication);
  EXPECT_GT(dedup.breakdown_s.communication, 0.3 * nccl.breakdown_s.communication);
  auto one_node = FineGrainedMoe(1, 1);
  one_node.hardware.count = 8;
  one_node.hardware.nodes = 1;
  one_node.parallelism.ep = 8;
  one_node.training.global_batch = 8;
  const auto a = Estimate1(one_node);
  one_node.training.stack.moe_node_dedup = true;
  EXPECT_DOUBLE_EQ(Estimate1(one_node).step_time_s, a.step_time_s);
}

// Overlapped with another micro-batch's compute (moe_a2a_overlap), the all-to-all leaves
// the critical path but for what does not fit the window and the slowdown hidden
// communication costs the compute it hides behind.
TEST(ThroughputComm, OverlappedExpertAllToAllCostsOnlyItsShadow) {
  auto s = FineGrainedMoe(1, 1);
  const auto exposed = Estimate1(s);
  s.training.stack.moe_a2a_overlap = true;
  const auto overlapped = Estimate1(s);
  // Here the all-to-all outlasts the compute: the window hides part of it, never more.
  const double saved = exposed.breakdown_s.communication - overlapped.breakdown_s.communication;
  EXPECT_GT(saved, 0.5 * exposed.breakdown_s.compute);
  EXPECT_LT(saved, exposed.breakdown_s.compute);
  EXPECT_DOUBLE_EQ(overlapped.breakdown_s.compute, exposed.breakdown_s.compute);
}

// Megatron's interleaved schedule posts its pipeline sends and receives ahead and runs the
// next chunk meanwhile (pp_p2p_overlap): the boundary transfers leave the critical path;
// the plain 1F1B schedule (vpp 1) keeps them on it.
TEST(ThroughputComm, InterleavedPipelineHidesItsTransfers) {
  auto s = Base(H100(), 8, 4);
  s.training.precision = workload::Precision::kBf16Mixed;
  s.training.micro_batch = 1;
  s.training.global_batch = 64;
  s.parallelism.pp = 4;
  s.parallelism.vpp = 2;
  s.parallelism.zero = 1;
  const auto exposed = Estimate1(s);
  s.training.stack.pp_p2p_overlap = true;
  const auto hidden = Estimate1(s);
  EXPECT_LT(hidden.breakdown_s.communication, exposed.breakdown_s.communication);
  EXPECT_LT(hidden.step_time_s, exposed.step_time_s);
  s.parallelism.vpp = 1;
  const auto plain = Estimate1(s);
  s.training.stack.pp_p2p_overlap = false;
  EXPECT_DOUBLE_EQ(Estimate1(s).step_time_s, plain.step_time_s);
}

// The data-parallel collective time of one step (before overlap).
double DataParallelCollectives(const workload::Scenario& s) {
  const auto lay = detail::MakeLayout(s);
  const auto g = detail::MakeRegime(s);
  const auto f = detail::MakeModelFigures(s, g);
  const auto& table = *Ctx().efficiency;
  const auto rates = detail::ResolveRates(s, table.For(s.hardware.gpu.architecture), nullptr);
  const auto mb = detail::MicroBatchCompute(s, lay, g, f, rates, table.global);
  const auto topo = detail::ResolveTopology(s, nullptr);
  return detail::Communication(s, lay, g, f, topo, mb, table.global, nullptr).dp_total;
}

// FSDP / ZeRO-3 QLoRA shards the packed 4-bit base (bitsandbytes quant_storage) and gathers
// it as stored: ~0.52 B per linear weight with its block constants instead of 2 B, so the
// gathers of Llama 3.1 8B (13% of it embedding and head, kept 16-bit) move ~0.36 of LoRA's.
TEST(ThroughputComm, QloraGathersThePackedBase) {
  auto s = Base(A100(), 2);
  s.parallelism.zero = 3;
  s.training.method = workload::Method::kLora;
  s.training.precision = workload::Precision::kBf16;
  const double lora = DataParallelCollectives(s);
  s.training.method = workload::Method::kQlora;
  const double qlora = DataParallelCollectives(s);
  EXPECT_GT(qlora / lora, 0.3);
  EXPECT_LT(qlora / lora, 0.42);
}

// A recomputed forward under DeepSpeed ZeRO-3 (zero3_module_gather) gathers every submodule
// again: its pre-forward hooks fetch and its post-forward hooks partition in the recompute
// as in the forward, so full checkpointing adds a third gather of the parameters per
// micro-batch to the forward's and the backward's (and the gradients' reduce-scatter: 4 of
// the same size where there were 3). FSDP recomputes a layer inside the backward it
// gathered for: no more collectives.
TEST(ThroughputComm, DeepSpeedZero3GathersAgainForTheRecompute) {
  auto dp = [](bool deepspeed, workload::Checkpointing ac) {
    auto s = Base(A100(), 2);
    s.parallelism.zero = 3;
    s.training.activation_checkpointing = ac;
    s.training.stack.zero3_module_gather = deepspeed;
    return DataParallelCollectives(s);
  };
  using workload::Checkpointing;
  EXPECT_NEAR(dp(true, Checkpointing::kFull) / dp(true, Checkpointing::kNone), 4.0 / 3.0, 1e-9);
  EXPECT_DOUBLE_EQ(dp(false, Checkpointing::kFull), dp(false, Checkpointing::kNone));
}

// DeepSpeed's pipeline engine (pp_p2p_blocking) waits on four transfers per micro-batch
// where Megatron pairs them in two, and sends the whole stage output from every
// tensor-parallel rank where Megatron's scatter-gather sends 1 / tp: eight times the bytes
// at tp 8, unless sequence parallelism has sharded the output already.
TEST(ThroughputComm, DeepSpeedPipelineSendsWholeOutputsBlocking) {
  auto extra = [](bool sequence_parallel) {
    auto s = Base(H100(), 8, 4);
    s.hardware.network_gbps = 100;
    s.training.micro_batch = 1;
    s.training.global_batch = 16;
    s.parallelism.tp = 8;
    s.parallelism.pp = 4;
    s.parallelism.sequence_parallel = sequence_parallel;
    s.training.stack.defaulted = false;
    const double megatron = Estimate1(s).breakdown_s.communication;
    s.training.stack.pp_p2p_blocking = true;
    return Estimate1(s).breakdown_s.communication - megatron;
  };
  const double sharded = extra(true), whole = extra(false);
  EXPECT_GT(sharded, 0);
  EXPECT_GT(whole, 5 * sharded);
}

// Each rank dispatches its own sequence-parallel share: at tp 2 a rank routes half the
// tokens of a tp 1 rank, so the all-to-all per micro-batch halves (the exposed
// communication of the MoE layers, all of it here, falls with it).
TEST(ThroughputComm, ExpertAllToAllMovesTheRanksSequenceShare) {
  const auto tp1 = Estimate1(FineGrainedMoe(1, 1));
  auto s = FineGrainedMoe(2, 1);
  s.training.stack.tp_comm_overlap = true;  // keep the TP collectives off the critical path
  const auto tp2 = Estimate1(s);
  // Both run 4 micro-batches per step (global batch 4 x dp).
  EXPECT_NEAR(tp2.breakdown_s.communication / tp1.breakdown_s.communication, 0.5, 0.1);
}

// PyTorch DTensor's sequence-parallel collectives act on dimension 1 of (batch, sequence,
// hidden) activations, so each all-gather and each reduce-scatter copies the whole tensor
// once more (chunk + cat; stack trait sp_dtensor). Without recomputation a layer
// runs 2 all-gathers and 2 reduce-scatters forward and as many backward: 8 copies of the
// b*s*h 16-bit tensor, each read and written, at copy bandwidth. Async TP has no such copies.
TEST(ThroughputComm, DtensorSequenceParallelCollectivesCopyTheirTensors) {
  auto s = Base(H100(), 8);
  s.parallelism.tp = 8;
  s.parallelism.sequence_parallel = true;
  s.training.global_batch = 2;  // one micro-batch of 2 x 2048 tokens
  s.training.precision = workload::Precision::kBf16Mixed;
  const auto without = Estimate1(s);
  s.training.stack.sp_dtensor = true;
  const auto with = Estimate1(s);
  const auto& eff = io::BuiltinEfficiency().For("Hopper");
  const double copy_bw = detail::ResolveRates(s, eff, nullptr).stream_bandwidth;
  const double tensor = 2.0 * 2 * 2048 * 4096;
  EXPECT_NEAR(with.breakdown_s.memory - without.breakdown_s.memory, 32 * 8 * 2 * tensor / copy_bw,
              1e-9);
  s.training.stack.tp_comm_overlap = true;   // async TP on NVLink: fused collective matmuls
  s.hardware.gpu.cuda_cc_or_target = "9.0";  // (multicast: sm90 and later)
  const auto async_tp = Estimate1(s);
  s.training.stack.sp_dtensor = false;
  EXPECT_DOUBLE_EQ(async_tp.breakdown_s.memory, Estimate1(s).breakdown_s.memory);
}

TEST(ThroughputComm, RingAllReduceMovesTwoNMinusOneOverN) {
  EXPECT_DOUBLE_EQ(detail::AllReduceFactor(1), 0.0);
  EXPECT_DOUBLE_EQ(detail::AllReduceFactor(2), 1.0);
  EXPECT_DOUBLE_EQ(detail::AllReduceFactor(8), 2.0 * 7 / 8);
  EXPECT_DOUBLE_EQ(detail::AllGatherFactor(8), 7.0 / 8);
  detail::Link l;
  l.busbw = 100e9;
  EXPECT_DOUBLE_EQ(detail::AllReduceTime(1e9, 4, l), 1e9 * 1.5 / 100e9);
  EXPECT_DOUBLE_EQ(detail::AllGatherTime(1e9, 4, l),
                   detail::RingLatency(4, l) + 1e9 * 0.75 / 100e9);
  // Issued as 10 collectives (gradient buckets), the latency is paid 10 times.
  EXPECT_DOUBLE_EQ(detail::AllGatherTime(1e9, 4, l, 10),
                   10 * detail::RingLatency(4, l) + 1e9 * 0.75 / 100e9);
}

// NCCL's ring all-gather / reduce-scatter latency (src/graph/tuning.cc, Simple protocol):
// 8.4 us plus a hop per ring step, n - 1 of them, nodes - 1 across the network at 14 us and
// the rest NVLink (3.4 us), raised to NCCL's 3 us network post once the ring spans nodes.
// Linear in the ranks: twice the nodes, about twice the latency.
TEST(ThroughputComm, RingLatencyGrowsWithTheRanksNotTheirLogarithm) {
  detail::Link nvl;
  nvl.hop_s = 3.4e-6;
  EXPECT_DOUBLE_EQ(detail::RingLatency(1, nvl), 0.0);
  EXPECT_NEAR(detail::RingLatency(8, nvl), 8.4e-6 + 7 * 3.4e-6, 1e-12);
  detail::Link net = nvl;
  net.nodes = 4;
  EXPECT_NEAR(detail::RingLatency(32, net), 8.4e-6 + 28 * 3.4e-6 + 3 * 14e-6, 1e-12);
  detail::Link pcie;  // PCIe hops below NCCL's network post cost count as 3 us across nodes
  pcie.hop_s = 1e-6;
  pcie.nodes = 2;
  EXPECT_NEAR(detail::RingLatency(4, pcie), 8.4e-6 + 2 * 3e-6 + 14e-6, 1e-12);
  net.nodes = 32;
  const double n256 = detail::RingLatency(256, net);
  net.nodes = 16;
  EXPECT_NEAR(n256 / detail::RingLatency(128, net), 2.0, 0.05);
}

TEST(ThroughputComm, BubbleIsPMinusOneOverVM) {
  EXPECT_DOUBLE_EQ(detail::BubbleFraction(1, 1, 8), 0.0);
  EXPECT_DOUBLE_EQ(detail::BubbleFraction(4, 1, 8), 3.0 / 8);
  EXPECT_DOUBLE_EQ(detail::BubbleFraction(4, 2, 8), 3.0 / 16);
  // In a full estimate the bubble term is (p-1)/m of the ideal pipeline time.
  auto s = Base(A100(), 8);
  s.parallelism.pp = 4;
  s.training.global_batch = 2 * 2 * 16;  // dp 2, micro-batch 2 -> m = 16
  auto r = Estimate1(s);
  const double ideal = r.step_time_s - r.breakdown_s.bubble - r.breakdown_s.offload;
  // ideal holds compute + memory + exposed comm; the optimizer step and the per-step DP
  // all-reduce sit outside the pipeline, so the ratio is a little under 3/16.
  EXPECT_GT(r.breakdown_s.bubble / ideal, 0.8 * 3.0 / 16);
  EXPECT_LE(r.breakdown_s.bubble / ideal, 3.0 / 16 + 1e-9);
}

TEST(ThroughputComm, StepTimeFallsWithMoreGpusUntilCommunicationDominates) {
  // Fixed global batch of 64 sequences; DDP. Inside an NVLink node more GPUs = faster.
  double prev = 1e30;
  for (int n : {1, 2, 4, 8}) {
    auto s = Base(A100(), n);
    s.model = Llama8B();
    s.model.layers = 8;  // a 2B model so that DDP fits the story
    s.training.global_batch = 64;
    auto r = Estimate1(s);
    EXPECT_LT(r.step_time_s, prev) << n << " GPUs";
    prev = r.step_time_s;
  }
  // Across nodes on a slow network the communication share grows until it dominates.
  double prev_share = -1;
  bool dominated = false;
  for (int nodes : {1, 2, 4, 8, 16, 32}) {
    auto s = Base(A100(), 8, nodes);
    s.model.layers = 8;
    s.training.global_batch = 512;
    s.training.micro_batch = 1;
    s.hardware.network_gbps = 10;
    auto r = Estimate1(s);
    const double share = r.breakdown_s.communication / r.step_time_s;
    EXPECT_GE(share, prev_share - 1e-12) << nodes << " nodes";
    prev_share = share;
    if (r.bottleneck == Bottleneck::kCommunication) dominated = true;
  }
  EXPECT_TRUE(dominated);
}

TEST(ThroughputComm, GeForceWithoutP2pIsSlowerMultiGpuThanNvlink) {
  auto geforce = Base(Rtx4090(), 2);
  geforce.model.layers = 4;
  geforce.training.micro_batch = 1;
  geforce.training.global_batch = 8;
  auto linked = geforce;
  linked.hardware.gpu.peer_to_peer = true;
  linked.hardware.gpu.gpu_interconnect = "NVLink bridge";
  linked.hardware.gpu.interconnect_bw_gbs_bidir = 112.5;
  linked.hardware.interconnect = workload::Interconnect::kNvlink;
  Explanation e;
  auto slow = EstimateThroughput(geforce, Ctx(), &e);
  auto fast = EstimateThroughput(linked, Ctx());
  EXPECT_GT(slow.step_time_s, fast.step_time_s);
  EXPECT_GT(slow.breakdown_s.communication, 3 * fast.breakdown_s.communication);
  bool warned = false;
  for (const auto& w : e.warnings)
    if (w.find("GeForce without P2P: all-reduce through host memory") != std::string::npos)
      warned = true;
  EXPECT_TRUE(warned);
}

TEST(ThroughputComm, Zero3CommunicatesMoreThanDdp) {
  auto ddp = Base(A100(), 8, 4);
  ddp.hardware.network_gbps = 100;
  ddp.training.global_batch = 64;
  auto z3 = ddp;
  z3.parallelism.zero = 3;
  EXPECT_GT(Estimate1(z3).breakdown_s.communication, Estimate1(ddp).breakdown_s.communication);
}

// ZeRO-2 under DeepSpeed keeps the whole 16-bit model on every rank: each micro-batch only
// reduce-scatters its gradients, and the updated parameters are gathered once per step.
// FSDP SHARD_GRAD_OP regathers them for every forward, so its communication grows faster
// with the micro-batches of a step.
TEST(ThroughputComm, DeepSpeedZero2GathersOncePerStepFsdpEveryMicroBatch) {
  auto job = [](bool replicated, long long micro_batches) {
    auto s = Base(A100(), 8, 4);
    s.hardware.network_gbps = 100;
    s.parallelism.zero = 2;
    s.training.global_batch = 2 * 32 * micro_batches;  // micro-batch 2, dp 32
    s.training.stack.defaulted = false;
    s.training.stack.zero2_replicated_params = replicated;
    return Estimate1(s).breakdown_s.communication;
  };
  const double ds_more = job(true, 4) - job(true, 1);
  const double fsdp_more = job(false, 4) - job(false, 1);
  EXPECT_GT(ds_more, 0);
  EXPECT_LT(ds_more, fsdp_more);
}

// FSDP under a pipeline schedule that keeps each stage gathered and its gradients unsynced
// until the last backward (torchtitan): one all-gather and one reduce-scatter per step,
// where layer-by-layer FSDP gathers and reduce-scatters in every micro-batch.
TEST(ThroughputComm, PipelinedFsdpGathersAndReducesOncePerStep) {
  auto job = [](bool unsharded) {
    auto s = Base(A100(), 8, 4);
    s.hardware.network_gbps = 100;
    s.parallelism.pp = 2;
    s.parallelism.zero = 3;
    s.training.global_batch = 2 * 16 * 8;  // micro-batch 2, dp 16, 8 micro-batches
    s.training.stack.id = workload::Framework::kTorchtitan;
    s.training.stack.defaulted = false;
    s.training.stack.fsdp_pipeline_unsharded = unsharded;
    return Estimate1(s).breakdown_s.communication;
  };
  EXPECT_LT(job(true), job(false));
}

// Context-parallel ranks reduce their gradients like data-parallel replicas (each saw other
// tokens of the sequence) and ZeRO shards over them: 8 GPUs at cp 8, dp 1 still reduce
// every gradient, and ZeRO-3 adds its gathers to that.
TEST(ThroughputComm, ContextParallelRanksReduceAndShardTheirGradients) {
  auto s = Base(A100(), 8);
  s.hardware.network_gbps = 100;
  s.training.seq_len = 32768;
  s.training.micro_batch = 1;
  s.parallelism.cp = 8;
  ASSERT_EQ(s.DataParallel(), 1);
  auto z3 = s;
  z3.parallelism.zero = 3;
  EXPECT_GT(Estimate1(z3).breakdown_s.communication, Estimate1(s).breakdown_s.communication);
}

// ZeRO-1 data parallelism over every GPU of `nodes` 8-GPU A100 nodes with one micro-batch
// per step (the global batch is micro-batch x GPUs), the stack's traits set by the test.
workload::Scenario OneMicroBatchZero1(int nodes, double network_gbps, int micro_batch) {
  auto s = Base(A100(), 8, nodes);
  s.hardware.network_gbps = network_gbps;
  s.training.micro_batch = micro_batch;
  s.training.global_batch = 8LL * nodes * micro_batch;
  s.parallelism.zero = 1;
  s.training.stack.defaulted = false;
  return s;
}

// ZeRO-1: the gradients' reduce-scatter overlaps the last backward; the updated parameters'
// all-gather ends the step (DeepSpeed) unless the stack issues it ahead of the next forward
// (Megatron-Core --overlap-param-gather), where only the part the forward cannot hide and
// the slowdown of the compute it hides behind remain.
TEST(ThroughputComm, Zero1ParamGatherIsExposedUnlessTheStackOverlapsItWithTheForward) {
  auto job = [](bool overlap) {
    auto s = OneMicroBatchZero1(4, 100, 2);  // dp 32
    s.training.stack.overlap_param_gather = overlap;
    return s;
  };
  const auto after_step = Estimate1(job(false)).breakdown_s.communication;
  const auto overlapped = Estimate1(job(true)).breakdown_s.communication;
  ASSERT_GT(overlapped, 0);
  EXPECT_LT(overlapped, after_step);
  // Exposed whole after the step, the gather costs more than DDP's all-reduce, whose
  // buckets all overlap the backward.
  auto ddp = job(false);
  ddp.parallelism.zero = 0;
  EXPECT_GT(after_step, Estimate1(ddp).breakdown_s.communication);
}

// ZeRO-1 reduce-scatters and all-gathers bucket by bucket, each bucket a collective with
// the ring latency: across 32 nodes one bucket per parameter tensor (NeMo's MLPerf
// bucket_size 200) costs more exposed time than DeepSpeed's 5e8-parameter buckets, and
// Megatron-Core's default (max(40M, 1M x dp) parameters) sits between.
TEST(ThroughputComm, Zero1PaysTheRingLatencyOncePerBucket) {
  auto job = [](double bucket) {
    auto s = OneMicroBatchZero1(32, 200, 1);  // dp 256
    s.training.stack.dp_bucket_params = bucket;
    return s;
  };
  const double per_tensor = Estimate1(job(200)).breakdown_s.communication;
  const double megatron_default = Estimate1(job(0)).breakdown_s.communication;
  const double large = Estimate1(job(5e8)).breakdown_s.communication;
  EXPECT_GT(per_tensor, megatron_default);
  EXPECT_GT(megatron_default, large);
  // The explanation names the collectives and the latency each pays: 8e9 / 5e8 -> 17.
  Explanation e;
  EstimateThroughput(job(5e8), Ctx(), &e);
  bool named = false;
  for (const auto& b : e.basis)
    if (b.find("(17 buckets each way, ring latency ") != std::string::npos) named = true;
  EXPECT_TRUE(named);
}

// Megatron reduce-scatters its gradients in the buffer's dtype: fp32 by default under bf16,
// bf16 with grad_reduce_fp32 off. Exposed after a step with one micro-batch (DDP-style
// buckets of the last backward), the bf16 reduction is the shorter; the parameter
// all-gather moves 16-bit weights either way.
TEST(ThroughputComm, MegatronReducesGradientsInTheBufferDtype) {
  auto job = [](bool fp32) {
    auto s = OneMicroBatchZero1(4, 100, 2);  // dp 32
    s.training.precision = workload::Precision::kBf16Mixed;
    s.training.stack.id = workload::Framework::kMegatron;
    s.training.stack.overlap_param_gather = false;
    s.training.stack.grad_reduce_fp32 = fp32;
    return s;
  };
  Explanation fp32_explain, bf16_explain;
  const double fp32 = EstimateThroughput(job(true), Ctx(), &fp32_explain).breakdown_s.communication;
  const double bf16 =
      EstimateThroughput(job(false), Ctx(), &bf16_explain).breakdown_s.communication;
  ASSERT_GT(bf16, 0);
  EXPECT_LT(bf16, fp32);
  EXPECT_DOUBLE_EQ(job(true).MegatronGradBytes(), 4);
  EXPECT_DOUBLE_EQ(job(false).MegatronGradBytes(), 2);
}

TEST(ThroughputRates, Fp8IsFasterButUnder2xOnHopper) {
  auto bf16 = Base(H100());
  bf16.training.micro_batch = 8;
  bf16.training.global_batch = 64;  // GEMM-bound: the optimizer step is amortised
  auto fp8 = bf16;
  fp8.training.precision = workload::Precision::kFp8Mixed;
  // The mechanism on the priors' factors (fp8_gemm_speedup 1.77, the MAMF ratio): the fitted
  // ones (data/calibration.yaml) move the GEMM share of the step with the validation rows.
  const Context prior{&io::PriorEfficiency(), nullptr};
  const double speedup =
      EstimateThroughput(fp8, prior).tokens_per_s / EstimateThroughput(bf16, prior).tokens_per_s;
  EXPECT_GT(speedup, 1.2);
  EXPECT_LT(speedup, 1.77);
}

// Transformer Engine saves the fp8 (transposed) input and weight copies its forward cast;
// torchao keeps the 16-bit operands and casts them again in backward: once, the backward
// element-wise passes (kBackwardBytesRatio) never repeat the forward casts.
// One bf16 micro-batch per step on an H100 whose stack casts fp8 weights per use. The stack
// is the one given, not a default (which fp8 would turn into Megatron's runtime, with its
// fused AdamW), so the fp8 and bf16 steps differ only by the casts.
workload::Scenario Fp8Step(int micro_batch, int seq) {
  auto s = Base(H100());
  s.training.stack.defaulted = false;
  s.training.micro_batch = micro_batch;
  s.training.global_batch = micro_batch;
  s.training.seq_len = seq;
  s.training.stack.fp8_weight_cache = false;
  return s;
}

// `bf16` in fp8-mixed with the stack trait `field` set, then cleared.
std::array<workload::Scenario, 2> Fp8WithAndWithout(const workload::Scenario& bf16,
                                                    bool workload::StackTraits::*field) {
  auto with = bf16;
  with.training.precision = workload::Precision::kFp8Mixed;
  with.training.stack.*field = true;
  auto without = with;
  without.training.stack.*field = false;
  return {with, without};
}

TEST(ThroughputRates, Fp8BackwardRecastsOnlyWhereTheStackKeeps16BitOperands) {
  auto bf16 = Fp8Step(8, 2048);
  const auto [saved, recast] = Fp8WithAndWithout(bf16, &workload::StackTraits::fp8_saved_casts);
  const double m16 = EstimateBytes(bf16).breakdown_s.memory;
  const double m_saved = EstimateBytes(saved).breakdown_s.memory;
  const double m_recast = EstimateBytes(recast).breakdown_s.memory;
  const double all_casts = m_saved - m16;  // forward casts + output-gradient casts
  const double forward_casts = m_recast - m_saved;
  EXPECT_GT(forward_casts, 0);
  // Per token and layer, 2 B per element cast (read 2 + write 1 + transpose 1, less the
  // fused read): forward the input of each of q, k, v, o, gate, up (h wide) and down (ffn)
  // and the layer's weights per micro-batch (4 B per param over the micro-batch's tokens);
  // backward the output gradients (q + 2 kv, o, 2 ffn, down: 3h + 2 kv + 2 ffn wide).
  const double h = 4096, kv = 1024, ffn = 14336, tokens = 8 * 2048;
  const double weights = h * (h + 2 * kv + h) + 3 * h * ffn;
  const double fwd = 2 * (6 * h + ffn) + 4 * weights / tokens;
  const double bwd = 2 * (3 * h + 2 * kv + 2 * ffn);
  EXPECT_NEAR(forward_casts / all_casts, fwd / (fwd + bwd), 1e-6);
  auto bf16_recast = bf16;
  bf16_recast.training.stack.fp8_saved_casts = false;
  EXPECT_DOUBLE_EQ(EstimateBytes(bf16_recast).breakdown_s.memory, m16);
}

// Under tensor parallelism a GPU casts the input it holds: a row-parallel linear's (o, down)
// d_in / tp, a column-parallel one's (q, k, v, gate, up) replicated input in full, or under
// sequence parallelism its 1 / tp sequence shard before the fp8 all-gather (Transformer
// Engine). Forward casts per token and layer, 2 B per element: without sequence parallelism
// 5h + (h + ffn) / tp, with it (6h + ffn) / tp; the weights' casts (4 B per local param per
// micro-batch) alike in both.
TEST(ThroughputRates, Fp8CastsTheInputEachTensorParallelRankHolds) {
  auto forward_casts = [](bool sp) {
    auto bf16 = Fp8Step(8, 2048);
    bf16.hardware.count = 2;
    bf16.parallelism.tp = 2;
    bf16.parallelism.sequence_parallel = sp;
    const auto [saved, recast] = Fp8WithAndWithout(bf16, &workload::StackTraits::fp8_saved_casts);
    return EstimateBytes(recast).breakdown_s.memory - EstimateBytes(saved).breakdown_s.memory;
  };
  const double replicated = forward_casts(false), sharded = forward_casts(true);
  ASSERT_GT(sharded, 0);
  const double h = 4096, kv = 1024, ffn = 14336, tokens = 8 * 2048, tp = 2;
  const double weights = (h * (h + 2 * kv + h) + 3 * h * ffn) / tp;
  const double sp_elems = (6 * h + ffn) / tp, full_elems = 5 * h + (h + ffn) / tp;
  EXPECT_NEAR(replicated / sharded,
              (2 * full_elems + 4 * weights / tokens) / (2 * sp_elems + 4 * weights / tokens),
              1e-6);
}

// NeMo's LoRA adapter drops out its input where the base linear's input sits: a
// column-parallel module's sequence shard under sequence parallelism (before the gather), a
// row-parallel module's d_in / tp slice. Adapters on q and v: 3 passes over h / tp per
// token instead of h each.
TEST(ThroughputAdapters, LoraDropoutRunsOnTheRanksShardOfTheInput) {
  auto dropout_time = [](bool sp, std::vector<std::string> targets) {
    auto s = Base(H100(), 4);
    s.training.method = workload::Method::kLora;
    s.training.precision = workload::Precision::kBf16;
    s.training.lora.rank = 16;
    s.training.lora.targets = std::move(targets);
    s.parallelism.tp = 4;
    s.parallelism.sequence_parallel = sp;
    auto none = s;
    s.training.lora.dropout = 0.1;
    none.training.lora.dropout = 0;
    return EstimateBytes(s).breakdown_s.memory - EstimateBytes(none).breakdown_s.memory;
  };
  const double column = dropout_time(false, {"q_proj", "v_proj"});
  ASSERT_GT(column, 0);
  EXPECT_NEAR(dropout_time(true, {"q_proj", "v_proj"}) / column, 1.0 / 4, 1e-9);
  // o_proj (row-parallel) holds h / tp whatever the sequence split: a quarter of q's.
  EXPECT_NEAR(dropout_time(false, {"o_proj"}) / column, 0.5 / 4, 1e-9);
  EXPECT_NEAR(dropout_time(true, {"o_proj"}) / dropout_time(false, {"o_proj"}), 1, 1e-9);
}

// torchao outside torch.compile (current scaling, casts not fused) casts with a chain of
// PyTorch ops: abs, max, upcast, scale, clamp, cast = 33 B per element, + 2 for the
// transposed copy; fused (Inductor) casts move 4 B per element (read 2 + write 1 +
// transpose 1 + amax 2 - fused read 2) and 4 per weight parameter. Measured on H200 at Llama
// 3 8B layer shapes (results_h200/measured2.jsonl): fp8 eager 27% slower than bf16 eager.
TEST(ThroughputRates, Fp8CastsOfTorchaoOutsideCompileAreAChainOfOps) {
  auto bf16 = Fp8Step(1, 8192);
  bf16.training.stack.fp8_recipe = workload::Fp8Recipe::kCurrent;
  bf16.training.stack.fp8_saved_casts = false;
  const auto [compiled, eager] = Fp8WithAndWithout(bf16, &workload::StackTraits::fp8_fused_casts);
  const double m16 = EstimateBytes(bf16).breakdown_s.memory;
  const double fused_casts = EstimateBytes(compiled).breakdown_s.memory - m16;
  const double op_casts = EstimateBytes(eager).breakdown_s.memory - m16;
  ASSERT_GT(fused_casts, 0);
  EXPECT_NEAR(op_casts / fused_casts, 35.0 / 4.0, 1e-6);
  EXPECT_LT(EstimateBytes(eager).tokens_per_s, EstimateBytes(bf16).tokens_per_s);
  EXPECT_GT(EstimateBytes(compiled).tokens_per_s, EstimateBytes(bf16).tokens_per_s);
}

// The stack's host work (the Trainer's syncs and bookkeeping) and the launch-bound excess
// are both GPU time spent waiting for the host: they overlap. A GPU-bound step pays the
// stack's work in full, a launch-bound one only what exceeds its launch wait (measured on
// H200: the Trainer added 5.5-12.7 ms to GPU-bound steps, 0.7-2.4 ms to host-bound ones).
TEST(ThroughputHost, StackHostWorkOverlapsTheLaunchWait) {
  auto scen = [](int seq, double host_s) {
    auto s = Base(H100());
    s.training.precision = workload::Precision::kBf16;
    s.training.stack.kernels = workload::KernelStyle::kEager;
    s.training.micro_batch = 1;
    s.training.global_batch = 1;
    s.training.seq_len = seq;
    s.training.stack.step_host_s = host_s;
    return s;
  };
  auto compute = [&](int seq, double host_s) {
    return Estimate1(scen(seq, host_s)).breakdown_s.compute;
  };
  EXPECT_EQ(HopperMicroBatch(scen(8192, 0)).launch_excess, 0);
  EXPECT_NEAR(compute(8192, 0.01) - compute(8192, 0), 0.01, 1e-9);  // paid in full
  const double wait = HopperMicroBatch(scen(16, 0)).launch_excess;
  ASSERT_GT(wait, 0.01);
  EXPECT_NEAR(compute(16, 0.01), compute(16, 0), 1e-12);  // hidden in the launch wait
  EXPECT_NEAR(compute(16, wait + 0.004) - compute(16, 0), 0.004, 1e-9);  // only the excess
}

// DeepSpeed ZeRO-3 hooks every module a layer calls (the layer, attention, MLP, two norms,
// each linear; PEFT's LoRA wrapper 4 more per adapter): 4 host calls per module forward, 2
// per backward, the forward's again when it is recomputed. And each trainable tensor's
// gradient hook: 3 calls (hook, bucket copy, partition), 2 per bucket flush (h^2 elements, or
// one larger tensor). The host time adds to the step even when the GPU work is long (the
// fetches advance module by module); ZeRO-2 and FSDP stacks (no such hooks) have none.
TEST(ThroughputHost, DeepSpeedZero3HooksEveryModuleAndGradientOnTheHost) {
  auto scen = [](int zero, bool hooks) {
    auto s = Base(H100(), 8);
    s.training.seq_len = 8192;
    s.training.micro_batch = 1;
    s.training.global_batch = 16;  // 2 micro-batches per GPU
    s.parallelism.zero = zero;
    s.training.stack.zero3_module_gather = hooks;
    return s;
  };
  const double launch = io::BuiltinEfficiency().global.launch_overhead_s;
  const double modules = 32 * (5 + 7);  // Llama 8B: 32 layers of 5 blocks and 7 linears
  // Trainable tensors: 7 weights + 2 RMSNorm weights per layer, embedding, final norm, head;
  // 8.03e9 elements fill more 4096^2 buckets than there are tensors: one flush per tensor.
  const double tensors = 32 * (7 + 2) + 3;
  const double grads = tensors * (3 + 2);
  EXPECT_NEAR(HopperMicroBatch(scen(3, true)).zero3_hooks, (modules * (4 + 2) + grads) * launch,
              1e-12);
  EXPECT_EQ(HopperMicroBatch(scen(2, true)).zero3_hooks, 0);
  EXPECT_EQ(HopperMicroBatch(scen(3, false)).zero3_hooks, 0);

  auto recompute = scen(3, true);
  recompute.training.activation_checkpointing = workload::Checkpointing::kFull;
  EXPECT_NEAR(HopperMicroBatch(recompute).zero3_hooks, (modules * (4 * 2 + 2) + grads) * launch,
              1e-12);

  // r16 on q, k, v, o: 4 adapters of 4 modules and 2 tensors each per layer; their 1.4e7
  // elements (32 x 16 x (2 x 8192 + 2 x 5120)) fit one bucket.
  auto lora = scen(3, true);
  lora.training.method = workload::Method::kLora;
  lora.training.lora.rank = 16;
  const double adapter_tensors = 32 * 4 * 2;
  EXPECT_NEAR(HopperMicroBatch(lora).zero3_hooks,
              (32 * (5 + 7 + 4 * 4) * (4 + 2) + 3 * adapter_tensors + 2 * 1) * launch, 1e-12);

  // An MoE MLP block is a leaf module: its experts, router and shared expert add no module
  // hooks, so a layer hooks 5 blocks and its 4 attention linears; their tensors still get
  // gradient hooks (per layer 4 attention weights, 8 experts x 3, the router, 2 norms).
  auto moe = scen(3, true);
  moe.model.experts = 8;
  moe.model.experts_active = 2;
  moe.model.params = catalog::CountParams(moe.model).total;
  const double moe_tensors = 32 * (4 + 8 * 3 + 1 + 2) + 3;
  const double moe_grads = 3 * moe_tensors + 2 * moe_tensors;  // more elements than buckets
  EXPECT_NEAR(HopperMicroBatch(moe).zero3_hooks, (32 * (5 + 4) * (4 + 2) + moe_grads) * launch,
              1e-12);

  // Paid in full by a GPU-bound step, once per micro-batch.
  ASSERT_EQ(HopperMicroBatch(scen(3, true)).launch_excess, 0);
  EXPECT_NEAR(
      Estimate1(scen(3, true)).breakdown_s.compute - Estimate1(scen(3, false)).breakdown_s.compute,
      2 * (modules * (4 + 2) + grads) * launch, 1e-9);
}

// One table of LoRA target names for memory and throughput (catalog/module_names.h): a
// name PEFT uses for the fused projection ("c_attn", a dotted path) adapts the same modules
// in both, where throughput used to match names literally and count no adapter at all.
// A model that fuses q, k and v carries one adapter where a Llama layer carries three: fewer
// parameters (r x (h + q + 2 kv) against r x (3h + q + 2 kv)) and fewer launches.
TEST(ThroughputAdapters, TargetNamesReachTheModulesMemoryAdapts) {
  auto lora = [](std::vector<std::string> targets, bool fused) {
    auto s = Base(H100());
    s.training.method = workload::Method::kLora;
    s.training.precision = workload::Precision::kBf16;
    s.training.stack.kernels = workload::KernelStyle::kEager;
    s.training.lora.rank = 16;
    s.training.lora.targets = std::move(targets);
    s.training.seq_len = 64;  // host-bound: every launch counts
    s.training.micro_batch = 1;
    s.training.global_batch = 1;
    s.model.fused_qkv = fused;
    return s;
  };
  const auto named = lora({"q_proj", "k_proj", "v_proj"}, false);
  for (const char* alias : {"c_attn", "query_key_value", "model.layers.0.self_attn.qkv_proj"}) {
    const auto s = lora({alias}, false);
    EXPECT_DOUBLE_EQ(Estimate1(s).tokens_per_s, Estimate1(named).tokens_per_s) << alias;
    EXPECT_DOUBLE_EQ(EstimateMemory(s, Ctx()).trainable_params,
                     EstimateMemory(named, Ctx()).trainable_params)
        << alias;
  }
  const double h = 4096, kv = 1024, r = 16, layers = 32;
  EXPECT_DOUBLE_EQ(EstimateMemory(named, Ctx()).trainable_params,
                   layers * r * (3 * h + h + 2 * kv));
  const auto fused = lora({"c_attn"}, true);
  EXPECT_DOUBLE_EQ(EstimateMemory(fused, Ctx()).trainable_params, layers * r * (h + h + 2 * kv));
  EXPECT_DOUBLE_EQ(EstimateMemory(lora({"q_proj", "v_proj"}, true), Ctx()).trainable_params,
                   layers * r * (h + h + 2 * kv));  // a part of the fused module adapts it all
  // Launches: the fused layer runs 2 fewer GEMMs and 2 fewer adapters (5 kernels each),
  // forward and backward (x 3), at the fitted cost per launch.
  const double launch = io::BuiltinEfficiency().global.launch_overhead_s;
  const auto unfused = HopperMicroBatch(named), one = HopperMicroBatch(fused);
  ASSERT_GT(one.launch_excess, 0);
  const double gpu_saved = unfused.Forward() + unfused.Backward() - one.Forward() - one.Backward();
  EXPECT_NEAR(unfused.launch_excess - one.launch_excess + gpu_saved,
              layers * (2 + 2 * 5) * 3 * launch, 1e-9);
}

TEST(ThroughputRates, Fp32UsesNonTensorRate) {
  auto s = Base();
  s.training.precision = workload::Precision::kFp32;
  auto r32 = Estimate1(s);
  auto r16 = Estimate1(Base());
  // 19.5 vs 312 TFLOP/s: an order of magnitude slower.
  EXPECT_GT(r16.tokens_per_s / r32.tokens_per_s, 8);
  EXPECT_LT(r32.mfu, 0.07);  // MFU stays against the 16-bit peak
}

TEST(ThroughputResult, MfuIsBetweenZeroAndOne) {
  for (auto gpu : {A100(), H100(), Rtx4090()})
    for (int mb : {1, 4, 16})
      for (auto ck : {workload::Checkpointing::kNone, workload::Checkpointing::kFull}) {
        auto s = Base(gpu);
        s.training.micro_batch = mb;
        s.training.activation_checkpointing = ck;
        auto r = Estimate1(s);
        EXPECT_GT(r.mfu, 0) << gpu.id << " mb " << mb;
        EXPECT_LT(r.mfu, 1) << gpu.id << " mb " << mb;
        EXPECT_NEAR(r.tflops_per_gpu * 1e12, r.mfu * gpu.Peak16FlopsPerS(), 1e3);
      }
}

TEST(ThroughputResult, BreakdownSumsToStepTime) {
  auto a = Base(A100(), 8, 2);
  a.parallelism.tp = 2;
  a.parallelism.pp = 2;
  a.parallelism.zero = 1;
  a.training.global_batch = 64;
  auto b = Base(Rtx4090(), 2);
  b.training.method = workload::Method::kQlora;
  b.parallelism.offload = workload::Offload::kOptimizer;
  b.training.global_batch = 16;
  for (const auto& s : {a, b, Base()}) {
    auto r = Estimate1(s);
    ASSERT_GT(r.step_time_s, 0);
    EXPECT_NEAR(Sum(r.breakdown_s), r.step_time_s, 1e-9 * r.step_time_s);
    EXPECT_NEAR(r.tokens_per_s, s.GlobalBatch() * 2048.0 / r.step_time_s, 1e-6 * r.tokens_per_s);
    EXPECT_NEAR(r.tokens_per_s_per_gpu * s.hardware.TotalGpus(), r.tokens_per_s,
                1e-6 * r.tokens_per_s);
    EXPECT_LT(r.low_tokens_per_s_per_gpu, r.tokens_per_s_per_gpu);
    EXPECT_GT(r.high_tokens_per_s_per_gpu, r.tokens_per_s_per_gpu);
  }
}

TEST(ThroughputResult, UnknownPeakGivesNoNaN) {
  auto s = Base();
  s.hardware.gpu.bf16_tensor_dense_tflops.reset();
  s.hardware.gpu.fp16_tensor_fp32acc_dense_tflops.reset();
  Explanation e;
  auto r = EstimateThroughput(s, Ctx(), &e);  // falls back to the FP32 rate, warns
  EXPECT_TRUE(std::isfinite(r.step_time_s));
  EXPECT_GT(r.tokens_per_s, 0);
  EXPECT_FALSE(e.warnings.empty());
  s.hardware.gpu.fp32_tflops_nontensor.reset();
  s.hardware.gpu.memory_bw_gbs.reset();
  s.hardware.gpu.architecture = "Unheard-of";
  auto z = EstimateThroughput(s, Ctx(), &e);
  for (double v : {z.step_time_s, z.tokens_per_s, z.tokens_per_s_per_gpu, z.mfu, z.tflops_per_gpu,
                   Sum(z.breakdown_s)}) {
    EXPECT_TRUE(std::isfinite(v));
    EXPECT_GE(v, 0);
  }
}

TEST(ThroughputResult, ExplainChangesNoNumber) {
  auto s = Base(H100(), 8, 2);
  s.parallelism.zero = 3;
  s.training.global_batch = 128;
  Explanation e;
  auto with = EstimateThroughput(s, Ctx(), &e);
  auto without = EstimateThroughput(s, Ctx(), nullptr);
  EXPECT_DOUBLE_EQ(with.step_time_s, without.step_time_s);
  EXPECT_FALSE(e.basis.empty());
}

// Given no efficiency table, an estimate uses the built-in table's fallback values (one set
// of defaults, data/efficiency.yaml), as for a GPU of an unknown architecture.
TEST(ThroughputResult, NoTableUsesTheDataFallback) {
  auto s = Base(H100(), 8, 2);
  s.hardware.gpu.architecture = "no-such-architecture";
  const double with_table = EstimateThroughput(s, Ctx()).step_time_s;
  const double no_table = EstimateThroughput(s, Context{nullptr, nullptr}).step_time_s;
  EXPECT_GT(no_table, 0);
  EXPECT_DOUBLE_EQ(no_table, with_table);
  s.hardware.gpu.architecture = "Hopper";  // a row of its own: other factors
  EXPECT_NE(EstimateThroughput(s, Ctx()).step_time_s, no_table);
}

TEST(ThroughputResult, LaunchOverheadBoundsTinyModels) {
  auto s = Base();
  s.model.layers = 2;
  s.model.hidden = 128;
  s.model.heads = 2;
  s.model.kv_heads = 2;
  s.model.ffn = 512;
  s.model.vocab = 1000;
  s.training.micro_batch = 1;
  s.training.seq_len = 64;
  auto r = Estimate1(s);
  // ~2 layers x 25 ops x 3 + loss ~ 180 launches x 20-35 us: the host bounds the step.
  EXPECT_GT(r.step_time_s, 1e-3);
  EXPECT_EQ(r.bottleneck, Bottleneck::kCompute);
}

// Each memory-bound kernel costs a fixed GPU time beside its bytes
// (GlobalEfficiency::memory_kernel_fixed_s): the same layer's non-GEMM kernels, forward and
// backward, add the same seconds at any token count, so they weigh on small micro-batches.
TEST(ThroughputMemory, EachMemoryBoundKernelHasAFixedGpuTime) {
  const double fixed = io::BuiltinEfficiency().global.memory_kernel_fixed_s;
  ASSERT_GT(fixed, 0);
  for (int seq : {64, 4096}) {
    auto s = Base(H100());
    s.training.seq_len = seq;
    s.training.precision = workload::Precision::kBf16;  // no autocast casts
    const auto with = HopperMicroBatch(s), without = HopperMicroBatch(s, BytesOnly());
    const auto& stack = s.training.stack;
    // Forward: the layer's kernels less its linears (q, k, v, o, gate, up, down) and the
    // attention kernel, on every layer; backward twice as many.
    const double kernels = stack.kernels_per_layer - 7 - 1;
    EXPECT_NEAR(with.memory_fwd - without.memory_fwd, s.model.layers * kernels * fixed, 1e-12);
    EXPECT_NEAR(with.memory_bwd - without.memory_bwd, 2 * s.model.layers * kernels * fixed, 1e-12);
  }
}

}  // namespace
}  // namespace gpuadv::estimate
