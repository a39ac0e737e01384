// The planner's search space (C9): which factorisations and knobs it holds.
#include "gpuadv/plan/search_space.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "gpuadv/core/error.h"
#include "tests/unit/plan/plan_fixture.h"

namespace gpuadv::plan {
namespace {

using testing::MakeScenario;

TEST(SearchSpace, InvalidGpuCountIsAnInputError) {
  const auto s = MakeScenario();
  for (int n : {0, -8, 12, kMaxGpus + 8}) {
    try {
      MakeSearchSpace(s, n);
      FAIL() << "accepted " << n;
    } catch (const InputError& e) {
      EXPECT_EQ(e.field(), "--gpus");
      EXPECT_EQ(e.value(), std::to_string(n));
    }
  }
  try {
    MakeSearchSpace(s, 12);
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(),
                 "--gpus: does not fill whole nodes '12'; accepted: a multiple of the 8 GPUs per "
                 "node (hardware.count), or at most 8");
  }
}

TEST(SearchSpace, PartialNodeAndWholeNodes) {
  const auto s = MakeScenario();
  EXPECT_EQ(WithGpus(s, 4).hardware.count, 4);
  EXPECT_EQ(WithGpus(s, 4).hardware.nodes, 1);
  EXPECT_EQ(WithGpus(s, 64).hardware.count, 8);
  EXPECT_EQ(WithGpus(s, 64).hardware.nodes, 8);
}

TEST(SearchSpace, EveryLayoutFactorsTheGpus) {
  const auto space = MakeSearchSpace(MakeScenario(), 64);
  for (const Group& g : space.groups) {
    const Layout& l = g.layout;
    EXPECT_EQ(l.tp * l.pp * l.cp * l.dp, 64);
    EXPECT_EQ(l.dp % l.ep, 0);  // a dense model: no experts, ep 1
  }
}

// MoE layouts: ep over the data-parallel ranks with each expert split like the dense layers
// (etp = tp, Megatron's default), and with tp > 1 the experts whole on their GPUs (etp 1),
// where ep may reach over the tp x dp ranks; every one a grid Megatron can build.
TEST(SearchSpace, ExpertLayoutsIncludeParallelFolding) {
  const auto s = MakeScenario(
      {{"model",
        "{layers: 16, hidden: 2048, heads: 16, kv_heads: 8, ffn: 5632, vocab: 32000, experts: 64,"
        " experts_active: 8, moe_ffn: 1024, max_seq_len: 8192}"}});
  const auto space = MakeSearchSpace(s, 64);
  bool wider_than_dp = false, split_default = false;
  for (const Group& g : space.groups) {
    const Layout& l = g.layout;
    const int etp = l.etp > 0 ? l.etp : l.tp;
    EXPECT_EQ((l.tp * l.dp) % (l.ep * etp), 0) << l.tp << " " << l.ep << " " << etp;
    EXPECT_TRUE(l.etp == 0 || (l.etp == 1 && l.tp > 1));
    wider_than_dp |= l.ep > l.dp;
    split_default |= l.ep > 1 && l.etp == 0 && l.tp > 1;
  }
  EXPECT_TRUE(wider_than_dp);
  EXPECT_TRUE(split_default);
}

TEST(SearchSpace, TensorParallelStaysInsideTheNodeAndDividesHeads) {
  const auto space = MakeSearchSpace(MakeScenario(), 64);
  std::set<int> tps;
  for (const Group& g : space.groups) tps.insert(g.layout.tp);
  EXPECT_EQ(tps, (std::set<int>{1, 2, 4, 8}));  // 8 GPUs per node, kv_heads 8
  const auto narrow = MakeSearchSpace(MakeScenario({{"model.kv_heads", "2"}}), 64);
  for (const Group& g : narrow.groups) EXPECT_LE(g.layout.tp, 2);
}

// Context parallelism by all-to-all gives each rank whole heads: the planner keeps only the
// tp x cp that divide them.
TEST(SearchSpace, AllToAllContextParallelKeepsWholeHeads) {
  const auto scenario = MakeScenario(
      {{"training.seq_len", "32768"}, {"parallelism", "{tp: 1, pp: 1, cp: 2, cp_comm: a2a}"}});
  const auto space = MakeSearchSpace(scenario, 64);
  bool any_cp = false;
  for (const Group& g : space.groups) {
    any_cp = any_cp || g.layout.cp > 1;
    EXPECT_EQ(scenario.model.heads % (g.layout.tp * g.layout.cp), 0)
        << "tp " << g.layout.tp << " cp " << g.layout.cp;
  }
  EXPECT_TRUE(any_cp);
}

TEST(SearchSpace, PipelineStagesDivideTheLayers) {
  const auto space = MakeSearchSpace(MakeScenario(), 64);
  std::set<int> pps;
  for (const Group& g : space.groups) {
    pps.insert(g.layout.pp);
    if (g.layout.vpp > 1) {
      EXPECT_GT(g.layout.pp, 1);
      EXPECT_EQ(16 % (g.layout.pp * g.layout.vpp), 0);
    }
  }
  EXPECT_EQ(pps, (std::set<int>{1, 2, 4, 8, 16}));
}

// 61 layers (DeepSeek-V3's count, prime): besides 61 itself and the divisors of 61 + 2 with
// the embedding and loss as pipeline layers (3, 7, 9, 21), the powers of two that leave two
// layers a stage, split unevenly with the embedding and loss counted (Megatron-Core's
// layout), interleaved while the virtual stages keep 1.5 pipeline layers on average.
TEST(SearchSpace, UnevenPipelinesForLayerCountsNoGpuCountDivides) {
  const auto space = MakeSearchSpace(MakeScenario({{"model.layers", "61"}}), 256);
  std::set<int> pps;
  bool pp8_vpp4 = false;
  for (const Group& g : space.groups) {
    const auto& l = g.layout;
    pps.insert(l.pp);
    if (l.pp > 1 && 61 % l.pp != 0 && 63 % l.pp != 0) {
      EXPECT_TRUE(l.pipeline_embedding_loss) << l.pp;
      EXPECT_LE(3 * l.pp * l.vpp, 2 * 63) << l.pp << " x " << l.vpp;
    }
    pp8_vpp4 |= l.pp == 8 && l.vpp == 4 && l.pipeline_embedding_loss;
  }
  for (int pp : {2, 4, 8, 16}) EXPECT_TRUE(pps.count(pp)) << pp;
  EXPECT_FALSE(pps.count(32));  // 32 stages of 63 / 32 < 2 pipeline layers
  EXPECT_TRUE(pp8_vpp4);
  SpaceOptions even;
  even.allow_uneven_pp = false;
  for (const Group& g : MakeSearchSpace(MakeScenario({{"model.layers", "61"}}), 256, even).groups)
    EXPECT_TRUE(61 % g.layout.pp == 0 || 63 % g.layout.pp == 0) << g.layout.pp;
}

TEST(SearchSpace, MicroBatchesMakeTheGlobalBatchIntegral) {
  const auto space = MakeSearchSpace(MakeScenario(), 64);
  ASSERT_GT(space.Size(), 0u);
  for (uint32_t gi = 0; gi < space.groups.size(); ++gi) {
    const Group& g = space.groups[gi];
    for (uint32_t i = 0; i < g.micro_batches.size(); ++i) {
      const Candidate c = space.At(gi, i, 0);
      EXPECT_EQ(c.micro_batch * c.gradient_accumulation * g.layout.dp, 256);
      if (g.layout.vpp > 1) {
        EXPECT_EQ(c.gradient_accumulation % g.layout.pp, 0);
      }
      if (i > 0) {
        EXPECT_GT(g.micro_batches[i], g.micro_batches[i - 1]);
      }
    }
  }
}

TEST(SearchSpace, FlatIndexEnumeratesTheSpace) {
  const auto space = MakeSearchSpace(MakeScenario(), 16);
  uint64_t expected = 0;
  for (uint32_t g = 0; g < space.groups.size(); ++g)
    for (uint32_t m = 0; m < space.groups[g].micro_batches.size(); ++m)
      for (uint32_t k = 0; k < space.checkpointing.size(); ++k)
        EXPECT_EQ(space.At(g, m, k).index, expected++);
  EXPECT_EQ(expected, space.Size());
}

TEST(SearchSpace, ContextParallelOnlyForLongSequences) {
  auto has_cp = [](const SearchSpace& sp) {
    for (const Group& g : sp.groups)
      if (g.layout.cp > 1) return true;
    return false;
  };
  EXPECT_FALSE(has_cp(MakeSearchSpace(MakeScenario(), 64)));
  EXPECT_TRUE(has_cp(MakeSearchSpace(MakeScenario({{"training.seq_len", "16384"}}), 64)));
}

TEST(SearchSpace, ExpertParallelOnlyForMoe) {
  auto max_ep = [](const SearchSpace& sp) {
    int ep = 1;
    for (const Group& g : sp.groups) ep = std::max(ep, g.layout.ep);
    return ep;
  };
  EXPECT_EQ(max_ep(MakeSearchSpace(MakeScenario(), 64)), 1);
  const auto moe = MakeScenario({{"model.experts", "8"}, {"model.experts_active", "2"}});
  EXPECT_EQ(max_ep(MakeSearchSpace(moe, 64)), 8);
}

TEST(SearchSpace, ShardingNeedsDataParallelAndHsdpShardsWithinANode) {
  const auto space = MakeSearchSpace(MakeScenario(), 64);
  bool saw_hsdp = false;
  for (const Group& g : space.groups) {
    const Layout& l = g.layout;
    if (l.dp == 1) {
      EXPECT_EQ(l.zero, 0);
    }
    if (l.zero >= 2) {
      EXPECT_EQ(l.pp, 1);  // sharded_with_pp is off by default
    }
    if (l.shard_group > 0) {
      saw_hsdp = true;
      EXPECT_GE(l.zero, 2);
      EXPECT_EQ(l.shard_group, 8 / (l.tp * l.cp));
      EXPECT_EQ(l.dp % l.shard_group, 0);
    }
  }
  EXPECT_TRUE(saw_hsdp);
}

// A scenario that names its stack is planned with what the stack runs (stack trait
// parallelism): torchtitan has FSDP (with a pipeline too) but no ZeRO-1, the Hugging Face
// Trainer data parallelism only; a defaulted stack keeps the whole space.
TEST(SearchSpace, ANamedStackRunsOnlyItsOwnParallelism) {
  const auto titan = MakeSearchSpace(
      MakeScenario({{"training.framework", "torchtitan"}, {"hardware.nodes", "8"}}), 64);
  bool fsdp_with_pp = false;
  for (const Group& g : titan.groups) {
    EXPECT_NE(g.layout.zero, 1) << "torchtitan has no ZeRO-1";
    fsdp_with_pp = fsdp_with_pp || (g.layout.zero >= 2 && g.layout.pp > 1);
  }
  EXPECT_TRUE(fsdp_with_pp);
  ASSERT_FALSE(titan.notes.empty());
  EXPECT_NE(titan.notes.back().find("searched what torchtitan runs: ddp, zero2, zero3, hsdp"),
            std::string::npos)
      << titan.notes.back();
  const auto hf = MakeSearchSpace(MakeScenario({{"training.framework", "hf-trainer"}}), 8);
  for (const Group& g : hf.groups) {
    EXPECT_EQ(g.layout.tp, 1);
    EXPECT_EQ(g.layout.pp, 1);
    EXPECT_EQ(g.layout.shard_group, 0);
  }
  const auto unsloth = MakeSearchSpace(MakeScenario({{"training.framework", "unsloth"}}), 8);
  EXPECT_EQ(std::count(unsloth.checkpointing.begin(), unsloth.checkpointing.end(),
                       workload::Checkpointing::kSelective),
            0);
  // One GPU of a stack without plain data parallelism (torchtune's recipes shard) still
  // has its unsharded layout.
  const auto tune = MakeSearchSpace(MakeScenario({{"training.framework", "torchtune"}}), 1);
  ASSERT_EQ(tune.groups.size(), 1u);
  EXPECT_EQ(tune.groups.front().layout.zero, 0);
  bool zero1 = false;
  for (const Group& g : MakeSearchSpace(MakeScenario(), 64).groups) zero1 |= g.layout.zero == 1;
  EXPECT_TRUE(zero1);
}

TEST(SearchSpace, MissingGlobalBatchIsAssumedAndNoted) {
  auto s = MakeScenario();
  s.training.global_batch = 0;  // as when the scenario gives none
  const auto space = MakeSearchSpace(s, 32);
  EXPECT_TRUE(space.global_batch_assumed);
  EXPECT_EQ(space.global_batch, 32);  // micro_batch 1 x 32 GPUs
  ASSERT_FALSE(space.notes.empty());
}

}  // namespace
}  // namespace gpuadv::plan
