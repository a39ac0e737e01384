#include "gpuadv/detect/match.h"

#include <gtest/gtest.h>

#include "gpuadv/io/catalog_loader.h"

namespace gpuadv::detect {
namespace {

const catalog::Catalog& Cat() { return io::BuiltinCatalog(); }

DetectedGpu Gpu(const std::string& name, double gib = 0, std::string vendor = "nvidia") {
  DetectedGpu g;
  g.name = name;
  g.vendor = std::move(vendor);
  if (gib > 0) g.memory_total_bytes = static_cast<std::uint64_t>(gib * (1ull << 30));
  return g;
}

TEST(MatchGpu, DriverNamesMapToCatalogIds) {
  EXPECT_EQ(MatchGpu(Gpu("NVIDIA H100 80GB HBM3"), Cat()).id, "h100-sxm");
  EXPECT_EQ(MatchGpu(Gpu("NVIDIA A100-SXM4-80GB"), Cat()).id, "a100-80gb-sxm");
  EXPECT_EQ(MatchGpu(Gpu("Tesla T4"), Cat()).id, "t4");
  EXPECT_EQ(MatchGpu(Gpu("AMD Instinct MI300X", 0, "amd"), Cat()).id, "mi300x");
}

TEST(MatchGpu, NormalisedCatalogNamesMatch) {
  const auto m = MatchGpu(Gpu("NVIDIA GeForce RTX 4090", 23.99), Cat());
  EXPECT_EQ(m.id, "rtx-4090");
  EXPECT_TRUE(m.exact);
  EXPECT_TRUE(m.differences.empty());
  EXPECT_EQ(MatchGpu(Gpu("NVIDIA RTX A6000"), Cat()).id, "rtx-a6000");
  EXPECT_EQ(MatchGpu(Gpu("NVIDIA L40S"), Cat()).id, "l40s");
}

TEST(MatchGpu, MigInstanceMatchesItsParentAndSaysSo) {
  auto g = Gpu("NVIDIA A100-SXM4-80GB MIG 3g.40gb", 40);
  g.mig_profile = "3g.40gb";
  const auto m = MatchGpu(g, Cat());
  EXPECT_EQ(m.id, "a100-80gb-sxm");
  ASSERT_EQ(m.differences.size(), 1u);
  EXPECT_NE(m.differences[0].find("MIG instance 3g.40gb"), std::string::npos);
}

TEST(MatchGpu, UnknownSkuSaysNearestAndWhatDiffers) {
  const auto m = MatchGpu(Gpu("NVIDIA H100 96GB HBM3", 94.5), Cat());
  EXPECT_FALSE(m.exact);
  EXPECT_EQ(m.id, "h100-nvl");  // the H100 with the closest memory
  ASSERT_FALSE(m.differences.empty());
  EXPECT_EQ(m.differences[0],
            "'NVIDIA H100 96GB HBM3' is not in the catalog; nearest entry h100-nvl");
}

TEST(MatchGpu, NothingNearIsSaid) {
  const auto m = MatchGpu(Gpu("Matrox G200eW"), Cat());
  EXPECT_EQ(m.id, "");
  EXPECT_EQ(m.differences[0], "no catalog entry resembles 'Matrox G200eW'");
}

TEST(MatchGpu, PowerCapAndNarrowLinkAreDifferences) {
  auto g = Gpu("NVIDIA GeForce RTX 3090", 24);
  g.power_limit_w = 250;
  g.pcie_width = 4;
  const auto m = MatchGpu(g, Cat());
  EXPECT_EQ(m.id, "rtx-3090");
  ASSERT_EQ(m.differences.size(), 2u);
  EXPECT_EQ(m.differences[0], "power limit 250 W below the catalog TDP 350 W");
  EXPECT_EQ(m.differences[1], "PCIe link x4 (card has x16)");
}

TEST(NormaliseGpuName, DropsVendorWords) {
  EXPECT_EQ(NormaliseGpuName("NVIDIA GeForce RTX 4090"), "rtx4090");
  EXPECT_EQ(NormaliseGpuName("GeForce RTX 4090"), "rtx4090");
}

}  // namespace
}  // namespace gpuadv::detect
