// Issue 18 item 1: a multi-GPU scenario that gives no layout is judged and estimated at the
// planner's layout, in every verb; a layout the scenario gives is checked as given.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "gpuadv/api/requests.h"
#include "gpuadv/core/error.h"
#include "gpuadv/export/launch.h"
#include "gpuadv/io/stack_loader.h"

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

// Without a global batch the planner ranks every layout on micro_batch x GPUs sequences per
// step; the estimate of the layout it picks runs that batch too (not micro_batch x the
// plan's data-parallel size, one sequence for a pp 8 plan on 8 GPUs, whose step would be
// mostly pipeline bubble), and says it assumed it.
TEST(LayoutResolution, EstimateRunsTheGlobalBatchThePlannerAssumed) {
  const auto body = [] {
    return ScenarioFromBody(
        R"({"model": "llama-3.1-8b", "training": {"method": "full", "seq_len": 4096},)"
        R"( "hardware": {"gpu": "mi355x", "count": 8}})");
  };
  PlanRequestOptions po;
  po.top = 1;
  const plan::PlanReport plan = Plan(body(), Env(), po, "--");
  ASSERT_FALSE(plan.plans.empty());
  ASSERT_TRUE(plan.global_batch_assumed);
  ASSERT_EQ(plan.global_batch, 8);
  const estimate::EstimateResult est = Estimate(body(), Env(), {});
  EXPECT_EQ(est.global_batch, 8);
  EXPECT_DOUBLE_EQ(est.throughput.tokens_per_s, plan.plans.front().throughput.tokens_per_s);
  bool said = false;
  for (const auto& d : est.defaults) said = said || (d.knob == "global_batch" && d.value == "8");
  EXPECT_TRUE(said);
}

TEST(LayoutResolution, GivenLayoutIsCheckedAsGiven) {
  try {
    BuildScenario(Body(R"(, "parallelism": {"tp": 1, "pp": 1})"), Env());
    FAIL() << "a batch smaller than one micro-step of the given layout was accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "training.global_batch");
    const std::string what = e.what();
    EXPECT_NE(what.find("tp1 pp1 cp1"), std::string::npos) << what;  // names the layout
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

// Expert tensor parallel (parallelism.etp): Megatron's grid of etp x ep over the tp x cp x dp
// ranks of a stage. Qwen3-235B-A22B on 256 H100 at tp 2, pp 8 (dp 16): ep 32 fits only with
// the experts whole (etp 1), which an unsaid etp resolves to and shows; said otherwise, or
// with ep over all the stage's ranks, it is refused naming the field; a dense model takes
// no etp but its tp.
TEST(LayoutResolution, ExpertTensorParallelIsCheckedAndShown) {
  const std::string moe =
      R"({"model": "qwen3-235b-a22b", "training": {"method": "pretrain", "seq_len": 4096,)"
      R"( "global_batch": 2048}, "hardware": {"gpu": "h100-sxm", "count": 8, "nodes": 32},)"
      R"( "parallelism": {"tp": 2, "pp": 8, "zero": 1, "sequence_parallel": true)";
  for (const char* given : {R"(, "ep": 32}})", R"(, "ep": 32, "etp": 1}})"}) {
    const auto json = EstimateJson(ScenarioFromBody(moe + given), Env(), {});
    EXPECT_EQ(json["resolved"]["parallelism"]["etp"], 1) << given;
    EXPECT_EQ(json["resolved"]["parallelism"]["ep"], 32);
    EXPECT_NE(json["resolved"]["layout"].get<std::string>().find("etp1"), std::string::npos);
  }
  // Within dp (ep 8 of dp 16) the default stays Megatron's: etp = tp.
  EXPECT_EQ(EstimateJson(ScenarioFromBody(moe + R"(, "ep": 8}})"), Env(),
                         {})["resolved"]["parallelism"]["etp"],
            2);
  try {
    BuildScenario(ScenarioFromBody(moe + R"(, "ep": 32, "etp": 2}})"), Env());
    FAIL() << "ep 32 x etp 2 does not divide the 32 ranks of a stage";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "parallelism.etp");
    EXPECT_NE(std::string(e.what()).find("tp x cp x dp = 32"), std::string::npos) << e.what();
  }
  try {
    BuildScenario(ScenarioFromBody(moe + R"(, "ep": 64}})"), Env());
    FAIL() << "ep 64 is wider than the 32 ranks of a stage";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "parallelism.ep");
  }
  try {
    BuildScenario(Body(R"(, "parallelism": {"tp": 8, "pp": 16, "etp": 1, "zero": 1})"), Env());
    FAIL() << "a dense model has no expert tensor parallel";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "parallelism.etp");
  }
}

