#include "gpuadv/advise/guidance.h"

#include <gtest/gtest.h>

#include "advise_fixture.h"
#include "gpuadv/core/error.h"

namespace gpuadv::advise {
namespace {

using testing::BuiltinInputs;
using testing::Options;

workload::Scenario Default() {
  return io::ParseScenario(io::DefaultScenarioDocument(), io::BuiltinCatalog(), "default");
}

TEST(CpuLoader, BuiltinPlatformsLoadWithSources) {
  const auto& p = io::BuiltinPlatforms();
  ASSERT_EQ(p.cpus.size(), 2u);
  EXPECT_EQ(p.cpus[0].segment, "desktop");
  EXPECT_EQ(p.cpus[1].segment, "server");
  for (const auto& c : p.cpus) {
    EXPECT_GT(c.bf16_matmul_tflops, 0) << c.id;
    EXPECT_GT(c.memory_bw_gbs, 0) << c.id;
    EXPECT_FALSE(c.sources.empty()) << c.id;
  }
  EXPECT_FALSE(p.hosts.empty());
  EXPECT_FALSE(p.accelerators.empty());
}

TEST(CpuLoader, BadBasisNamesTheField) {
  try {
    io::ParseCpuDocument(
        io::ParseDocument("cpus:\n  - {id: x, bf16_matmul_tflops: 1, basis: guessed}\n", "t"), "t");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "cpus[0].basis: invalid value 'guessed'; accepted: measured | estimate");
  }
}

TEST(Guidance, DefaultScenarioGetsTiersStacksCpuBaselineAndAccelerators) {
  const auto s = Default();
  const auto in = BuiltinInputs();
  const auto r = Recommend(s, in, Options(5));
  const auto g = BuildGuidance(s, r, in);
  ASSERT_FALSE(g.tiers.empty());
  // Bigger tiers never fit less than smaller ones (same jobs, more memory).
  for (size_t i = 1; i < g.tiers.size(); ++i)
    for (size_t j = 0; j < g.tiers[i].jobs.size(); ++j)
      if (g.tiers[i - 1].jobs[j].fits) {
        EXPECT_TRUE(g.tiers[i].jobs[j].fits) << g.tiers[i].memory_gb;
      }
  bool cuda = false, rocm = false;
  for (const auto& st : g.stacks) cuda |= st.stack == "CUDA", rocm |= st.stack == "ROCm";
  EXPECT_TRUE(cuda && rocm);
  ASSERT_EQ(g.cpu_baseline.size(), 2u);
  for (const auto& c : g.cpu_baseline) EXPECT_GT(c.times_slower, 1) << c.cpu;
  EXPECT_FALSE(g.accelerators.empty());
  EXPECT_FALSE(g.precision.empty());
  EXPECT_FALSE(g.rent_vs_buy.empty());
}

}  // namespace
}  // namespace gpuadv::advise
