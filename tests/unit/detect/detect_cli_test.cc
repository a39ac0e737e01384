// `detect` against fake nvidia-smi / rocm-smi executables (fakes/<case>/) put on PATH, with
// NVML absent: no GPU is needed (STYLE.md 14: fakes behind DeviceQuery).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "fake_machine.h"
#include "gpuadv/detect/device_query.h"
#include "gpuadv/io/rocm_smi_json.h"

namespace gpuadv::detect {
namespace {

DetectReport DetectOn(const std::string& fake_case) {
  FakeMachine m(fake_case);
  auto sources = DefaultSources("/nonexistent/libnvidia-ml.so.1", io::ParseRocmSmiJson);
  std::vector<DeviceQuery*> ptrs;
  for (auto& s : sources) ptrs.push_back(s.get());
  return Detect(ptrs);
}

TEST(DetectFakes, OneH100WithCudaVersionFromTheBanner) {
  const auto rep = DetectOn("h100");
  EXPECT_EQ(rep.source, "nvidia-smi");
  ASSERT_EQ(rep.gpus.size(), 1u);
  EXPECT_EQ(rep.gpus[0].cuda_version, "13.0");
  EXPECT_EQ(rep.tried[0], "nvml: /nonexistent/libnvidia-ml.so.1 not found");
  EXPECT_EQ(rep.tried[1], "nvidia-smi: 1 GPU(s)");
}

TEST(DetectFakes, SeveralGpus) {
  const auto rep = DetectOn("multi");
  ASSERT_EQ(rep.gpus.size(), 3u);
  EXPECT_EQ(rep.gpus[2].name, "NVIDIA GeForce RTX 3090");
  EXPECT_EQ(*rep.gpus[2].memory_free_bytes, 1024ull << 20);
}

TEST(DetectFakes, MigInstancesAreListedInsteadOfTheirParent) {
  const auto rep = DetectOn("mig");
  ASSERT_EQ(rep.gpus.size(), 3u);  // two 3g.40gb instances of GPU 0, then GPU 1 whole
  EXPECT_EQ(rep.gpus[0].mig_profile, "3g.40gb");
  EXPECT_EQ(rep.gpus[1].mig_profile, "3g.40gb");
  EXPECT_EQ(rep.gpus[2].mig_profile, "");
  EXPECT_EQ(rep.gpus[2].index, 1);
}

TEST(DetectFakes, DriverlessNvidiaSmiIsNoGpuWithItsReason) {
  const auto rep = DetectOn("nogpu");
  EXPECT_TRUE(rep.gpus.empty());
  ASSERT_EQ(rep.tried.size(), 3u);
  EXPECT_EQ(rep.tried[1],
            "nvidia-smi: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA "
            "driver. Make sure that the latest NVIDIA driver is installed and running.");
  EXPECT_EQ(rep.tried[2], "rocm-smi: not found on PATH");
}

TEST(DetectFakes, MalformedOutputIsAFailedSourceNotACrash) {
  const auto rep = DetectOn("malformed");
  EXPECT_TRUE(rep.gpus.empty());
  EXPECT_EQ(rep.tried[1].rfind("nvidia-smi: unexpected output line 'WARNING: infoROM", 0), 0u);
}

TEST(DetectFakes, RocmSmiCsvWhenItsJsonQueryIsRejected) {
  const auto rep = DetectOn("rocm");
  EXPECT_EQ(rep.source, "rocm-smi");
  ASSERT_EQ(rep.gpus.size(), 2u);
  EXPECT_EQ(rep.gpus[1].index, 1);
  EXPECT_FALSE(rep.gpus[1].power_limit_w.has_value());  // the CSV query has no power cap
}

TEST(DetectFakes, RocmSmiJsonFirst) {
  const auto rep = DetectOn("rocmjson");
  EXPECT_EQ(rep.source, "rocm-smi");
  EXPECT_EQ(rep.tried[2], "rocm-smi: 4 GPU(s)");
  ASSERT_EQ(rep.gpus.size(), 4u);
  EXPECT_EQ(rep.gpus[3].index, 3);
  EXPECT_EQ(rep.gpus[2].name, "AMD Instinct MI300X");
  EXPECT_EQ(rep.gpus[2].driver, "6.8.5");
  EXPECT_DOUBLE_EQ(*rep.gpus[2].power_limit_w, 750);
  EXPECT_EQ(*rep.gpus[2].memory_free_bytes, 206141652992ull - 107374182400ull);
}

TEST(DetectFakes, RocmSmiJsonReadEvenWhenOneReadingFailed) {
  // Exit 1 and a warning after the JSON: the iGPU's power cap could not be read.
  const auto rep = DetectOn("rocmconsumer");
  ASSERT_EQ(rep.gpus.size(), 3u) << rep.tried[2];
  EXPECT_EQ(rep.gpus[0].name, "Navi 31 [Radeon RX 7900 XT/7900 XTX]");
  EXPECT_DOUBLE_EQ(*rep.gpus[1].power_limit_w, 339);
  EXPECT_EQ(rep.gpus[2].name, "Raphael");
  EXPECT_FALSE(rep.gpus[2].power_limit_w.has_value());
}

TEST(DetectFakes, RocmSmiCsvWhenItsJsonIsCutShort) {
  const auto rep = DetectOn("rocmbadjson");
  ASSERT_EQ(rep.gpus.size(), 2u);
  EXPECT_EQ(rep.gpus[1].name, "AMD Instinct MI210");
  EXPECT_EQ(*rep.gpus[1].memory_total_bytes, 68702699520ull);
}

TEST(DetectFakes, RocmSmiUnreadableEitherWayIsAFailedSourceWithBothReasons) {
  const auto rep = DetectOn("rocmbad");
  EXPECT_TRUE(rep.gpus.empty());
  ASSERT_EQ(rep.tried.size(), 3u);
  EXPECT_EQ(rep.tried[2],
            "rocm-smi: --json: card0 'VRAM Total Memory (B)' is '64 GB'; --csv: no 'Card series' "
            "column in its CSV output");
}

TEST(DetectCli, JsonMatchesCatalogIds) {
  const CliRun r = Cli("multi", "detect --format json");
  ASSERT_EQ(r.rc, 0);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["source"], "nvidia-smi");
  ASSERT_EQ(j["gpus"].size(), 3u);
  EXPECT_EQ(j["gpus"][0]["catalog_id"], "rtx-4090");
  EXPECT_EQ(j["gpus"][2]["catalog_id"], "rtx-3090");
  EXPECT_EQ(j["gpus"][1]["differences"][0], "power limit 300 W below the catalog TDP 450 W");
  EXPECT_EQ(j["gpus"][0]["cuda_version"], "12.4");
}

TEST(DetectCli, AmdGpusMatchCatalogIds) {
  const CliRun mi = Cli("rocmjson", "detect --format json");
  ASSERT_EQ(mi.rc, 0) << mi.err;
  const auto j = nlohmann::json::parse(mi.out);
  EXPECT_EQ(j["source"], "rocm-smi");
  ASSERT_EQ(j["gpus"].size(), 4u);
  EXPECT_EQ(j["gpus"][0]["catalog_id"], "mi300x");
  const CliRun desk = Cli("rocmconsumer", "detect --format json");
  ASSERT_EQ(desk.rc, 0) << desk.err;
  const auto d = nlohmann::json::parse(desk.out);
  EXPECT_EQ(d["gpus"][0]["catalog_id"], "rx-7900xtx");
  EXPECT_EQ(d["gpus"][1]["catalog_id"], "rx-7900xtx");
  EXPECT_EQ(d["gpus"][2]["catalog_id"], nullptr);  // the iGPU is in no catalog
}

TEST(DetectCli, NoGpuIsAMessageAndExitZero) {
  const CliRun r = Cli("nogpu", "detect");
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(r.out.rfind("No GPU detected.\n", 0), 0u);
  EXPECT_NE(r.out.find("NVIDIA-SMI has failed"), std::string::npos);
}

TEST(DetectCli, EveryFormat) {
  const CliRun table = Cli("h100", "detect");
  EXPECT_EQ(table.rc, 0);
  EXPECT_EQ(table.out.rfind("1 GPU(s) found by nvidia-smi\n", 0), 0u);
  EXPECT_NE(table.out.find("h100-sxm"), std::string::npos);
  const CliRun csv = Cli("h100", "detect --format csv");
  EXPECT_EQ(csv.out,
            "index,name,vendor,catalog_id,exact_match,memory_total_bytes,memory_free_bytes,"
            "power_limit_w,pcie_gen,pcie_width,driver,cuda_version,mig_profile,source\n"
            "0,NVIDIA H100 80GB HBM3,nvidia,h100-sxm,true,85520809984,85017493504,700,5,16,"
            "580.159.04,13.0,,nvidia-smi\n");
  const CliRun md = Cli("mig", "detect --format markdown");
  EXPECT_EQ(md.rc, 0);
  EXPECT_NE(md.out.find("| a100-80gb-sxm"), std::string::npos);
  EXPECT_NE(md.out.find("MIG instance 3g.40gb"), std::string::npos);
}

TEST(DetectCli, LocalEstimateUsesDetectedCountAndFreeMemory) {
  const CliRun r = Cli("multi", "estimate --local --model llama-3.2-1b --format json");
  ASSERT_EQ(r.rc, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["gpu"]["id"], "rtx-4090");  // GPU 2 is an RTX 3090: not counted
  EXPECT_EQ(j["gpus"], 2);
  // The least free memory of the two 4090s (23990 MiB) is the capacity.
  EXPECT_EQ(j["memory"]["capacity_bytes"], 23990ull << 20);
}

// A fuzzer finding (cli_fuzzer, `estimate --local` on a machine without a GPU gave exit 1):
// asking for local GPUs where there are none is bad input, exit 2 naming --local.
TEST(DetectCli, LocalWithoutGpuIsBadInputNamingTheFlag) {
  const CliRun r = Cli("nogpu", "estimate --local --model llama-3.2-1b");
  EXPECT_EQ(r.rc, 2);
  EXPECT_EQ(r.err.rfind("error: --local: nothing to use 'no GPU detected (", 0), 0u) << r.err;
}

}  // namespace
}  // namespace gpuadv::detect

