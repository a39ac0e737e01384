#include <gtest/gtest.h>

#include "advise_fixture.h"
#include "gpuadv/advise/compare.h"
#include "gpuadv/advise/fit.h"

namespace gpuadv::advise {
namespace {

using testing::BuiltinContext;
using testing::Scenario;

bool HasChange(const FitOption& o, const std::string& text) {
  for (const auto& c : o.changes)
    if (c.description.find(text) != std::string::npos) return true;
  return false;
}

TEST(Fit, FindsQloraForA13bModelOn12Gb) {
  const auto s = Scenario(
      "model: llama-2-13b\ntraining: {method: full, seq_len: 2048, micro_batch: 1}\n"
      "hardware: {gpu: rtx-3060-12gb}\n");
  const auto r = MakeItFit(s, BuiltinContext(), FitOptions{});
  EXPECT_FALSE(r.already_fits);
  ASSERT_FALSE(r.options.empty());
  bool qlora = false;
  for (const auto& o : r.options) {
    EXPECT_NE(o.estimate.memory.fit, estimate::Fit::kDoesNotFit);
    qlora |= HasChange(o, "-> qlora");
  }
  EXPECT_TRUE(qlora);
}

TEST(Fit, OptionsAreMinimalAndOrderedByGpuHours) {
  const auto s = Scenario(
      "model: llama-3.1-8b\ntraining: {method: full, seq_len: 2048, micro_batch: 4}\n"
      "hardware: {gpu: rtx-4090}\n");
  const auto r = MakeItFit(s, BuiltinContext(), FitOptions{});
  for (size_t i = 1; i < r.options.size(); ++i)
    EXPECT_LE(r.options[i - 1].estimate.training.gpu_hours,
              r.options[i].estimate.training.gpu_hours);
  // No option is a superset of another option.
  for (const auto& a : r.options)
    for (const auto& b : r.options) {
      if (&a == &b || a.changes.size() >= b.changes.size()) continue;
      bool subset = true;
      for (const auto& c : a.changes) subset &= HasChange(b, c.description);
      EXPECT_FALSE(subset);
    }
}

// A Megatron MoE / MLA job gets Megatron's fine-grained recompute modules as a knob: the
// norms, the experts' activation and MLA's up projections, recomputed for a few % of compute
// (DeepSeek-V3 on 1,024 H100 as the Megatron Core MoE report runs it, without its modules).
TEST(Fit, MegatronMoeJobsGetTheFineGrainedRecomputeModules) {
  const auto s = Scenario(
      "model: deepseek-v3\n"
      "training: {method: pretrain, precision: fp8-mixed, seq_len: 4096, micro_batch: 1,"
      " global_batch: 8192, activation_checkpointing: selective, framework: megatron,"
      " fp8: {recipe: blockwise}, optimizer_state_dtype: bf16}\n"
      "hardware: {gpu: h100-sxm, count: 8, nodes: 128, network_gbps: 400}\n"
      "parallelism: {tp: 2, pp: 8, vpp: 4, ep: 64, etp: 1, zero: 1, sequence_parallel: true,"
      " pipeline_embedding_loss: true}\n");
  const auto r = MakeItFit(s, BuiltinContext(), FitOptions{});
  ASSERT_FALSE(r.already_fits);
  bool cheap = false;
  for (const auto& o : r.options) {
    if (!HasChange(o, "recompute_modules: [core_attn] -> [moe_act, layernorm, mla_up_proj]"))
      continue;
    bool keeps_job = true;
    for (const auto& c : o.changes) keeps_job &= !c.changes_job;
    cheap |= keeps_job && o.slowdown < 0.05;
  }
  EXPECT_TRUE(cheap);
  // A dense model without MLA has no such modules to offer.
  const auto dense = Scenario(
      "model: llama-3.1-70b\ntraining: {method: pretrain, seq_len: 8192, micro_batch: 1,"
      " framework: megatron}\nhardware: {gpu: h100-sxm, count: 8}\n"
      "parallelism: {tp: 8, pp: 1, zero: 1}\n");
  const auto d = MakeItFit(dense, BuiltinContext(), FitOptions{});
  ASSERT_FALSE(d.options.empty());
  for (const auto& o : d.options) EXPECT_FALSE(HasChange(o, "recompute_modules"));
}

TEST(Fit, ShorterSequenceOnlyWhenAllowed) {
  const auto s = Scenario(
      "model: llama-3.1-8b\ntraining: {method: full, seq_len: 8192}\n"
      "hardware: {gpu: rtx-4090}\n");
  for (const auto& o : MakeItFit(s, BuiltinContext(), FitOptions{}).options)
    EXPECT_FALSE(HasChange(o, "seq_len"));
  FitOptions allow;
  allow.allow_shorter_seq = true;
  allow.top_n = 100;
  const auto r = MakeItFit(Scenario("model: llama-3.2-1b\ntraining: {method: full, seq_len: 8192, "
                                    "micro_batch: 8}\nhardware: {gpu: rtx-3060-12gb}\n"),
                           BuiltinContext(), allow);
  bool seq = false;
  for (const auto& o : r.options) seq |= HasChange(o, "seq_len");
  EXPECT_TRUE(seq);
}

// The hobbyist's classic question: RTX 3060 12 GB or RTX 4060 8 GB for a 7B QLoRA?
CompareResult Compare3060Vs4060(int micro_batch, int seq_len = 2048) {
  const auto s =
      Scenario("model: llama-2-7b\ntraining: {method: qlora, seq_len: " + std::to_string(seq_len) +
               ", micro_batch: " + std::to_string(micro_batch) +
               ",\n  activation_checkpointing: full, tokens: 2.0e7}\n");
  const auto& cat = io::BuiltinCatalog();
  return Compare(s, {{&cat.Gpu("rtx-3060-12gb"), 0}, {&cat.Gpu("rtx-4060"), 0}}, BuiltinContext());
}

std::string Joined(const CompareEntry& e) {
  std::string all;
  for (const auto& w : e.reasons) all += w + "\n";
  return all;
}

TEST(Compare, Rtx3060WinsA7bQloraOnMemoryWhenThe4060IsShort) {
  // 1 x 3072 tokens: 8.1 GiB per GPU. The 12 GiB card fits with margin (the high end of the
  // memory range, about +10% in its category, stays under 12 GiB); the 8 GiB one does not
  // (or only tightly), and says so and who fits instead. (At 2048 tokens, 7.2 GiB, the
  // range's high end reaches 8.0 GiB: it fits, narrowly.)
  const auto r = Compare3060Vs4060(1, 3072);
  ASSERT_EQ(r.entries.size(), 2u);
  const auto& a = r.entries[0];
  const auto& b = r.entries[1];
  ASSERT_EQ(a.estimate.memory.fit, estimate::Fit::kFits) << Joined(a);
  ASSERT_NE(b.estimate.memory.fit, estimate::Fit::kFits) << Joined(b);
  EXPECT_EQ(a.verdict, "wins");
  EXPECT_EQ(b.verdict, "loses");
  EXPECT_EQ(a.reasons[0].rfind("fits: ", 0), 0u) << Joined(a);
  EXPECT_TRUE(b.reasons[0].rfind("tight (OOM risk)", 0) == 0 ||
              b.reasons[0].rfind("does not fit: needs ", 0) == 0)
      << Joined(b);
  EXPECT_NE(Joined(b).find("rtx-3060-12gb fits"), std::string::npos) << Joined(b);
  EXPECT_NE(Joined(b).find("memory decides before speed"), std::string::npos) << Joined(b);
}

TEST(Compare, WhenBothFitTheFasterWinsAndTheOtherSaysByHowMuch) {
  // 1 x 512 tokens: 5.8 GiB, inside both cards with margin: the high end of its memory range
  // (7.8 GiB) stays under 8 GiB (the fp32 embeddings, head and residual stream of PEFT's k-bit
  // preparation put 1 x 1024 at 6.3 GiB, whose range reaches past 8 GiB: tight).
  const auto r = Compare3060Vs4060(1, 512);
  ASSERT_EQ(r.entries.size(), 2u);
  for (const auto& e : r.entries)
    ASSERT_EQ(e.estimate.memory.fit, estimate::Fit::kFits) << Joined(e);
  const auto& win = r.entries[0].verdict == "wins" ? r.entries[0] : r.entries[1];
  const auto& lose = &win == &r.entries[0] ? r.entries[1] : r.entries[0];
  EXPECT_EQ(lose.verdict, "loses");
  EXPECT_LE(win.estimate.training.time_s, lose.estimate.training.time_s);
  EXPECT_NE(Joined(lose).find("x the time of " + win.gpu->id), std::string::npos) << Joined(lose);
  EXPECT_NE(Joined(win).find("-bound: "), std::string::npos) << Joined(win);
  EXPECT_NE(r.summary.find("fastest for this job"), std::string::npos) << r.summary;
}

// A board whose power limits its tensor rate says so where the rate decides: the 72 W L4
// runs GEMMs at what its power sustains, not its datasheet peak; the RTX 4090 does not.
TEST(Compare, PowerLimitedBoardSaysWhatItSustains) {
  const auto s = Scenario(
      "model: llama-3.2-1b\ntraining: {method: full, seq_len: 2048, micro_batch: 2, "
      "activation_checkpointing: full, tokens: 2.0e7}\n");
  const auto& cat = io::BuiltinCatalog();
  const auto ctx = BuiltinContext();
  const CompareResult r =
      Compare(s, {{&cat.Gpu("l4"), 1}, {&cat.Gpu("rtx-4090"), 1}}, ctx, io::RestackDefault);
  ASSERT_EQ(r.entries.size(), 2u);
  const auto gemm =
      estimate::SustainedGemmRate(cat.Gpu("l4"), ctx.efficiency->For(cat.Gpu("l4").architecture));
  // data/efficiency.yaml: Ada Lovelace's measured energy per FLOP limits the 72 W L4.
  ASSERT_LT(gemm.power_scale, 1);
  const auto& l4 = r.entries[0].gpu->id == "l4" ? r.entries[0] : r.entries[1];
  const auto& rtx = r.entries[0].gpu->id == "l4" ? r.entries[1] : r.entries[0];
  ASSERT_TRUE(l4.power_limited_gemm_flops);
  EXPECT_DOUBLE_EQ(*l4.power_limited_gemm_flops, gemm.flops_per_s);
  EXPECT_NE(Joined(l4).find("(power-limited: "), std::string::npos) << Joined(l4);
  EXPECT_FALSE(rtx.power_limited_gemm_flops);
  EXPECT_EQ(Joined(rtx).find("power-limited"), std::string::npos);
}

// Issue 12: `compare 2x rtx-3090 1x rtx-4090`: each entry on its own machine, the
// multi-GPU one at the planner's layout for it (said in its reasons), the price for all of
// its GPUs, and the same figures `estimate` gives that machine.
TEST(Compare, CountsRunEachEntryOnItsOwnMachine) {
  const auto s =
      Scenario("model: llama-3.1-8b\ntraining: {method: qlora, seq_len: 2048, tokens: 2.0e7}\n");
  const auto& cat = io::BuiltinCatalog();
  const CompareResult r = Compare(s, {{&cat.Gpu("rtx-3090"), 2}, {&cat.Gpu("rtx-4090"), 1}},
                                  BuiltinContext(), io::RestackDefault);
  ASSERT_EQ(r.entries.size(), 2u);
  EXPECT_EQ(r.entries[0].label, "2x rtx-3090");
  EXPECT_EQ(r.entries[0].count, 2);
  EXPECT_EQ(r.entries[0].estimate.gpus, 2);
  EXPECT_EQ(r.entries[1].label, "1x rtx-4090");
  EXPECT_EQ(r.entries[1].estimate.gpus, 1);
  EXPECT_NE(Joined(r.entries[0]).find("the planner's best layout"), std::string::npos)
      << Joined(r.entries[0]);
  EXPECT_NE(Joined(r.entries[0]).find(" for 2,"), std::string::npos) << Joined(r.entries[0]);
  // The 2x entry is what estimate says of the same job on 2x rtx-3090 (planner layout).
  auto two = Scenario(
      "model: llama-3.1-8b\ntraining: {method: qlora, seq_len: 2048, tokens: 2.0e7}\n"
      "hardware: {gpu: rtx-3090, count: 2}\n");
  PlanParallelism(two, 2, BuiltinContext(), io::RestackDefault);
  EXPECT_DOUBLE_EQ(r.entries[0].estimate.throughput.tokens_per_s,
                   estimate::Estimate(two, BuiltinContext()).throughput.tokens_per_s);
}

}  // namespace
}  // namespace gpuadv::advise
