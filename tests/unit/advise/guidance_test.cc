#include "gpuadv/advise/guidance.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

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
  bool desktop = false, server = false;
  for (const auto& c : p.cpus) {
    desktop |= c.segment == "desktop", server |= c.segment == "server";
    EXPECT_GT(std::max(c.bf16_matmul_tflops, c.fp32_matmul_tflops), 0) << c.id;
    EXPECT_GT(c.memory_bw_gbs, 0) << c.id;
    EXPECT_FALSE(c.sources.empty()) << c.id;
    // C14 asks for measured figures: every CPU has at least one, and each says where from.
    int measured = 0;
    for (const auto* b : {&c.bf16_basis, &c.fp32_basis, &c.bandwidth_basis}) {
      measured += b->measured;
      if (b->measured) {
        EXPECT_FALSE(b->source.empty()) << c.id;
      }
    }
    EXPECT_GE(measured, 1) << c.id;
  }
  EXPECT_TRUE(desktop && server);
  EXPECT_FALSE(p.hosts.empty());
  EXPECT_FALSE(p.accelerators.empty());
}

advise::CpuSpec OneCpu(const std::string& yaml) {
  const auto cpus = io::ParseCpuDocument(io::ParseDocument(yaml, "t"), "t");
  EXPECT_EQ(cpus.size(), 1u);
  return cpus.empty() ? advise::CpuSpec{} : cpus.front();
}

std::string CpuError(const std::string& yaml) {
  try {
    io::ParseCpuDocument(io::ParseDocument(yaml, "t"), "t");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(CpuLoader, BasisIsPerFigureWithTheEntryBasisAsDefault) {
  const auto c = OneCpu(
      "cpus:\n  - {id: x, basis: measured, bf16_matmul_tflops: 2, bf16_source: 'lab, oneDNN',\n"
      "     fp32_matmul_tflops: 1, fp32_basis: estimate, memory_bw_gbs: 50,\n"
      "     bandwidth_source: 'STREAM, 16 threads'}\n");
  EXPECT_TRUE(c.bf16_basis.measured);
  EXPECT_EQ(c.bf16_basis.source, "lab, oneDNN");
  EXPECT_FALSE(c.fp32_basis.measured);
  EXPECT_TRUE(c.bandwidth_basis.measured);
  EXPECT_EQ(c.bandwidth_basis.source, "STREAM, 16 threads");
  // Without any basis a figure is an estimate.
  const auto e = OneCpu("cpus:\n  - {id: y, fp32_matmul_tflops: 1, memory_bw_gbs: 50}\n");
  EXPECT_FALSE(e.fp32_basis.measured);
  EXPECT_FALSE(e.bandwidth_basis.measured);
}

TEST(CpuLoader, BadBasisNamesTheField) {
  EXPECT_EQ(CpuError("cpus:\n  - {id: x, bf16_matmul_tflops: 1, basis: guessed}\n"),
            "cpus[0].basis: invalid value 'guessed'; accepted: measured | estimate");
  EXPECT_EQ(CpuError("cpus:\n  - {id: x, fp32_matmul_tflops: 1, fp32_basis: peak}\n"),
            "cpus[0].fp32_basis: invalid value 'peak'; accepted: measured | estimate");
}

TEST(CpuLoader, MeasuredFigureNeedsItsSource) {
  const auto msg = CpuError(
      "cpus:\n  - {id: x, bf16_matmul_tflops: 1, memory_bw_gbs: 9, bandwidth_basis: measured}\n");
  EXPECT_NE(msg.find("cpus[0].bandwidth_source: required for a measured figure"), std::string::npos)
      << msg;
}

TEST(CpuLoader, BasisWithoutItsFigureIsRejected) {
  const auto msg = CpuError("cpus:\n  - {id: x, fp32_matmul_tflops: 1, bf16_basis: measured}\n");
  EXPECT_NE(msg.find("cpus[0].bf16_basis: applies to no figure"), std::string::npos) << msg;
  EXPECT_NE(msg.find("only with bf16_matmul_tflops"), std::string::npos) << msg;
}

TEST(Guidance, CpuBaselineStatesEachFiguresBasis) {
  const auto s = Default();
  advise::PlatformData platforms;
  platforms.cpus = io::ParseCpuDocument(
      io::ParseDocument(
          "cpus:\n"
          "  - {id: m, bf16_matmul_tflops: 4, bf16_basis: estimate, bf16_source: '2x fp32',\n"
          "     memory_bw_gbs: 100, bandwidth_basis: measured, bandwidth_source: 'STREAM run'}\n"
          "  - {id: f, fp32_matmul_tflops: 2, fp32_basis: measured, fp32_source: 'sgemm run'}\n"
          "  - {id: g, fp32_matmul_tflops: 2, memory_bw_gbs: 100, basis: measured,\n"
          "     fp32_source: 'sgemm run', bandwidth_source: 'STREAM run'}\n",
          "t"),
      "t");
  auto in = BuiltinInputs();
  in.platforms = &platforms;
  const auto r = Recommend(s, in, Options(5));
  const auto g = BuildGuidance(s, r, in);
  ASSERT_EQ(g.cpu_baseline.size(), 3u);
  const auto& m = g.cpu_baseline[0];
  EXPECT_EQ(m.matmul_precision, "bf16");  // bf16 preferred when the data has it
  EXPECT_FALSE(m.matmul_measured);
  EXPECT_TRUE(m.bandwidth_measured);
  EXPECT_NE(m.basis.find("bf16, estimate (2x fp32)"), std::string::npos) << m.basis;
  EXPECT_NE(m.basis.find("100 GB/s, measured (STREAM run)"), std::string::npos) << m.basis;
  const auto& f = g.cpu_baseline[1];
  EXPECT_EQ(f.matmul_precision, "fp32");
  EXPECT_TRUE(f.matmul_measured);
  EXPECT_EQ(f.memory_bw_gbs, 0);
  EXPECT_NE(f.basis.find("fp32, measured (sgemm run)"), std::string::npos) << f.basis;
  EXPECT_NE(f.basis.find("not known"), std::string::npos) << f.basis;
  // Leaving out the memory term can only make the CPU look faster, never slower.
  EXPECT_GT(f.tokens_per_s, g.cpu_baseline[2].tokens_per_s);
  // Twice the matrix rate with the same bandwidth: faster, but by less than 2x (roofline sum).
  const double ratio = m.tokens_per_s / g.cpu_baseline[2].tokens_per_s;
  EXPECT_GT(ratio, 1);
  EXPECT_LT(ratio, 2);
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
  // One baseline per CPU in the data, and no CPU beats the top GPU pick.
  ASSERT_EQ(g.cpu_baseline.size(), io::BuiltinPlatforms().cpus.size());
  ASSERT_FALSE(g.cpu_baseline.empty());
  for (const auto& c : g.cpu_baseline) {
    EXPECT_GT(c.times_slower, 1) << c.cpu;
    EXPECT_FALSE(c.basis.empty()) << c.cpu;
  }
  EXPECT_FALSE(g.accelerators.empty());
  EXPECT_FALSE(g.precision.empty());
  EXPECT_FALSE(g.rent_vs_buy.empty());
}

}  // namespace
}  // namespace gpuadv::advise
