// Memory estimator rules (MODELLING.md sections 2-4), hand-computed from the formulas and
// papers they come from; each test names the rule it pins.
#include <gtest/gtest.h>

#include <cmath>

#include "gpuadv/estimate/estimate.h"
#include "gpuadv/estimate/memory_terms.h"
#include "gpuadv/estimate/throughput_internal.h"
#include "memory_test_util.h"

namespace gpuadv::estimate {
namespace {

using testing::Gpu;
using testing::Llama31_8B;
using testing::Scenario;
using workload::Method;
using workload::Optimizer;
using workload::Precision;

mem::Stage Whole(const mem::Setup& st) { return {true, true, st.shape.layers, 0, 1}; }

double StatesPerParam(const workload::Scenario& s) {
  const mem::Setup st = mem::MakeSetup(s, nullptr);
  const mem::States w = mem::StageStates(st, Whole(st));
  return (w.weights + w.gradients + w.optimizer) / st.params.total;
}

// ---- model states (section 2 table) ----

TEST(ModelStates, MixedPrecisionAdamWIs16BytesPerParam) {
  auto s = Scenario(Llama31_8B(), Gpu("a100-80gb-sxm", 80));
  s.training.precision = Precision::kBf16Mixed;
  EXPECT_DOUBLE_EQ(StatesPerParam(s), 16);  // AMP: 4 weights + 4 grads + 8 moments
  s.parallelism.zero = 1;                   // DeepSpeed: 2 + 2 + 12 (fp32 master, m, v)
  EXPECT_DOUBLE_EQ(StatesPerParam(s), 16);
}

TEST(ModelStates, PureBf16AdamWIs8BytesPerParam) {
  auto s = Scenario(Llama31_8B(), Gpu("a100-80gb-sxm", 80));
  s.training.precision = Precision::kBf16;
  EXPECT_DOUBLE_EQ(StatesPerParam(s), 8);  // LLaMA-Factory pure_bf16: 8 x N
}

// accelerate's FSDP upcasts a bf16 model's trainable parameters to fp32 under the Trainer's
// bf16 autocast (stack trait fsdp_fp32_trainable): fp32 master weights, gradients and AdamW
// states, sharded; without FSDP, or without the trait, the states stay bf16.
TEST(ModelStates, FsdpUpcastsABf16ModelsTrainableParametersToFp32) {
  auto s = Scenario(Llama31_8B(), Gpu("a100-80gb-sxm", 80), 4);
  s.training.precision = Precision::kBf16;
  s.training.stack.fsdp_fp32_trainable = true;
  s.parallelism.zero = 3;
  EXPECT_TRUE(s.FsdpFp32Trainable());
  EXPECT_FALSE(s.PureBf16States());
  const mem::Setup st = mem::MakeSetup(s, nullptr);
  EXPECT_TRUE(st.param_cast);  // compute on bf16 copies (FSDP MixedPrecision)
  const mem::States w = mem::StageStates(st, Whole(st));
  EXPECT_NEAR(w.weights + w.gradients + w.optimizer, 16 * st.params.total / 4, 1);
  // The Trainer's bf16 over DDP: no upcast.
  s.parallelism.zero = 0;
  EXPECT_FALSE(s.FsdpFp32Trainable());
  EXPECT_TRUE(s.PureBf16States());
  EXPECT_DOUBLE_EQ(StatesPerParam(s), 8 + 2);  // + DDP gradient bucket (dp 4)
  // accelerate before 0.30 (the trait off): bf16 states sharded.
  s.parallelism.zero = 3;
  s.training.stack.fsdp_fp32_trainable = false;
  const mem::Setup old = mem::MakeSetup(s, nullptr);
  const mem::States o = mem::StageStates(old, Whole(old));
  EXPECT_NEAR(o.weights + o.gradients + o.optimizer, 8 * old.params.total / 4, 1);
  // The optimizer step moves fp32 states where FSDP upcast them (foreach AdamW: 80 vs 40 B).
  s.training.stack.fsdp_fp32_trainable = true;
  EXPECT_DOUBLE_EQ(detail::OptimizerBytesPerParam(s), 80);
  s.training.stack.fsdp_fp32_trainable = false;
  EXPECT_DOUBLE_EQ(detail::OptimizerBytesPerParam(s), 40);
}

TEST(ModelStates, Fp32AdamWIs16AndMegatronIs18BytesPerParam) {
  auto s = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"), 8);
  s.training.precision = Precision::kFp32;
  EXPECT_DOUBLE_EQ(StatesPerParam(s), 16 + 4);  // + DDP gradient bucket (dp 8)
  s.training.precision = Precision::kBf16Mixed;
  s.parallelism.tp = 8;  // Megatron: 2 bf16 + 4 fp32 main grad + 12 (no DDP bucket)
  const mem::Setup st = mem::MakeSetup(s, nullptr);
  const mem::States w = mem::StageStates(st, Whole(st));
  // (the final norm is replicated on every TP rank)
  EXPECT_NEAR((w.weights + w.gradients + w.optimizer) / (st.params.total / 8), 18, 1e-4);
}

TEST(ModelStates, EightBitAdamKeepsTwoBytesPlusBlockAbsmax) {
  auto s = Scenario(Llama31_8B(), Gpu("a100-80gb-sxm", 80));
  s.training.precision = Precision::kBf16;
  s.training.optimizer = Optimizer::kAdamW8bit;
  EXPECT_DOUBLE_EQ(StatesPerParam(s), 2 + 2 + 2 * (1 + 4.0 / 256));
}

TEST(ModelStates, PagedOptimizerStateLeavesTheAllocator) {
  auto s = Scenario(Llama31_8B(), Gpu("a100-80gb-sxm", 80));
  s.training.precision = Precision::kBf16;
  s.training.optimizer = Optimizer::kPagedAdamW;
  const mem::Setup st = mem::MakeSetup(s, nullptr);
  const mem::States w = mem::StageStates(st, Whole(st));
  EXPECT_EQ(w.optimizer, 0);
  EXPECT_DOUBLE_EQ(w.paged, 8 * st.params.total);  // bnb 32-bit states are fp32
  const MemoryResult r = EstimateMemory(s, {});
  EXPECT_DOUBLE_EQ(r.paged_state_bytes, w.paged);
}

TEST(ModelStates, Nf4DoubleQuantIs0516BytesPerLinearParam) {
  auto s = Scenario(Llama31_8B(), Gpu("rtx-4090", 24, "Ada Lovelace"));
  s.training.method = Method::kQlora;
  const mem::Setup dq = mem::MakeSetup(s, nullptr);
  // 4 bits + 8/64 + 32/(64*256) bits = 4.127 bits (Dettmers et al. 2023, section 3).
  EXPECT_NEAR(dq.method.quant_bytes, 0.516, 0.0005);
  s.training.quantization.double_quant = false;  // 4 + 32/64 bits
  EXPECT_DOUBLE_EQ(mem::MakeSetup(s, nullptr).method.quant_bytes, 0.5625);
}

TEST(ModelStates, LoraLlama31_8BAllLinearRank16Has41_9MParams) {
  auto s = Scenario(Llama31_8B(), Gpu("rtx-4090", 24, "Ada Lovelace"));
  s.training.method = Method::kLora;
  s.training.lora.rank = 16;
  s.training.lora.all_linear = true;
  s.training.lora.targets.clear();
  const MemoryResult r = EstimateMemory(s, {});
  // r*(d_in+d_out): q 16*8192 + k,v 2*16*5120 + o 16*8192 + gate,up,down 3*16*18432
  // = 1,310,720 per layer, x 32 = 41,943,040 (MODELLING.md section 2).
  EXPECT_DOUBLE_EQ(r.trainable_params, 41943040);
  s.training.lora.all_linear = false;
  s.training.lora.targets = {"q_proj", "v_proj"};  // 16*(8192 + 5120) per layer
  EXPECT_DOUBLE_EQ(EstimateMemory(s, {}).trainable_params, 32.0 * 16 * (8192 + 5120));
  s.training.lora.targets = {"self_attn.to_q", "lm_head"};  // diffusers name + the head
  EXPECT_DOUBLE_EQ(EstimateMemory(s, {}).trainable_params,
                   32.0 * 16 * 8192 + 16.0 * (4096 + 128256));
}

TEST(ModelStates, QloraKeepsEmbeddingsAndHeadIn16Bit) {
  auto s = Scenario(Llama31_8B(), Gpu("rtx-4090", 24, "Ada Lovelace"));
  s.training.method = Method::kQlora;
  const mem::Setup st = mem::MakeSetup(s, nullptr);
  const mem::States w = mem::StageStates(st, Whole(st));
  const double embed_head = 2 * 128256.0 * 4096;  // untied: 1.05e9 params at 2 B
  const double linears = st.params.total - embed_head - 32 * st.params.norms_per_layer - 4096;
  const double adapters = 32 * 16 * (8192.0 + 5120 + 5120 + 8192);  // default q,k,v,o r16
  EXPECT_NEAR(w.weights, 2 * embed_head + 0.516 * linears + 2 * (32 * 8192.0 + 4096) + 4 * adapters,
              0.001 * w.weights);
}

// ZeRO-3 / FSDP shard and offload the 4-bit codes (the parameter tensor) but not the block
// constants: bitsandbytes keeps absmax as the module's quant_state, whole on every rank.
TEST(ModelStates, QloraBlockConstantsStayWholeOnEveryRankUnderZero3AndOffload) {
  auto s = Scenario(Llama31_8B(), Gpu("rtx-4090", 24, "Ada Lovelace"), 2);
  s.training.method = Method::kQlora;
  using workload::Offload;
  const auto weights = [&](int zero, Offload offload) {
    s.parallelism.zero = zero;
    s.parallelism.offload = offload;
    const mem::Setup st = mem::MakeSetup(s, nullptr);
    return mem::StageStates(st, Whole(st)).weights;
  };
  const mem::Setup st = mem::MakeSetup(s, nullptr);
  // 8/64 + 32/(64*256) bits of the 4.127 per quantised parameter.
  EXPECT_NEAR(st.method.quant_state_bytes, (8.0 / 64 + 32.0 / (64 * 256)) / 8, 1e-9);
  const double linears = 32 * (4096.0 * (4096 + 1024 + 1024 + 4096) + 3 * 4096.0 * 14336);
  const double replicated = weights(0, Offload::kNone);
  const double sharded = weights(3, Offload::kNone);
  const double offloaded = weights(3, Offload::kOptimizerParams);
  // Sharding over two ranks halves everything but the block constants.
  EXPECT_NEAR(replicated - sharded, (replicated - linears * st.method.quant_state_bytes) / 2,
              1e-6 * replicated);
  // Offloading the parameters leaves only the block constants on the GPU.
  EXPECT_NEAR(offloaded, linears * st.method.quant_state_bytes, 1e-6 * offloaded);
}

TEST(ModelStates, Zero3ShardsEverythingOverDataParallel) {
  auto s = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"), 8);
  s.parallelism.zero = 3;
  const mem::Setup st = mem::MakeSetup(s, nullptr);
  const mem::States w = mem::StageStates(st, Whole(st));
  EXPECT_NEAR(w.weights + w.gradients + w.optimizer, 16 * st.params.total / 8, 1);
  EXPECT_GT(w.weights_buffers, 0);  // two gathered layers + the unsharded root
}

TEST(ModelStates, Zero2And1ShardOnlyWhatTheyShard) {
  auto s = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"), 4);
  const double n = mem::MakeSetup(s, nullptr).params.total;
  s.parallelism.zero = 1;  // DeepSpeed: 2 + 2 + 12/4
  EXPECT_NEAR(StatesPerParam(s) * n, (2 + 2 + 12.0 / 4) * n, 1);
  s.parallelism.zero = 2;  // 2 + (2 + 12)/4
  EXPECT_NEAR(StatesPerParam(s) * n, (2 + 14.0 / 4) * n, 1);
  s.parallelism.offload = workload::Offload::kOptimizer;  // master + moments on the host
  const mem::Setup st = mem::MakeSetup(s, nullptr);
  const mem::States w = mem::StageStates(st, Whole(st));
  EXPECT_EQ(w.optimizer, 0);
  EXPECT_NEAR(w.host, (12 + 4) * n / 4, 1);
}

TEST(ModelStates, OptimizerInBackwardDropsTheGradientBuffer) {
  auto s = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"));
  s.training.precision = Precision::kBf16;
  const mem::Setup a = mem::MakeSetup(s, nullptr);
  s.training.optimizer_in_backward = true;
  const mem::Setup b = mem::MakeSetup(s, nullptr);
  const double g_full = mem::StageStates(a, Whole(a)).gradients;
  const double g_fused = mem::StageStates(b, Whole(b)).gradients;
  EXPECT_DOUBLE_EQ(g_full, 2 * a.params.total);
  EXPECT_LT(g_fused, g_full / 20);  // one layer's gradients at a time
}

// torch.optim AdamW foreach materialises one state-sized list at the step; a stack whose
// AdamW is fused (fused=True: the HF Trainer's default optim adamw_torch_fused with torch
// >= 2.8, torchtitan) has no such temporary (measured on H200: Llama-1B bf16-mixed mb1
// s2048 peaked at 22.15 GB with foreach, 20.46 GB through the Trainer's fused AdamW).
TEST(ModelStates, FusedAdamWHasNoForeachTemporary) {
  auto s = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"));
  s.training.precision = Precision::kBf16Mixed;
  const mem::Setup foreach = mem::MakeSetup(s, nullptr);
  EXPECT_DOUBLE_EQ(mem::StageStates(foreach, Whole(foreach)).optimizer_step,
                   4 * foreach.params.total);  // one fp32 state-sized list
  s.training.stack.fused_optimizer = true;
  const mem::Setup fused = mem::MakeSetup(s, nullptr);
  EXPECT_EQ(mem::StageStates(fused, Whole(fused)).optimizer_step, 0);
}

// Whether AdamW is fused is one answer (Scenario::FusedOptimizer) for the memory of the
// step and its time: Megatron's runtime, which a defaulted stack under tensor parallelism
// gets, runs FusedAdam; a stack that says it is not fused keeps its foreach temporary under
// ZeRO-2 as well.
TEST(ModelStates, FusedOptimizerIsOneAnswerForMemoryAndTime) {
  auto s = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"));
  s.training.precision = Precision::kBf16Mixed;
  s.hardware.count = 8;
  s.parallelism.tp = 2;  // a defaulted stack: Megatron's runtime
  ASSERT_FALSE(s.training.stack.fused_optimizer);
  EXPECT_TRUE(s.FusedOptimizer());
  const mem::Setup megatron = mem::MakeSetup(s, nullptr);
  EXPECT_TRUE(megatron.fused_optimizer);
  EXPECT_EQ(mem::StageStates(megatron, Whole(megatron)).optimizer_step, 0);
  EXPECT_DOUBLE_EQ(detail::OptimizerBytesPerParam(s), 28);  // one pass over fp32 states

  s.parallelism.tp = 1;
  s.parallelism.zero = 2;
  s.training.stack.defaulted = false;  // the pytorch stack as chosen: foreach AdamW
  EXPECT_FALSE(s.FusedOptimizer());
  const mem::Setup foreach = mem::MakeSetup(s, nullptr);
  EXPECT_GT(mem::StageStates(foreach, Whole(foreach)).optimizer_step, 0);
  EXPECT_DOUBLE_EQ(detail::OptimizerBytesPerParam(s), 80);  // foreach: 8 passes
}

// ---- activations (section 3) ----

mem::LayerSpec MegatronGpt3Layer() {
  mem::LayerSpec l;
  l.stack = mem::Stack::kMegatron;
  l.attention = workload::Attention::kEager;  // no flash: the s x s scores are saved
  l.s = 2048;
  l.b = 1;
  l.h = 12288;
  l.a = l.k = 96;
  l.d = 128;
  l.f = 4 * 12288;
  l.swiglu = false;
  l.layernorm = true;
  l.dropout = true;
  return l;
}

TEST(Activations, KorthikantiGpt3LayerIsSbhTimes34Plus5AsOverH) {
  const mem::LayerSpec l = MegatronGpt3Layer();
  const double sbh = l.s * l.b * l.h;
  const double expected = sbh * (34 + 5 * l.a * l.s / l.h);  // Korthikanti et al. 2022 §4.1
  const mem::LayerBytes r = mem::LayerActivationBytes(l);
  EXPECT_NEAR(r.saved, expected, 1e-4 * expected);  // + 16 B/token of LayerNorm statistics
  EXPECT_DOUBLE_EQ(r.score_saved, 5 * l.a * l.s * l.s * l.b);
}

// Transformer Engine's fp8 attention core takes and saves Q, K, V and its output O in fp8:
// one byte each instead of two; nothing else changes.
TEST(Activations, Fp8AttentionSavesQkvAndOutputInOneByte) {
  mem::LayerSpec l = MegatronGpt3Layer();
  l.attention = workload::Attention::kFlash;
  const mem::LayerBytes bf16 = mem::LayerActivationBytes(l);
  l.fp8_attention = true;
  const mem::LayerBytes fp8 = mem::LayerActivationBytes(l);
  const double sbh = l.s * l.b * l.h;  // q, k, v and o are each h wide (MHA)
  EXPECT_DOUBLE_EQ(bf16.saved - fp8.saved, 4 * sbh * (2 - 1));
  EXPECT_DOUBLE_EQ(bf16.fwd_transient, fp8.fwd_transient);
  l.attention = workload::Attention::kEager;  // no fp8 kernel: the flag changes nothing
  const double eager = mem::LayerActivationBytes(l).saved;
  l.fp8_attention = false;
  EXPECT_DOUBLE_EQ(mem::LayerActivationBytes(l).saved, eager);
}

TEST(Activations, TensorParallelWithoutSpReplicatesTenSbh) {
  mem::LayerSpec l = MegatronGpt3Layer();
  l.t = 8;
  const double sbh = l.s * l.b * l.h;
  const double expected = sbh * (10 + 24 / l.t + 5 * l.a * l.s / (l.h * l.t));  // Table 2
  EXPECT_NEAR(mem::LayerActivationBytes(l).saved, expected, 1e-4 * expected);
}

TEST(Activations, TensorParallelWithSequenceParallelDividesByT) {
  for (auto attention : {workload::Attention::kEager, workload::Attention::kFlash}) {
    mem::LayerSpec l = MegatronGpt3Layer();
    l.attention = attention;
    const double one = mem::LayerActivationBytes(l).saved;
    l.t = 8;
    l.sp = true;
    EXPECT_NEAR(mem::LayerActivationBytes(l).saved, one / 8, 1e-9 * one);
  }
}

TEST(Activations, FlashAttentionRemovesTheScoreTerm) {
  mem::LayerSpec l = MegatronGpt3Layer();
  l.attention = workload::Attention::kFlash;
  const mem::LayerBytes r = mem::LayerActivationBytes(l);
  EXPECT_EQ(r.score_saved, 0);
  // 34 sbh - dropout masks of the scores; + the fp32 log-sum-exp (4 a s b).
  const double sbh = l.s * l.b * l.h;
  EXPECT_NEAR(r.saved, 34 * sbh + 4 * l.a * l.s * l.b, 1e-4 * r.saved);
}

TEST(Activations, Llama8BFusedStackIs34SbhPerLayer) {
  // MODELLING.md section 3: 12sbh + 4sb*1024 + 6sb*3.5h = 34 sbh (flash, no dropout, fused
  // SwiGLU and norms).
  mem::LayerSpec l;
  l.stack = mem::Stack::kMegatron;
  l.s = 2048;
  l.b = 1;
  l.h = 4096;
  l.a = 32;
  l.k = 8;
  l.d = 128;
  l.f = 14336;
  const double sbh = l.s * l.b * l.h;
  const double lse_and_stats = 4 * l.a * l.s + 2 * 4 * l.s;
  EXPECT_NEAR(mem::LayerActivationBytes(l).saved, 34 * sbh + lse_and_stats, 1);
}

// A DeepSeek-V3 MoE layer as Megatron runs it on one GPU of tp 2 with sequence parallelism
// and etp 1, fp8 linear inputs: MLA with latents, 256 experts top-8, one shared expert.
mem::LayerSpec DeepSeekMoeLayer() {
  mem::LayerSpec l;
  l.stack = mem::Stack::kMegatron;
  l.s = 4096;
  l.b = 1;
  l.h = 7168;
  l.a = l.k = 128;
  l.d = 192;  // qk head: 128 + 64 RoPE
  l.d_v = 128;
  l.mla_latent = 1536 + 512;
  l.f = 18432;
  l.t = 2;
  l.sp = true;
  l.fp8_inputs = true;
  l.experts = 256;
  l.experts_active = 8;
  l.moe_ffn = 2048;
  l.shared_ffn = 2048;
  l.etp = 1;
  return l;
}

// Megatron's recompute modules (--recompute-modules): each frees exactly the tensors its
// module keeps for backward. Per GPU: 64 query heads of 192 and 64 key-value heads of
// (192 + 128) / 2 after the up projections (16-bit), the norm outputs at h / tp per token,
// the routed experts' 8 x 4096 x etp / tp copies of an fp8 second-GEMM input 2048 wide.
TEST(Activations, RecomputeModulesFreeWhatTheirModulesKeep) {
  using workload::RecomputeModule;
  auto flag = [](RecomputeModule m) { return static_cast<unsigned>(m); };
  const mem::LayerSpec l = DeepSeekMoeLayer();
  const mem::LayerBytes r = mem::LayerActivationBytes(l);
  const double sb = l.s * l.b, sbh_local = sb * l.h / l.t, routed = 8 * sb / l.t;
  EXPECT_DOUBLE_EQ(mem::ModulesFreed(r, flag(RecomputeModule::kMlaUpProj)),
                   2 * sb * (64 * 192 + 2 * 64 * (192 + 128) / 2.0));
  // The MLA input norm's output as the fp8 down projections keep it, the router's 16-bit.
  EXPECT_DOUBLE_EQ(mem::ModulesFreed(r, flag(RecomputeModule::kLayernorm)),
                   1 * sbh_local + 2 * sbh_local);
  EXPECT_DOUBLE_EQ(mem::ModulesFreed(r, flag(RecomputeModule::kMoeAct)), 1 * routed * 2048);
  EXPECT_EQ(mem::ModulesFreed(r, flag(RecomputeModule::kMlp)), 0);       // a MoE layer
  EXPECT_EQ(mem::ModulesFreed(r, flag(RecomputeModule::kCoreAttn)), 0);  // flash: no scores
  // The whole MoE checkpoint holds the activation and the shared experts: adding them
  // frees nothing more, and it keeps only its input, the router's.
  const unsigned moe = flag(RecomputeModule::kMoe);
  const double whole = mem::ModulesFreed(r, moe);
  EXPECT_GT(whole, mem::ModulesFreed(
                       r, flag(RecomputeModule::kMoeAct) | flag(RecomputeModule::kSharedExperts)));
  EXPECT_DOUBLE_EQ(mem::ModulesFreed(r, moe | flag(RecomputeModule::kMoeAct) |
                                            flag(RecomputeModule::kSharedExperts)),
                   whole);
  // Modules add up and never free more than the layer saves.
  const unsigned all = moe | flag(RecomputeModule::kMlaUpProj) | flag(RecomputeModule::kLayernorm);
  EXPECT_DOUBLE_EQ(mem::ModulesFreed(r, all),
                   whole + mem::ModulesFreed(r, flag(RecomputeModule::kMlaUpProj)) +
                       mem::ModulesFreed(r, flag(RecomputeModule::kLayernorm)));
  EXPECT_LT(mem::ModulesFreed(r, all), r.saved);
  // A dense layer: mlp frees its input and intermediates, the MoE modules nothing.
  mem::LayerSpec dense = l;
  dense.experts = 0;
  const mem::LayerBytes d = mem::LayerActivationBytes(dense);
  const double ffn_local = l.f / l.t;  // fused SwiGLU: gate and up 16-bit, fp8 down input
  EXPECT_DOUBLE_EQ(mem::ModulesFreed(d, flag(RecomputeModule::kMlp)),
                   1 * sbh_local + (2 * 2 + 1) * sb * ffn_local);
  EXPECT_EQ(mem::ModulesFreed(d, moe | flag(RecomputeModule::kMoeAct)), 0);
}

TEST(Activations, FullCheckpointingKeepsTwoSbhPerLayer) {
  auto s = Scenario(Llama31_8B(), Gpu("a100-80gb-sxm", 80));
  s.training.precision = Precision::kBf16;
  s.training.activation_checkpointing = workload::Checkpointing::kFull;
  const mem::Setup st = mem::MakeSetup(s, nullptr);
  const mem::Activations a = mem::StageActivations(st, Whole(st));
  const double sbh = 2048.0 * 4096;
  EXPECT_NEAR(a.saved - a.extras, 32 * 2 * sbh, 1);
  EXPECT_DOUBLE_EQ(a.bwd_transient - a.layer.bwd_transient, a.layer.saved);  // one recompute
}

TEST(Activations, FrozenLinearsSaveNoInputs) {
  auto s = Scenario(Llama31_8B(), Gpu("a100-80gb-sxm", 80));
  s.training.precision = Precision::kBf16;
  const mem::Setup full = mem::MakeSetup(s, nullptr);
  s.training.method = Method::kLora;
  s.training.lora.targets = {"q_proj", "v_proj"};
  const mem::Setup lora = mem::MakeSetup(s, nullptr);
  const double f = mem::StageActivations(full, Whole(full)).layer.saved;
  const double l = mem::StageActivations(lora, Whole(lora)).layer.saved;
  // LoRA on q,v (flash attention: the out-projection input is the kernel's saved output):
  // frozen linears save no input, so the QKV input (2sbh), the MLP input (2sbh), the
  // down-projection input (2sbf) and the RMSNorm outputs that frozen weights multiply
  // (2 x 2sbh) go; PEFT casts each adapter's input to its fp32 dtype (q, v: 2 x 4sbh) and
  // saves the fp32 A outputs (2 x 4 r sb).
  const double sb = 2048, sbh = sb * 4096;
  EXPECT_NEAR(f - l, 2 * sbh + 2 * sbh + 2 * sb * 14336 + 4 * sbh - 8 * sbh - 2 * 4 * 16 * sb, 1);
  s.training.method = Method::kQlora;  // bitsandbytes >= 0.43.2: a 4-bit linear keeps none
  const mem::Setup q = mem::MakeSetup(s, nullptr);
  EXPECT_NEAR(mem::StageActivations(q, Whole(q)).layer.saved, l, 1);
  s.training.stack.kbit_saves_input = true;  // before it, every quantised linear's input
  const mem::Setup q_old = mem::MakeSetup(s, nullptr);
  EXPECT_NEAR(mem::StageActivations(q_old, Whole(q_old)).layer.saved,
              l + 2 * sbh + 2 * sbh + 2 * sb * 14336, 1);
}

TEST(Activations, PipelineFirstStageHoldsMinPMicroBatches) {
  auto s = Scenario(testing::Gpt3_175B(), Gpu("a100-80gb-sxm", 80), 8);
  s.hardware.nodes = 8;
  s.parallelism.tp = 8;
  s.parallelism.pp = 8;
  s.parallelism.sequence_parallel = true;
  s.training.global_batch = 64;  // m = 64 micro-batches
  const mem::Setup st = mem::MakeSetup(s, nullptr);
  ASSERT_EQ(st.stack, mem::Stack::kMegatron);
  const mem::Stage first{true, false, 12, 84, 8};
  const mem::Activations a = mem::StageActivations(st, first);
  EXPECT_NEAR(a.saved - a.extras, 8 * 12 * a.layer.saved, 1);  // p = 8 in flight, L/p layers
}

// ---- logits (section 4) ----

TEST(Logits, HfLossPeaksAt12BytesPerLogitAndChunkingRemovesIt) {
  auto s = Scenario(Llama31_8B(), Gpu("a100-80gb-sxm", 80));
  const mem::Setup st = mem::MakeSetup(s, nullptr);
  const mem::Activations a = mem::StageActivations(st, Whole(st));
  const double bsv = 2048.0 * 128256;
  EXPECT_DOUBLE_EQ(a.logits.fwd, 10 * bsv);  // bf16 logits + fp32 upcast + log-softmax
  EXPECT_DOUBLE_EQ(a.logits.bwd, 12 * bsv);  // saved log-softmax, its grad, dlogits (fp32)
  s.training.loss = workload::Loss::kChunked;
  const mem::Setup c = mem::MakeSetup(s, nullptr);
  EXPECT_LT(mem::StageActivations(c, Whole(c)).logits.bwd, a.logits.bwd / 20);
}

TEST(Logits, EncoderClassificationHeadHasNoVocabularyLogits) {
  catalog::ModelArch bert;  // BERT-large (google-bert/bert-large-uncased)
  bert.kind = catalog::ModelKind::kEncoder;
  bert.layers = 24;
  bert.hidden = 1024;
  bert.heads = 16;
  bert.ffn = 4096;
  bert.vocab = 30522;
  bert.max_seq_len = 512;
  bert.mlp = catalog::MlpKind::kGelu;
  bert.norm = catalog::NormKind::kLayerNorm;
  bert.position = catalog::PositionKind::kLearned;
  bert.tied_embeddings = true;
  bert.bias = true;
  auto s = Scenario(bert, Gpu("v100-sxm2-16gb", 16, "Volta"));
  s.training.seq_len = 512;
  const mem::Setup st = mem::MakeSetup(s, nullptr);
  EXPECT_LT(mem::StageActivations(st, Whole(st)).logits.bwd, 1e3);
}

}  // namespace
}  // namespace gpuadv::estimate
