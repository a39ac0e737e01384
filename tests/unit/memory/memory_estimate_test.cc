// EstimateMemory end to end: phases, breakdown invariants, scaling rules, fit verdicts,
// diffusion pipelines, and one published measurement checked by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "gpuadv/core/error.h"
#include "gpuadv/estimate/estimate.h"
#include "gpuadv/estimate/memory_terms.h"
#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/io/fields.h"
#include "gpuadv/io/scenario_loader.h"
#include "memory_test_util.h"

namespace gpuadv::estimate {
namespace {

using testing::Gpt3_175B;
using testing::Gpu;
using testing::Llama2_7B;
using testing::Llama31_8B;
using testing::Mixtral8x7B;
using testing::Scenario;
using workload::Method;
using workload::Precision;

double Sum(const MemoryBreakdown& b) {
  return b.weights + b.gradients + b.optimizer + b.activations + b.logits + b.runtime +
         b.fragmentation;
}

void ExpectConsistent(const MemoryResult& r) {
  const auto& b = r.breakdown;
  EXPECT_DOUBLE_EQ(b.weights + b.gradients + b.optimizer + b.activations + b.logits,
                   r.peak_allocated_bytes);
  EXPECT_NEAR(r.peak_reserved_bytes - r.peak_allocated_bytes, b.fragmentation,
              1e-12 * r.peak_reserved_bytes);
  EXPECT_NEAR(Sum(b), r.per_gpu_bytes, 1e-9 * r.per_gpu_bytes);
  for (double v : {b.weights, b.gradients, b.optimizer, b.activations, b.logits, b.runtime,
                   b.fragmentation, r.host_ram_bytes, r.low_bytes, r.high_bytes}) {
    EXPECT_TRUE(std::isfinite(v));
    EXPECT_GE(v, 0);
  }
  EXPECT_LE(r.low_bytes, r.per_gpu_bytes);
  EXPECT_GE(r.high_bytes, r.per_gpu_bytes);
}

TEST(Memory, BreakdownSumsToPerGpuAcrossTheScenarioSpace) {
  int n = 0;
  for (auto method : {Method::kPretrain, Method::kLora, Method::kQlora, Method::kFreeze})
    for (auto precision :
         {Precision::kFp32, Precision::kBf16Mixed, Precision::kBf16, Precision::kFp8Mixed})
      for (auto opt : {workload::Optimizer::kAdamW, workload::Optimizer::kPagedAdamW8bit,
                       workload::Optimizer::kAdafactor})
        for (int zero : {0, 2, 3})
          for (int tp : {1, 4})
            for (auto ckpt : {workload::Checkpointing::kNone, workload::Checkpointing::kFull}) {
              auto s = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"), 8);
              s.training.method = method;
              s.training.precision = precision;
              s.training.optimizer = opt;
              s.training.activation_checkpointing = ckpt;
              s.training.global_batch = 64;
              s.parallelism.zero = zero;
              s.parallelism.tp = tp;
              const MemoryResult r = EstimateMemory(s, {});
              ExpectConsistent(r);
              EXPECT_LE(MemoryLowerBoundBytes(s), r.per_gpu_bytes * (1 + 1e-12));
              ++n;
            }
  EXPECT_EQ(n, 4 * 4 * 3 * 3 * 2 * 2);
}

// fp8 GEMMs over a bf16 model (Transformer Engine fp8_autocast on a model loaded in bf16,
// training.fp8.master_weights: bf16): weights, gradients and AdamW states as pure bf16, no
// fp32 master copy; the fp32-master fp8 recipe holds more.
TEST(Memory, Fp8OverABf16ModelHoldsBf16States) {
  auto s = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"), 1);
  // fp8 under a defaulted stack is Megatron's runtime, whose AdamW is fused: the bf16
  // baseline runs a fused AdamW too.
  s.training.stack.fused_optimizer = true;
  s.training.precision = Precision::kBf16;
  const MemoryResult pure = EstimateMemory(s, {});
  s.training.precision = Precision::kFp8Mixed;
  const MemoryResult masters = EstimateMemory(s, {});
  s.training.fp8.master_weights = workload::Fp8MasterWeights::kBf16;
  const MemoryResult bf16 = EstimateMemory(s, {});
  ExpectConsistent(bf16);
  EXPECT_DOUBLE_EQ(bf16.breakdown.gradients, pure.breakdown.gradients);
  EXPECT_DOUBLE_EQ(bf16.breakdown.optimizer, pure.breakdown.optimizer);
  EXPECT_GE(bf16.breakdown.weights, pure.breakdown.weights);  // + any cached fp8 copies
  EXPECT_LT(bf16.breakdown.weights + bf16.breakdown.gradients + bf16.breakdown.optimizer,
            masters.breakdown.weights + masters.breakdown.gradients + masters.breakdown.optimizer);
}

// fp8 primary weights (Transformer Engine fp8_model_init: Megatron --fp8-param-gather, the
// NeMo fp8 recipes): each weight is the fp8 tensor itself, 1 B instead of a 16-bit copy
// and its fp8 cache; the transpose stays cached. MXFP8 keeps 16-bit weights (NeMo).
// Of the model states, only `part` of `after` is smaller than `before`'s, by
// `bytes_per_param` per trainable parameter.
void ExpectOnlyPartShrinks(const MemoryResult& before, const MemoryResult& after,
                           double MemoryBreakdown::*part, double bytes_per_param) {
  ExpectConsistent(after);
  for (auto p :
       {&MemoryBreakdown::weights, &MemoryBreakdown::gradients, &MemoryBreakdown::optimizer}) {
    const double less = before.breakdown.*p - after.breakdown.*p;
    if (p == part)
      EXPECT_NEAR(less, bytes_per_param * after.trainable_params, 1e-6 * after.trainable_params);
    else
      EXPECT_DOUBLE_EQ(less, 0);
  }
}

TEST(Memory, Fp8PrimaryWeightsHoldOneByteWhereTheWeightsWereTwo) {
  auto s = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"), 1);
  s.training.precision = Precision::kFp8Mixed;
  s.training.stack.fp8_param_gather = false;
  const MemoryResult copies = EstimateMemory(s, {});
  s.training.stack.fp8_param_gather = true;
  const MemoryResult fp8 = EstimateMemory(s, {});
  ExpectOnlyPartShrinks(copies, fp8, &MemoryBreakdown::weights, 1.0);
  s.training.stack.fp8_recipe = workload::Fp8Recipe::kMxfp8;
  EXPECT_DOUBLE_EQ(EstimateMemory(s, {}).breakdown.weights, copies.breakdown.weights);
}

// Megatron's gradient buffer is fp32 under bf16 / fp8 by default (Megatron-LM forces it with
// --bf16; NeMo's MegatronMixedPrecision grad_reduce_in_fp32) and bf16 where the run turns it
// off (MLPerf's NeMo Llama 3.1 405B): 2 B per trained parameter less; fp16 runs keep 16-bit
// gradients either way.
TEST(Memory, MegatronGradientsHoldTheirBufferDtype) {
  for (auto precision : {Precision::kBf16Mixed, Precision::kFp8Mixed}) {
    auto s = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"), 1);
    s.training.precision = precision;
    s.training.stack.id = workload::Framework::kMegatron;
    ASSERT_TRUE(s.MegatronRuntime());
    const MemoryResult fp32 = EstimateMemory(s, {});
    s.training.stack.grad_reduce_fp32 = false;
    const MemoryResult bf16 = EstimateMemory(s, {});
    ExpectConsistent(bf16);
    EXPECT_NEAR(fp32.breakdown.gradients, 2 * bf16.breakdown.gradients,
                1e-9 * fp32.breakdown.gradients);
    EXPECT_NEAR(fp32.breakdown.gradients - bf16.breakdown.gradients, 2 * bf16.trainable_params,
                1e-6 * bf16.trainable_params);
    EXPECT_DOUBLE_EQ(fp32.breakdown.optimizer, bf16.breakdown.optimizer);
  }
  auto fp16 = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"), 1);
  fp16.training.precision = Precision::kFp16Mixed;
  fp16.training.stack.id = workload::Framework::kMegatron;
  const double grads16 = EstimateMemory(fp16, {}).breakdown.gradients;
  fp16.training.stack.grad_reduce_fp32 = false;
  EXPECT_DOUBLE_EQ(EstimateMemory(fp16, {}).breakdown.gradients, grads16);
}

// training.optimizer_state_dtype bf16 (Megatron's precision-aware optimizer, --exp-avg-dtype
// / --exp-avg-sq-dtype bf16): Adam's two moments at 2 B beside the 4 B fp32 master copy, 8 B
// of state per parameter instead of 12; weights and gradients as they were.
TEST(Memory, Bf16MomentsHoldEightBytesOfStatePerParameter) {
  auto s = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"), 1);
  s.training.stack.id = workload::Framework::kMegatron;
  const MemoryResult fp32 = EstimateMemory(s, {});
  s.training.optimizer_state_dtype = workload::StateDtype::kBf16;
  ExpectOnlyPartShrinks(fp32, EstimateMemory(s, {}), &MemoryBreakdown::optimizer, 4.0);
}

// training.optimizer_state_offload (Megatron-Core --offload-optimizer-states): the fp32
// master weights and both moments, 12 B per parameter, leave the GPU for the forward and
// backward and return for the step: an activation-bound peak loses them whole (the host
// holds them, pinned), a step-bound peak (no activations to speak of) keeps them.
TEST(Memory, OffloadedOptimizerStatesLeaveTheActivationPeak) {
  auto s = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"), 8);
  s.training.stack.id = workload::Framework::kMegatron;
  s.training.seq_len = 8192;
  s.parallelism.tp = 8;
  const MemoryResult kept = EstimateMemory(s, {});
  s.training.optimizer_state_offload = true;
  const MemoryResult swapped = EstimateMemory(s, {});
  // Per GPU, tp 8: an eighth of the parameters' states (the replicated norms aside); per
  // node, all eight GPUs' states.
  const double states = 12.0 * kept.trainable_params / 8;
  EXPECT_NEAR(kept.breakdown.optimizer - swapped.breakdown.optimizer, states, 1e-4 * states);
  EXPECT_EQ(swapped.breakdown.optimizer, 0);
  EXPECT_DOUBLE_EQ(swapped.breakdown.weights, kept.breakdown.weights);
  EXPECT_DOUBLE_EQ(swapped.breakdown.gradients, kept.breakdown.gradients);
  EXPECT_DOUBLE_EQ(swapped.breakdown.activations, kept.breakdown.activations);
  EXPECT_NEAR(swapped.host_ram_bytes - kept.host_ram_bytes, 1.5 * states * 8, 1e-4 * states * 8);
  s.training.seq_len = 16;  // the optimizer step is the peak: the states are back
  s.training.optimizer_state_offload = false;
  const MemoryResult step = EstimateMemory(s, {});
  s.training.optimizer_state_offload = true;
  EXPECT_DOUBLE_EQ(EstimateMemory(s, {}).breakdown.optimizer, step.breakdown.optimizer);
}

// QLoRA through PEFT's prepare_model_for_kbit_training: the params bitsandbytes left
// unquantised (embeddings, head, norms) go to fp32, and so does the residual stream, so
// each checkpointed layer input doubles; stacks with their own 4-bit path keep 16-bit.
TEST(Memory, KbitPreparationUpcastsTheUnquantisedBaseAndResidualStream) {
  auto s = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"), 1);
  s.training.method = Method::kQlora;
  s.training.precision = Precision::kBf16;
  s.training.activation_checkpointing = workload::Checkpointing::kFull;
  s.training.seq_len = 4096;
  s.training.stack.kbit_fp32_upcast = false;
  const MemoryResult kept = EstimateMemory(s, {});
  s.training.stack.kbit_fp32_upcast = true;
  const MemoryResult upcast = EstimateMemory(s, {});
  ExpectConsistent(upcast);
  // Embedding + untied head: 2 x 128256 x 4096 params, +2 B each (norms add ~0.3M more).
  const double edge = 2.0 * 128256 * 4096;
  EXPECT_NEAR(upcast.breakdown.weights - kept.breakdown.weights, 2 * edge, 0.01 * 2 * edge);
  EXPECT_GT(upcast.breakdown.activations, kept.breakdown.activations);
}

// torchtitan-style FSDP2 traits (data/stacks.yaml): 16-bit parameter copies instead of
// autocast (the checkpointed layer inputs are 16-bit: 2 B less per element), a compiled
// loss (16-bit logits and gradient: 4 B per logit at the backward peak, no fp32 copy) and
// expandable segments (no block slack: what stays reserved beside the allocated peak is the
// reduce-scatter stream's sharded fp32 gradients, 8.03e9 / 8 x 4 B).
TEST(Memory, Fsdp2ParamCastCompiledLossAndExpandableSegments) {
  auto s = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"), 8);
  s.training.method = Method::kPretrain;
  s.training.precision = Precision::kBf16Mixed;
  s.training.seq_len = 8192;
  s.training.micro_batch = 1;
  s.training.global_batch = 8;
  s.training.activation_checkpointing = workload::Checkpointing::kFull;
  s.parallelism.zero = 3;
  s.training.stack.kernels = workload::KernelStyle::kFused;
  const MemoryResult base = EstimateMemory(s, {});

  auto cast = s;
  cast.training.stack.param_cast = true;
  const MemoryResult casted = EstimateMemory(cast, {});
  ExpectConsistent(casted);
  // 32 layer inputs of 8192 x 4096 elements kept by full checkpointing, 4 B -> 2 B, and
  // the residual tensors of the layer being recomputed (a few more of those elements).
  const double layer = 8192.0 * 4096, inputs = 32 * layer;
  const double saved = base.breakdown.activations - casted.breakdown.activations;
  EXPECT_GE(saved, 2 * inputs * (1 - 1e-12));
  EXPECT_LE(saved, 2 * (inputs + 4 * layer));

  auto loss = s;
  loss.training.stack.compiled_loss = true;
  const MemoryResult compiled = EstimateMemory(loss, {});
  ExpectConsistent(compiled);
  const double logits = 8192.0 * 128256;
  EXPECT_LE(compiled.breakdown.logits, 4 * logits * (1 + 1e-12));
  // Compiled blocks with the loss outside them (torchtitan before its compiled loss): the
  // eager loss, 16-bit logits, fp32 copy and log-softmax, and in backward the saved output
  // with its incoming and produced fp32 gradients: 12 B per logit at the start of backward.
  EXPECT_NEAR(base.breakdown.logits, 12 * logits, 1e-9 * logits);
  // The loss compiled inside a whole model's graph (torch.compile of a Hugging Face model):
  // the returned 16-bit logits and an fp32 log-softmax.
  auto in_graph = s;
  in_graph.training.stack.compiled_model_loss = true;
  const MemoryResult model_loss = EstimateMemory(in_graph, {});
  ExpectConsistent(model_loss);
  EXPECT_NEAR(model_loss.breakdown.logits, 6 * logits, 1e-9 * logits);
  in_graph.training.stack.kernels = workload::KernelStyle::kEager;  // nothing compiled
  EXPECT_NEAR(EstimateMemory(in_graph, {}).breakdown.logits, 12 * logits, 1e-9 * logits);

  auto alloc = s;
  alloc.training.stack.expandable_segments = true;
  const MemoryResult expandable = EstimateMemory(alloc, {});
  ExpectConsistent(expandable);
  const double grads = Llama31_8B().params / 8 * 4;
  EXPECT_NEAR(expandable.breakdown.fragmentation, grads, 1e-3 * grads);
  EXPECT_NEAR(base.breakdown.fragmentation, 0.10 * base.peak_allocated_bytes + grads, 1e-3 * grads);
}

// LoRA (bf16 model, PEFT-default targets) on Llama 3.1 8B, one H100.
workload::Scenario Bf16LoraLlama31_8B(int seq_len, workload::Checkpointing ckpt) {
  auto s = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"));
  s.training.method = Method::kLora;
  s.training.precision = Precision::kBf16;
  s.training.seq_len = seq_len;
  s.training.activation_checkpointing = ckpt;
  return s;
}

// Batches padded to their own longest sample (stack trait variable_length_batches): the
// caching allocator keeps blocks sized for other lengths, about one more copy of the step's
// largest sequence-sized blocks (the logits and a layer's working set) in reserved memory,
// not of every saved activation. Allocated memory is unchanged; expandable segments and
// pretraining (packed data) carry none of it.
TEST(Memory, VariableLengthBatchesCacheOneMoreCopyOfTheLargestBlocks) {
  auto s = Bf16LoraLlama31_8B(4096, workload::Checkpointing::kFull);
  Explanation off, on;
  const MemoryResult fixed = EstimateMemory(s, {}, &off);
  auto var = s;
  var.training.stack.variable_length_batches = true;
  const MemoryResult varied = EstimateMemory(var, {}, &on);
  ExpectConsistent(varied);
  // Off (the default) the explanation says what it could add; on, what it added.
  const auto said = [](const Explanation& e, const std::string& what) {
    for (const auto& b : e.basis)
      if (b.rfind("variable-length batches: " + what, 0) == 0) return true;
    return false;
  };
  EXPECT_TRUE(said(off, "not counted"));
  EXPECT_TRUE(said(on, "+"));
  EXPECT_DOUBLE_EQ(varied.peak_allocated_bytes, fixed.peak_allocated_bytes);
  const double extra = varied.peak_reserved_bytes - fixed.peak_reserved_bytes;
  const double logits = 12.0 * 4096 * 128256;  // eager loss: 12 B per logit in backward
  EXPECT_GE(extra, logits);
  EXPECT_LE(extra, logits + 2e9);  // + one layer's recompute working set

  // Without checkpointing every layer's activations are saved (many times the checkpointed
  // inputs), yet the extra stays the largest blocks' copy.
  auto none = var;
  none.training.activation_checkpointing = workload::Checkpointing::kNone;
  auto none_fixed = s;
  none_fixed.training.activation_checkpointing = workload::Checkpointing::kNone;
  const MemoryResult a = EstimateMemory(none, {}), b = EstimateMemory(none_fixed, {});
  EXPECT_GT(a.breakdown.activations, 5 * varied.breakdown.activations);
  EXPECT_LE(a.peak_reserved_bytes - b.peak_reserved_bytes, logits + 2e9);

  auto expandable = var;
  expandable.training.stack.expandable_segments = true;
  auto expandable_fixed = s;
  expandable_fixed.training.stack.expandable_segments = true;
  EXPECT_DOUBLE_EQ(EstimateMemory(expandable, {}).peak_reserved_bytes,
                   EstimateMemory(expandable_fixed, {}).peak_reserved_bytes);
  auto pretrain = var;
  pretrain.training.method = Method::kPretrain;
  auto pretrain_fixed = s;
  pretrain_fixed.training.method = Method::kPretrain;
  EXPECT_DOUBLE_EQ(EstimateMemory(pretrain, {}).peak_reserved_bytes,
                   EstimateMemory(pretrain_fixed, {}).peak_reserved_bytes);
}

// Unsloth's LoRA_MLP (data/stacks.yaml lora_fused_mlp) saves the gate and up outputs and
// recomputes their product in backward: one f-wide tensor less per layer than a fused
// stack that saves the down projection's input, and only DW as the backward transient. It
// applies where gate, up and down all carry adapters.
TEST(Memory, UnslothLoraMlpSavesGateAndUpOnly) {
  auto s = Bf16LoraLlama31_8B(2048, workload::Checkpointing::kNone);
  s.training.stack.kernels = workload::KernelStyle::kFused;
  s.training.lora.targets = {"q_proj",    "k_proj",  "v_proj",   "o_proj",
                             "gate_proj", "up_proj", "down_proj"};
  const MemoryResult plain = EstimateMemory(s, {});
  auto fused = s;
  fused.training.stack.lora_fused_mlp = true;
  const MemoryResult unsloth = EstimateMemory(fused, {});
  ExpectConsistent(unsloth);
  const double ffn_tensor = 2.0 * 2048 * 14336;  // bf16 bytes of one f-wide tensor
  const double saved = plain.breakdown.activations - unsloth.breakdown.activations;
  EXPECT_GE(saved, 32 * ffn_tensor * (1 - 1e-9));        // h of every layer
  EXPECT_LE(saved, (32 + 2) * ffn_tensor * (1 + 1e-9));  // and up to two backward transients
  // Without adapters on the MLP Unsloth runs PEFT's modules: nothing changes.
  s.training.lora.targets = {"q_proj", "v_proj"};
  fused.training.lora.targets = s.training.lora.targets;
  EXPECT_DOUBLE_EQ(EstimateMemory(s, {}).breakdown.activations,
                   EstimateMemory(fused, {}).breakdown.activations);
}

// One pure-bf16 sequence of `seq_len` tokens per step with adapters on q and v (no dropout)
// and no checkpointing: the adapter tests below vary one stack trait on it.
workload::Scenario AdapterRun(const catalog::ModelArch& m, const catalog::GpuSpec& gpu,
                              Method method, int seq_len) {
  auto s = Scenario(m, gpu);
  s.training.method = method;
  s.training.precision = Precision::kBf16;
  s.training.seq_len = seq_len;
  s.training.micro_batch = s.training.global_batch = 1;
  s.training.activation_checkpointing = workload::Checkpointing::kNone;
  s.training.lora.dropout = 0;
  s.training.lora.targets = {"q_proj", "v_proj"};
  return s;
}

// torchtune and LitGPT build LoRA adapters in the model's dtype (data/stacks.yaml
// fp32_adapters: false): in a pure bf16 run they hold 2 + 2 B and bf16 AdamW states (4 B)
// per adapter parameter where PEFT's fp32 adapters hold 4 + 4 + 8, and they multiply the
// module input itself, where PEFT's cast it to fp32 first and save that copy. With
// lora_dropout each adapter keeps its own dropped-out copy and mask either way, and the
// module input is saved by nothing (the frozen linear needs only its weight).
TEST(Memory, AdaptersInTheModelDtypeHoldHalfAndShareTheirInput) {
  auto s = AdapterRun(Llama2_7B(), Gpu("a100-80gb-sxm", 80), Method::kLora, 1024);
  s.training.lora.rank = 64;
  const MemoryResult peft = EstimateMemory(s, {});
  auto model_dtype = s;
  model_dtype.training.stack.fp32_adapters = false;
  const MemoryResult tune = EstimateMemory(model_dtype, {});
  ExpectConsistent(tune);
  const double adapters = peft.trainable_params;
  ASSERT_DOUBLE_EQ(adapters, 32 * 2 * 64 * (4096 + 4096));
  EXPECT_NEAR(peft.breakdown.optimizer, 8 * adapters, 1e-6 * adapters);
  EXPECT_NEAR(tune.breakdown.optimizer, 4 * adapters, 1e-6 * adapters);
  EXPECT_NEAR(peft.breakdown.weights - tune.breakdown.weights, 2 * adapters, 1e-6 * adapters);
  // Per layer PEFT saves an fp32 copy of the attention input for each of its two adapters
  // (2 x 4 B x 1024 x 4096, and small fp32 A outputs); the bf16 adapters keep the bf16
  // attention input once.
  const double sh = 1024.0 * 4096;
  const double saved = peft.breakdown.activations - tune.breakdown.activations;
  EXPECT_GE(saved, 32 * (2 * 4 - 2) * sh);
  EXPECT_LE(saved, 1.02 * 32 * (2 * 4 - 2) * sh);

  // lora_dropout: each adapter saves its dropped-out input (bf16) and a 1 B mask; the
  // attention input itself is no longer kept for them.
  s.training.lora.dropout = 0.05;
  model_dtype.training.lora.dropout = 0.05;
  const MemoryResult tune_dropout = EstimateMemory(model_dtype, {});
  EXPECT_NEAR(tune_dropout.breakdown.activations - tune.breakdown.activations,
              32 * (2 * (2 + 1) - 2) * sh, 1e-6 * sh);
}

// Under tensor parallelism an adapter on a row-parallel module (o_proj) drops out and saves
// its d_in / tp slice; one on a column-parallel module (q_proj) the replicated input in full,
// or under sequence parallelism its 1 / tp shard's mask and the gathered input A saves
// (NeMo's ParallelLinearAdapter). Beyond the same run without dropout, per layer and token:
// o_proj (2 + 1) h / tp (the attention output it reads is kept by the attention anyway);
// q_proj without sequence parallelism (2 + 1 - 2) h (its copy replaces the shared norm
// output), with it 1 / tp h (the mask: the gathered input is A's own tensor either way).
TEST(Memory, TensorParallelAdaptersSaveTheInputTheirRankHolds) {
  auto activations = [](std::vector<std::string> targets, bool sp, double dropout) {
    auto s = AdapterRun(Llama2_7B(), Gpu("h100-sxm", 80, "Hopper"), Method::kLora, 1024);
    s.training.stack.fp32_adapters = false;
    s.hardware.count = 4;
    s.parallelism.tp = 4;
    s.parallelism.sequence_parallel = sp;
    s.training.lora.targets = std::move(targets);
    s.training.lora.dropout = dropout;
    return EstimateMemory(s, {}).breakdown.activations;
  };
  auto dropout_bytes = [&](std::vector<std::string> targets, bool sp) {
    return activations(targets, sp, 0.1) - activations(targets, sp, 0);
  };
  const double sh = 32 * 1024.0 * 4096;  // layers x tokens x hidden
  // Without dropout: under sequence parallelism q's adapter keeps the gathered input (2 B
  // per element, h wide), o's shares the attention output: the same rank-r A outputs else.
  EXPECT_NEAR(activations({"q_proj"}, true, 0) - activations({"o_proj"}, true, 0), 2 * sh,
              1e-6 * sh);
  EXPECT_NEAR(dropout_bytes({"o_proj"}, false), 3 * sh / 4, 1e-6 * sh);
  EXPECT_NEAR(dropout_bytes({"o_proj"}, true), 3 * sh / 4, 1e-6 * sh);
  EXPECT_NEAR(dropout_bytes({"q_proj"}, false), sh, 1e-6 * sh);
  EXPECT_NEAR(dropout_bytes({"q_proj"}, true), sh / 4, 1e-6 * sh);
}

// torchtune's chunked loss (data/stacks.yaml chunked_loss_kind: upcast-chunks) upcasts one
// chunk of logits at a time, but F.cross_entropy keeps every chunk's fp32 log-softmax for
// backward: 4 B per logit, where a fused linear cross-entropy (Liger) keeps no logits at all;
// compiled, the 16-bit logits (2 B) instead.
TEST(Memory, TorchtuneChunkedLossKeepsEachChunksLogSoftmax) {
  auto s = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"));
  s.training.method = Method::kLora;
  s.training.precision = Precision::kBf16;
  s.training.seq_len = 8192;
  s.training.micro_batch = s.training.global_batch = 1;
  s.training.activation_checkpointing = workload::Checkpointing::kFull;
  s.training.loss = workload::Loss::kChunked;
  const MemoryResult liger = EstimateMemory(s, {});
  auto tune = s;
  tune.training.stack.chunked_loss_kind = workload::ChunkedLossKind::kUpcastChunks;
  const MemoryResult upcast = EstimateMemory(tune, {});
  ExpectConsistent(upcast);
  const double logits = 8192.0 * 128256;
  EXPECT_LT(liger.breakdown.logits, 0.1 * logits);
  EXPECT_GE(upcast.breakdown.logits, 4 * logits);
  // In flight beside them: one chunk (its fp32 gradients at the backward peak, 8 B per logit).
  EXPECT_LE(upcast.breakdown.logits, 4 * logits + 8 * logits / 8 + 1);
  tune.training.stack.compiled_loss = true;
  const MemoryResult compiled = EstimateMemory(tune, {});
  EXPECT_NEAR(upcast.breakdown.logits - compiled.breakdown.logits, 2 * logits, 1e-6 * logits);
  // The standard loss holds more than either: 12 B per logit at the backward peak.
  s.training.loss = workload::Loss::kStandard;
  EXPECT_GT(EstimateMemory(s, {}).breakdown.logits, upcast.breakdown.logits + 6 * logits);
}

// bitsandbytes' 4-bit matmul kept its input for backward until 0.43.2 (data/stacks.yaml
// kbit_saves_input); the 8-bit one still does. The frozen quantised linears of a QLoRA run
// without checkpointing then hold their inputs: with adapters on q and v only, the o, gate /
// up and down inputs (2h + f per token per layer in bf16).
TEST(Memory, QuantisedLinearsKeepTheirInputOnlyWhereBitsandbytesDoes) {
  auto s = AdapterRun(Llama31_8B(), Gpu("rtx-4090", 24, "Ada Lovelace"), Method::kQlora, 2048);
  const MemoryResult modern = EstimateMemory(s, {});
  auto old = s;
  old.training.stack.kbit_saves_input = true;
  const MemoryResult kept = EstimateMemory(old, {});
  ExpectConsistent(kept);
  const double inputs = 32 * 2.0 * 2048 * (2 * 4096 + 14336);
  EXPECT_NEAR(kept.breakdown.activations - modern.breakdown.activations, inputs, 0.02 * inputs);
  auto int8 = s;
  int8.training.quantization.bits = 8;
  auto int8_old = int8;
  int8_old.training.stack.kbit_saves_input = true;
  EXPECT_DOUBLE_EQ(EstimateMemory(int8, {}).breakdown.activations,
                   EstimateMemory(int8_old, {}).breakdown.activations);
}

// DeepSpeed's ZeRO-3 (data/stacks.yaml zero3_module_gather) gathers submodules, with at most
// stage3_max_live_parameters (1e9) resident, and reduces gradients through a 5e8-element
// bucket: a GPT-3 175B layer (1.8e9 parameters, its largest matrix 0.6e9) is never gathered
// whole, let alone two of them; a Llama 3.1 8B layer (0.22e9) gathers as FSDP's would.
TEST(Memory, DeepSpeedZero3GathersSubmodulesNotLayers) {
  auto s = Scenario(Gpt3_175B(), Gpu("a100-80gb-sxm", 80), 8);
  s.hardware.nodes = 8;
  s.training.method = Method::kPretrain;
  s.training.precision = Precision::kBf16Mixed;
  s.training.activation_checkpointing = workload::Checkpointing::kFull;
  s.parallelism.zero = 3;
  const MemoryResult fsdp = EstimateMemory(s, {});
  auto ds = s;
  ds.training.stack.zero3_module_gather = true;
  const MemoryResult deepspeed = EstimateMemory(ds, {});
  ExpectConsistent(deepspeed);
  const double h = 12288, layer = 12 * h * h, largest = 4 * h * h;
  ASSERT_GT(2 * layer, 1e9 + 5e7);
  ASSERT_GT(1e9, largest);
  // Gathered: two 16-bit layers -> 1e9 live + 5e7 prefetched parameters (at least: the
  // layer's unsharded gradient, 2 B x 1.8e9, shrinks to its largest matrix and the bucket).
  EXPECT_GE(fsdp.breakdown.weights - deepspeed.breakdown.weights,
            2 * (2 * layer - 1.05e9) * (1 - 1e-9));
  EXPECT_LT(deepspeed.breakdown.gradients, fsdp.breakdown.gradients);
  EXPECT_LT(deepspeed.per_gpu_bytes, fsdp.per_gpu_bytes);

  auto small = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"), 8);
  small.parallelism.zero = 3;
  const MemoryResult small_fsdp = EstimateMemory(small, {});
  small.training.stack.zero3_module_gather = true;
  const MemoryResult small_ds = EstimateMemory(small, {});
  EXPECT_DOUBLE_EQ(small_ds.breakdown.weights, small_fsdp.breakdown.weights);
  EXPECT_LE(small_ds.breakdown.gradients, small_fsdp.breakdown.gradients);
}

// DeepSpeed's engine casts the module to bf16 at every ZeRO stage and keeps the fp32 master
// weights in its optimizer (StackTraits::module_16bit): a bf16-mixed ZeRO-3 run holds 16-bit
// checkpointed layer inputs, where FSDP under autocast over fp32 weights holds fp32 ones;
// the model states stay 16 B per parameter either way.
TEST(Memory, DeepSpeedEngineRunsTheModuleIn16BitAtZero3) {
  auto s = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"), 8);
  s.training.precision = Precision::kBf16Mixed;
  s.training.activation_checkpointing = workload::Checkpointing::kFull;
  s.training.seq_len = 32768;
  s.parallelism.zero = 3;
  const MemoryResult fsdp = EstimateMemory(s, {});
  auto ds = s;
  ds.training.stack.module_16bit = true;
  ASSERT_TRUE(ds.DeepSpeedMixedPrecision());
  ASSERT_FALSE(ds.EagerAutocast());
  ASSERT_TRUE(s.EagerAutocast());
  const MemoryResult deepspeed = EstimateMemory(ds, {});
  ExpectConsistent(deepspeed);
  // 32 layers x 32768 tokens x 4096 x (4 - 2) B of layer inputs, at least.
  EXPECT_GE(fsdp.breakdown.activations - deepspeed.breakdown.activations,
            32.0 * 32768 * 4096 * 2 * (1 - 1e-9));
  EXPECT_NEAR(
      deepspeed.breakdown.weights + deepspeed.breakdown.gradients + deepspeed.breakdown.optimizer,
      fsdp.breakdown.weights + fsdp.breakdown.gradients + fsdp.breakdown.optimizer,
      0.05 * fsdp.per_gpu_bytes);
}

// llm-foundry's LPLayerNorm (low_precision_norms) runs LayerNorm on the bf16 downcast of its
// input with autocast off: each norm saves 2 B per element, not autocast's fp32 4 B.
TEST(Memory, LowPrecisionNormsSaveTheirDowncastInput) {
  catalog::ModelArch m = Gpt3_175B();
  m.layers = 4;
  m.hidden = 1024;
  m.heads = 16;
  m.ffn = 4 * 1024;
  m.params = catalog::CountParams(m).total;
  auto s = Scenario(m, Gpu("a100-80gb-sxm", 80));
  s.training.method = Method::kPretrain;
  s.training.precision = Precision::kBf16Mixed;
  s.training.seq_len = 2048;
  s.training.micro_batch = 16;  // activations set the peak, not the optimizer step
  s.training.activation_checkpointing = workload::Checkpointing::kNone;
  s.training.stack.kernels = workload::KernelStyle::kEager;  // eager modules under autocast
  const MemoryResult autocast = EstimateMemory(s, {});
  s.training.stack.low_precision_norms = true;
  const MemoryResult low = EstimateMemory(s, {});
  ExpectConsistent(low);
  // Two norms per layer and the final norm before the head, each over tokens x hidden.
  const double norm_inputs = (4 * 2 + 1) * 16 * 2048.0 * 1024;
  EXPECT_NEAR(autocast.breakdown.activations - low.breakdown.activations, 2 * norm_inputs,
              1e-6 * norm_inputs);
}

// CheckMemory (the planner's per-candidate check) computes the setup and model states once
// for both figures: its lower bound and estimate are MemoryLowerBoundBytes's and
// EstimateMemory's, to the bit, and the estimate is left out exactly when the bound
// exceeds the capacity. A GPU the model states fit and one they overflow, for each method,
// sharding, pipeline and micro-batch (accumulation changes the gradient terms).
TEST(Memory, CheckMemoryIsTheLowerBoundAndTheEstimate) {
  int full = 0, bounded = 0;
  for (double gb : {24.0, 80.0})
    for (auto method : {Method::kPretrain, Method::kLora, Method::kQlora})
      for (int zero : {0, 1, 3})
        for (int pp : {1, 4})
          for (long long mb : {1LL, 8LL})
            for (auto ckpt : {workload::Checkpointing::kNone, workload::Checkpointing::kFull}) {
              auto s = Scenario(Llama31_8B(), Gpu("x", gb, "Hopper"), 8);
              s.training.method = method;
              s.training.activation_checkpointing = ckpt;
              s.training.global_batch = 64;
              s.training.micro_batch = mb;
              s.parallelism.zero = pp > 1 ? std::min(zero, 1) : zero;
              s.parallelism.pp = pp;
              const double capacity = s.hardware.gpu.CapacityBytes();
              const MemoryCheck c = CheckMemory(s, MemoryRange(s, nullptr), capacity);
              EXPECT_EQ(c.lower_bound_bytes, MemoryLowerBoundBytes(s));
              ASSERT_EQ(c.memory.has_value(), !(c.lower_bound_bytes > capacity));
              if (!c.memory) {
                ++bounded;
                continue;
              }
              ++full;
              const MemoryResult r = EstimateMemory(s, {});
              EXPECT_EQ(c.memory->per_gpu_bytes, r.per_gpu_bytes);
              EXPECT_EQ(c.memory->peak_allocated_bytes, r.peak_allocated_bytes);
              EXPECT_EQ(c.memory->breakdown.activations, r.breakdown.activations);
              EXPECT_EQ(c.memory->breakdown.gradients, r.breakdown.gradients);
              EXPECT_EQ(c.memory->host_ram_bytes, r.host_ram_bytes);
              EXPECT_EQ(c.memory->fit, r.fit);
            }
  EXPECT_GT(full, 0);
  EXPECT_GT(bounded, 0);
}

TEST(Memory, Zero3PerGpuMemoryFallsAsGpusAreAdded) {
  double previous = 1e300;
  for (int gpus : {1, 2, 4, 8, 16, 64}) {
    auto s = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"), std::min(gpus, 8));
    s.hardware.nodes = std::max(1, gpus / 8);
    s.parallelism.zero = 3;
    const double bytes = EstimateMemory(s, {}).per_gpu_bytes;
    EXPECT_LT(bytes, previous) << gpus << " GPUs";
    previous = bytes;
  }
}

// Context-parallel ranks hold the same parameters as their data-parallel peers, and ZeRO /
// FSDP shards over both (Megatron-Core's data-parallel group with context parallelism,
// torchtitan's dp_shard_cp mesh): on 8 GPUs, cp 8 shards the model states as dp 8 does.
TEST(Memory, ZeroShardsOverTheContextParallelRanksToo) {
  auto dp8 = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"), 8);
  dp8.training.micro_batch = 1;
  dp8.training.seq_len = 65536;
  dp8.parallelism.zero = 3;
  dp8.training.stack.id = workload::Framework::kTorchtitan;  // FSDP2 either way
  dp8.training.stack.defaulted = false;
  auto cp8 = dp8;
  cp8.parallelism.cp = 8;
  const MemoryResult a = EstimateMemory(dp8, {});
  const MemoryResult b = EstimateMemory(cp8, {});
  ExpectConsistent(b);
  EXPECT_DOUBLE_EQ(b.breakdown.optimizer, a.breakdown.optimizer);
  EXPECT_DOUBLE_EQ(b.breakdown.weights, a.breakdown.weights);
  EXPECT_LT(b.breakdown.optimizer, 12.0 * catalog::CountParams(Llama31_8B()).total / 4);
  // Each rank holds an eighth of the sequence: less activation memory than all of it.
  EXPECT_LT(b.breakdown.activations, a.breakdown.activations);
}

// FSDP under torch.distributed.pipelining (torchtitan): the stage's parameters stay gathered
// and its gradients unsharded for the whole step, so a pipeline stage holds its 16-bit
// weights and gradients whole, which layer-by-layer FSDP never does.
TEST(Memory, PipelinedFsdpHoldsTheStageGatheredAndItsGradientsUnsharded) {
  auto s = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"), 8);
  s.parallelism.pp = 2;
  s.parallelism.zero = 3;
  s.training.global_batch = 4 * 8;  // dp 4, 8 micro-batches
  s.training.activation_checkpointing = workload::Checkpointing::kFull;
  s.training.stack.id = workload::Framework::kTorchtitan;
  s.training.stack.defaulted = false;
  ASSERT_TRUE(s.FsdpGradientsUnsynced() == s.training.stack.fsdp_no_sync);
  const MemoryResult layered = EstimateMemory(s, {});
  s.training.stack.fsdp_pipeline_unsharded = true;
  ASSERT_TRUE(s.FsdpPipelineUnsharded() && s.FsdpGradientsUnsynced());
  const MemoryResult whole = EstimateMemory(s, {});
  ExpectConsistent(whole);
  const double stage = catalog::CountParams(Llama31_8B()).total / 2;  // about half per stage
  EXPECT_GT(whole.breakdown.gradients, 0.9 * 2 * stage);
  EXPECT_GT(whole.breakdown.weights, layered.breakdown.weights + 0.6 * 2 * stage);
  EXPECT_GT(whole.per_gpu_bytes, layered.per_gpu_bytes);
}

TEST(Memory, GrowsWithMicroBatchAndSequenceLength) {
  auto s = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"));
  s.training.method = Method::kLora;  // small states: the activation phase is the peak
  double previous = 0;
  for (int b : {1, 2, 4, 8}) {
    s.training.micro_batch = b;
    const double bytes = EstimateMemory(s, {}).peak_allocated_bytes;
    EXPECT_GT(bytes, previous);
    previous = bytes;
  }
  s.training.micro_batch = 1;
  previous = 0;
  for (int len : {512, 1024, 4096, 16384}) {
    s.training.seq_len = len;
    const double bytes = EstimateMemory(s, {}).peak_allocated_bytes;
    EXPECT_GT(bytes, previous);
    previous = bytes;
  }
}

TEST(Memory, PeakIsTheLargestPhaseNotTheSumOfEverything) {
  auto s = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"));
  s.training.precision = Precision::kBf16;  // no accumulation: grads freed before forward
  s.training.micro_batch = 8;               // activations outweigh the optimizer step
  const MemoryResult r = EstimateMemory(s, {});
  const double n = r.total_params;
  // Activations and logits peak when the gradient buffer does not exist yet.
  EXPECT_EQ(r.breakdown.gradients, 0);
  EXPECT_LT(r.peak_allocated_bytes, 8 * n + r.breakdown.activations + r.breakdown.logits);
  // Accumulating over micro-batches keeps gradients alive through the next forward.
  s.training.global_batch = 64;
  EXPECT_DOUBLE_EQ(EstimateMemory(s, {}).breakdown.gradients, 2 * n);
}

TEST(Memory, ContextParallelDividesPerTokenActivations) {
  auto s = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"), 2);
  s.training.seq_len = 32768;
  s.parallelism.tp = 2;
  const double tp2 = EstimateMemory(s, {}).breakdown.activations;
  s.hardware.count = 4;
  s.parallelism.cp = 2;
  const double cp2 = EstimateMemory(s, {}).breakdown.activations;
  EXPECT_NEAR(cp2, tp2 / 2, 0.02 * tp2);
}

TEST(Memory, ExpertParallelSpreadsExperts) {
  auto s = Scenario(Mixtral8x7B(), Gpu("h100-sxm", 80, "Hopper"), 8);
  s.parallelism.zero = 1;
  s.parallelism.tp = 2;
  const double ep1 = EstimateMemory(s, {}).breakdown.weights;
  s.parallelism.ep = 4;
  const double ep4 = EstimateMemory(s, {}).breakdown.weights;
  EXPECT_LT(ep4, 0.4 * ep1);  // experts are ~96% of Mixtral's weights
}

// Expert tensor parallel 1 (Megatron-Core MoE parallel folding): each expert whole on its
// GPU, so the experts' weights per GPU double against etp = tp = 2; each rank routes only
// its sequence-parallel half of the tokens, at the full expert width: the same expert
// intermediates, but the permuted inputs and the expert outputs (2 B each per routed
// token and hidden unit) of half the tokens, not of the tokens gathered over tp.
TEST(Memory, ExpertTensorParallelSplitsExpertsAndTheirTokens) {
  auto s = Scenario(Mixtral8x7B(), Gpu("h100-sxm", 80, "Hopper"), 8);
  s.parallelism.zero = 1;
  s.parallelism.tp = 2;
  s.parallelism.ep = 4;
  s.parallelism.sequence_parallel = true;
  const MemoryResult folded_default = EstimateMemory(s, {});
  s.parallelism.etp = 2;  // the default spelled out
  EXPECT_DOUBLE_EQ(EstimateMemory(s, {}).breakdown.weights, folded_default.breakdown.weights);
  s.parallelism.etp = 1;
  const MemoryResult folded = EstimateMemory(s, {});
  ExpectConsistent(folded);
  const double experts = 32 * 8 * 3 * 4096.0 * 14336;  // Mixtral-8x7B's expert weights
  // bf16 weights: 2 B x experts / ep x (1 - 1/2).
  EXPECT_NEAR(folded.breakdown.weights - folded_default.breakdown.weights, 2 * experts / 4 / 2,
              1e-3 * experts);
  const double routed = 2.0 * s.training.seq_len * s.training.micro_batch;  // top-2
  EXPECT_NEAR(folded_default.breakdown.activations - folded.breakdown.activations,
              32 * (2 + 2) * routed * 4096 / 2, 1e-6 * folded.breakdown.activations);
}

// Under DeepSpeed ZeRO-3 an MoE MLP block is a leaf module (ms-swift and LLaMA-Factory call
// set_z3_leaf_modules for MoE models): one fetch gathers all its experts. Mixtral-8x7B's
// block holds 8 x 3 x 4096 x 14336 = 1.41e9 parameters, over the 1e9 live budget that bounds
// a dense model's gathers: 2 B x (1.41e9 + 5e7) gathered, not 2 B x (1e9 + 5e7).
TEST(Memory, DeepSpeedZero3GathersAnMoeBlockWhole) {
  auto s = Scenario(Mixtral8x7B(), Gpu("h100-sxm", 80, "Hopper"), 8);
  s.training.method = Method::kPretrain;
  s.training.precision = Precision::kBf16Mixed;
  s.training.activation_checkpointing = workload::Checkpointing::kFull;
  // DeepSpeed's fused AdamW: the peak falls in backward, where the gathered blocks live.
  s.training.seq_len = 2048;
  s.training.micro_batch = 1;
  s.parallelism.zero = 3;
  s.training.stack.zero3_module_gather = true;
  s.training.stack.fused_optimizer = true;
  const MemoryResult moe = EstimateMemory(s, {});
  ExpectConsistent(moe);
  auto dense = s;  // the same layer budget without a leaf block: the live limit binds
  dense.model.experts = 0;
  dense.model.experts_active = 0;
  dense.model.ffn = 8 * 14336;
  dense.model.params = catalog::CountParams(dense.model).total;
  const MemoryResult flat = EstimateMemory(dense, {});
  const double block = 8 * 3 * 4096.0 * 14336;
  // The sharded states differ by the router and norms (under a megabyte).
  EXPECT_NEAR(moe.breakdown.weights - flat.breakdown.weights, 2 * (block - 1e9), 1e-3 * block);
}

TEST(Memory, FreezeSavesOnlyTheTrainedLayersActivations) {
  auto s = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"));
  s.training.micro_batch = 8;
  const MemoryResult full = EstimateMemory(s, {});
  s.training.method = Method::kFreeze;
  s.training.freeze_trainable_layers = 2;
  const MemoryResult frozen = EstimateMemory(s, {});
  EXPECT_LT(frozen.breakdown.activations, full.breakdown.activations / 8);
  EXPECT_DOUBLE_EQ(frozen.trainable_params, 2 * catalog::CountParams(Llama31_8B()).per_layer);
}

TEST(Memory, FitVerdictsFollowTheUncertaintyRange) {
  auto s = Scenario(Llama31_8B(), Gpu("rtx-4090", 24, "Ada Lovelace"));
  s.training.method = Method::kQlora;
  s.training.seq_len = 512;
  const MemoryResult small = EstimateMemory(s, {});
  EXPECT_EQ(small.fit, Fit::kFits);
  EXPECT_LE(small.high_bytes, small.capacity_bytes);
  s.training.method = Method::kFull;
  EXPECT_EQ(EstimateMemory(s, {}).fit, Fit::kDoesNotFit);  // 16 B/param x 8e9 on 24 GB
  // Capacity between per_gpu and its upper bound: tight.
  s.training.method = Method::kQlora;
  s.hardware.gpu.memory_gb = small.per_gpu_bytes * 1.05 / (1024.0 * 1024 * 1024);
  EXPECT_EQ(EstimateMemory(s, {}).fit, Fit::kTight);
  // Below the reserved peak but above the allocated peak and the runtime: the caching
  // allocator flushes its cache and retries, so the job runs, tight; below the allocated
  // peak it cannot.
  const double runtime = small.per_gpu_bytes - small.peak_reserved_bytes;
  const double resident = small.peak_allocated_bytes + runtime;
  ASSERT_LT(resident, small.per_gpu_bytes);
  s.hardware.gpu.memory_gb = (resident + small.per_gpu_bytes) / 2 / (1024.0 * 1024 * 1024);
  EXPECT_EQ(EstimateMemory(s, {}).fit, Fit::kTight);
  s.hardware.gpu.memory_gb = resident * 0.99 / (1024.0 * 1024 * 1024);
  EXPECT_EQ(EstimateMemory(s, {}).fit, Fit::kDoesNotFit);
}

TEST(Memory, HugeModelsStayFinite) {
  catalog::ModelArch m = Llama31_8B();
  m.layers = 2000;
  m.hidden = 65536;
  m.heads = 512;
  m.kv_heads = 64;
  m.ffn = 262144;
  m.params = catalog::CountParams(m).total;  // ~1e14 parameters
  auto s = Scenario(m, Gpu("h100-sxm", 80, "Hopper"));
  s.training.seq_len = 1 << 20;
  s.training.micro_batch = 1024;
  s.training.attention = workload::Attention::kEager;
  const MemoryResult r = EstimateMemory(s, {});
  ExpectConsistent(r);
  EXPECT_GT(r.per_gpu_bytes, 1e17);
  EXPECT_EQ(r.fit, Fit::kDoesNotFit);
}

TEST(Memory, ExplainAddsBasisWithoutChangingNumbers) {
  auto s = Scenario(Llama31_8B(), Gpu("rtx-4090", 24, "Ada Lovelace"));
  s.training.method = Method::kQlora;
  s.training.lora.targets = {"q_proj", "not_a_module"};
  Explanation e;
  const MemoryResult with = EstimateMemory(s, {}, &e);
  const MemoryResult without = EstimateMemory(s, {});
  EXPECT_DOUBLE_EQ(with.per_gpu_bytes, without.per_gpu_bytes);
  EXPECT_GE(e.basis.size(), 4u);
  ASSERT_FALSE(e.warnings.empty());
  EXPECT_NE(e.warnings[0].find("not_a_module"), std::string::npos);
}

TEST(Memory, ExplainSaysWhatCheckpointingKeepsOfALayer) {
  auto s = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"));
  s.training.seq_len = 4096;
  const auto line = [&] {
    Explanation e;
    EstimateMemory(s, {}, &e);
    for (const auto& l : e.basis)
      if (l.starts_with("activations")) return l;
    return std::string();
  };
  EXPECT_EQ(line().find("kept"), std::string::npos);  // nothing recomputed: all is kept
  s.training.activation_checkpointing = workload::Checkpointing::kFull;
  // Full checkpointing keeps the layer input, the fp32 residual stream of autocast: 4 B x
  // 4096 tokens x 4096 = 64 MiB of the ~0.8 GiB the layer saves without recomputation.
  EXPECT_NE(line().find("saved without recomputation, 64 MiB kept"), std::string::npos) << line();
}

TEST(Memory, ModelWithoutShapeGetsAnInferredShapeAndAWarning) {
  catalog::ModelArch m;
  m.params = 13e9;
  auto s = Scenario(m, Gpu("a100-80gb-sxm", 80));
  s.training.method = Method::kLora;
  Explanation e;
  const MemoryResult r = EstimateMemory(s, {}, &e);
  EXPECT_GT(r.breakdown.activations, 0);
  const mem::Setup st = mem::MakeSetup(s, nullptr);
  // N = 12 L h^2 with h = 128 L: h 5120 as Llama-2-13B; L = 13e9 / (12 h^2) = 41 (its 40
  // layers plus the embeddings the count includes).
  EXPECT_TRUE(st.shape.inferred);
  EXPECT_EQ(st.shape.layers, 41);
  EXPECT_EQ(st.shape.hidden, 5120);
  ASSERT_FALSE(e.warnings.empty());
}

// ---- diffusion (section 9) ----

catalog::ModelArch Flux() {
  catalog::ModelArch m;  // FLUX.1-dev (data/models/diffusion.yaml)
  m.id = "flux.1-dev";
  m.kind = catalog::ModelKind::kDiffusion;
  m.layers = 57;
  m.hidden = 3072;
  m.heads = 24;
  m.head_dim = 128;
  m.ffn = 12288;
  m.mlp = catalog::MlpKind::kGelu;
  m.norm = catalog::NormKind::kLayerNorm;
  m.bias = true;
  m.params = 11.9e9;
  m.latent_channels = 16;
  m.default_resolution = 1024;
  m.text_tokens = 512;
  m.components = {{"flux-transformer", catalog::ComponentRole::kDenoiser, 11.9e9, true},
                  {"t5-xxl", catalog::ComponentRole::kTextEncoder, 4.7e9, false},
                  {"clip-l", catalog::ComponentRole::kTextEncoder, 123e6, false},
                  {"vae", catalog::ComponentRole::kVae, 84e6, false}};
  return m;
}

TEST(Diffusion, CachingTextEmbeddingsRemovesTheEncoders) {
  auto s = Scenario(Flux(), Gpu("h100-sxm", 80, "Hopper"));
  s.training.method = Method::kLora;
  s.training.lora.targets = {"to_q", "to_k", "to_v", "to_out.0"};
  s.training.activation_checkpointing = workload::Checkpointing::kFull;
  const MemoryResult resident = EstimateMemory(s, {});
  s.training.diffusion.cache_text_embeddings = true;
  const MemoryResult cached = EstimateMemory(s, {});
  EXPECT_NEAR(resident.breakdown.weights - cached.breakdown.weights, 2 * (4.7e9 + 123e6), 1e6);
  s.training.diffusion.fp8_base = true;  // kohya --fp8_base: 1 B/param frozen
  EXPECT_NEAR(EstimateMemory(s, {}).breakdown.weights, cached.breakdown.weights - 11.9e9, 1e8);
}

TEST(Diffusion, ResolutionSetsTheTokenCount) {
  auto s = Scenario(Flux(), Gpu("h100-sxm", 80, "Hopper"));
  s.training.method = Method::kLora;
  Explanation e;
  EstimateMemory(s, {}, &e);
  bool found = false;  // 1024 px -> 128^2 latents -> 64^2 patches + 512 text tokens
  for (const auto& line : e.basis) found |= line.find("4608 tokens") != std::string::npos;
  EXPECT_TRUE(found);
  const double a1024 = EstimateMemory(s, {}).breakdown.activations;
  s.training.diffusion.resolution = 512;  // 1024 + 512 tokens
  EXPECT_LT(EstimateMemory(s, {}).breakdown.activations, 0.5 * a1024);
}

TEST(Diffusion, UnetActivationsScaleWithLatentPixels) {
  catalog::ModelArch m;  // SD 1.5: no layer shape
  m.id = "sd-1.5";
  m.kind = catalog::ModelKind::kDiffusion;
  m.denoiser_type = catalog::DenoiserType::kUnet;
  m.params = 860e6;
  m.default_resolution = 512;
  m.components = {{"unet", catalog::ComponentRole::kDenoiser, 860e6, true},
                  {"clip-l", catalog::ComponentRole::kTextEncoder, 123e6, false},
                  {"vae", catalog::ComponentRole::kVae, 84e6, false}};
  auto s = Scenario(m, Gpu("rtx-4090", 24, "Ada Lovelace"));
  s.training.method = Method::kLora;
  const double a512 = EstimateMemory(s, {}).breakdown.activations;
  // ~10 B per latent pixel per sqrt(param): 10 * 64^2 * sqrt(860e6) ~= 1.2 GB per image.
  EXPECT_NEAR(a512, 1.2e9, 0.15e9);
  s.training.diffusion.resolution = 1024;
  EXPECT_NEAR(EstimateMemory(s, {}).breakdown.activations, 4 * a512, 0.05 * a512);
}

// ---- FSDP accumulation under no_sync (data/stacks.yaml fsdp_no_sync, fsdp_adapter_units) ----

// LoRA under FSDP with 8 micro-batches per step: a stack that accumulates under no_sync
// with the adapters inside the decoder-layer units (Lightning FSDP1, use_orig_params) holds
// unsharded 16-bit gradients for the whole base; HF Trainer wraps the adapters in units of
// their own (PEFT fsdp_auto_wrap_policy) or shards per parameter (FSDP2), so only the
// adapters' gradients are held; DeepSpeed ZeRO-3 reduce-scatters every micro-batch.
TEST(Memory, NoSyncHoldsFrozenGradientsOnlyWhenAdaptersShareTheirUnits) {
  auto s = Scenario(Llama31_8B(), Gpu("h100-sxm", 80, "Hopper"), 2);
  s.training.method = Method::kLora;
  s.training.lora.rank = 8;
  s.training.lora.all_linear = true;
  s.training.precision = Precision::kBf16;
  s.training.seq_len = 512;
  s.training.global_batch = 16;
  s.training.activation_checkpointing = workload::Checkpointing::kFull;
  s.parallelism.zero = 3;
  s.training.stack.fsdp_no_sync = true;
  s.training.stack.fsdp_adapter_units = false;
  const double mixed = EstimateMemory(s, {}).breakdown.gradients;
  s.training.stack.fsdp_adapter_units = true;
  const double own_units = EstimateMemory(s, {}).breakdown.gradients;
  s.training.stack.fsdp_no_sync = false;
  const double per_micro_batch = EstimateMemory(s, {}).breakdown.gradients;
  // 16-bit gradients of the base's decoder layers: ~7e9 params x 2 B.
  EXPECT_GT(mixed, 13e9);
  // The adapters (~42M params, fp32) and one layer's unsharded gradient at most.
  EXPECT_LT(own_units, 0.5e9);
  EXPECT_LT(per_micro_batch, 0.5e9);
}

// ---- a published measurement, by hand ----

TEST(Memory, LitGptLoraLlama2_7BMatchesThePublishedPeak) {
  // validation GT0378 (Lightning-AI/litgpt tutorials/resource-tables.md): Llama-2-7B, LoRA
  // r8 on q,v, bf16-true, longest Alpaca sample 1304 tokens, micro-batch 1, no
  // checkpointing, A100-40GB: max_memory_allocated 21.30 GB.
  // By hand: frozen bf16 weights 6.74e9 x 2 = 13.48 GB. Per layer (sbh = 1304 x 4096 =
  // 5.34e6): 2 x 4 RMSNorm fp32 inputs, 6 Q/K/V, 2 attention output, 3 x 2 x 11008/4096 =
  // 16.1 SwiGLU intermediates, 2 x 4 fp32 adapter-input copies (q, v) = 40.2 sbh = 215 MB,
  // x 32 = 6.87 GB; logits 12 B x 1304 x 32000 = 0.50 GB at the start of backward: 20.9 GB,
  // 2% under the reading. (LitGPT shares the bf16 input with its bf16 adapters, -6 sbh, but
  // its default lora_dropout 0.05, which the row does not state, adds ~3 sbh.)
  auto s = Scenario(Llama2_7B(), Gpu("a100-40gb-sxm", 40));
  s.training.method = Method::kLora;
  s.training.lora.rank = 8;
  s.training.lora.targets = {"q_proj", "v_proj"};
  s.training.precision = Precision::kBf16;
  s.training.seq_len = 1304;
  s.training.global_batch = 128;
  s.training.attention = workload::Attention::kSdpa;
  const MemoryResult r = EstimateMemory(s, {});
  EXPECT_NEAR(r.peak_allocated_bytes, 21.30e9, 0.05 * 21.30e9);
  EXPECT_NEAR(r.breakdown.weights, 13.48e9, 0.1e9);
}

}  // namespace
}  // namespace gpuadv::estimate