TEST(LayoutResolution, UnevenInterleavingUsesTheEmbeddingLossSplit) {
  const std::string layout = R"(, "parallelism": {"tp": 8, "pp": 16, "vpp": 8, "zero": 1)";
  // Said not to count them: pp 16 x vpp 8 = 128 virtual stages for 126 layers leaves two
  // without one, and the error names the option that gives them one each.
  try {
    BuildScenario(Body(layout + R"(, "pipeline_embedding_loss": false})"), Env());
    FAIL() << "pp 16 x vpp 8 is more virtual stages than 126 layers";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "parallelism.vpp");
    EXPECT_NE(std::string(e.what()).find("pipeline_embedding_loss"), std::string::npos);
  }
  // Unsaid: the split that makes the interleaving whole (126 + 2 = 16 x 8), shown resolved.
  const auto el = Estimate(Body(layout + "}"), Env(), {});
  EXPECT_TRUE(el.parallelism.pipeline_embedding_loss);
  EXPECT_EQ(el.layout_source, "scenario");
  EXPECT_GT(el.throughput.tokens_per_s, 0);
  EXPECT_EQ(EstimateJson(Body(layout + "}"), Env(),
                         {})["resolved"]["parallelism"]["pipeline_embedding_loss"],
            true);
  const auto even =
      Estimate(Body(R"(, "parallelism": {"tp": 8, "pp": 2, "vpp": 3, "zero": 1})"), Env(), {});
  EXPECT_FALSE(even.parallelism.pipeline_embedding_loss);
}

// pp x vpp need not divide the layers (Megatron-Core's pipeline layout): 126 layers on
// pp 16 x vpp 2 put 4 on each of the heaviest rank's two chunks, 8 in all, as without
// interleaving, and the interleaved schedule halves the bubble.
TEST(LayoutResolution, UnevenInterleavingIsTimedAtItsHeaviestRank) {
  const auto with = [&](int vpp) {
    return Estimate(Body(R"(, "parallelism": {"tp": 8, "pp": 16, "vpp": )" + std::to_string(vpp) +
                         R"(, "zero": 1, "pipeline_embedding_loss": false})"),
                    Env(), {});
  };
  const auto one = with(1), two = with(2);
  EXPECT_EQ(two.parallelism.vpp, 2);
  EXPECT_FALSE(two.parallelism.pipeline_embedding_loss);
  EXPECT_EQ(workload::Parallelism::HeaviestStage(126, 16, 2, false), 8);
  EXPECT_EQ(workload::Parallelism::HeaviestStage(126, 16, 1, false), 8);
  EXPECT_EQ(workload::Parallelism::HeaviestStage(61, 8, 4, true), 8);
  EXPECT_EQ(workload::Parallelism::HeaviestStage(16, 4, 2, false), 4);  // even: layers / pp
  EXPECT_LT(two.throughput.breakdown_s.bubble, 0.6 * one.throughput.breakdown_s.bubble);
  EXPECT_GT(two.throughput.tokens_per_s, one.throughput.tokens_per_s);
}

