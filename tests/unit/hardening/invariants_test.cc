// estimate::CheckInvariants (issue 6): it names each broken invariant, and every estimate
// the project ships a scenario for (the validation cases, the default scenario, each
// catalog GPU and model) keeps all of them.
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/unit/hardening/hardening_util.h"

namespace gpuadv::hardening {
namespace {

using estimate::CheckInvariants;
using estimate::EstimateResult;

// A consistent result: 10 GB allocated, 11 GB reserved, 12 GB per GPU.
EstimateResult Consistent() {
  EstimateResult r;
  r.gpus = 8;
  r.gpu_memory_bytes = 80e9;
  auto& m = r.memory;
  m.breakdown = {4e9, 2e9, 3e9, 0.8e9, 0.2e9, 1e9, 1e9};
  m.peak_allocated_bytes = 10e9;
  m.peak_reserved_bytes = 11e9;
  m.per_gpu_bytes = 12e9;
  m.low_bytes = 9.6e9;
  m.high_bytes = 14.4e9;
  m.capacity_bytes = 80e9;
  m.total_params = 7e9;
  m.trainable_params = 7e9;
  auto& t = r.throughput;
  t.breakdown_s = {1.0, 0.2, 0.1, 0.0, 0.0};
  t.step_time_s = 1.3;
  t.tokens_per_s = 8000;
  t.tokens_per_s_per_gpu = 1000;
  t.low_tokens_per_s_per_gpu = 750;
  t.high_tokens_per_s_per_gpu = 1250;
  t.mfu = 0.4;
  r.training.tokens = 8e6;
  r.training.time_s = 1000;
  r.training.gpu_hours = 1000.0 * 8 / 3600;
  return r;
}

bool Mentions(const std::vector<std::string>& broken, const std::string& what) {
  for (const auto& b : broken)
    if (b.find(what) != std::string::npos) return true;
  return false;
}

TEST(CheckInvariants, ConsistentResultPasses) {
  EXPECT_TRUE(CheckInvariants(Consistent()).empty()) << Join(CheckInvariants(Consistent()));
}

TEST(CheckInvariants, NamesEachBrokenInvariant) {
  auto r = Consistent();
  r.memory.breakdown.activations += 1e6;  // no longer sums to per_gpu / allocated
  auto broken = CheckInvariants(r);
  EXPECT_TRUE(Mentions(broken, "memory.breakdown (all seven kinds) sum to")) << Join(broken);

  r = Consistent();
  r.memory.per_gpu_bytes = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(Mentions(CheckInvariants(r), "memory.per_gpu_bytes is not finite"));

  r = Consistent();
  r.memory.breakdown.logits = -1;
  r.memory.breakdown.weights += 1;
  EXPECT_TRUE(Mentions(CheckInvariants(r), "memory.breakdown.logits is negative"));

  r = Consistent();
  r.throughput.mfu = 1.5;
  EXPECT_TRUE(Mentions(CheckInvariants(r), "throughput.mfu (1.5) exceeds 1"));

  r = Consistent();
  r.memory.low_bytes = 13e9;
  EXPECT_TRUE(Mentions(CheckInvariants(r), "memory.low_bytes (13000000000) exceeds"));

  r = Consistent();
  r.throughput.high_tokens_per_s_per_gpu = 900;
  EXPECT_TRUE(Mentions(CheckInvariants(r), "exceeds throughput.high_tokens_per_s_per_gpu"));

  r = Consistent();
  r.training.time_s = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(Mentions(CheckInvariants(r), "training.time_s is not finite"));
}

TEST(CheckInvariants, WithinOnePartPerMillionIsASum) {
  auto r = Consistent();
  r.memory.breakdown.runtime += 12e9 * 0.5e-6;
  r.memory.per_gpu_bytes += 12e9 * 0.5e-6;
  r.memory.breakdown.runtime += 12e9 * 0.4e-6;  // off by 0.4 ppm: still a sum
  EXPECT_TRUE(CheckInvariants(r).empty()) << Join(CheckInvariants(r));
}

TEST(CheckInvariants, ThroughputNotEstimatedIsAllZeros) {
  auto r = Consistent();
  r.throughput = {};
  r.training.time_s = r.training.gpu_hours = 0;
  EXPECT_TRUE(CheckInvariants(r).empty()) << Join(CheckInvariants(r));
}

TEST(CheckInvariants, HoldForEveryValidationCase) {
  std::ifstream in(std::string(GPUADV_SOURCE_DIR) + "/data/validation/cases.jsonl");
  ASSERT_TRUE(in);
  std::string line;
  int estimated = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto c = nlohmann::json::parse(line);
    const auto o = RunScenario(c["scenario"].dump());
    if (!o.computed) continue;  // cases the scenario format rejects are not estimates
    ++estimated;
    EXPECT_TRUE(o.broken.empty()) << c["id"].get<std::string>() << Join(o.broken);
  }
  EXPECT_GT(estimated, 300);
}

TEST(CheckInvariants, HoldForTheDefaultScenarioOnEveryCatalogGpu) {
  const auto& cat = io::BuiltinCatalog();
  for (const auto& gpu : cat.Gpus()) {
    io::Doc doc = io::DefaultScenarioDocument();
    io::ApplyOverride(doc, "hardware.gpu", gpu.id);
    const auto s = io::ParseScenario(doc, cat, "default");
    const auto r = estimate::Estimate(s, {&io::BuiltinEfficiency(), &cat});
    EXPECT_TRUE(CheckInvariants(r).empty()) << gpu.id << Join(CheckInvariants(r));
  }
}

TEST(CheckInvariants, HoldForEveryCatalogModelOnEightH100s) {
  const auto& cat = io::BuiltinCatalog();
  for (const auto& model : cat.Models()) {
    const auto o = RunScenario(
        "training: {method: full, seq_len: 1024}\nhardware: {gpu: h100-sxm, count: 8}\n"
        "parallelism: {zero: 3}\n",
        {{"model", model.id}});
    if (!o.computed) continue;
    EXPECT_TRUE(o.broken.empty()) << model.id << Join(o.broken);
  }
}

}  // namespace
}  // namespace gpuadv::hardening
