// Training stacks (issue 11): data/stacks.yaml, training.framework resolution and defaults,
// and the mechanisms the traits switch in the estimators.
#include <gtest/gtest.h>

#include <string>

#include "gpuadv/catalog/param_count.h"
#include "gpuadv/estimate/estimate.h"
#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/io/scenario_loader.h"
#include "gpuadv/io/stack_loader.h"
#include "tests/unit/io/load_scenario.h"

namespace gpuadv::io {
namespace {

using workload::Framework;

using testing::ErrorOf;
using testing::Load;

// Loading a llama-3.1-8b scenario with training `training` fails with an error naming `field`.
void ExpectErrorNames(const std::string& training, const std::string& field) {
  const std::string err = ErrorOf("model: llama-3.1-8b\ntraining: " + training + "\n");
  EXPECT_NE(err.find(field), std::string::npos) << err;
}

// Loading a llama-3.1-8b scenario on 8 GPUs with parallelism `p` fails naming `field`.
void ExpectErrorNamesParallelism(const std::string& p, const std::string& field) {
  const std::string err =
      ErrorOf("model: llama-3.1-8b\nhardware: {gpu: h100-sxm, count: 8}\nparallelism: " + p + "\n");
  EXPECT_NE(err.find(field), std::string::npos) << err;
}

estimate::EstimateResult Estimated(const workload::Scenario& s) {
  const estimate::Context ctx{&BuiltinEfficiency(), &BuiltinCatalog()};
  return estimate::Estimate(s, ctx);
}

TEST(Stacks, EveryFrameworkHasOneEntryInTableOrder) {
  const auto& stacks = BuiltinStacks();
  ASSERT_EQ(stacks.size(), std::size(workload::kFrameworks) - 1);
  for (size_t i = 0; i < stacks.size(); ++i) {
    EXPECT_EQ(stacks[i].traits.id, workload::kFrameworks[i + 1].value);
    EXPECT_FALSE(stacks[i].name.empty()) << workload::kFrameworks[i + 1].name;
    EXPECT_FALSE(stacks[i].sources.empty()) << workload::kFrameworks[i + 1].name;
  }
}

TEST(Stacks, DocumentMissingAStackOrRepeatingOneIsRejected) {
  const std::string missing = "stacks:\n  - {id: pytorch, name: x}\n";
  EXPECT_THROW(ParseStackDocument(ParseDocument(missing, "s.yaml"), "s.yaml"), InputError);
  std::string all = "stacks:\n";
  for (size_t i = 1; i < std::size(workload::kFrameworks); ++i)
    all += "  - {id: " + std::string(workload::kFrameworks[i].name) + "}\n";
  EXPECT_NO_THROW(ParseStackDocument(ParseDocument(all, "s.yaml"), "s.yaml"));
  const std::string twice = all + "  - {id: torchtune}\n";
  EXPECT_THROW(ParseStackDocument(ParseDocument(twice, "s.yaml"), "s.yaml"), InputError);
  const std::string unknown_key = all + "  - {id: auto}\n";
  EXPECT_THROW(ParseStackDocument(ParseDocument(unknown_key, "s.yaml"), "s.yaml"), InputError);
}

TEST(Stacks, EntriesInheritThePytorchEntry) {
  const auto& pt = StackFor(Framework::kPytorch).traits;
  const auto& deepspeed = StackFor(Framework::kDeepspeed).traits;  // gives only kernels
  EXPECT_EQ(deepspeed.kernels_per_layer, pt.kernels_per_layer);
  EXPECT_EQ(deepspeed.elementwise_traffic, pt.elementwise_traffic);
  EXPECT_LT(StackFor(Framework::kMegatron).traits.kernels_per_layer, pt.kernels_per_layer);
}

TEST(Stacks, AliasesAndCaseResolveToTheCanonicalStack) {
  EXPECT_EQ(Load("model: llama-3.1-8b\ntraining: {framework: nemo}\n").training.stack.id,
            Framework::kMegatron);
  EXPECT_EQ(Load("model: llama-3.1-8b\ntraining: {framework: HF}\n").training.stack.id,
            Framework::kHfTrainer);
  EXPECT_EQ(Load("model: llama-3.1-8b\ntraining: {framework: axolotl}\n").training.stack.id,
            Framework::kHfTrainer);
  EXPECT_EQ(Load("model: llama-3.1-8b\ntraining: {framework: litgpt}\n").training.stack.id,
            Framework::kLightning);
  const std::string err = ErrorOf("model: llama-3.1-8b\ntraining: {framework: torchtitn}\n");
  EXPECT_NE(err.find("training.framework"), std::string::npos) << err;
  EXPECT_NE(err.find("did you mean 'torchtitan'"), std::string::npos) << err;
}

TEST(Stacks, DefaultFollowsMethodAndScaleAndIsSaid) {
  auto qlora = Load("model: llama-3.1-8b\ntraining: {method: qlora}\nhardware: {gpu: rtx-4090}\n");
  EXPECT_EQ(qlora.training.stack.id, Framework::kHfTrainer);
  EXPECT_TRUE(qlora.training.stack.defaulted);
  EXPECT_TRUE(qlora.training.stack.kbit_fp32_upcast);  // PEFT prepare_model_for_kbit_training
  EXPECT_FALSE(Load("model: llama-3.1-8b\ntraining: {method: qlora, framework: litgpt}\n")
                   .training.stack.kbit_fp32_upcast);
  auto pre = Load(
      "model: llama-3.1-8b\ntraining: {method: pretrain}\nhardware: {gpu: h100-sxm, count: 8, "
      "nodes: 8}\n");
  EXPECT_EQ(pre.training.stack.id, Framework::kMegatron);
  auto small =
      Load("model: gpt2\ntraining: {method: pretrain, seq_len: 1024}\nhardware: {gpu: h100-sxm}\n");
  EXPECT_EQ(small.training.stack.id, Framework::kPytorch);
  auto fp8 = Load(
      "model: llama-3.1-8b\ntraining: {method: full, precision: fp8-mixed}\n"
      "hardware: {gpu: h100-sxm}\n");
  EXPECT_EQ(fp8.training.stack.id, Framework::kMegatron);
  // Transformer Engine stacks save the fp8 copies for backward; torchao (torchtitan) recasts.
  EXPECT_TRUE(fp8.training.stack.fp8_saved_casts);
  const auto titan = Load("model: llama-3.1-8b\ntraining: {framework: torchtitan}\n");
  EXPECT_FALSE(titan.training.stack.fp8_saved_casts);
  // FSDP2 MixedPrecisionPolicy, torch.compile(loss_fn), expandable segments in run_train.sh;
  // an older torchtitan states what it ran.
  EXPECT_TRUE(titan.training.stack.param_cast);
  EXPECT_TRUE(titan.training.stack.compiled_loss);
  EXPECT_TRUE(titan.training.stack.expandable_segments);
  EXPECT_FALSE(fp8.training.stack.compiled_loss || fp8.training.stack.param_cast);
  // Variable-length batches are counted only where the scenario says so (their size
  // depends on how the lengths spread over the run).
  EXPECT_FALSE(Load("model: llama-3.1-8b\ntraining: {method: lora, framework: hf}\n")
                   .training.stack.variable_length_batches);
  EXPECT_TRUE(Load("model: llama-3.1-8b\ntraining: {method: lora, framework: torchtune, "
                   "stack_traits: {variable_length_batches: true}}\n")
                  .training.stack.variable_length_batches);
  EXPECT_FALSE(Load("model: llama-3.1-8b\ntraining: {framework: torchtitan, stack_traits: "
                    "{compiled_loss: false}}\n")
                   .training.stack.compiled_loss);
  // torchtitan compiles each block and runs the loss outside them; torch.compile of a whole
  // Hugging Face model (the plain stack, our harness) compiles the loss it computes in forward.
  EXPECT_FALSE(titan.training.stack.compiled_model_loss);
  EXPECT_TRUE(small.training.stack.compiled_model_loss);
  EXPECT_FALSE(Load("model: llama-3.1-8b\ntraining: {framework: lightning}\n")
                   .training.stack.compiled_model_loss);
  // torchtitan puts cuDNN attention first (FA3-class on Hopper) since 2025-10; the plain
  // PyTorch stack keeps FlashAttention-2, the kernel of most published runs.
  EXPECT_EQ(titan.training.stack.attention_kernel, workload::AttentionKernel::kFa3);
  EXPECT_EQ(small.training.stack.attention_kernel, workload::AttentionKernel::kFa2);
  EXPECT_EQ(Load("model: llama-3.1-8b\ntraining: {framework: torchtitan, stack_traits: "
                 "{attention_kernel: fa2}}\n")
                .training.stack.attention_kernel,
            workload::AttentionKernel::kFa2);
  // Unsloth's fused LoRA MLP; llm-foundry's fused cross-entropy (flash-attn xentropy).
  EXPECT_TRUE(
      Load("model: llama-3.1-8b\ntraining: {framework: unsloth}\n").training.stack.lora_fused_mlp);
  EXPECT_FALSE(small.training.stack.lora_fused_mlp);
  // Adapters in the model's dtype (torchtune, LitGPT) vs PEFT's fp32 adapters.
  for (const char* fw : {"torchtune", "lightning"})
    EXPECT_FALSE(Load(std::string("model: llama-3.1-8b\ntraining: {framework: ") + fw + "}\n")
                     .training.stack.fp32_adapters)
        << fw;
  EXPECT_TRUE(Load("model: llama-3.1-8b\ntraining: {framework: hf-trainer}\n")
                  .training.stack.fp32_adapters);
  // accelerate's FSDP upcasts a bf16 model's trainable parameters (Trainer, accelerate loop);
  // torchtitan and torchtune shard what they build.
  for (const char* fw : {"hf-trainer", "accelerate"})
    EXPECT_TRUE(Load(std::string("model: llama-3.1-8b\ntraining: {framework: ") + fw + "}\n")
                    .training.stack.fsdp_fp32_trainable)
        << fw;
  for (const char* fw : {"pytorch", "torchtitan", "torchtune", "deepspeed"})
    EXPECT_FALSE(Load(std::string("model: llama-3.1-8b\ntraining: {framework: ") + fw + "}\n")
                     .training.stack.fsdp_fp32_trainable)
        << fw;
  // torchtune's chunked loss keeps every chunk's fp32 log-softmax; Unsloth's fuses the head.
  EXPECT_EQ(Load("model: llama-3.1-8b\ntraining: {framework: torchtune}\n")
                .training.stack.chunked_loss_kind,
            workload::ChunkedLossKind::kUpcastChunks);
  EXPECT_EQ(Load("model: llama-3.1-8b\ntraining: {framework: unsloth}\n")
                .training.stack.chunked_loss_kind,
            workload::ChunkedLossKind::kFusedLinear);
  const auto composer = Load("model: llama-3.1-8b\ntraining: {framework: composer}\n");
  EXPECT_TRUE(composer.training.stack.compiled_loss);
  EXPECT_TRUE(composer.training.stack.low_precision_norms);
  EXPECT_FALSE(small.training.stack.low_precision_norms);
  // llm-foundry's benchmark tables ran attn_impl: triton (data/validation rows say so).
  EXPECT_EQ(Load("model: llama-3.1-8b\ntraining: {framework: composer, stack_traits: "
                 "{attention_kernel: fa-triton}}\n")
                .training.stack.attention_kernel,
            workload::AttentionKernel::kFaTriton);
  const auto r = Estimated(qlora);
  EXPECT_EQ(r.framework, "hf-trainer");
  EXPECT_TRUE(r.framework_defaulted);
  EXPECT_EQ(r.framework_reason, "fine-tuning");
  auto given = Load("model: llama-3.1-8b\ntraining: {framework: unsloth, method: qlora}\n");
  EXPECT_FALSE(given.training.stack.defaulted);
  EXPECT_EQ(Estimated(given).framework, "unsloth");
}

TEST(Stacks, RecipeDefaultsApplyOnlyToKnobsTheScenarioLeftUnset) {
  const std::string base =
      "model: llama-3.1-8b\nhardware: {gpu: h100-sxm}\ntraining: {method: full, framework: "
      "torchtune";
  auto tune = Load(base + "}\n");
  EXPECT_EQ(tune.training.loss, workload::Loss::kChunked);
  EXPECT_TRUE(tune.training.optimizer_in_backward);
  auto given = Load(base + ", loss: standard, optimizer_in_backward: false}\n");
  EXPECT_EQ(given.training.loss, workload::Loss::kStandard);
  EXPECT_FALSE(given.training.optimizer_in_backward);
  // torchtune trains in pure bf16 (its configs' dtype), said as a default; a written
  // precision stays, and a GPU without bf16 keeps the scenario's.
  EXPECT_EQ(tune.training.precision, workload::Precision::kBf16);
  bool said = false;
  for (const auto& d : tune.training.defaults) said |= d.knob == "precision" && d.value == "bf16";
  EXPECT_TRUE(said);
  EXPECT_EQ(Load(base + ", precision: bf16-mixed}\n").training.precision,
            workload::Precision::kBf16Mixed);
  EXPECT_NE(Load("model: llama-3.1-8b\nhardware: {gpu: v100-sxm2-32gb}\ntraining: {method: "
                 "full, framework: torchtune}\n")
                .training.precision,
            workload::Precision::kBf16);
}

// torchtune's single-device full fine-tune configs use PagedAdamW8bit, its distributed
// ones (8B_full.yaml) torch AdamW; a given optimizer is kept either way.
TEST(Stacks, MultiGpuRecipesHaveTheirOwnOptimizerDefault) {
  const std::string full = "model: llama-3.1-8b\ntraining: {method: full, framework: torchtune";
  EXPECT_EQ(Load(full + "}\nhardware: {gpu: h100-sxm}\n").training.optimizer,
            workload::Optimizer::kPagedAdamW8bit);
  const auto eight = Load(full + "}\nhardware: {gpu: h100-sxm, count: 8}\n");
  EXPECT_EQ(eight.training.optimizer, workload::Optimizer::kAdamW);
  EXPECT_EQ(
      Load(full + ", optimizer: lion}\nhardware: {gpu: h100-sxm, count: 8}\n").training.optimizer,
      workload::Optimizer::kLion);
}

// training.stack_traits describes a stack the list lacks (an HF model with Transformer
// Engine layers, a script with fused AdamW): any trait of data/stacks.yaml over the named
// stack's, kept when a front end re-chooses a defaulted stack, said in the outputs.
TEST(Stacks, ScenarioTraitsOverTheStack) {
  auto s = Load(
      "model: llama-3.1-8b\ntraining: {framework: accelerate, stack_traits: {kernels: fused, "
      "fused_optimizer: true, kernels_per_layer: 20}}\nhardware: {gpu: h100-sxm}\n");
  EXPECT_EQ(s.training.stack.id, Framework::kAccelerate);
  EXPECT_EQ(s.training.stack.kernels, workload::KernelStyle::kFused);
  EXPECT_TRUE(s.training.stack.fused_optimizer);
  EXPECT_DOUBLE_EQ(s.training.stack.kernels_per_layer, 20);
  EXPECT_TRUE(s.training.stack.fsdp_no_sync);  // the rest stays accelerate's
  auto d = Load("model: llama-3.1-8b\ntraining: {stack_traits: {fused_optimizer: true}}\n");
  d.hardware.count = 8;
  d.parallelism.tp = 8;
  io::RestackDefault(d);
  EXPECT_EQ(d.training.stack.id, Framework::kMegatron);
  EXPECT_TRUE(d.training.stack.fused_optimizer);
  EXPECT_NE(Estimated(s).stack_traits.find("fused_optimizer"), std::string::npos);
  const std::string unknown =
      ErrorOf("model: llama-3.1-8b\ntraining: {stack_traits: {kernel: x}}\n");
  EXPECT_NE(unknown.find("training.stack_traits.kernel"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("did you mean 'kernels'"), std::string::npos) << unknown;
  ExpectErrorNames("{stack_traits: {elementwise_traffic: 9}}",
                   "training.stack_traits.elementwise_traffic");
  ExpectErrorNames("{stack_traits: [kernels]}", "training.stack_traits");
}

// torchtitan without torch.compile (stack_traits kernels: eager) moves the eager bytes and
// launches the eager kernels of the neutral pytorch entry, not its fused counts, and so runs
// slower than compiled; counts the scenario gives are kept, and a stack whose own kernels
// are eager keeps its counts.
TEST(Stacks, EagerKernelsOnAFusedStackCarryTheEagerCounts) {
  const std::string job =
      "model: llama-3.1-8b\nhardware: {gpu: h100-sxm, count: 8}\nparallelism: {zero: 3}\n"
      "training: {seq_len: 2048, micro_batch: 1, framework: torchtitan";
  const auto fused = Load(job + "}\n");
  const auto eager = Load(job + ", stack_traits: {kernels: eager}}\n");
  const auto& pytorch = StackFor(Framework::kPytorch).traits;
  EXPECT_LT(fused.training.stack.elementwise_traffic, pytorch.elementwise_traffic);
  EXPECT_DOUBLE_EQ(eager.training.stack.elementwise_traffic, pytorch.elementwise_traffic);
  EXPECT_DOUBLE_EQ(eager.training.stack.kernels_per_layer, pytorch.kernels_per_layer);
  EXPECT_LT(Estimated(eager).throughput.tokens_per_s_per_gpu,
            Estimated(fused).throughput.tokens_per_s_per_gpu);
  const auto given = Load(job +
                          ", stack_traits: {kernels: eager, elementwise_traffic: 0.8, "
                          "kernels_per_layer: 30}}\n");
  EXPECT_DOUBLE_EQ(given.training.stack.elementwise_traffic, 0.8);
  EXPECT_DOUBLE_EQ(given.training.stack.kernels_per_layer, 30);
  const auto plain = Load(
      "model: llama-3.1-8b\ntraining: {framework: hf-trainer, stack_traits: {kernels: eager}}\n");
  const auto& hf = StackFor(Framework::kHfTrainer).traits;
  EXPECT_DOUBLE_EQ(plain.training.stack.kernels_per_layer, hf.kernels_per_layer);
}

// QLoRA over a base PEFT's prepare_model_for_kbit_training upcast: the residual stream and
// the element-wise work run in fp32, and every 4-bit linear casts its input to bf16 and its
// output back (bitsandbytes Linear4bit.forward). IBM's fms-acceleration A100 benchmark
// measured the upcast Mistral-7B run 1.25x slower than the same run without it; the casts
// and fp32 bytes cost a memory-bound share of that order, not the GEMMs. A LoRA run over a
// 16-bit base has nothing to upcast: the trait leaves it alone.
TEST(Stacks, KbitUpcastRunsTheElementwiseWorkInFp32AndCastsEachQuantisedLinear) {
  const std::string job =
      "model: mistral-7b\nhardware: {gpu: a100-80gb-sxm}\ntraining: {seq_len: 4096, "
      "micro_batch: 4, precision: bf16-mixed, activation_checkpointing: full, framework: "
      "hf-trainer, method: ";
  auto tokens = [&](const std::string& method, bool upcast) {
    return Estimated(Load(job + method + ", stack_traits: {kbit_fp32_upcast: " +
                          (upcast ? "true" : "false") + "}}\n"))
        .throughput.tokens_per_s_per_gpu;
  };
  const double slowdown = tokens("qlora", false) / tokens("qlora", true);
  EXPECT_GT(slowdown, 1.1);
  EXPECT_LT(slowdown, 1.4);
  EXPECT_DOUBLE_EQ(tokens("lora", false), tokens("lora", true));
}

// gpt-oss's experts (biased, with the clamped SwiGLU of config.json swiglu_limit) in eager
// kernels: each routed row's bias gathered and added after the grouped GEMMs, and the
// clamp / sigmoid / product chain written out, which also saves four more expert-wide
// tensors. torch.compile fuses the chain and folds the gathers: the compiled estimate is
// the plain SwiGLU's, and it fuses the routed outputs' weighting in the combine. (Lambda's
// gpt-oss-20b runs on 64 GB300 measured the eager model 1.6x slower than the compiled one at the
// same batch.)
TEST(Stacks, GptOssEagerExpertsRunTheClampedSwiGluAndBiasAddsApart) {
  const std::string job =
      "model: gpt-oss-20b\nhardware: {gpu: b200, count: 8}\nparallelism: {zero: 3}\n"
      "training: {seq_len: 8192, micro_batch: 4, activation_checkpointing: none, framework: "
      "torchtitan";
  auto run = [&](bool eager, bool clamped) {
    auto s = Load(job + (eager ? ", stack_traits: {kernels: eager}}\n" : "}\n"));
    EXPECT_DOUBLE_EQ(s.model.swiglu_limit, 7.0);
    if (!clamped) s.model.swiglu_limit = 0;
    return Estimated(s);
  };
  const auto fused = run(false, true), fused_plain = run(false, false);
  const auto eager = run(true, true), eager_plain = run(true, false);
  EXPECT_DOUBLE_EQ(fused.throughput.tokens_per_s_per_gpu,
                   fused_plain.throughput.tokens_per_s_per_gpu);
  EXPECT_DOUBLE_EQ(fused.memory.breakdown.activations, fused_plain.memory.breakdown.activations);
  const double clamp_cost =
      eager_plain.throughput.tokens_per_s_per_gpu / eager.throughput.tokens_per_s_per_gpu;
  EXPECT_GT(clamp_cost, 1.1);
  const double eager_cost =
      fused.throughput.tokens_per_s_per_gpu / eager.throughput.tokens_per_s_per_gpu;
  EXPECT_GT(eager_cost, 1.3);
  EXPECT_LT(eager_cost, 2.0);
  EXPECT_GT(eager.memory.breakdown.activations, 1.2 * eager_plain.memory.breakdown.activations);
  // Without the clamp, eager still writes out the routed tokens' combine beside the rest of
  // the eager layer; torchtitan's weights them in fp32 (moe_combine_fp32), 8 passes more.
  EXPECT_GT(fused_plain.throughput.tokens_per_s_per_gpu,
            1.15 * eager_plain.throughput.tokens_per_s_per_gpu);
  EXPECT_TRUE(Load(job + "}\n").training.stack.moe_combine_fp32);
  auto combine16 = Load(job + ", stack_traits: {kernels: eager, moe_combine_fp32: false}}\n");
  combine16.model.swiglu_limit = 0;
  EXPECT_GT(Estimated(combine16).throughput.tokens_per_s_per_gpu,
            1.03 * eager_plain.throughput.tokens_per_s_per_gpu);
}

// Element-wise modules an eager stack runs fused (Liger, flash-attn's ops called by Qwen-1's
// remote code): a short LoRA micro-batch is host-bound, so one kernel per norm and per
// rotated tensor instead of eight and five shortens it; a fused RMSNorm saves its 16-bit
// input instead of the fp32 upcast, a fused silu-mul gate and up only. A fused stack has
// them already; an unknown module is an input error naming the field.
TEST(Stacks, FusedModulesCutTheEagerLaunchesAndSavedTensors) {
  const std::string job =
      "model: llama-3.1-8b\nhardware: {gpu: a100-80gb-sxm}\ntraining: {method: lora, "
      "seq_len: 256, micro_batch: 1, framework: hf-trainer, activation_checkpointing: ";
  auto run = [&](const std::string& ac, const std::string& modules) {
    return Estimated(Load(job + ac + ", stack_traits: {fused_modules: [" + modules + "]}}\n"));
  };
  const auto eager = run("full", ""), fused = run("full", "rmsnorm, rope");
  EXPECT_GT(fused.throughput.tokens_per_s_per_gpu, 1.2 * eager.throughput.tokens_per_s_per_gpu);
  EXPECT_LT(fused.throughput.tokens_per_s_per_gpu, 2.0 * eager.throughput.tokens_per_s_per_gpu);
  const double kept = run("none", "").memory.breakdown.activations;
  const double norm = run("none", "rmsnorm").memory.breakdown.activations;
  const double all = run("none", "rmsnorm, rope, swiglu").memory.breakdown.activations;
  // Per token: each norm's fp32 input (4 B x 4096; frozen under LoRA, so no normalised
  // output) becomes its 16-bit input, 2 per layer of 32 and the final one; per layer and
  // token the silu output (2 B x 14336) goes.
  EXPECT_NEAR((kept - norm) / 256, (2 * 32 + 1) * (4 - 2) * 4096.0, 1.0);
  EXPECT_NEAR((norm - all) / (256 * 32), 2 * 14336.0, 1.0);
  EXPECT_EQ(Load(job + "full}\n").training.stack.fused_modules, 0u);
  const std::string err = ErrorOf(
      "model: llama-3.1-8b\ntraining: {framework: hf-trainer, stack_traits: {fused_modules: "
      "[layernorm]}}\n");
  EXPECT_NE(err.find("fused_modules"), std::string::npos) << err;
  EXPECT_NE(err.find("rmsnorm"), std::string::npos) << err;
}

// torchtitan's per-op policy saves only the ops on its list: the routed experts' grouped
// GEMMs (aten._grouped_mm) are on none, so they rerun in backward with the router, which the
// policy forces (moe.router.gate), and every other dense matmul. A model with biased linears
// (gpt-oss) dispatches aten.addmm, saved without counting: only its experts rerun.
TEST(Stacks, PerOpCheckpointingRerunsTheRoutedExperts) {
  auto rerun = [](const std::string& model) {
    const auto r = Estimated(Load("model: " + model +
                                  "\nhardware: {gpu: b200, count: 8}\nparallelism: {zero: 3}\n"
                                  "training: {seq_len: 4096, micro_batch: 2, framework: "
                                  "torchtitan, activation_checkpointing: selective}\n"));
    return r.throughput.hardware_flops_per_token - r.throughput.model_flops_per_token;
  };
  // Qwen3-30B-A3B, 48 layers: k (2048 x 512), o (4096 x 2048), the router (2048 x 128) and
  // 8 active experts of gate, up and down (2048 x 768 each).
  const double qwen = 2.0 * 48 * (2048 * 512 + 4096 * 2048 + 2048 * 128 + 8 * 3 * 2048 * 768);
  EXPECT_NEAR(rerun("qwen3-30b-a3b") / qwen, 1.0, 1e-6);
  // gpt-oss-20b, 24 layers: 4 active experts of gate_up (2880 x 5760) and down (2880 x 2880).
  const double oss = 2.0 * 24 * 4 * (2880 * 5760 + 2880 * 2880);
  EXPECT_NEAR(rerun("gpt-oss-20b") / oss, 1.0, 1e-6);
}

// The parallelism a stack runs (what `plan` may search for it): torchtitan's FSDP and 4D
// parallelism without ZeRO-1, the Trainer's data parallelism only; a run that states its own
// list replaces the stack's, and a name outside the list is refused naming the field.
TEST(Stacks, ParallelismIsWhatTheStackRuns) {
  using workload::ParallelMode;
  const auto titan = Load("model: llama-3.1-8b\ntraining: {framework: torchtitan}\n");
  EXPECT_TRUE(titan.training.stack.Offers(ParallelMode::kZero3));
  EXPECT_TRUE(titan.training.stack.Offers(ParallelMode::kPp));
  EXPECT_FALSE(titan.training.stack.Offers(ParallelMode::kZero1));
  const auto hf = Load("model: llama-3.1-8b\ntraining: {framework: hf-trainer}\n");
  EXPECT_FALSE(hf.training.stack.Offers(ParallelMode::kTp));
  EXPECT_TRUE(hf.training.stack.Offers(ParallelMode::kZero1));
  const auto run = Load(
      "model: llama-3.1-8b\ntraining: {framework: torchtitan, stack_traits: {parallelism: [zero3, "
      "tp]}}\n");
  EXPECT_EQ(run.training.stack.parallelism,
            static_cast<unsigned>(ParallelMode::kZero3) | static_cast<unsigned>(ParallelMode::kTp));
  ExpectErrorNames("{stack_traits: {parallelism: [zero4]}}", "training.stack_traits.parallelism");
  ExpectErrorNames("{stack_traits: {parallelism: []}}", "training.stack_traits.parallelism");
}

// Gradient buckets of the ZeRO-1 / ZeRO-2 collectives: DeepSpeed's 5e8 parameters by
// default, Megatron-Core's own rule (0) for the megatron stack, a run's bucket size from its
// stack_traits; a negative size is refused naming the field.
TEST(Stacks, GradientBucketSizeFollowsTheStack) {
  const auto ds = Load("model: llama-3.1-8b\ntraining: {framework: deepspeed}\n");
  EXPECT_DOUBLE_EQ(ds.training.stack.dp_bucket_params, 5e8);
  const auto mg = Load("model: llama-3.1-8b\ntraining: {framework: megatron}\n");
  EXPECT_DOUBLE_EQ(mg.training.stack.dp_bucket_params, 0);
  const auto run = Load(
      "model: llama-3.1-8b\ntraining: {framework: nemo, stack_traits: {dp_bucket_params: "
      "768000000}}\n");
  EXPECT_DOUBLE_EQ(run.training.stack.dp_bucket_params, 7.68e8);
  ExpectErrorNames("{stack_traits: {dp_bucket_params: -1}}",
                   "training.stack_traits.dp_bucket_params");
}

TEST(Stacks, Fp8RecipeKeyOverridesTheStackDefault) {
  auto s = Load(
      "model: llama-3.1-8b\nhardware: {gpu: h100-sxm}\ntraining: {method: full, precision: "
      "fp8-mixed, framework: torchtitan, fp8: {recipe: mxfp8, wgrad: false}}\n");
  EXPECT_EQ(s.training.stack.fp8_recipe, workload::Fp8Recipe::kMxfp8);
  EXPECT_FALSE(s.training.stack.fp8_wgrad);
  EXPECT_EQ(Load("model: llama-3.1-8b\ntraining: {precision: fp8-mixed, fp8: {master_weights: "
                 "bf16}}\n")
                .training.fp8.master_weights,
            workload::Fp8MasterWeights::kBf16);
  ExpectErrorNames("{fp8: {master_weights: fp16}}", "training.fp8.master_weights");
  ExpectErrorNames("{fp8: {recipe: tensor}}", "training.fp8.recipe");
  ExpectErrorNames("{fp8: {attention: maybe}}", "training.fp8.attention");
}

// training.fp8.attention: taken on an fp8 Hopper (the result says so), ignored with a
// warning that says why elsewhere.
TEST(Stacks, Fp8AttentionIsTakenWhereItRunsAndSaidWhereNot) {
  const std::string job =
      "model: llama-3.1-8b\ntraining: {method: full, precision: fp8-mixed, seq_len: 8192, "
      "fp8: {attention: true}}\nhardware: {gpu: ";
  Explanation quiet;
  const auto h100 = estimate::Estimate(Load(job + "h100-sxm}\n"),
                                       {&BuiltinEfficiency(), &BuiltinCatalog()}, &quiet);
  EXPECT_EQ(h100.fp8_attention, true);
  for (const auto& w : h100.warnings) EXPECT_EQ(w.find("fp8.attention"), std::string::npos) << w;
  const auto off = Estimated(
      Load("model: llama-3.1-8b\ntraining: {method: full, precision: fp8-mixed, seq_len: 8192}\n"
           "hardware: {gpu: h100-sxm}\n"));
  EXPECT_EQ(off.fp8_attention, false);
  EXPECT_GT(h100.throughput.tokens_per_s_per_gpu, off.throughput.tokens_per_s_per_gpu);
  EXPECT_LT(h100.memory.peak_allocated_bytes, off.memory.peak_allocated_bytes);
  Explanation ex;
  const auto l40s =
      estimate::Estimate(Load(job + "l40s}\n"), {&BuiltinEfficiency(), &BuiltinCatalog()}, &ex);
  EXPECT_EQ(l40s.fp8_attention, false);
  bool said = false;
  for (const auto& w : l40s.warnings)
    said = said || w.starts_with("training.fp8.attention ignored: no fp8 FlashAttention-3");
  EXPECT_TRUE(said) << ::testing::PrintToString(l40s.warnings);
}

// torchtitan's per-op SAC keeps every other matmul output: between full checkpointing and
// Megatron's attention-core selective (which, with flash attention, keeps almost all).
TEST(Stacks, PerOpSelectiveKeepsLessThanAttentionCoreSelective) {
  const std::string base =
      "model: llama-3.1-8b\nhardware: {gpu: h100-sxm, count: 8}\nparallelism: {zero: 3}\n"
      "training: {method: pretrain, seq_len: 8192, micro_batch: 1, framework: ";
  auto act = [&](const std::string& fw, const std::string& ckpt) {
    return Estimated(Load(base + fw + ", activation_checkpointing: " + ckpt + "}\n"))
        .memory.breakdown.activations;
  };
  const double per_op = act("torchtitan", "selective");
  const double core = act("pytorch", "selective");
  const double full = act("torchtitan", "full");
  EXPECT_LT(per_op, 0.7 * core);
  EXPECT_GT(per_op, full);
}

TEST(Stacks, TensorParallelOverlapOnlyWhereTheStackHasIt) {
  const std::string base =
      "model: llama-3.1-70b\nhardware: {gpu: h100-sxm, count: 8}\n"
      "parallelism: {tp: 8, sequence_parallel: true}\n"
      "training: {method: pretrain, seq_len: 4096, micro_batch: 1, framework: ";
  const auto te = Estimated(Load(base + "megatron}\n")).throughput;
  const auto legacy = Estimated(Load(base + "megatron-deepspeed}\n")).throughput;
  EXPECT_LT(te.breakdown_s.communication, legacy.breakdown_s.communication);
}

TEST(Stacks, Fa3KernelsSpeedAttentionOnHopperOnly) {
  auto attention_time = [](const std::string& gpu, const std::string& fw) {
    const auto s = Load("model: llama-3.1-8b\nhardware: {gpu: " + gpu +
                        "}\ntraining: {method: full, seq_len: 16384, framework: " + fw +
                        ", activation_checkpointing: full}\n");
    return Estimated(s).throughput.breakdown_s.compute;
  };
  // megatron (fa3 kernels) vs megatron-deepspeed (fa2) differ in more than attention, so
  // compare the ratio across GPUs: the gap is larger on Hopper.
  const double hopper =
      attention_time("h100-sxm", "megatron-deepspeed") / attention_time("h100-sxm", "megatron");
  const double ampere = attention_time("a100-80gb-sxm", "megatron-deepspeed") /
                        attention_time("a100-80gb-sxm", "megatron");
  EXPECT_GT(hopper, ampere * 1.05);
}

TEST(Stacks, HostWorkOfTheStackAddsToEveryMicroBatch) {
  const std::string base =
      "model: qwen2.5-0.5b\nhardware: {gpu: l40s}\n"
      "training: {method: lora, seq_len: 512, micro_batch: 4, global_batch: 16, framework: ";
  const auto hf = Estimated(Load(base + "hf-trainer}\n")).throughput;
  const auto pt = Estimated(Load(base + "pytorch}\n")).throughput;
  const auto& traits = StackFor(Framework::kHfTrainer).traits;
  EXPECT_GE(hf.step_time_s - pt.step_time_s, 4 * traits.micro_batch_host_s + traits.step_host_s);
}

// Megatron builds its own modules: q, k, v in one linear_qkv and SwiGLU's gate and up in one
// linear_fc1, whatever the Hugging Face layout, so a LoRA on q, k and v is one adapter (one
// dropout copy of its input); a stack switch undoes what the stack set.
TEST(Stacks, MegatronFusesTheProjectionsItBuilds) {
  const std::string job =
      "model: llama-3.1-8b\nhardware: {gpu: h100-sxm}\ntraining: {method: lora, lora: {rank: 16, "
      "targets: [q_proj, k_proj, v_proj]}, framework: ";
  const auto megatron = Load(job + "megatron}\n");
  EXPECT_TRUE(megatron.model.fused_qkv);
  EXPECT_TRUE(megatron.model.fused_gate_up);
  const auto hf = Load(job + "hf-trainer}\n");
  EXPECT_FALSE(hf.model.fused_qkv);
  const auto fused = Estimated(megatron).memory, apart = Estimated(hf).memory;
  // Three adapters A: r x h each, against one: two r x h fewer per layer.
  const double layers = megatron.model.layers, h = megatron.model.hidden;
  EXPECT_NEAR(apart.trainable_params - fused.trainable_params, 2 * 16 * h * layers, 1.0);
  EXPECT_EQ(megatron.model.params, hf.model.params);
  auto restacked = Load("model: llama-3.1-8b\ntraining: {method: pretrain}\n");
  restacked.hardware.count = 8;
  restacked.parallelism.tp = 8;
  RestackDefault(restacked);
  ASSERT_EQ(restacked.training.stack.id, Framework::kMegatron);
  EXPECT_TRUE(restacked.model.fused_qkv);
  restacked.hardware.count = 1;
  restacked.parallelism.tp = 1;
  RestackDefault(restacked);
  EXPECT_NE(restacked.training.stack.id, Framework::kMegatron);
  EXPECT_FALSE(restacked.model.fused_qkv);
  EXPECT_FALSE(restacked.model.fused_gate_up);
  // A model that fuses them itself keeps them fused on every stack.
  const auto phi = Load(
      "model: {family: phi3, layers: 4, hidden: 1024, heads: 8, ffn: 2816, "
      "vocab: 32064, fused_qkv: true, fused_gate_up: true}\n"
      "training: {framework: hf-trainer}\n");
  EXPECT_TRUE(phi.model.fused_qkv);
  EXPECT_FALSE(phi.model.qkv_fused_by_stack);
}

// LitGPT holds its output head apart from the embedding (its checkpoint converter copies the
// embedding into lm_head.weight and the model never ties them): a tied model gains a head's
// parameters and 16-bit weights on that stack, the output says so, and a stack switch ties
// it again; a model with a head of its own is as it was.
TEST(Stacks, LitGptUntiesTheOutputHead) {
  const std::string job =
      "model: llama-3.2-1b\nhardware: {gpu: a10g}\ntraining: {method: lora, precision: bf16, "
      "framework: lightning";
  const auto lit = Load(job + "}\n");
  const auto tied = Load(job + ", stack_traits: {untied_head: false}}\n");
  ASSERT_TRUE(tied.model.tied_embeddings);
  EXPECT_FALSE(lit.model.tied_embeddings);
  const double head = static_cast<double>(tied.model.vocab) * tied.model.hidden;
  EXPECT_NEAR(lit.model.params - tied.model.params, head, 1.0);
  EXPECT_NEAR(Estimated(lit).memory.breakdown.weights - Estimated(tied).memory.breakdown.weights,
              2 * head, 1e-6 * head);
  bool said = false;
  for (const auto& d : Estimated(lit).defaults)  // what every output's "defaults used" shows
    said |= d.knob == "model.tied_embeddings" && d.value == "false";
  EXPECT_TRUE(said);

  auto restacked = lit;
  restacked.training.framework = Framework::kHfTrainer;
  ResolveStack(restacked, {});
  EXPECT_TRUE(restacked.model.tied_embeddings);
  EXPECT_EQ(restacked.model.params, tied.model.params);

  const auto own = Load(
      "model: llama-3.1-8b\nhardware: {gpu: a10g}\ntraining: {method: lora, framework: "
      "lightning}\n");
  EXPECT_EQ(own.model.params, Load("model: llama-3.1-8b\n").model.params);
}

// LitGPT's loop holds the previous micro-batch's logits until the next forward returns, and
// with them its graph: bitsandbytes before 0.43.2 keeps each 4-bit linear's input as a ctx
// attribute, which backward does not free, so those inputs of every layer that kept its graph
// are still allocated while the next micro-batch runs forward (stack trait
// keeps_previous_outputs). A Llama 2 7B QLoRA (small vocabulary) then peaks there: per layer
// the norm output (qkv and the MLP's gate / up), the attention output and the MLP product,
// at 2 B per element, plus two micro-batches of 16-bit logits.
TEST(Stacks, LitGptHoldsThePreviousMicroBatchGraph) {
  const std::string job =
      "model: llama-2-7b\nhardware: {gpu: a10g}\ntraining: {method: qlora, precision: bf16, "
      "framework: lightning, seq_len: 512, micro_batch: 2, global_batch: 8, "
      "activation_checkpointing: ";
  const std::string kbit = "stack_traits: {kbit_saves_input: true";
  const auto held = Estimated(Load(job + "none, " + kbit + "}}\n")).memory;
  const auto freed =
      Estimated(Load(job + "none, " + kbit + ", keeps_previous_outputs: false}}\n")).memory;
  const auto& m = Load("model: llama-2-7b\n").model;
  const double tokens = 2 * 512, h = m.hidden, layers = m.layers;
  const double inputs = 2 * tokens * layers * (3 * h + m.ffn);
  const double logits = 2 * tokens * m.vocab;
  // Without the held graph the peak is the start of backward with the eager loss's 12 B per
  // logit; with it, the end of the next forward: its 16-bit logits beside the held ones.
  const double diff = held.peak_allocated_bytes - freed.peak_allocated_bytes;
  EXPECT_GT(diff, inputs + 2 * logits - 6 * logits - 0.01 * inputs);
  EXPECT_LT(diff, inputs + logits);
  // Recomputed layers' inner graphs are gone with their backward; bitsandbytes 0.43.2 keeps
  // no input: what stays is at most the logits, and the peak may be elsewhere.
  const auto ckpt = Estimated(Load(job + "full, " + kbit + "}}\n")).memory;
  const auto ckpt_freed =
      Estimated(Load(job + "full, " + kbit + ", keeps_previous_outputs: false}}\n")).memory;
  EXPECT_LE(ckpt.peak_allocated_bytes - ckpt_freed.peak_allocated_bytes, logits * 1.001);
  const auto new_bnb = Estimated(Load(job + "none}\n")).memory;
  const auto new_bnb_freed =
      Estimated(Load(job + "none, stack_traits: {keeps_previous_outputs: false}}\n")).memory;
  EXPECT_LE(new_bnb.peak_allocated_bytes - new_bnb_freed.peak_allocated_bytes, logits * 1.001);
  // The Hugging Face Trainer returns the detached loss: nothing of a micro-batch outlives it.
  const auto hf = Estimated(Load("model: llama-2-7b\nhardware: {gpu: a10g}\ntraining: {method: "
                                 "qlora, framework: hf-trainer, stack_traits: {kbit_saves_input: "
                                 "true}}\n"))
                      .memory;
  const auto hf_held = Estimated(Load("model: llama-2-7b\nhardware: {gpu: a10g}\ntraining: "
                                      "{method: qlora, framework: hf-trainer, stack_traits: "
                                      "{kbit_saves_input: true, keeps_previous_outputs: true}}\n"))
                           .memory;
  EXPECT_GE(hf_held.peak_allocated_bytes, hf.peak_allocated_bytes);
}

// torch FSDP allocates the sharded gradients on its reduce-scatter stream and FSDP2 its
// all-gather outputs on the copy-in stream: the allocator keeps those blocks for their
// streams, so reserved memory holds them beside the compute stream's peak. torchtitan's
// Llama 3.1 8B on 8 GPUs (expandable segments: no other slack) reserves at least its fp32
// sharded gradients (8.03e9 / 8 x 4 B) more than it allocates in the forward, and the
// copy-in stream's share goes with FSDP2 (fsdp_per_param).
TEST(Stacks, TorchFsdpStreamsKeepShardedGradientsAndGathersReserved) {
  const std::string job =
      "model: llama-3.1-8b\nhardware: {gpu: h100-sxm, count: 8}\nparallelism: {zero: 3}\n"
      "training: {method: pretrain, precision: bf16-mixed, seq_len: 8192, micro_batch: 1, "
      "global_batch: 8, activation_checkpointing: selective, framework: torchtitan";
  const auto fsdp2 = Estimated(Load(job + "}\n")).memory;
  const auto fsdp1 = Estimated(Load(job + ", stack_traits: {fsdp_per_param: false}}\n")).memory;
  const double grads = Load("model: llama-3.1-8b\n").model.params / 8 * 4;
  EXPECT_GE(fsdp1.peak_reserved_bytes - fsdp1.peak_allocated_bytes, 0.99 * grads);
  EXPECT_LT(fsdp1.peak_reserved_bytes - fsdp1.peak_allocated_bytes, 1.01 * grads);
  EXPECT_NEAR(fsdp2.peak_allocated_bytes, fsdp1.peak_allocated_bytes,
              1e-9 * fsdp1.peak_allocated_bytes);
  // Two Llama layers and the root (embedding and head) in flight, 16-bit.
  EXPECT_GT(fsdp2.peak_reserved_bytes - fsdp1.peak_reserved_bytes, 2 * 218e6 * 2);
  // DeepSpeed's ZeRO-3 keeps its gradient partitions in buffers of its own: no pools.
  const auto ds = Estimated(Load("model: llama-3.1-8b\nhardware: {gpu: h100-sxm, count: 8}\n"
                                 "parallelism: {zero: 3}\ntraining: {framework: deepspeed, "
                                 "stack_traits: {expandable_segments: true}}\n"))
                      .memory;
  EXPECT_LT(ds.peak_reserved_bytes - ds.peak_allocated_bytes, 0.05 * ds.peak_allocated_bytes);
}

// Llama 3.1 8B under torchtitan with TP 8 and sequence parallelism, 8 x 8192 tokens per
// rank; the caller closes the training map (and may add keys to it first).
const std::string kTorchtitanTp8 =
    "model: llama-3.1-8b\nhardware: {gpu: h100-sxm, count: 8}\nparallelism: {tp: 8, "
    "sequence_parallel: true}\ntraining: {method: pretrain, seq_len: 8192, micro_batch: 8, "
    "activation_checkpointing: full, framework: torchtitan";

// torchtitan runs its loss on the vocabulary shards of tensor parallelism (loss_parallel):
// with the eager loss (before its compiled loss) each of 8 TP ranks holds its eighth of the
// logits, at DTensor's decomposed 16 B per logit rather than the fused kernels' 12.
TEST(Stacks, TorchtitanLossParallelShardsTheEagerLossOverTensorParallelRanks) {
  const std::string job = kTorchtitanTp8 + ", stack_traits: {compiled_loss: false";
  const auto sharded = Estimated(Load(job + "}}\n")).memory;
  const auto whole = Estimated(Load(job + ", loss_parallel: false}}\n")).memory;
  const double logits = 8.0 * 8192 * Load("model: llama-3.1-8b\n").model.vocab;
  // Unsharded, the loss's 12 B per logit is the peak. Sharded, each rank holds an eighth of
  // the logits, but DTensor's loss-parallel handlers decompose the kernels: 16 B per logit in
  // backward (the saved result, zeros_like, exp and their sum, all fp32).
  EXPECT_NEAR(whole.breakdown.logits, 12 * logits, 1e-9 * logits);
  EXPECT_NEAR(sharded.breakdown.logits, 16 * logits / 8, 1e-9 * logits);
  EXPECT_GT(whole.peak_allocated_bytes - sharded.peak_allocated_bytes, 10 * logits * 0.9);
}

// torchtitan's output projection is ColwiseParallel over the final norm's sequence shard: its
// module hook gathers the input and the DTensor matmul saves the gathered tensor for the
// weight gradient (stack trait sp_dtensor), where Megatron saves the shard and gathers it
// again in backward. At tp 8 the difference is 7/8 of the b*s*h 16-bit input.
TEST(Stacks, TorchtitanLmHeadSavesItsGatheredInput) {
  const auto gathered = Estimated(Load(kTorchtitanTp8 + "}\n")).memory;
  const auto shard =
      Estimated(Load(kTorchtitanTp8 + ", stack_traits: {sp_dtensor: false}}\n")).memory;
  const double input = 2.0 * 8 * 8192 * 4096;
  EXPECT_NEAR(gathered.breakdown.activations - shard.breakdown.activations, input * 7 / 8,
              1e-6 * input);
}

// LitGPT expands K and V of grouped-query attention to every query head before the attention
// kernel (a copy the kernel saves): a Llama 3.1 8B layer (8 of 32 heads in K / V) saves K
// and V at 4096 instead of 1024 wide; a multi-head model is unchanged.
TEST(Stacks, LitGptExpandsKeysAndValuesForGroupedQueries) {
  const std::string job =
      "hardware: {gpu: a100-80gb-sxm}\ntraining: {method: lora, precision: bf16, framework: "
      "lightning, seq_len: 1024, micro_batch: 1, activation_checkpointing: none";
  const auto gqa = Estimated(Load("model: llama-3.1-8b\n" + job + "}\n")).memory;
  const auto kept =
      Estimated(Load("model: llama-3.1-8b\n" + job + ", stack_traits: {expands_kv: false}}\n"))
          .memory;
  const auto& m = Load("model: llama-3.1-8b\n").model;
  const double widened = 2.0 * (m.heads - m.kv_heads) * m.HeadDim();  // K and V
  EXPECT_NEAR(gqa.breakdown.activations - kept.breakdown.activations, 2 * 1024 * widened * m.layers,
              0.01 * gqa.breakdown.activations);
  const auto mha = Estimated(Load("model: llama-2-7b\n" + job + "}\n")).memory;
  const auto mha_kept =
      Estimated(Load("model: llama-2-7b\n" + job + ", stack_traits: {expands_kv: false}}\n"))
          .memory;
  EXPECT_EQ(mha.breakdown.activations, mha_kept.breakdown.activations);
}

// A run on PyTorch before 2.0 (stack_traits.torch_1x): zero_grad zeroed the gradients in
// place, so they are allocated through the forward of a step without accumulation; AdamW
// stepped per parameter (no state-sized foreach temporary); the CUDA context loaded every
// module at creation (1343 MiB measured by the Hugging Face memory anatomy guide).
TEST(Stacks, TorchOneKeepsGradientsAndLoadsEveryModule) {
  const std::string job =
      "model: llama-3.2-1b\nhardware: {gpu: a100-80gb-sxm}\ntraining: {method: full, precision: "
      "fp32, optimizer: adamw, framework: pytorch, activation_checkpointing: none, ";
  const std::string one = "stack_traits: {torch_1x: true}, ";
  const auto heavy = Estimated(Load(job + "seq_len: 2048, micro_batch: 8, global_batch: 8}\n"));
  const auto heavy1 =
      Estimated(Load(job + one + "seq_len: 2048, micro_batch: 8, global_batch: 8}\n"));
  EXPECT_NEAR(heavy1.memory.breakdown.runtime - heavy.memory.breakdown.runtime,
              1343.0 * 1024 * 1024 - 0.5e9, 1e6);
  // Activation-bound: the peak is in backward, now with every gradient already allocated.
  const double grads = 4 * heavy.memory.total_params;
  EXPECT_NEAR(heavy1.memory.peak_allocated_bytes - heavy.memory.peak_allocated_bytes, grads,
              0.35 * grads);
  // State-bound: the peak is the optimizer step, without the foreach temporary.
  const auto light = Estimated(Load(job + "seq_len: 128, micro_batch: 1, global_batch: 1}\n"));
  const auto light1 =
      Estimated(Load(job + one + "seq_len: 128, micro_batch: 1, global_batch: 1}\n"));
  EXPECT_LT(light1.memory.peak_allocated_bytes, light.memory.peak_allocated_bytes - 0.5 * grads);
}

// DeepSpeed's BF16_Optimizer (Megatron-DeepSpeed under bf16) keeps each backward's 16-bit
// gradients beside its fp32 gradient buffer: 2 B per parameter more; under fp16 the engine
// takes another optimizer wrapper, and Megatron-LM's own frees them in its gradient hook.
TEST(Stacks, DeepSpeedBf16OptimizerKeepsTheSixteenBitGradients) {
  const std::string job =
      "model: llama-3.1-8b\nhardware: {gpu: a100-80gb-sxm, count: 8}\nparallelism: {tp: 4, pp: "
      "2}\ntraining: {method: pretrain, framework: megatron-deepspeed, precision: ";
  const auto kept = Estimated(Load(job + "bf16-mixed}\n")).memory;
  const auto freed =
      Estimated(Load(job + "bf16-mixed, stack_traits: {keeps_16bit_grads: false}}\n")).memory;
  const double params = kept.total_params;
  // Each GPU holds 1/8 of the parameters (tp 4 x pp 2, ends included): about 2 B of each.
  EXPECT_NEAR(kept.breakdown.gradients - freed.breakdown.gradients, 2 * params / 8,
              0.05 * params / 8);
  const auto fp16 = Estimated(Load(job + "fp16-mixed}\n")).memory;
  const auto fp16_freed =
      Estimated(Load(job + "fp16-mixed, stack_traits: {keeps_16bit_grads: false}}\n")).memory;
  EXPECT_EQ(fp16.breakdown.gradients, fp16_freed.breakdown.gradients);
}

// A LoRA run over a base loaded in fp32 and trained under autocast (lora.base_dtype fp32):
// the frozen weights at 4 B, and each frozen linear's 16-bit cast, made per call, kept for its
// input gradient (every layer's without checkpointing, the recomputed layer's under full
// checkpointing) and paid in time per forward. Where nothing autocasts an fp32 base (QLoRA,
// pure bf16, DeepSpeed's 16-bit module) the knob is an error naming it.
TEST(Stacks, Fp32LoraBaseHoldsFourBytesAndItsCasts) {
  const std::string job =
      "model: llama-3.1-8b\nhardware: {gpu: h100-sxm}\ntraining: {method: lora, precision: "
      "bf16-mixed, framework: hf-trainer, activation_checkpointing: ";
  const auto base16 = Load(job + "none}\n");
  const auto base32 = Load(job + "none, lora: {base_dtype: fp32}}\n");
  ASSERT_TRUE(base32.Fp32FrozenBase());
  ASSERT_FALSE(base16.Fp32FrozenBase());
  const auto e16 = Estimated(base16), e32 = Estimated(base32);
  EXPECT_EQ(e32.lora_base_dtype, "fp32");  // JSON resolved.lora_base_dtype
  EXPECT_EQ(e16.lora_base_dtype, "bf16");
  const double n = e16.memory.total_params;
  const double layer = catalog::CountParams(base16.model).layer_linear;
  const double L = base16.model.layers;
  EXPECT_NEAR(e32.memory.breakdown.weights - e16.memory.breakdown.weights, 2 * n + 2 * L * layer,
              0.01 * n);
  EXPECT_LT(e32.throughput.tokens_per_s_per_gpu, e16.throughput.tokens_per_s_per_gpu);
  const auto f16 = Estimated(Load(job + "full}\n"));
  const auto f32 = Estimated(Load(job + "full, lora: {base_dtype: fp32}}\n"));
  EXPECT_NEAR(f32.memory.breakdown.weights - f16.memory.breakdown.weights, 2 * n + 2 * layer,
              0.01 * n);
  // Full checkpointing of 12 of the 32 layers: the other 20 keep their casts, plus the one
  // layer being recomputed.
  const auto p16 = Estimated(Load(job + "full, activation_checkpointing_layers: 12}\n"));
  const auto p32 = Estimated(
      Load(job + "full, activation_checkpointing_layers: 12, lora: {base_dtype: fp32}}\n"));
  EXPECT_NEAR(p32.memory.breakdown.weights - p16.memory.breakdown.weights,
              2 * n + 2 * (L - 12 + 1) * layer, 0.01 * n);

  EXPECT_NE(ErrorOf("model: llama-3.1-8b\ntraining: {method: qlora, lora: {base_dtype: fp32}}")
                .find("training.lora.base_dtype: method qlora has no 16-bit frozen base"),
            std::string::npos);
  EXPECT_NE(ErrorOf("model: llama-3.1-8b\ntraining: {method: lora, precision: bf16, lora: "
                    "{base_dtype: fp32}}")
                .find("precision bf16 runs no autocast"),
            std::string::npos);
  EXPECT_NE(ErrorOf("model: llama-3.1-8b\ntraining: {method: lora, framework: deepspeed, lora: "
                    "{base_dtype: fp32}}")
                .find("the deepspeed stack holds the model in 16 bits"),
            std::string::npos);
  // The accepted stacks are read from their traits: Composer autocasts the model as loaded.
  EXPECT_NE(ErrorOf("model: llama-3.1-8b\ntraining: {method: lora, framework: unsloth, lora: "
                    "{base_dtype: fp32}}")
                .find("(pytorch, hf-trainer, accelerate, lightning, torchtune, fsdp-qlora, "
                      "composer)"),
            std::string::npos);
  EXPECT_NE(ErrorOf("model: llama-3.1-8b\ntraining: {method: lora, lora: {base_dtype: fp16}}")
                .find("training.lora.base_dtype: invalid value 'fp16'"),
            std::string::npos);
  // Under precision fp32 the base is fp32 already: accepted, nothing changes.
  EXPECT_EQ(ErrorOf("model: llama-3.1-8b\ntraining: {method: lora, precision: fp32, lora: "
                    "{base_dtype: fp32}}"),
            "(no error)");
}

// fp8 primary weights (Transformer Engine fp8_model_init) hold the frozen base of a LoRA run
// at 1 B per linear weight, the embedding and head at 2; trained fp8 weights keep a transpose
// only where fp8 GEMMs take the TN layout alone (Hopper), not on datacenter Blackwell.
TEST(Stacks, Fp8PrimaryWeightsHoldTheFrozenBaseAtOneByte) {
  const std::string lora =
      "model: llama-3.1-8b\nhardware: {gpu: h100-sxm}\ntraining: {method: lora, framework: "
      "megatron, precision: ";
  const auto fp8_run = Estimated(Load(lora + "fp8-mixed}\n"));
  EXPECT_EQ(fp8_run.lora_base_dtype, "fp8");  // JSON resolved.lora_base_dtype
  const auto& fp8 = fp8_run.memory;
  const auto bf16 = Estimated(Load(lora + "bf16-mixed}\n")).memory;
  const auto& m = Load(lora + "fp8-mixed}\n").model;
  const double edge = 2.0 * m.vocab * m.hidden;  // untied embedding and head
  const double frozen = m.params - edge;
  EXPECT_NEAR(bf16.breakdown.weights - fp8.breakdown.weights, frozen, 0.02 * frozen);
  EXPECT_TRUE(BuiltinCatalog().Gpu("b200").Fp8AnyLayout());
  EXPECT_TRUE(BuiltinCatalog().Gpu("gb200").Fp8AnyLayout());
  EXPECT_FALSE(BuiltinCatalog().Gpu("h100-sxm").Fp8AnyLayout());
  EXPECT_FALSE(BuiltinCatalog().Gpu("rtx-5090").Fp8AnyLayout());  // sm120: TN only
  const std::string full =
      "model: llama-3.1-8b\ntraining: {method: full, framework: megatron, precision: "
      "fp8-mixed}\nhardware: {gpu: ";
  const auto hopper = Estimated(Load(full + "h100-sxm}\n")).memory;
  const auto blackwell = Estimated(Load(full + "b200}\n")).memory;
  EXPECT_NEAR(hopper.peak_allocated_bytes - blackwell.peak_allocated_bytes, hopper.trainable_params,
              0.05 * hopper.trainable_params);
}

// training.fp8.activation_input (Megatron-Core activation_func_fp8_input_store): the SwiGLU
// input (gate and up) saved at 1 B instead of 2, at the cost of a cast each way; said in the
// resolved knobs, ignored with a warning outside fp8-mixed.
TEST(Stacks, Fp8ActivationInputSavesTheSwigluInputInOneByte) {
  const std::string job =
      "model: llama-3.1-8b\nhardware: {gpu: h100-sxm}\ntraining: {method: full, framework: "
      "megatron, seq_len: 4096, precision: ";
  const auto plain = Estimated(Load(job + "fp8-mixed}\n"));
  const auto stored = Estimated(Load(job + "fp8-mixed, fp8: {activation_input: true}}\n"));
  EXPECT_EQ(stored.fp8_activation_input, true);
  EXPECT_EQ(plain.fp8_activation_input, false);
  const auto& m = Load(job + "fp8-mixed}\n").model;
  const double per_layer = 2.0 * m.ffn * 4096;  // gate and up, one byte fewer each
  EXPECT_NEAR(plain.memory.breakdown.activations - stored.memory.breakdown.activations,
              per_layer * m.layers, 0.01 * per_layer * m.layers);
  EXPECT_LT(stored.throughput.tokens_per_s_per_gpu, plain.throughput.tokens_per_s_per_gpu);
  Explanation ex;
  const auto bf16 = estimate::Estimate(Load(job + "bf16-mixed, fp8: {activation_input: true}}\n"),
                                       {&BuiltinEfficiency(), &BuiltinCatalog()}, &ex);
  EXPECT_FALSE(bf16.fp8_activation_input.has_value());
  bool said = false;
  for (const auto& w : bf16.warnings)
    said = said || w.starts_with("training.fp8.activation_input ignored");
  EXPECT_TRUE(said) << ::testing::PrintToString(bf16.warnings);
  ExpectErrorNames("{fp8: {activation_input: 1byte}}", "training.fp8.activation_input");
}

// Context parallelism by all-to-all (parallelism.cp_comm: a2a): each cp rank gets whole
// heads of the whole sequence, so tp x cp must divide the heads; its all-to-alls sit before
// and after the attention, none hidden, where the ring hides behind the attention.
TEST(Stacks, ContextParallelAllToAllIsExposedAndNeedsWholeHeads) {
  const std::string job =
      "model: llama-3.1-8b\nhardware: {gpu: h100-sxm, count: 8}\ntraining: {seq_len: 32768, "
      "micro_batch: 1, global_batch: 1, framework: megatron}\nparallelism: {tp: 1, cp: 8";
  const auto a2a = Load(job + ", cp_comm: a2a}\n");
  EXPECT_EQ(a2a.parallelism.cp_comm, workload::CpComm::kA2a);
  EXPECT_EQ(Load(job + "}\n").parallelism.cp_comm, workload::CpComm::kP2p);
  const auto a = Estimated(a2a), ring = Estimated(Load(job + "}\n"));
  EXPECT_EQ(a.parallelism.cp_comm, workload::CpComm::kA2a);  // shown resolved
  EXPECT_GT(a.throughput.breakdown_s.communication, ring.throughput.breakdown_s.communication);
  const std::string heads = ErrorOf(
      "model: llama-3.1-8b\nhardware: {gpu: h100-sxm, count: 8, nodes: 8}\ntraining: {seq_len: "
      "8192, micro_batch: 1, global_batch: 1}\nparallelism: {tp: 8, cp: 8, cp_comm: a2a}\n");
  EXPECT_NE(heads.find("parallelism.cp_comm"), std::string::npos) << heads;
  ExpectErrorNamesParallelism("{cp: 2, cp_comm: ulysses}", "parallelism.cp_comm");
}

// training.activation_checkpointing_layers: full checkpointing of only some layers per model
// chunk (Megatron --recompute-method block --recompute-num-layers N), the rest keeping all
// they save: memory and recompute time between none and full, in proportion to the layers.
TEST(Stacks, PartialFullCheckpointingSitsBetweenNoneAndFull) {
  const std::string job =
      "model: llama-3.1-8b\nhardware: {gpu: h100-sxm}\ntraining: {method: full, seq_len: 4096, "
      "micro_batch: 1, global_batch: 8, activation_checkpointing: ";
  const auto none = Estimated(Load(job + "none}\n"));
  const auto full = Estimated(Load(job + "full}\n"));
  const auto some = Estimated(Load(job + "full, activation_checkpointing_layers: 8}\n"));
  EXPECT_EQ(some.checkpoint_layers, 8);
  EXPECT_FALSE(full.checkpoint_layers.has_value());
  const double a_none = none.memory.breakdown.activations,
               a_full = full.memory.breakdown.activations;
  const double a_some = some.memory.breakdown.activations;
  // 8 of 32 layers keep their input only, 24 keep everything.
  EXPECT_NEAR(a_some - a_full, 24.0 / 32 * (a_none - a_full), 0.02 * (a_none - a_full));
  const double t_none = none.throughput.step_time_s, t_full = full.throughput.step_time_s;
  EXPECT_GT(some.throughput.step_time_s, t_none);
  EXPECT_LT(some.throughput.step_time_s, t_full);
  EXPECT_NEAR(some.throughput.step_time_s - t_none, 8.0 / 32 * (t_full - t_none),
              0.05 * (t_full - t_none));
  const std::string err = ErrorOf(job + "full, activation_checkpointing_layers: 33}\n");
  EXPECT_NE(err.find("training.activation_checkpointing_layers"), std::string::npos) << err;
  Explanation ex;
  const auto ignored =
      estimate::Estimate(Load(job + "selective, activation_checkpointing_layers: 8}\n"),
                         {&BuiltinEfficiency(), &BuiltinCatalog()}, &ex);
  bool said = false;
  for (const auto& w : ignored.warnings)
    said = said || w.starts_with("training.activation_checkpointing_layers ignored");
  EXPECT_TRUE(said) << ::testing::PrintToString(ignored.warnings);
}

}  // namespace
}  // namespace gpuadv::io