// Issue 18: no file that one verb plans is rejected by another. Models from 8B to 405B on
// 8 to 16,384 GPUs with batches of 256 to 2,048 sequences, no layout given: where `plan`
// finds a plan, `estimate` and `fit` judge the file at it, `export --engine megatron`
// launches it and `recommend` ranks the job; where it finds none, the estimate says so.
TEST(LayoutResolution, NoVerbRejectsAFileAnotherPlans) {
  const char* models[] = {"llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b", "mixtral-8x7b"};
  const int nodes[] = {1, 8, 64, 512, 2048};
  const int batches[] = {256, 1024, 2048};
  int planned = 0;
  for (const char* model : models)
    for (int n : nodes)
      for (int b : batches) {
        const std::string body = std::string(R"({"model": ")") + model +
                                 R"(", "training": {"method": "pretrain", "seq_len": 4096, )" +
                                 R"("global_batch": )" + std::to_string(b) +
                                 R"(}, "hardware": {"gpu": "h100-sxm", "count": 8, "nodes": )" +
                                 std::to_string(n) + "}}";
        const std::string what = std::string(model) + " on " + std::to_string(8 * n) +
                                 " GPUs, batch " + std::to_string(b);
        const ScenarioRequest req = ScenarioFromBody(body);
        PlanRequestOptions po;
        po.top = 1;
        po.threads = 1;
        std::optional<plan::PlanReport> plan;
        try {
          plan = Plan(req, Env(), po, "--");
        } catch (const InputError&) {
        }
        estimate::EstimateResult est;
        ASSERT_NO_THROW(est = Estimate(req, Env(), {})) << what;
        if (!plan || plan->plans.empty()) {
          EXPECT_NE(est.layout_source, "planner") << what;
          continue;
        }
        ++planned;
        EXPECT_EQ(est.layout_source, "planner") << what;
        EXPECT_NE(est.memory.fit, estimate::Fit::kDoesNotFit) << what;
        EXPECT_DOUBLE_EQ(est.throughput.tokens_per_s, plan->plans.front().throughput.tokens_per_s)
            << what;
        EXPECT_NO_THROW(Fit(req, Env(), {})) << what;
        const workload::Scenario s = BuildScenario(req, Env());
        // Megatron launches it, or says which engine or batch would (InputError, exit 2).
        try {
          const auto r = launch::PlanFor(launch::Engine::kMegatron, s, 8 * n,
                                         estimate::Context{Env().efficiency, &Env().catalog},
                                         io::RestackDefault);
          launch::Export(launch::Engine::kMegatron,
                         plan::PlannedScenario(s, 8 * n, r.plans.front(), r.global_batch));
        } catch (const InputError& e) {
          EXPECT_EQ(e.field(), "--engine") << what;
        }
      }
  EXPECT_GT(planned, 30);
  // recommend ranks each model's job (it chooses its own counts).
  for (const char* model : models) {
    RecommendOptions ro;
    ro.top = 3;
    const std::string body = std::string(R"({"model": ")") + model +
                             R"(", "training": {"method": "pretrain", "seq_len": 4096, )"
                             R"("global_batch": 2048}, "hardware": {"gpu": "h100-sxm", )"
                             R"("count": 8, "nodes": 2048}})";
    EXPECT_NO_THROW(Recommend(ScenarioFromBody(body), Env(), ro, "--")) << model;
  }
}

// Issue 12: memory sizes as users type them (--min-memory 24GB, ?min-vram=24GiB).
TEST(ForgivingInput, MemorySizes) {
  EXPECT_EQ(ParseMemoryGb("24", "--min-vram"), 24);
  EXPECT_EQ(ParseMemoryGb("24GB", "--min-vram"), 24);
  EXPECT_EQ(ParseMemoryGb("24 GiB", "--min-vram"), 24);
  EXPECT_EQ(ParseMemoryGb("80g", "--min-vram"), 80);
  for (const char* bad : {"", "GB", "lots", "-1", "24TB", "1e6"})
    EXPECT_THROW(ParseMemoryGb(bad, "--min-vram"), InputError) << bad;
}

