#include "gpuadv/advise/compatibility.h"

#include <gtest/gtest.h>

#include "gpuadv/core/units.h"

namespace gpuadv::advise {
namespace {

// An RTX 4090-like card (catalog-independent): Ada, 450 W, one 16-pin connector, 3 slots.
workload::Scenario Build(double psu_w, int count = 1) {
  workload::Scenario s;
  auto& g = s.hardware.gpu;
  g.id = "ada-450";
  g.vendor = "nvidia";
  g.segment = "consumer";
  g.architecture = "Ada Lovelace";
  g.memory_gb = 24;
  g.tdp_w = 450;
  g.power_connectors = "1x 16-pin 12VHPWR";
  g.pcie_gen = 4;
  g.pcie_lanes = 16;
  g.form_factor = "PCIe triple-slot (FE)";
  g.slot_width = 3;
  g.gpu_interconnect = "none";
  s.hardware.count = count;
  s.system.psu_watts = psu_w;
  s.system.cpu_watts = 150;
  s.system.gpu_slots = 1;
  s.system.host_ram_gb = 64;
  return s;
}

estimate::EstimateResult Est(double params = 8e9) {
  estimate::EstimateResult e;
  e.memory.total_params = params;
  return e;
}

const CompatIssue* Find(const Compatibility& c, const std::string& kind) {
  for (const auto& i : c.issues)
    if (i.kind == kind) return &i;
  return nullptr;
}

TEST(Compatibility, Psu550WithA450WAdaCardNeeds850) {
  const auto c = CheckCompatibility(Build(550), Est());
  EXPECT_DOUBLE_EQ(c.sustained_w, 450 + 150 + 75);
  EXPECT_DOUBLE_EQ(c.recommended_psu_w, 850);
  const auto* psu = Find(c, "psu");
  ASSERT_NE(psu, nullptr);
  EXPECT_EQ(psu->severity, Severity::kBlocker);  // 675 W sustained on a 550 W unit
  EXPECT_NE(psu->message.find("needs 850 W"), std::string::npos) << psu->message;
  EXPECT_NE(psu->fix.find("1x 12V-2x6 (16-pin)"), std::string::npos) << psu->fix;
  EXPECT_NE(psu->fix.find("power-limit"), std::string::npos) << psu->fix;
  EXPECT_FALSE(c.ok);
}

TEST(Compatibility, PsuAboveSustainedButWithoutHeadroomWarns) {
  const auto c = CheckCompatibility(Build(750), Est());  // 675 W sustained: 90% load
  ASSERT_NE(Find(c, "psu"), nullptr);
  EXPECT_EQ(Find(c, "psu")->severity, Severity::kWarning);
  EXPECT_NE(Find(c, "psu")->message.find("PSU 750 W too small: needs 850 W"), std::string::npos);
}

TEST(Compatibility, NewServerHostOnlyNeedsRackPower) {
  auto s = Build(550, 8);
  s.hardware.gpu.form_factor = "SXM5 module";
  HostPlatform h{"hgx", "HGX server", "hgx", 8, 60000, 2500, "2026-06", {}, ""};
  const auto c = CheckCompatibility(s, Est(), nullptr, &h);
  EXPECT_TRUE(c.ok);
  EXPECT_TRUE(c.issues.empty());
  EXPECT_EQ(c.cooling_needed, "server");
  EXPECT_DOUBLE_EQ(c.sustained_w, 8 * 450 + 2500);
}

TEST(Compatibility, AmpleSupplyPasses) {
  const auto c = CheckCompatibility(Build(1000), Est());
  EXPECT_EQ(Find(c, "psu"), nullptr);
  EXPECT_TRUE(c.ok);
}

TEST(Compatibility, TransientFactorsAreNamedAndSourced) {
  catalog::GpuSpec g;
  g.vendor = "nvidia";
  g.segment = "consumer";
  g.architecture = "Ampere";
  EXPECT_DOUBLE_EQ(TransientFor(g).factor, 1.6);
  g.architecture = "Blackwell";
  EXPECT_DOUBLE_EQ(TransientFor(g).factor, 1.43);
  EXPECT_NE(TransientFor(g).source.find("Igor's Lab"), std::string::npos);
  g.segment = "datacenter";
  EXPECT_DOUBLE_EQ(TransientFor(g).factor, 1.2);
}

TEST(Compatibility, FourCardsOverflowCircuitSlotsAndCooling) {
  auto s = Build(1600, 4);
  const auto c = CheckCompatibility(s, Est());
  ASSERT_NE(Find(c, "circuit"), nullptr);
  EXPECT_NE(Find(c, "circuit")->message.find("1440 W"), std::string::npos);
  ASSERT_NE(Find(c, "slots"), nullptr);
  EXPECT_EQ(Find(c, "slots")->severity, Severity::kBlocker);  // 4 cards, 1 slot
  ASSERT_NE(Find(c, "cooling"), nullptr);
  EXPECT_EQ(c.cooling_needed, "liquid");  // 1800 W of GPU heat
  EXPECT_EQ(c.connectors_16pin, 4);
}

TEST(Compatibility, ServerModulesDoNotGoInAPc) {
  auto s = Build(1000);
  s.hardware.gpu.form_factor = "SXM5 module";
  const auto c = CheckCompatibility(s, Est());
  ASSERT_NE(Find(c, "form_factor"), nullptr);
  EXPECT_EQ(Find(c, "form_factor")->severity, Severity::kBlocker);
}

TEST(Compatibility, OlderPcieSlotSlowsOffloadByItsShare) {
  auto s = Build(1000);
  s.system.pcie_gen = 3;
  s.parallelism.offload = workload::Offload::kOptimizer;
  auto e = Est();
  e.throughput.step_time_s = 10;
  e.throughput.breakdown_s.offload = 2;  // 2 s of exposed offload traffic at gen 4
  const auto c = CheckCompatibility(s, e);
  EXPECT_NEAR(c.pcie_slowdown, 0.2, 1e-9);  // gen 3 doubles it: +2 s of 10
  ASSERT_NE(Find(c, "pcie"), nullptr);
  EXPECT_NE(Find(c, "pcie")->message.find("about 20% slower"), std::string::npos);
}

TEST(Compatibility, TooLittleHostRamForOffloadIsABlocker) {
  auto s = Build(1000);
  s.system.host_ram_gb = 32;
  s.parallelism.offload = workload::Offload::kOptimizer;
  auto e = Est();
  e.memory.host_ram_bytes = 100 * kGiB;
  const auto c = CheckCompatibility(s, e);
  ASSERT_NE(Find(c, "host_ram"), nullptr);
  EXPECT_EQ(Find(c, "host_ram")->severity, Severity::kBlocker);
  EXPECT_NE(Find(c, "host_ram")->fix.find("128 GiB"), std::string::npos);
}

TEST(Compatibility, StandardPsuSizes) {
  EXPECT_EQ(StandardPsuSize(844), 850);
  EXPECT_EQ(StandardPsuSize(850), 850);
  EXPECT_EQ(StandardPsuSize(1001), 1200);
}

}  // namespace
}  // namespace gpuadv::advise
