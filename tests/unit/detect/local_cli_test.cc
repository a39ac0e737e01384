// `recommend --local` and `--calibration` against the fake machines (fakes/<case>/): the
// user's own GPUs beside the picks, and a probe applied only to the GPU it measured.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "fake_machine.h"

namespace gpuadv::detect {
namespace {

const std::string kProbeH100 =
    std::string(GPUADV_SOURCE_DIR) + "/tests/unit/detect/fixtures/probe_h100.json";
const std::string kSmallJob = "--model llama-3.2-1b --method lora --tokens 50000000";

nlohmann::json Json(const CliRun& r) { return nlohmann::json::parse(r.out); }

TEST(RecommendLocal, OwnedGpusArePlacedAmongThePicks) {
  const CliRun r = Cli("multi", "recommend --local " + kSmallJob + " --format json");
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto j = Json(r);
  ASSERT_TRUE(j.contains("local"));
  const auto& l = j["local"];
  EXPECT_EQ(l["gpu"], "rtx-4090");  // GPU 2 is an RTX 3090: not counted
  EXPECT_EQ(l["count"], 2);
  EXPECT_EQ(l["acquire"], "owned");
  EXPECT_EQ(l["detected"], "NVIDIA GeForce RTX 4090 via nvidia-smi");
  EXPECT_EQ(l["message"], nullptr);
  // The least free memory of the two 4090s (23990 MiB) is the capacity.
  EXPECT_EQ(l["estimate"]["memory"]["capacity_bytes"], 23990ull << 20);
  EXPECT_EQ(l["estimate"]["gpus"], 2);
  // Owned: nothing to buy, the job's electricity is the whole cost.
  EXPECT_GT(l["cost"]["electricity_usd"].get<double>(), 0);
  EXPECT_EQ(l["cost"]["total_usd"], l["cost"]["electricity_usd"]);
  EXPECT_TRUE(l["usable"].get<bool>());
  // Placed by the ranking's order: every pick ahead of it is better by the objective (all
  // fit with margin here), every pick after it is not or has a blocker in its system.
  EXPECT_EQ(l["objective"], "value");
  EXPECT_EQ(l["objective_unit"], "usd_per_million_tokens");
  const double mine = l["objective_value"];
  EXPECT_DOUBLE_EQ(mine, l["cost"]["usd_per_million_tokens"].get<double>());
  const int rank = l["would_rank"];
  const auto& picks = j["recommendations"];
  ASSERT_GE(rank, 1);
  ASSERT_LE(rank, static_cast<int>(picks.size()) + 1);
  for (int i = 0; i < static_cast<int>(picks.size()); ++i) {
    bool blocked = false;
    for (const auto& issue : picks[i]["compatibility"].value("issues", nlohmann::json::array()))
      blocked = blocked || issue["severity"] == "blocker";
    if (blocked) continue;
    const double theirs = picks[i]["objective_value"];
    if (i < rank - 1) {
      EXPECT_LE(theirs, mine) << i;
    } else {
      EXPECT_GE(theirs, mine) << i;
    }
  }
}

TEST(RecommendLocal, OwnedCostsOnlyElectricitySoItLeadsByCost) {
  const CliRun r =
      Cli("multi", "recommend --local " + kSmallJob + " --objective cost --format json");
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto j = Json(r);
  EXPECT_EQ(j["local"]["would_rank"], 1);
  EXPECT_LT(j["local"]["objective_value"].get<double>(),
            j["recommendations"][0]["objective_value"].get<double>());
}

TEST(RecommendLocal, TheRankingKeepsTheCatalogEntries) {
  // The local free memory is the owned GPUs' capacity only: a bought 4090 has its 24 GB.
  const CliRun r = Cli("multi", "recommend --local " + kSmallJob +
                                    " --top 100 --acquire buy --budget 100000 --format json");
  ASSERT_EQ(r.rc, 0) << r.err;
  bool seen = false;
  const nlohmann::json picks = Json(r)["recommendations"];
  for (const auto& p : picks) {
    if (p["gpu"] != "rtx-4090") continue;
    seen = true;
    EXPECT_EQ(p["estimate"]["gpu"]["name"], "GeForce RTX 4090");
    EXPECT_GT(p["estimate"]["memory"]["capacity_bytes"].get<double>(), 24.0 * (1 << 30) - 1);
  }
  EXPECT_TRUE(seen);
}

TEST(RecommendLocal, TableShowsTheOwnedGpusFirst) {
  const CliRun r = Cli("multi", "recommend --local " + kSmallJob);
  ASSERT_EQ(r.rc, 0) << r.err;
  ASSERT_EQ(r.out.rfind("Your GPUs (--local): 2x rtx-4090 (NVIDIA GeForce RTX 4090 via "
                        "nvidia-smi), owned\n  - owned: no purchase, electricity only ($",
                        0),
            0u)
      << r.out;
  EXPECT_NE(r.out.find("\n  - fits: needs "), std::string::npos);
  // The owned GPUs run the planner's layout for two GPUs (issue 12), and say which (the
  // layout `plan` ranks first for this job: data parallel, or since 2026-12-06 Megatron's
  // interleaved pipeline, whose transfers it overlaps); the time follows the model (36-37 min;
  // 50 min at the scenario's mb1 with full checkpointing before the planner chose the layout).
  const auto layout = r.out.find("\n  - 2 GPUs: tp1 pp");
  ASSERT_NE(layout, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(the planner's best layout)", layout), std::string::npos) << r.out;
  const auto takes = r.out.find("\n  - takes ");
  ASSERT_NE(takes, std::string::npos) << r.out;
  const int minutes = std::atoi(r.out.c_str() + takes + std::strlen("\n  - takes "));
  EXPECT_GE(minutes, 30);
  EXPECT_LE(minutes, 45);
  EXPECT_EQ(r.out.compare(r.out.find(' ', takes + std::strlen("\n  - takes ")),
                          std::strlen(" min for 50M tokens\n"), " min for 50M tokens\n"),
            0)
      << r.out;
  EXPECT_NE(r.out.find("\n  - by value, would rank #1 of the "), std::string::npos);
  EXPECT_NE(r.err.find("local: 2 x rtx-4090 (NVIDIA GeForce RTX 4090), capacity 23.4 GiB per GPU"),
            std::string::npos);
  const CliRun md = Cli("multi", "recommend --local " + kSmallJob + " --format markdown");
  EXPECT_EQ(md.out.rfind("### Your GPUs (--local)\n\n2x rtx-4090 (", 0), 0u) << md.out;
  EXPECT_NE(md.out.find("\n- by value, would rank #1 of the "), std::string::npos);
}

TEST(RecommendLocal, JobTooBigForTheOwnedGpusIsNotRanked) {
  const CliRun r = Cli("multi",
                       "recommend --local --model llama-3.1-70b --method full "
                       "--set system.host_ram_gb=64 --format json");
  ASSERT_EQ(r.rc, 0) << r.err;
  const nlohmann::json l = Json(r)["local"];
  EXPECT_FALSE(l["usable"].get<bool>());
  EXPECT_EQ(l["would_rank"], nullptr);
  EXPECT_EQ(l["estimate"]["memory"]["fits"], false);
  EXPECT_EQ(l["why"][1].get<std::string>().rfind("does not fit: needs ", 0), 0u) << l["why"];
  for (const auto& why : l["why"])  // no training time for a job that cannot run
    EXPECT_EQ(why.get<std::string>().rfind("takes ", 0), std::string::npos) << why;
}

TEST(RecommendLocal, NoGpuIsAMessageAndTheCatalogRankingStill) {
  const CliRun r = Cli("nogpu", "recommend --local " + kSmallJob + " --format json");
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto j = Json(r);
  EXPECT_FALSE(j["recommendations"].empty());
  EXPECT_EQ(j["local"]["gpu"], nullptr);
  EXPECT_EQ(j["local"]["count"], 0);
  EXPECT_EQ(j["local"]["message"].get<std::string>().rfind("no GPU detected (nvml: ", 0), 0u);
  EXPECT_NE(r.err.find("; the ranking covers the catalog only\n"), std::string::npos);
  const CliRun table = Cli("nogpu", "recommend --local " + kSmallJob);
  ASSERT_EQ(table.rc, 0);
  EXPECT_EQ(table.out.rfind("Your GPUs (--local): no GPU detected (nvml: ", 0), 0u);
  EXPECT_NE(table.out.find("; the ranking below covers the catalog only.\n\n"), std::string::npos);
}

TEST(RecommendLocal, AmdDesktopCountsItsTwoRadeonsNotItsIgpu) {
  const CliRun r = Cli("rocmconsumer", "recommend --local " + kSmallJob + " --format json");
  ASSERT_EQ(r.rc, 0) << r.err;
  const nlohmann::json l = Json(r)["local"];
  EXPECT_EQ(l["gpu"], "rx-7900xtx");
  EXPECT_EQ(l["count"], 2);
  EXPECT_EQ(l["detected"], "Navi 31 [Radeon RX 7900 XT/7900 XTX] via rocm-smi");
}

TEST(RecommendLocal, GpuTheCatalogDoesNotKnowIsAMessage) {
  const CliRun r = Cli("unknown", "recommend --local " + kSmallJob + " --format json");
  ASSERT_EQ(r.rc, 0) << r.err;
  const nlohmann::json l = Json(r)["local"];
  EXPECT_EQ(l["gpu"], nullptr);
  EXPECT_EQ(l["message"], "no catalog entry for the detected 'NVIDIA GeForce GT 710'");
  // estimate --local has nothing to estimate on: bad input naming the GPU.
  const CliRun e = Cli("unknown", "estimate --local " + kSmallJob);
  EXPECT_EQ(e.rc, 2);
  EXPECT_NE(e.err.find("error: --local: no catalog entry for 'NVIDIA GeForce GT 710'"),
            std::string::npos)
      << e.err;
}

TEST(EstimateLocal, TheScenariosClusterBecomesTheLocalMachine) {
  const std::string file = testing::TempDir() + "gpuadv_local_cluster.yaml";
  std::ofstream(file) << "model: llama-3.2-1b\n"
                         "hardware: {gpu: h100-sxm, count: 8, nodes: 4}\n";
  const CliRun r = Cli("multi", "estimate --local " + file + " --format json");
  std::remove(file.c_str());
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(Json(r)["gpu"]["id"], "rtx-4090");
  EXPECT_EQ(Json(r)["gpus"], 2);  // one node of the two detected 4090s
}

// The lower power limit of the two 4090s (one capped at 300 W of its 450 W TDP) is the
// board power of the estimate: it sets the energy (and caps the tensor rate where the
// architecture's energy per FLOP asks); the catalog entry keeps its TDP.
TEST(EstimateLocal, ThePowerLimitIsTheBoardPower) {
  const CliRun local = Cli("multi", "estimate --local " + kSmallJob + " --format json");
  ASSERT_EQ(local.rc, 0) << local.err;
  EXPECT_NE(local.err.find("local: power limit 300 W (catalog TDP 450 W) as board power"),
            std::string::npos)
      << local.err;
  EXPECT_NE(Json(local)["gpu"]["name"].get<std::string>().find("(local: 300 W limit)"),
            std::string::npos);
  const CliRun catalog =
      Cli("multi", "estimate --gpu rtx-4090 --count 2 " + kSmallJob + " --format json");
  ASSERT_EQ(catalog.rc, 0) << catalog.err;
  const double kwh_local = Json(local)["training"]["energy_kwh"];
  const double kwh_catalog = Json(catalog)["training"]["energy_kwh"];
  EXPECT_LT(kwh_local, kwh_catalog * 0.8);
}

TEST(RecommendLocal, WithoutLocalThereIsNoLocalMember) {
  const CliRun r = Cli("multi", "recommend " + kSmallJob + " --format json");
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_FALSE(Json(r).contains("local"));
}

TEST(RecommendLocal, HelpNamesTheOptions) {
  const CliRun r = Cli("nogpu", "recommend --help");
  EXPECT_EQ(r.rc, 0);
  EXPECT_NE(r.out.find("--local"), std::string::npos);
  EXPECT_NE(r.out.find("as owned hardware"), std::string::npos);
  EXPECT_NE(r.out.find("--calibration"), std::string::npos);
  EXPECT_NE(r.out.find("--force-calibration"), std::string::npos);
}

// --calibration: a probe is applied to the GPU model it measured, not silently to another.

const std::string kFullH100Job =
    "--model llama-3.1-8b --method full --precision bf16 --optimizer adamw-8bit --format json";

double StepTime(const CliRun& r) { return Json(r)["throughput"]["step_time_s"]; }

// `estimate JOB --gpu GPU` without, then with the H100 probe (and `extra` flags).
std::pair<CliRun, CliRun> WithoutAndWithProbe(const std::string& gpu, const std::string& job,
                                              const std::string& extra = "") {
  const std::string base = "estimate --gpu " + gpu + " " + job;
  return {Cli("nogpu", base), Cli("nogpu", base + " --calibration " + kProbeH100 + extra)};
}

TEST(Calibration, SameGpuIsAppliedWithoutWarning) {
  const auto [plain, cal] = WithoutAndWithProbe("h100-sxm", kFullH100Job);
  ASSERT_EQ(cal.rc, 0) << cal.err;
  EXPECT_NE(StepTime(cal), StepTime(plain));
  EXPECT_EQ(cal.err.find("warning:"), std::string::npos) << cal.err;
  const nlohmann::json warnings = Json(cal)["warnings"];
  for (const auto& w : warnings)
    EXPECT_EQ(w.get<std::string>().find("--calibration"), std::string::npos) << w;
}

TEST(Calibration, AnotherGpuIsNotAppliedAndSaysSo) {
  // h100-pcie is a Hopper too: same efficiency entry, but not the card that was measured.
  const auto [plain, cal] = WithoutAndWithProbe("h100-pcie", kFullH100Job);
  ASSERT_EQ(cal.rc, 0) << cal.err;
  EXPECT_DOUBLE_EQ(StepTime(cal), StepTime(plain));
  const std::string warning =
      "--calibration " + kProbeH100 +
      " was measured on NVIDIA H100 80GB HBM3 (h100-sxm), not on the scenario's GPU h100-pcie: "
      "not applied (--force-calibration applies it anyway)";
  EXPECT_NE(cal.err.find("warning: " + warning + "\n"), std::string::npos) << cal.err;
  const nlohmann::json warnings = Json(cal)["warnings"];
  EXPECT_NE(std::find(warnings.begin(), warnings.end(), warning), warnings.end()) << warnings;
}

TEST(Calibration, ForcedOntoAnotherGpuIsAppliedWithAWarning) {
  // h200-sxm: a Hopper whose 700 W do not limit its tensor rate, so the probe's GEMM rate
  // only rescales the ceiling (on a power-limited board it would also lift the limit).
  const auto [plain, cal] = WithoutAndWithProbe("h200-sxm", kFullH100Job, " --force-calibration");
  ASSERT_EQ(cal.rc, 0) << cal.err;
  EXPECT_GT(StepTime(cal), StepTime(plain));  // this H100 reached 77% of peak, below 80.3%
  EXPECT_NE(cal.err.find("(h100-sxm), not on the scenario's GPU h200-sxm: applied anyway "
                         "(--force-calibration)"),
            std::string::npos)
      << cal.err;
}

TEST(Calibration, AnotherArchitectureIsNotApplied) {
  const auto [plain, cal] = WithoutAndWithProbe("rtx-4090", kSmallJob + " --format json");
  ASSERT_EQ(cal.rc, 0) << cal.err;
  EXPECT_DOUBLE_EQ(StepTime(cal), StepTime(plain));
  EXPECT_NE(cal.err.find("not on the scenario's GPU rtx-4090: not applied"), std::string::npos);
}

TEST(Calibration, WithLocalTheDetectedGpuIsTheScenarios) {
  const CliRun on_h100 =
      Cli("h100", "estimate --local " + kFullH100Job + " --calibration " + kProbeH100);
  ASSERT_EQ(on_h100.rc, 0) << on_h100.err;
  EXPECT_EQ(on_h100.err.find("warning:"), std::string::npos) << on_h100.err;
  const CliRun on_4090 =
      Cli("multi", "recommend --local " + kSmallJob + " --format json --calibration " + kProbeH100);
  ASSERT_EQ(on_4090.rc, 0) << on_4090.err;
  const nlohmann::json w = Json(on_4090)["local"]["warnings"];
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].get<std::string>().find("not on the scenario's GPU rtx-4090: not applied"),
            std::string::npos);
}

}  // namespace
}  // namespace gpuadv::detect