// Issue 12: `plan` gives the time, GPU-hours and cost of every plan, as `estimate` of it.
TEST(LayoutResolution, EveryPlanHasItsJobFigures) {
  PlanRequestOptions po;
  po.top = 3;
  // The 405B job, and a 70B one on 640 GPUs whose planned layouts run on another stack
  // than the scenario's default (time must come from the stack the search evaluated).
  const ScenarioRequest jobs[] = {
      Body(), ScenarioFromBody(R"({"model": "llama-3.1-70b", "training": {"method": "pretrain",)"
                               R"( "seq_len": 8192, "global_batch": 1024}, "hardware":)"
                               R"( {"gpu": "h100-sxm", "count": 8, "nodes": 80}})")};
  for (const ScenarioRequest& job : jobs) {
    const plan::PlanReport r = Plan(job, Env(), po, "--");
    ASSERT_FALSE(r.plans.empty());
    for (const plan::Plan& p : r.plans) {
      ASSERT_TRUE(p.training.has_value());
      ASSERT_TRUE(p.cost.has_value());
      EXPECT_NEAR(p.training->time_s, p.training->tokens / p.throughput.tokens_per_s,
                  1e-6 * p.training->time_s);
      EXPECT_NEAR(p.training->gpu_hours, p.training->time_s * r.gpus / 3600,
                  1e-6 * p.training->gpu_hours);
      // Priced on 8-GPU instances, never on 1-GPU ones.
      const catalog::Offer* offer = nullptr;
      for (const auto& o : Env().catalog.Offers())
        if (o.id == p.cost->rent_offer) offer = &o;
      ASSERT_NE(offer, nullptr) << p.cost->rent_offer;
      EXPECT_EQ(offer->gpus_per_instance, 8) << offer->id;
    }
  }
  const nlohmann::json j = PlanJson(Body(), Env(), po, "--");
  EXPECT_GT(j["plans"][0]["training"]["time_s"].get<double>(), 0);
  EXPECT_TRUE(j["plans"][0]["cost"].contains("rent_usd"));
}

}  // namespace
}  // namespace gpuadv::api

namespace gpuadv::api {
namespace {

// Issue 12: flags (overrides naming a model), a YAML file and a request body start from the
// same bare scenario and the same defaults, so one job gets one answer -- single-GPU
// (stack method defaults) and multi-GPU (the planner's layout) alike. The web form is the
// fifth front end: tests/web/browser_test.mjs compares its answer with these.
TEST(OneResolution, FlagsFileAndBodyGiveTheSameJson) {
  struct Job {
    std::vector<std::pair<std::string, std::string>> flags;
    const char* yaml;
    const char* body;
  };
  const Job jobs[] = {
      {{{"model", "mistral-7b"}, {"training.method", "QLoRA"}, {"hardware.gpu", "rtx-4060"}},
       "model: mistral-7b\ntraining: {method: qlora}\nhardware: {gpu: rtx-4060}\n",
       R"({"model": "mistral-7b", "training": {"method": "qlora"}, "hardware": {"gpu": "rtx-4060"}})"},
      {{{"model", "llama-3.1-70b"},
        {"training.method", "pretrain"},
        {"training.seq_len", "8k"},
        {"training.global_batch", "1024"},
        {"training.tokens", "2T"},
        {"hardware.gpu", "h100-sxm"},
        {"hardware.count", "8"},
        {"hardware.nodes", "64"}},
       "model: llama-3.1-70b\ntraining: {method: pretrain, seq_len: 8192, global_batch: 1024, "
       "tokens: 2.0e12}\nhardware: {gpu: h100-sxm, count: 8, nodes: 64}\n",
       R"({"model": "llama-3.1-70b", "training": {"method": "pretrain", "seq_len": 8192,)"
       R"( "global_batch": 1024, "tokens": 2e12}, "hardware": {"gpu": "h100-sxm", "count": 8,)"
       R"( "nodes": 64}})"}};
  const std::string path = ::testing::TempDir() + "one_resolution.yaml";
  for (const Job& job : jobs) {
    ScenarioRequest flags = ScenarioFromFile("");
    flags.overrides = job.flags;
    { std::ofstream(path) << job.yaml; }
    const auto from_flags = EstimateJson(flags, Env(), {});
    EXPECT_EQ(from_flags, EstimateJson(ScenarioFromFile(path), Env(), {})) << job.yaml;
    EXPECT_EQ(from_flags, EstimateJson(ScenarioFromBody(job.body), Env(), {})) << job.body;
    EXPECT_FALSE(flags.IsDefault());
  }
  std::remove(path.c_str());
  // Without a model the flags modify the example job (and the CLI says so on stderr).
  ScenarioRequest example = ScenarioFromFile("");
  example.overrides = {{"training.seq_len", "1024"}};
  EXPECT_TRUE(example.IsDefault());
  EXPECT_EQ(BuildScenario(example, Env()).model_ref, "llama-3.1-8b");
}

}  // namespace
}  // namespace gpuadv::api