// ---- diffusion EMA (diffusers train_text_to_image.py --use_ema) ----
namespace gpuadv::estimate {
namespace {

workload::Scenario BuiltinScenario(const std::string& yaml) {
  return io::ParseScenario(io::ParseDocument(yaml, "ema.yaml"), io::BuiltinCatalog(), "ema.yaml");
}

// The EMA copy is an fp32 shadow of every trained parameter: 4 B x trainable params more
// memory (the LoRA weights for LoRA), in the optimizer share; off unless asked.
TEST(DiffusionEma, MemoryGrowsByFourBytesPerTrainedParameter) {
  int checked = 0;
  for (const char* job : {"model: sdxl\ntraining: {method: full, micro_batch: 1}\n",
                          "model: sdxl\ntraining: {method: lora, micro_batch: 1}\n",
                          "model: flux.1-dev\ntraining: {method: lora, micro_batch: 1}\n",
                          "model: sd-1.5\ntraining: {method: full, micro_batch: 2}\n"}) {
    SCOPED_TRACE(job);
    const std::string hw = "hardware: {gpu: h200-sxm}\n";
    const auto off = BuiltinScenario(std::string(job) + hw);
    EXPECT_FALSE(off.training.diffusion.ema);  // the default
    auto with = off;
    with.training.diffusion.ema = true;
    const MemoryResult a = EstimateMemory(off, {}), b = EstimateMemory(with, {});
    ASSERT_GT(b.trainable_params, 0);
    EXPECT_EQ(a.ema_bytes, 0);
    EXPECT_DOUBLE_EQ(b.ema_bytes, 4 * b.trainable_params);
    EXPECT_DOUBLE_EQ(b.breakdown.optimizer - a.breakdown.optimizer, 4 * b.trainable_params);
    EXPECT_DOUBLE_EQ(b.peak_allocated_bytes - a.peak_allocated_bytes, 4 * b.trainable_params);
    ++checked;
  }
  EXPECT_EQ(checked, 4);
}

// One memory-bound pass over the copy per optimizer step: the step gets slower by
// 12 B x trained params / copy bandwidth, never faster; a language model has no EMA knob.
TEST(DiffusionEma, StepTimeAddsOneMemoryBoundPass) {
  const Context ctx{&io::BuiltinEfficiency(), &io::BuiltinCatalog()};
  auto s = BuiltinScenario(
      "model: sdxl\ntraining: {method: full, micro_batch: 1}\n"
      "hardware: {gpu: h100-sxm}\n");
  const EstimateResult a = Estimate(s, ctx);
  s.training.diffusion.ema = true;
  const EstimateResult b = Estimate(s, ctx);
  const double bw = s.hardware.gpu.BandwidthBytesPerS();
  const double extra = b.throughput.step_time_s - a.throughput.step_time_s;
  EXPECT_GT(extra, 12 * b.memory.trainable_params / bw);  // at most the datasheet bandwidth
  EXPECT_LT(extra, 12 * b.memory.trainable_params / (0.5 * bw));
  EXPECT_NEAR(b.throughput.breakdown_s.memory - a.throughput.breakdown_s.memory, extra,
              1e-9 * b.throughput.step_time_s);  // all of it in the memory term
  ASSERT_TRUE(a.ema.has_value());
  EXPECT_FALSE(*a.ema);
  EXPECT_TRUE(*b.ema);
  const auto llm = BuiltinScenario("model: llama-3.1-8b\nhardware: {gpu: h100-sxm}\n");
  EXPECT_FALSE(Estimate(llm, ctx).ema.has_value());
}

TEST(DiffusionEma, ScenarioKeyIsABoolean) {
  const auto s = BuiltinScenario("model: sdxl\ntraining: {method: lora, diffusion: {ema: true}}\n");
  EXPECT_TRUE(s.training.diffusion.ema);
  EXPECT_THROW(BuiltinScenario("model: sdxl\ntraining: {diffusion: {ema: often}}\n"), InputError);
}

}  // namespace
}  // namespace gpuadv::estimate
