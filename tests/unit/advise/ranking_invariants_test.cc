// advise::CheckRanking (issue 6): every ranking the advisor returns keeps its invariants
// (order consistent with each objective, blockers and tight fits below, a true Pareto
// front), and a broken ranking is named.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "advise_fixture.h"
#include "gpuadv/advise/invariants.h"

namespace gpuadv::advise {
namespace {

using testing::BuiltinInputs;
using testing::Options;
using testing::Scenario;

constexpr const char* kJobs[] = {
    "model: llama-3.1-8b\ntraining: {method: qlora, tokens: 1.0e8}\n",
    "model: llama-3.1-8b\ntraining: {method: lora, tokens: 1.0e8}\n"
    "system: {psu_watts: 550, gpu_slots: 1, cooling: air}\n",
    "model: llama-3.1-70b\ntraining: {method: full, tokens: 1.0e8}\n",
    "model: gpt2\ntraining: {method: pretrain, seq_len: 1024, tokens: 1.0e9}\n"
    "constraints: {budget_usd: 400, acquire: buy}\n",
};

TEST(RankingInvariants, HoldForEveryObjective) {
  for (const char* job : kJobs)
    for (const char* objective : {"time", "cost", "value", "energy"}) {
      const auto r = Recommend(Scenario(std::string(job) + "objective: " + objective + "\n"),
                               BuiltinInputs(), Options());
      ASSERT_FALSE(r.points.empty()) << job;
      const auto broken = CheckRanking(r);
      EXPECT_TRUE(broken.empty()) << job << objective << ": " << broken.front();
    }
}

TEST(RankingInvariants, NameAPickRankedAgainstTheObjective) {
  auto r = Recommend(Scenario(kJobs[0]), BuiltinInputs(), Options(5));
  ASSERT_GE(r.picks.size(), 3u);
  std::swap(r.picks[0].estimate, r.picks[2].estimate);
  std::swap(r.picks[0].cost, r.picks[2].cost);
  std::swap(r.picks[0].objective_value, r.picks[2].objective_value);
  std::swap(r.picks[0].ranked_objective, r.picks[2].ranked_objective);
  const auto broken = CheckRanking(r);
  ASSERT_FALSE(broken.empty());
  bool named = false;
  for (const auto& b : broken) named |= b.find("but is ranked below it") != std::string::npos;
  EXPECT_TRUE(named) << broken.front();
}

TEST(RankingInvariants, NameAPointWronglyOnTheFront) {
  auto r = Recommend(Scenario(kJobs[0]), BuiltinInputs(), Options(5));
  bool flipped = false;
  for (auto& p : r.points)
    if (!p.on_front && !flipped) p.on_front = flipped = true;
  ASSERT_TRUE(flipped);
  const auto broken = CheckRanking(r);
  ASSERT_FALSE(broken.empty());
  EXPECT_NE(broken.back().find("on the Pareto front is dominated"), std::string::npos)
      << broken.back();
}

}  // namespace
}  // namespace gpuadv::advise