namespace gpuadv::api {
namespace {

// Issue 12: a GPU count no layout divides is answered with the fastest whole-node count
// below it, the idle GPUs said, instead of refused; a count that divides is planned as asked.
TEST(OneResolution, CountsNoLayoutDividesLeaveGpusIdleAndSaySo) {
  const char* job =
      R"({"model": "llama-3.1-70b", "training": {"method": "pretrain", "seq_len": 8192,)"
      R"( "global_batch": 1024}, "hardware": {"gpu": "h100-sxm", "count": 8}})";
  PlanRequestOptions po;
  po.top = 1;
  po.gpus = 768;
  const plan::PlanReport r = Plan(ScenarioFromBody(job), Env(), po, "--");
  ASSERT_FALSE(r.plans.empty());
  EXPECT_LT(r.gpus, 768);
  EXPECT_EQ(r.gpus % 8, 0);
  EXPECT_EQ(r.idle_gpus, 768 - r.gpus);
  ASSERT_FALSE(r.notes.empty());
  EXPECT_EQ(r.notes.front().rfind("uses " + std::to_string(r.gpus) + " of the 768 GPUs", 0), 0u)
      << r.notes.front();
  po.gpus = 512;
  const plan::PlanReport whole = Plan(ScenarioFromBody(job), Env(), po, "--");
  EXPECT_EQ(whole.gpus, 512);
  EXPECT_EQ(whole.idle_gpus, 0);
}

}  // namespace
}  // namespace gpuadv::api

namespace gpuadv::api {
namespace {

// QLoRA's stacks shard the 4-bit base by data parallelism only: no plan splits it across
// tensor, pipeline or context ranks.
TEST(OneResolution, QloraIsPlannedDataParallelOnly) {
  PlanRequestOptions po;
  po.top = 20;
  po.gpus = 8;
  const plan::PlanReport r = Plan(
      ScenarioFromBody(R"({"model": "llama-3.1-70b", "training": {"method": "qlora",)"
                       R"( "seq_len": 8192, "global_batch": 64}, "hardware": {"gpu": "h100-sxm",)"
                       R"( "count": 8}})"),
      Env(), po, "--");
  ASSERT_FALSE(r.plans.empty());
  for (const plan::Plan& p : r.plans) {
    EXPECT_EQ(p.candidate.layout.tp, 1) << plan::Label(p.candidate);
    EXPECT_EQ(p.candidate.layout.pp, 1) << plan::Label(p.candidate);
    EXPECT_EQ(p.candidate.layout.cp, 1) << plan::Label(p.candidate);
  }
}

}  // namespace
}  // namespace gpuadv::api
