#include "gpuadv/detect/smi_parse.h"

#include <gtest/gtest.h>

namespace gpuadv::detect {
namespace {

TEST(NvidiaSmiCsv, ReadsMibAndWattsIntoBytes) {
  const auto r = ParseNvidiaSmiCsv(
      "0, NVIDIA H100 80GB HBM3, 81559, 81079, 700.00, 5, 16, 580.159.04, Disabled\n");
  ASSERT_EQ(r.status, QueryResult::Status::kOk);
  ASSERT_EQ(r.gpus.size(), 1u);
  const auto& g = r.gpus[0];
  EXPECT_EQ(g.name, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(*g.memory_total_bytes, 81559ull * 1024 * 1024);
  EXPECT_EQ(*g.memory_free_bytes, 81079ull * 1024 * 1024);
  EXPECT_DOUBLE_EQ(*g.power_limit_w, 700);
  EXPECT_EQ(*g.pcie_gen, 5);
  EXPECT_EQ(*g.pcie_width, 16);
  EXPECT_EQ(g.driver, "580.159.04");
  EXPECT_FALSE(g.mig_enabled);
}

TEST(NvidiaSmiCsv, NotAvailableIsUnknownNotAnError) {
  const auto r = ParseNvidiaSmiCsv(
      "0, NVIDIA GeForce RTX 4090, 24564, 24082, [N/A], [N/A], 16, "
      "550.54.14, [N/A]\n");
  ASSERT_EQ(r.status, QueryResult::Status::kOk);
  EXPECT_FALSE(r.gpus[0].power_limit_w.has_value());
  EXPECT_FALSE(r.gpus[0].pcie_gen.has_value());
}

TEST(NvidiaSmiCsv, MalformedLineFailsNamingIt) {
  const auto r = ParseNvidiaSmiCsv("WARNING: infoROM is corrupted at gpu 0000:65:00.0\n");
  EXPECT_EQ(r.status, QueryResult::Status::kFailed);
  EXPECT_EQ(r.message,
            "nvidia-smi: unexpected output line 'WARNING: infoROM is corrupted at gpu "
            "0000:65:00.0'");
  EXPECT_TRUE(r.gpus.empty());
}

TEST(NvidiaSmiCsv, EmptyAnswerIsNoGpu) {
  const auto r = ParseNvidiaSmiCsv("\n");
  EXPECT_EQ(r.status, QueryResult::Status::kOk);
  EXPECT_TRUE(r.gpus.empty());
}

TEST(NvidiaSmiBanner, CudaVersion) {
  EXPECT_EQ(ParseCudaVersion("| NVIDIA-SMI 580.159.04   Driver Version: 580.159.04     CUDA "
                             "Version: 13.0     |"),
            "13.0");
  EXPECT_EQ(ParseCudaVersion("no banner"), "");
}

TEST(NvidiaSmiList, MigInstancesReplaceTheirParent) {
  auto parents = ParseNvidiaSmiCsv(
                     "0, NVIDIA A100-SXM4-80GB, 81920, 81251, 400.00, 4, 16, 535.104.05, Enabled\n")
                     .gpus;
  ASSERT_TRUE(parents[0].mig_enabled);
  const auto migs = ParseNvidiaSmiList(
      "GPU 0: NVIDIA A100-SXM4-80GB (UUID: GPU-5f)\n"
      "  MIG 3g.40gb     Device  0: (UUID: MIG-8a)\n"
      "  MIG 1g.10gb     Device  1: (UUID: MIG-1c)\n",
      parents);
  ASSERT_EQ(migs.size(), 2u);
  EXPECT_EQ(migs[0].mig_profile, "3g.40gb");
  EXPECT_EQ(migs[0].name, "NVIDIA A100-SXM4-80GB MIG 3g.40gb");
  EXPECT_EQ(*migs[1].memory_total_bytes, 10ull << 30);
  EXPECT_FALSE(migs[1].memory_free_bytes.has_value());
}

TEST(NvidiaSmiFailure, DriverlessMessageIsRecognised) {
  EXPECT_TRUE(IsNvidiaSmiDriverFailure(
      "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."));
  EXPECT_FALSE(IsNvidiaSmiDriverFailure("0, NVIDIA H100 80GB HBM3, ..."));
}

TEST(RocmSmiCsv, ColumnsFoundByHeader) {
  const auto r = ParseRocmSmiCsv(
      "device,Card Series,Card Model,VRAM Total Memory (B),VRAM Total Used Memory (B)\n"
      "card0,AMD Instinct MI300X,0x74a1,206141652992,290553856\n"
      "card3,AMD Instinct MI300X,0x74a1,206141652992,10737418240\n");
  ASSERT_EQ(r.status, QueryResult::Status::kOk);
  ASSERT_EQ(r.gpus.size(), 2u);
  EXPECT_EQ(r.gpus[1].index, 3);
  EXPECT_EQ(r.gpus[0].vendor, "amd");
  EXPECT_EQ(*r.gpus[0].memory_free_bytes, 206141652992ull - 290553856ull);
}

TEST(RocmSmiCsv, WithoutCardSeriesFails) {
  const auto r = ParseRocmSmiCsv("ERROR: GPU[0] : Unable to get product name\n");
  EXPECT_EQ(r.status, QueryResult::Status::kFailed);
  EXPECT_EQ(r.message, "rocm-smi: no 'Card series' column in its CSV output");
}

}  // namespace
}  // namespace gpuadv::detect