namespace gpuadv::detect {
namespace {

const std::string kProbe =
    std::string(GPUADV_SOURCE_DIR) + "/tests/unit/detect/fixtures/probe_h100.json";

TEST(ProbeCli, SavedResultPrintsMeasuredVsCatalogPeak) {
  const CliRun r = Cli("nogpu", "probe --from " + kProbe);
  ASSERT_EQ(r.rc, 0);
  EXPECT_EQ(r.out.rfind("Probe of NVIDIA H100 80GB HBM3 (h100-sxm), driver 580.159.04\n", 0), 0u);
  EXPECT_NE(r.out.find("bf16 GEMM               762.2 TFLOP/s            989.4 TFLOP/s    77%"),
            std::string::npos);
  // Markdown: the table its own block between the paragraphs.
  const CliRun md = Cli("nogpu", "probe --format markdown --from " + kProbe);
  ASSERT_EQ(md.rc, 0);
  EXPECT_NE(md.out.find("driver 580.159.04\n\n| measured "), std::string::npos) << md.out;
  EXPECT_NE(md.out.find("| bf16 GEMM             |  762.2 TFLOP/s |"), std::string::npos);
  EXPECT_NE(md.out.find("|\n\nSM clock fell to 1410 MHz"), std::string::npos) << md.out;
  // JSON: the same figures under their names; CSV one row per measured rate.
  const CliRun js = Cli("nogpu", "probe --format json --from " + kProbe);
  ASSERT_EQ(js.rc, 0);
  const auto j = nlohmann::json::parse(js.out);
  EXPECT_EQ(j["gpu"], "h100-sxm");
  EXPECT_EQ(j["device"], "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(j["driver"], "580.159.04");
  EXPECT_EQ(j["sm_clock_after_mhz"], 1410);
  ASSERT_FALSE(j["measured"].empty());
  EXPECT_EQ(j["measured"][0]["what"], "bf16 GEMM");
  EXPECT_NEAR(j["measured"][0]["measured"].get<double>(), 762.2, 0.05);
  EXPECT_NEAR(j["measured"][0]["catalog_peak"].get<double>(), 989.4, 1e-9);
  const CliRun csv = Cli("nogpu", "probe --format csv --from " + kProbe);
  ASSERT_EQ(csv.rc, 0);
  EXPECT_EQ(csv.out.rfind("device,gpu,what,unit,measured,catalog_peak,ratio,", 0), 0u) << csv.out;
  EXPECT_NE(csv.out.find("\nNVIDIA H100 80GB HBM3,h100-sxm,bf16 GEMM,TFLOP/s,762.2"),
            std::string::npos)
      << csv.out;
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 1 + j["measured"].size());
}

TEST(ProbeCli, CalibrationChangesTheEstimate) {
  const std::string base =
      "estimate --gpu h100-sxm --model llama-3.1-8b --method full "
      "--precision bf16 --optimizer adamw-8bit --format json";
  const CliRun plain = Cli("nogpu", base);
  const CliRun cal = Cli("nogpu", base + " --calibration " + kProbe);
  ASSERT_EQ(plain.rc, 0);
  ASSERT_EQ(cal.rc, 0);
  const double t0 = nlohmann::json::parse(plain.out)["throughput"]["step_time_s"];
  const double t1 = nlohmann::json::parse(cal.out)["throughput"]["step_time_s"];
  EXPECT_GT(t1, t0);  // this H100 reached 77% of peak, below the reference card's 80.3%
}

TEST(ProbeCli, NotJsonCalibrationIsBadInput) {
  const CliRun r = Cli("nogpu", "estimate --calibration " + std::string(GPUADV_SOURCE_DIR) +
                                    "/tests/unit/detect/fakes/README.md");
  EXPECT_EQ(r.rc, 2);
}

}  // namespace
}  // namespace gpuadv::detect
