// Issue 18 item 1: a multi-GPU scenario that gives no layout is judged and estimated at the
// planner's layout, in every verb; a layout the scenario gives is checked as given.
#include <gtest/gtest.h>

#include "gpuadv/api/requests.h"
#include "gpuadv/core/error.h"

namespace gpuadv::api {
namespace {

// Llama 3 405B as Meta trained it: 16,384 H100, sequence 8192, 2,048 sequences per step.
constexpr const char* kLlama405b =
    R"({"model": "llama-3.1-405b", "training": {"method": "pretrain", "seq_len": 8192,)"
    R"( "global_batch": 2048}, "hardware": {"gpu": "h100-sxm", "count": 8, "nodes": 2048})";

const Environment& Env() {
  static const Environment env = MakeEnvironment({});
  return env;
}

ScenarioRequest Body(const std::string& extra = "") {
  return ScenarioFromBody(std::string(kLlama405b) + extra + "}");
}

TEST(LayoutResolution, NoLayoutIsNotJudgedAtDataParallelism) {
  // tp = pp = 1 would need a batch of 16,384 sequences; nobody chose that layout.
  EXPECT_NO_THROW(BuildScenario(Body(), Env()));
}

TEST(LayoutResolution, EstimateUsesThePlannersBestLayout) {
  const estimate::EstimateResult est = Estimate(Body(), Env(), {});
  EXPECT_EQ(est.layout_source, "planner");
  PlanRequestOptions po;
  po.top = 1;
  const plan::PlanReport plan = Plan(Body(), Env(), po, "--");
  ASSERT_FALSE(plan.plans.empty());
  const auto& best = plan.plans.front();
  const auto& l = best.candidate.layout;
  EXPECT_EQ(est.parallelism.tp, l.tp);
  EXPECT_EQ(est.parallelism.pp, l.pp);
  EXPECT_EQ(est.parallelism.cp, l.cp);
  EXPECT_EQ(est.parallelism.zero, l.zero);
  EXPECT_EQ(est.micro_batch, best.candidate.micro_batch);
  EXPECT_EQ(est.checkpointing, best.candidate.checkpointing);
  EXPECT_DOUBLE_EQ(est.throughput.tokens_per_s, best.throughput.tokens_per_s);
  EXPECT_DOUBLE_EQ(est.memory.per_gpu_bytes, best.memory.per_gpu_bytes);
  const nlohmann::json j = EstimateJson(Body(), Env(), {});
  EXPECT_EQ(j["resolved"]["layout_source"], "planner");
  EXPECT_EQ(j["resolved"]["parallelism"]["tp"], l.tp);
  EXPECT_EQ(j["resolved"]["parallelism"]["dp"], l.dp);
}

TEST(LayoutResolution, GivenLayoutIsCheckedAsGiven) {
  try {
    BuildScenario(Body(R"(, "parallelism": {"tp": 1, "pp": 1})"), Env());
    FAIL() << "a batch smaller than one micro-step of the given layout was accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "training.global_batch");
  }
  const estimate::EstimateResult est =
      Estimate(Body(R"(, "parallelism": {"tp": 8, "pp": 16, "zero": 1})"), Env(), {});
  EXPECT_EQ(est.layout_source, "scenario");
  EXPECT_EQ(est.parallelism.pp, 16);
}

TEST(LayoutResolution, OneGpuKeepsTheDefaultLayout) {
  const auto est = Estimate(
      ScenarioFromBody(R"({"model": "llama-3.1-8b", "training": {"method": "qlora"}})"), Env(), {});
  EXPECT_EQ(est.layout_source, "default");
  EXPECT_EQ(est.gpus, 1);
}

// Issue 18: the 405B job plans with its published kind of layout (interleaved pipeline with
// the embedding and loss as pipeline layers, 126 + 2 = 128), fits with margin and lands in
// measured territory (Meta reported 38-43% MFU in bf16).
TEST(LayoutResolution, Llama405bOn16kH100PlansWithMarginInMeasuredTerritory) {
  PlanRequestOptions po;
  po.top = 3;
  const plan::PlanReport r = Plan(Body(), Env(), po, "--");
  ASSERT_FALSE(r.plans.empty());
  const plan::Plan& best = r.plans.front();
  EXPECT_EQ(best.memory.fit, estimate::Fit::kFits) << plan::Label(best.candidate);
  EXPECT_GE(best.throughput.mfu, 0.30) << plan::Label(best.candidate);
  EXPECT_LE(best.throughput.mfu, 0.50) << plan::Label(best.candidate);
  EXPECT_GT(best.candidate.layout.pp, 1);
}

TEST(LayoutResolution, UnevenInterleavingNeedsTheEmbeddingLossSplit) {
  const std::string layout = R"(, "parallelism": {"tp": 8, "pp": 16, "vpp": 8, "zero": 1)";
  try {
    BuildScenario(Body(layout + "}"), Env());
    FAIL() << "pp 16 x vpp 8 does not divide 126 layers";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "parallelism.vpp");
    EXPECT_NE(std::string(e.what()).find("pipeline_embedding_loss"), std::string::npos);
  }
  const auto even =
      Estimate(Body(R"(, "parallelism": {"tp": 8, "pp": 2, "vpp": 3, "zero": 1})"), Env(), {});
  const auto el = Estimate(Body(layout + R"(, "pipeline_embedding_loss": true})"), Env(), {});
  EXPECT_TRUE(el.parallelism.pipeline_embedding_loss);
  EXPECT_GT(el.throughput.tokens_per_s, 0);
  EXPECT_GT(even.throughput.tokens_per_s, 0);
  // 128 pipeline layers on 16 stages: the middle stages hold 8 transformer layers.
  EXPECT_GT(el.memory.per_gpu_bytes, 0);
}

}  // namespace
}  // namespace gpuadv::api
