// The planner (C9): ask/tell search over the space, top plans that fit.
#include "gpuadv/plan/planner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "gpuadv/core/error.h"
#include "gpuadv/io/stack_loader.h"
#include "gpuadv/plan/strategy.h"
#include "gpuadv/plan/worker_pool.h"
#include "tests/unit/plan/plan_fixture.h"

namespace gpuadv::plan {
namespace {

using testing::Ctx;
using testing::MakeScenario;

// A 13B-class model: on 16 GPUs memory decides much of the space.
constexpr const char* k13B =
    "{layers: 40, hidden: 5120, heads: 40, kv_heads: 40, ffn: 13824, vocab: 32000, "
    "max_seq_len: 8192}";
// A small MoE: 8 experts, 2 active.
constexpr const char* kMoe =
    "{layers: 16, hidden: 2048, heads: 16, kv_heads: 8, ffn: 5632, vocab: 32000, experts: 8, "
    "experts_active: 2, max_seq_len: 8192}";

PlanReport SearchN(const workload::Scenario& s, int gpus, StrategyKind k = StrategyKind::kPruned,
                   int threads = 1, int top = 5) {
  PlanOptions o;
  o.gpus = gpus;
  o.strategy = k;
  o.threads = threads;
  o.top_k = top;
  return Search(s, Ctx(), o);
}

TEST(Planner, PlansFit) {
  const auto s = MakeScenario({{"model", k13B}});
  const PlanReport r = SearchN(s, 16);
  ASSERT_FALSE(r.plans.empty());
  for (const Plan& p : r.plans) {
    EXPECT_NE(p.memory.fit, estimate::Fit::kDoesNotFit) << Label(p.candidate);
    EXPECT_LE(p.memory.per_gpu_bytes, p.memory.capacity_bytes) << Label(p.candidate);
    EXPECT_GT(p.throughput.tokens_per_s, 0);
  }
  // --safe: only plans that fit with margin.
  PlanOptions o;
  o.gpus = 16;
  o.threads = 1;
  o.allow_tight = false;
  for (const Plan& p : Search(s, Ctx(), o).plans) EXPECT_EQ(p.memory.fit, estimate::Fit::kFits);
}

TEST(Planner, TopPlansAreFastestFirst) {
  const PlanReport r = SearchN(MakeScenario(), 64, StrategyKind::kExhaustive, 1, 10);
  ASSERT_EQ(r.plans.size(), 10u);
  for (size_t i = 1; i < r.plans.size(); ++i) {
    const Plan& a = r.plans[i - 1];
    const Plan& b = r.plans[i];
    ASSERT_LE(a.fit_rank, b.fit_rank);
    if (a.fit_rank == b.fit_rank) {
      EXPECT_GE(a.ranked_tokens_per_s, b.ranked_tokens_per_s);
    }
  }
  EXPECT_EQ(r.space_size, r.evaluated);  // exhaustive evaluates everything
  EXPECT_GE(r.fitting, r.plans.size());
  EXPECT_TRUE(CheckPlans(r).empty()) << CheckPlans(r).front();
}

// CheckPlans (issue 6) names a plan out of order and one with a broken throughput.
TEST(Planner, CheckPlansNamesBrokenInvariants) {
  PlanReport r = SearchN(MakeScenario(), 64, StrategyKind::kExhaustive, 1, 3);
  ASSERT_EQ(r.plans.size(), 3u);
  ASSERT_TRUE(CheckPlans(r).empty());
  std::swap(r.plans[0], r.plans[2]);
  auto broken = CheckPlans(r);
  ASSERT_FALSE(broken.empty());
  EXPECT_NE(broken.front().find("faster than the plan ranked above it"), std::string::npos);
  std::swap(r.plans[0], r.plans[2]);
  r.plans[1].throughput.mfu = 1.5;
  broken = CheckPlans(r);
  ASSERT_EQ(broken.size(), 1u);
  EXPECT_EQ(broken.front(), "plan 2: MFU outside [0, 1]");
}

TEST(Planner, BestPlanBeatsANaivePlan) {
  // Naive: plain FSDP (ZeRO-3 over every GPU), one sequence per micro-batch, full
  // recomputation, as a first multi-node run is often launched.
  const auto s = MakeScenario({{"model", k13B}});
  const PlanReport r = SearchN(s, 64);
  ASSERT_FALSE(r.plans.empty());
  const SearchSpace space = MakeSearchSpace(s, 64);
  Candidate naive;
  naive.layout.dp = 64;
  naive.layout.zero = 3;
  naive.micro_batch = 1;
  naive.gradient_accumulation = 256 / 64;
  naive.checkpointing = workload::Checkpointing::kFull;
  workload::Scenario scratch = space.base;
  const Evaluation e = Evaluator(Ctx(), true).Evaluate(naive, &scratch);
  ASSERT_TRUE(e.Fits()) << e.Reason();
  EXPECT_GT(r.plans.front().throughput.tokens_per_s, 1.1 * e.throughput.tokens_per_s)
      << Label(r.plans.front().candidate);
}

TEST(Planner, PrunedFindsTheExhaustiveBest) {
  for (const char* model : {k13B, kMoe}) {
    for (int gpus : {8, 16, 32}) {
      const auto s = MakeScenario({{"model", model}});
      const PlanReport ex = SearchN(s, gpus, StrategyKind::kExhaustive);
      const PlanReport pr = SearchN(s, gpus, StrategyKind::kPruned);
      ASSERT_FALSE(ex.plans.empty()) << model << " on " << gpus;
      ASSERT_FALSE(pr.plans.empty()) << model << " on " << gpus;
      EXPECT_EQ(pr.plans.front().candidate.index, ex.plans.front().candidate.index)
          << Label(pr.plans.front().candidate) << " vs " << Label(ex.plans.front().candidate);
      EXPECT_DOUBLE_EQ(pr.plans.front().throughput.tokens_per_s,
                       ex.plans.front().throughput.tokens_per_s);
      EXPECT_LT(pr.evaluated, ex.evaluated);
      EXPECT_EQ(pr.space_size, ex.space_size);
    }
  }
}

// Where nothing fits with margin the best plan is the fastest tight one, which may have a
// larger micro-batch than a tight plan found first: a tight result prunes nothing, only
// one that does not fit ends its checkpointing level (the DeepSpeed 2T run on 1,024 GPUs,
// GT0039, once its stack's space is data parallel only, is such a search).
TEST(Planner, PrunedKeepsLookingPastATightPlan) {
  SearchSpace space;
  space.checkpointing = {workload::Checkpointing::kNone, workload::Checkpointing::kFull};
  space.groups.push_back({Layout{}, {1, 2, 4}});
  space.offsets = {0};
  auto strategy = MakePruned(space);
  std::vector<std::pair<long long, workload::Checkpointing>> asked;
  std::vector<Candidate> batch;
  while (strategy->Ask(1, &batch) > 0) {
    const Candidate c = batch.back();
    batch.clear();
    asked.emplace_back(c.micro_batch, c.checkpointing);
    Evaluation e;
    e.status = c.micro_batch >= 4 ? Status::kDoesNotFit : Status::kFits;
    e.memory.fit = estimate::Fit::kTight;
    strategy->Tell(c, e);
  }
  const auto was_asked = [&](long long b, workload::Checkpointing ck) {
    return std::find(asked.begin(), asked.end(), std::pair{b, ck}) != asked.end();
  };
  EXPECT_TRUE(was_asked(2, workload::Checkpointing::kNone));  // after mb 1 was tight
  EXPECT_TRUE(was_asked(4, workload::Checkpointing::kNone));
  EXPECT_TRUE(was_asked(1, workload::Checkpointing::kFull));  // may fit with margin
}

TEST(Planner, MoreGpusNeverFewerTokensPerSecondOverall) {
  const auto s = MakeScenario({{"training.global_batch", "1024"}});
  double previous = 0;
  for (int gpus : {1, 2, 4, 8, 16, 32, 64, 128, 256}) {
    const PlanReport r = SearchN(s, gpus);
    ASSERT_FALSE(r.plans.empty()) << gpus;
    const double tps = r.plans.front().throughput.tokens_per_s;
    EXPECT_GE(tps, previous) << gpus << " GPUs: " << Label(r.plans.front().candidate);
    previous = tps;
  }
}

TEST(Planner, MultiThreadedSearchIsDeterministic) {
  const auto s = MakeScenario({{"model", k13B}});
  for (StrategyKind k : {StrategyKind::kPruned, StrategyKind::kExhaustive}) {
    const PlanReport one = SearchN(s, 32, k, 1, 8);
    const PlanReport four = SearchN(s, 32, k, 4, 8);
    EXPECT_EQ(four.threads, 4);
    // The same candidates whatever the batches, without the one-thread branch and bound
    // (PlanOptions::bound_groups), which only drops candidates.
    PlanOptions o;
    o.gpus = 32;
    o.strategy = k;
    o.top_k = 8;
    o.bound_groups = false;
    o.threads = 1;
    const PlanReport one_unbounded = Search(s, Ctx(), o);
    EXPECT_EQ(one_unbounded.evaluated, four.evaluated);
    EXPECT_EQ(one_unbounded.fitting, four.fitting);
    EXPECT_LE(one.evaluated, four.evaluated);
    ASSERT_EQ(one.plans.size(), four.plans.size());
    for (size_t i = 0; i < one.plans.size(); ++i) {
      EXPECT_EQ(one.plans[i].candidate.index, four.plans[i].candidate.index);
      EXPECT_EQ(one.plans[i].throughput.tokens_per_s, four.plans[i].throughput.tokens_per_s);
    }
  }
}

TEST(WorkerPool, CallsEveryIndexExactlyOnceOnItsWorkers) {
  std::vector<int> calls(1000), worker_of(1000, -1);
  WorkerPool pool(4, [&](int w, size_t i) {
    ++calls[i];
    worker_of[i] = w;
  });
  for (size_t n : {size_t{0}, size_t{1}, size_t{63}, size_t{1000}, size_t{500}}) {
    std::fill(calls.begin(), calls.end(), 0);
    pool.Run(n);
    for (size_t i = 0; i < calls.size(); ++i) {
      EXPECT_EQ(calls[i], i < n ? 1 : 0) << "n " << n << " i " << i;
      if (i < n) {
        EXPECT_GE(worker_of[i], 0);
        EXPECT_LT(worker_of[i], 4);
      }
    }
  }
}

TEST(Planner, NothingFitsIsAResultNotAnError) {
  const auto s = MakeScenario({{"model",
                                "{layers: 96, hidden: 12288, heads: 96, ffn: 49152, vocab: 50257, "
                                "max_seq_len: 2048}"}});
  const PlanReport r = SearchN(s, 1);
  EXPECT_TRUE(r.plans.empty());
  ASSERT_FALSE(r.rejected.empty());
  EXPECT_EQ(r.rejected.front().first, "states_too_large");
  EXPECT_GT(r.space_size, 0u);
}

TEST(Planner, OffloadOnlyWhenNothingFitsWithoutIt) {
  // ~20B parameters on two 80 GB GPUs: 16 B/param of mixed-precision AdamW state does not
  // fit even sharded, so the planner falls back to host offload.
  const auto s = MakeScenario({{"model",
                                "{layers: 48, hidden: 6144, heads: 48, ffn: 16384, vocab: 32000, "
                                "max_seq_len: 4096}"}});
  const PlanReport r = SearchN(s, 2);
  ASSERT_FALSE(r.plans.empty());
  EXPECT_TRUE(r.offload_used);
  for (const Plan& p : r.plans) EXPECT_NE(p.candidate.layout.offload, workload::Offload::kNone);
  // A model that fits does not offload.
  const PlanReport small = SearchN(MakeScenario(), 2);
  EXPECT_FALSE(small.offload_used);
  for (const Plan& p : small.plans) EXPECT_EQ(p.candidate.layout.offload, workload::Offload::kNone);
}

TEST(Planner, InvalidOptionsAreInputErrors) {
  const auto s = MakeScenario();
  PlanOptions o;
  o.gpus = 8;
  o.top_k = 0;
  EXPECT_THROW(Search(s, Ctx(), o), InputError);
  o.top_k = 3;
  o.gpus = 0;
  EXPECT_THROW(Search(s, Ctx(), o), InputError);
}

TEST(Planner, PlannedScenarioReproducesThePlan) {
  const auto s = MakeScenario({{"model", k13B}});
  const PlanReport r = SearchN(s, 32);
  ASSERT_FALSE(r.plans.empty());
  const Plan& best = r.plans.front();
  const workload::Scenario p = PlannedScenario(s, 32, best, r.global_batch);
  EXPECT_EQ(p.hardware.TotalGpus(), 32);
  EXPECT_EQ(p.DataParallel(), best.candidate.layout.dp);
  EXPECT_EQ(p.MicroBatchesPerStep(), best.candidate.gradient_accumulation);
  EXPECT_DOUBLE_EQ(estimate::EstimateThroughput(p, Ctx()).tokens_per_s,
                   best.throughput.tokens_per_s);
}

// Issue 18: plans that fit with margin rank before tight ones unless asked otherwise.
TEST(Planner, PlansThatFitWithMarginRankBeforeTightOnes) {
  const auto s = MakeScenario({{"model", k13B}});
  PlanOptions o;
  o.gpus = 16;
  o.threads = 1;
  o.top_k = 20;
  const PlanReport r = Search(s, Ctx(), o);
  ASSERT_FALSE(r.plans.empty());
  bool saw_tight = false;
  for (const Plan& p : r.plans) {
    if (p.memory.fit == estimate::Fit::kTight) {
      saw_tight = true;
    } else {
      EXPECT_FALSE(saw_tight) << "a clear fit ranked after a tight plan: " << Label(p.candidate);
    }
  }
  o.prefer_tight = true;
  const PlanReport fast = Search(s, Ctx(), o);
  ASSERT_FALSE(fast.plans.empty());
  EXPECT_GE(fast.plans.front().throughput.tokens_per_s, r.plans.front().throughput.tokens_per_s);
  for (const Plan& p : fast.plans) EXPECT_EQ(p.fit_rank, 0);
}

// Issue 11: a plan predicted above the highest MFU measured on its architecture is flagged
// and ranked by the pessimistic end of its range, so the search cannot win on the model's
// optimism.
// 16-GPU plans of MakeScenario with Hopper's MFU ceilings set to `any` (every layout) and
// `model_parallel` (tensor / pipeline / context / expert parallel layouts).
PlanReport SearchWithCeilings(double any, double model_parallel, int top_k) {
  estimate::EfficiencyTable eff = io::BuiltinEfficiency();
  for (auto& a : eff.archs)
    if (a.Canonical() == "Hopper") {
      a.measured_mfu_max = any;
      a.measured_mfu_max_model_parallel = model_parallel;
    }
  PlanOptions o;
  o.gpus = 16;
  o.threads = 1;
  o.top_k = top_k;
  return Search(MakeScenario(), estimate::Context{&eff, nullptr}, o);
}

TEST(Planner, PlansAboveMeasuredMfuAreFlaggedAndRankedAtTheCeiling) {
  const PlanReport r = SearchWithCeilings(0.05, 0.05, 10);
  ASSERT_FALSE(r.plans.empty());
  int flagged = 0;
  for (const Plan& p : r.plans) {
    ASSERT_GT(p.throughput.mfu, 0.05) << Label(p.candidate);
    EXPECT_TRUE(p.above_measured_mfu);
    EXPECT_LT(p.ranked_tokens_per_s, p.throughput.tokens_per_s);
    EXPECT_NEAR(p.ranked_tokens_per_s,
                p.throughput.tokens_per_s * p.throughput.low_tokens_per_s_per_gpu /
                    p.throughput.tokens_per_s_per_gpu,
                1e-9 * p.throughput.tokens_per_s);
    ++flagged;
  }
  EXPECT_GT(flagged, 0);
  EXPECT_TRUE(CheckPlans(r).empty());
  // Below the ceilings nothing is flagged and the ranking is the prediction.
  const PlanReport plain = SearchWithCeilings(1.0, 1.0, 10);
  ASSERT_FALSE(plain.plans.empty());
  for (const Plan& p : plain.plans) {
    EXPECT_FALSE(p.above_measured_mfu);
    EXPECT_EQ(p.ranked_tokens_per_s, p.throughput.tokens_per_s);
  }
}

// A model-parallel plan is held to the highest MFU measured with model parallelism on its
// architecture (TP collectives and pipeline bubbles a data-parallel small model never pays);
// a data-parallel plan to the architecture's overall ceiling.
TEST(Planner, ModelParallelPlansMeetTheModelParallelCeiling) {
  const PlanReport r = SearchWithCeilings(0.99, 0.05, 200);
  int model_parallel = 0, data_parallel = 0;
  for (const Plan& p : r.plans) {
    const auto& l = p.candidate.layout;
    const bool mp = l.tp > 1 || l.pp > 1 || l.cp > 1 || l.ep > 1 || l.sequence_parallel;
    EXPECT_EQ(p.above_measured_mfu, mp) << Label(p.candidate);
    EXPECT_DOUBLE_EQ(p.measured_mfu_max, mp ? 0.05 : 0.99) << Label(p.candidate);
    (mp ? model_parallel : data_parallel)++;
  }
  EXPECT_GT(model_parallel, 0);
  EXPECT_GT(data_parallel, 0);
  // Data-parallel plans are not held back, so they rank first.
  ASSERT_FALSE(r.plans.empty());
  EXPECT_FALSE(r.plans.front().above_measured_mfu);
}

// Jobs on catalog GPUs whose layout groups differ in what bounds them: NVLink and PCIe
// tensor parallel, pipelines across nodes, MoE expert parallel, long-sequence context
// parallel, frozen bases, fp8 and fp32 GEMMs.
struct BoundJob {
  const char* yaml;
  int gpus;
};
constexpr BoundJob kBoundJobs[] = {
    {"model: llama-3.1-8b\ntraining: {method: pretrain}\nhardware: {gpu: h100-sxm, count: 8}\n",
     64},
    {"model: llama-3.1-8b\ntraining: {method: pretrain, seq_len: 16384}\n"
     "hardware: {gpu: h100-sxm, count: 8}\n",
     16},
    {"model: llama-3.1-8b\ntraining: {method: full, precision: fp8-mixed}\n"
     "hardware: {gpu: h100-sxm, count: 8}\n",
     8},
    {"model: llama-3.1-8b\ntraining: {method: pretrain}\nhardware: {gpu: v100-pcie-32gb, count: "
     "8}\n",
     64},
    {"model: llama-3.1-8b\ntraining: {method: qlora}\nhardware: {gpu: rtx-4090, count: 8}\n", 8},
    {"model: llama-3.1-70b\ntraining: {method: full}\nhardware: {gpu: a100-80gb-pcie, count: 8}\n",
     32},
    {"model: mixtral-8x7b\ntraining: {method: pretrain}\nhardware: {gpu: mi300x, count: 8}\n", 16},
    {"model: gpt2-xl\ntraining: {method: full, precision: fp32, seq_len: 1024}\n"
     "hardware: {gpu: a100-80gb-sxm, count: 8}\n",
     16},
};

workload::Scenario CatalogScenario(const char* yaml) {
  return io::ParseScenario(io::ParseDocument(yaml, "test"), io::BuiltinCatalog(), "test");
}

// Branch and bound (PlanOptions::bound_groups) only drops work: the plans, their order and
// figures are those of the search without it, for the best plan and the top five.
TEST(Planner, GroupBoundsKeepThePlans) {
  uint64_t with_total = 0, without_total = 0;
  for (const auto& job : kBoundJobs) {
    for (int top : {1, 5}) {
      SCOPED_TRACE(std::string(job.yaml) + " top " + std::to_string(top));
      PlanOptions o;
      o.gpus = job.gpus;
      o.top_k = top;
      o.threads = 1;
      o.space.restack = io::RestackDefault;
      const auto s = CatalogScenario(job.yaml);
      const PlanReport with = Search(s, Ctx(), o);
      o.bound_groups = false;
      const PlanReport without = Search(s, Ctx(), o);
      ASSERT_EQ(with.plans.size(), without.plans.size());
      ASSERT_FALSE(with.plans.empty());
      for (size_t i = 0; i < with.plans.size(); ++i) {
        EXPECT_EQ(with.plans[i].candidate.index, without.plans[i].candidate.index) << i;
        EXPECT_EQ(with.plans[i].throughput.tokens_per_s, without.plans[i].throughput.tokens_per_s);
        EXPECT_EQ(with.plans[i].memory.per_gpu_bytes, without.plans[i].memory.per_gpu_bytes);
      }
      EXPECT_LE(with.evaluated, without.evaluated);
      with_total += with.evaluated;
      without_total += without.evaluated;
    }
  }
  EXPECT_LT(with_total * 3, without_total * 2);  // the bound does real work (about half)
}

// The group bound is above the tokens/s of every candidate of its group, at every
// micro-batch and checkpointing level, fitting or not.
TEST(Planner, GroupBoundIsAboveEveryCandidate) {
  int checked = 0, groups = 0;
  double tightest = 0;  // largest tokens/s / bound seen: the bound is not vacuous
  for (const auto& job : kBoundJobs) {
    SCOPED_TRACE(job.yaml);
    SpaceOptions opt;
    opt.restack = io::RestackDefault;
    const SearchSpace space = MakeSearchSpace(CatalogScenario(job.yaml), job.gpus, opt);
    const Evaluator ev(Ctx(), true, io::RestackDefault);
    workload::Scenario scratch = space.base;
    for (uint32_t g = 0; g < space.groups.size(); g += 3) {  // every third group: test time
      const double bound = ev.TokensPerSUpperBound(space, g, &scratch);
      ++groups;
      const auto n_mb = static_cast<uint32_t>(space.groups[g].micro_batches.size());
      for (uint32_t mb = 0; mb < n_mb; ++mb) {
        for (uint32_t ck = 0; ck < space.checkpointing.size(); ++ck) {
          const Candidate c = space.At(g, mb, ck);
          Apply(c, &scratch);
          io::RestackDefault(scratch);
          const double tps = estimate::EstimateThroughput(scratch, Ctx()).tokens_per_s;
          if (!(tps > 0)) continue;
          ASSERT_LE(tps, bound * (1 + 1e-12)) << Label(c);
          tightest = std::max(tightest, tps / bound);
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(groups, 50);
  EXPECT_GT(checked, 1000);
  EXPECT_GT(tightest, 0.8);
}

// One answer: the planner's memory check (the range looked up once per stack) gives every
// candidate the verdict and range EstimateMemory gives the planned scenario.
TEST(Planner, EveryCandidateGetsTheVerdictOfEstimateMemory) {
  int checked = 0, tight = 0;
  std::set<workload::Framework> stacks;
  for (const auto& job : kBoundJobs) {
    SCOPED_TRACE(job.yaml);
    SpaceOptions opt;
    opt.restack = io::RestackDefault;
    const SearchSpace space = MakeSearchSpace(CatalogScenario(job.yaml), job.gpus, opt);
    const Evaluator ev(Ctx(), true, io::RestackDefault, &space.base);
    workload::Scenario scratch = space.base;
    for (uint32_t g = 0; g < space.groups.size(); g += 5) {
      const Candidate c = space.At(g, 0, 0);
      const Evaluation e = ev.Evaluate(c, &scratch);  // leaves scratch at the candidate
      if (e.status == Status::kStatesTooLarge) continue;
      const estimate::MemoryResult m = estimate::EstimateMemory(scratch, Ctx());
      ASSERT_EQ(e.memory.fit, m.fit) << Label(c);
      ASSERT_DOUBLE_EQ(e.memory.low_bytes, m.low_bytes) << Label(c);
      ASSERT_DOUBLE_EQ(e.memory.high_bytes, m.high_bytes) << Label(c);
      tight += m.fit == estimate::Fit::kTight;
      stacks.insert(scratch.training.stack.id);
      ++checked;
    }
  }
  EXPECT_GT(checked, 50);
  EXPECT_GT(tight, 0);
  EXPECT_GT(stacks.size(), 1u);  // restack moved some candidates to another stack's range
}

}  // namespace
}  // namespace gpuadv::plan

namespace gpuadv::plan {
namespace {

// Selective checkpointing the planner chooses for a Megatron MoE / MLA job recomputes
// Megatron's fine-grained modules (the norms, the experts' activation, MLA's up projections),
// not the default attention core; a scenario that names its modules keeps them, other
// stacks keep their attention-core policy, and the other levels recompute no module.
TEST(Planner, SelectiveOnMegatronMoeRecomputesTheFineGrainedModules) {
  using workload::RecomputeModule;
  const char* model =
      "{layers: 8, hidden: 2048, heads: 16, ffn: 5632, vocab: 32000, max_seq_len: 32768, "
      "q_lora_rank: 512, kv_lora_rank: 256, qk_rope_head_dim: 64, v_head_dim: 128, experts: 16, "
      "experts_active: 2, moe_ffn: 512}";
  const unsigned fine = static_cast<unsigned>(RecomputeModule::kLayernorm) |
                        static_cast<unsigned>(RecomputeModule::kMoeAct) |
                        static_cast<unsigned>(RecomputeModule::kMlaUpProj);
  auto s = MakeScenario({{"model", model}, {"training.framework", "megatron"}});
  Candidate c = CandidateOf(s);
  c.checkpointing = workload::Checkpointing::kSelective;
  Apply(c, &s);
  EXPECT_EQ(s.training.RecomputedModules(), fine);
  c.checkpointing = workload::Checkpointing::kNone;
  Apply(c, &s);
  EXPECT_EQ(s.training.RecomputedModules(), 0u);
  auto pinned = MakeScenario({{"model", model},
                              {"training.framework", "megatron"},
                              {"training.activation_checkpointing", "selective"},
                              {"training.recompute_modules", "[moe_act]"}});
  c.checkpointing = workload::Checkpointing::kSelective;
  Apply(c, &pinned);
  EXPECT_EQ(pinned.training.RecomputedModules(), static_cast<unsigned>(RecomputeModule::kMoeAct));
  auto other = MakeScenario({{"model", model}, {"training.framework", "pytorch"}});
  Apply(c, &other);
  EXPECT_EQ(other.training.RecomputedModules(), workload::kDefaultRecomputeModules);
}

}  // namespace
}  // namespace gpuadv::plan
