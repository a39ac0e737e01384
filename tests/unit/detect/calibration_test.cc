// The probe's JSON (fixtures/probe_h100.json is scripts/gpu_measure/results/probe.json, a
// real H100 SXM run) and how it calibrates the efficiency factors.
#include "gpuadv/detect/calibration.h"

#include <gtest/gtest.h>

#include "gpuadv/core/error.h"
#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/io/probe_loader.h"

namespace gpuadv::detect {
namespace {

const std::string kFixture =
    std::string(GPUADV_SOURCE_DIR) + "/tests/unit/detect/fixtures/probe_h100.json";

TEST(ProbeJson, ReadsBestGemmAndBandwidths) {
  const ProbeResult p = io::LoadProbeFile(kFixture, "--calibration");
  EXPECT_EQ(p.device_name, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(p.driver, "580.159.04");
  EXPECT_DOUBLE_EQ(*p.bf16_tflops, 762.2);
  EXPECT_DOUBLE_EQ(*p.fp16_tflops, 714.0);
  EXPECT_DOUBLE_EQ(*p.tf32_tflops, 382.0);
  EXPECT_DOUBLE_EQ(*p.fp8_tflops, 1322.2);
  EXPECT_DOUBLE_EQ(*p.memory_gbs, 2818.2);  // copy kernel, not cudaMemcpy
  EXPECT_DOUBLE_EQ(*p.h2d_pinned_gbs, 52.7);
  EXPECT_FALSE(p.p2p_gbs.has_value());  // one GPU: "p2p": null
  EXPECT_DOUBLE_EQ(*p.sm_clock_after_mhz, 1410);
}

TEST(ProbeJson, BestGemmFromRowsWhenNoSummary) {
  const ProbeResult p = io::ParseProbeJson(
      R"({"tool": "gpu-advisor probe", "version": 1, "device": {"name": "NVIDIA L4"},
          "gemm": [{"dtype": "bf16", "ok": true, "tflops_median": 90.5},
                   {"dtype": "bf16", "ok": true, "tflops_median": 101.0},
                   {"dtype": "bf16", "ok": false, "tflops_median": 500.0}],
          "p2p": [{"from": 0, "to": 1, "copy": {"gb_per_s_median": 21.0}}]})",
      "x.json");
  EXPECT_DOUBLE_EQ(*p.bf16_tflops, 101.0);
  EXPECT_DOUBLE_EQ(*p.p2p_gbs, 21.0);
  EXPECT_FALSE(p.memory_gbs.has_value());
}

TEST(ProbeJson, OtherJsonIsAnInputError) {
  try {
    io::ParseProbeJson(R"({"tool": "something else"})", "x.json");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(
        e.what(),
        "x.json: tool: not a probe result 'something else'; accepted: \"gpu-advisor probe\"");
  }
  EXPECT_THROW(io::ParseProbeJson("not json", "x.json"), InputError);
}

TEST(Calibrate, ReferenceCardProbeBarelyMovesTheFittedFactors) {
  const ProbeResult p = io::LoadProbeFile(kFixture, "--calibration");
  const auto& spec = *io::BuiltinCatalog().FindGpu("h100-sxm");
  const auto& base = io::BuiltinEfficiency().For(spec.architecture);
  const Calibration c = Calibrate(p, spec, base);
  // gemm: 0.58 x (762.2 / 989.4) / 0.803; mem: 0.4 x (2818.2 / 3350) / 0.84
  EXPECT_NEAR(c.factors.gemm_eta_max, base.gemm_eta_max * (762.2 / 989.4) / 0.803, 1e-3);
  EXPECT_NEAR(c.factors.mem_eta, base.mem_eta * (2818.2 / 3350.0) / 0.84, 1e-3);
  EXPECT_NEAR(c.factors.fp8_gemm_speedup, 1322.2 / 762.2, 1e-9);
  EXPECT_DOUBLE_EQ(c.factors.attn_eta, base.attn_eta);
  ASSERT_GE(c.rows.size(), 5u);
  EXPECT_EQ(c.rows[0].what, "bf16 GEMM");
  EXPECT_NEAR(*c.rows[0].ratio, 0.770, 1e-3);
}

TEST(Calibrate, SlowerCardScalesFactorsDown) {
  ProbeResult p;
  p.device_name = "NVIDIA H100 80GB HBM3";
  p.bf16_tflops = 989.4 * 0.803 / 2;  // half the reference card's rate
  const auto& spec = *io::BuiltinCatalog().FindGpu("h100-sxm");
  estimate::ArchEfficiency base = estimate::FallbackEfficiency().fallback;
  base.gemm_eta_max = 0.6;
  base.ref_gemm_eta = 0.803;
  const Calibration c = Calibrate(p, spec, base);
  EXPECT_NEAR(c.factors.gemm_eta_max, 0.3, 1e-3);
  EXPECT_DOUBLE_EQ(c.factors.mem_eta, base.mem_eta);  // not measured: unchanged
  EXPECT_EQ(c.factors.gemm_pj_per_flop, 0);
}

// A measured GEMM rate already ran at the clocks the card's power limit allows: the fitted
// power limit is dropped, not applied on top, and the notes say so.
TEST(Calibrate, MeasuredGemmRateReplacesThePowerLimit) {
  ProbeResult p;
  p.device_name = "NVIDIA L40S";
  p.bf16_tflops = 150;
  const auto& spec = *io::BuiltinCatalog().FindGpu("l40s");
  estimate::ArchEfficiency base = io::BuiltinEfficiency().For(spec.architecture);
  base.gemm_pj_per_flop = 2.4;
  const Calibration c = Calibrate(p, spec, base);
  EXPECT_EQ(c.factors.gemm_pj_per_flop, 0);
  bool said = false;
  for (const auto& n : c.notes) said = said || n.rfind("gemm_pj_per_flop 0 (was 2.400)", 0) == 0;
  EXPECT_TRUE(said);
  // Without a GEMM measurement the limit stays.
  ProbeResult bw_only;
  bw_only.device_name = "NVIDIA L40S";
  bw_only.memory_gbs = 700;
  EXPECT_EQ(Calibrate(bw_only, spec, base).factors.gemm_pj_per_flop, 2.4);
}

TEST(Calibrate, ImplausibleRatioIsKeptOut) {
  ProbeResult p;
  p.device_name = "NVIDIA H100 80GB HBM3";
  p.bf16_tflops = 5000;  // 5x the datasheet: another card, or a broken catalog
  const auto& spec = *io::BuiltinCatalog().FindGpu("h100-sxm");
  const estimate::ArchEfficiency& base = estimate::FallbackEfficiency().fallback;
  const Calibration c = Calibrate(p, spec, base);
  EXPECT_DOUBLE_EQ(c.factors.gemm_eta_max, base.gemm_eta_max);
  EXPECT_EQ(c.notes[0].rfind("gemm_eta_max: measured/peak 5.05 is implausible", 0), 0u);
}

}  // namespace
}  // namespace gpuadv::detect
