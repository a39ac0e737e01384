// The GPU documents show every field with its unit and say "unknown" (or null) for
// what the catalog does not know.
#include "gpuadv/report/gpu_report.h"

#include <gtest/gtest.h>

#include <sstream>

#include "gpuadv/catalog/gpu_checks.h"
#include "gpuadv/estimate/estimate.h"
#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/report/format.h"

namespace gpuadv::report {
namespace {

const catalog::Catalog& Cat() { return io::BuiltinCatalog(); }

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

size_t Lines(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

TEST(GpuJson, HoldsEveryFieldWithNullForUnknown) {
  const auto j = GpuJson(Cat().Gpu("h100-sxm"));
  EXPECT_EQ(j.size(), 50u);
  EXPECT_EQ(j["id"], "h100-sxm");
  EXPECT_DOUBLE_EQ(j["bf16_tensor_dense_tflops"].get<double>(), 989.4);
  EXPECT_EQ(j["memory_gb"], 80);
  EXPECT_TRUE(j["launch_msrp_usd"].is_null());
  EXPECT_TRUE(j["slot_width"].is_null());
  EXPECT_TRUE(j["fp4_tensor_dense_tflops"].is_null());
  EXPECT_EQ(j["peer_to_peer"], true);
  EXPECT_EQ(j["frameworks"].size(), 4u);
  EXPECT_FALSE(j["sources"].empty());
  EXPECT_EQ(j["street_price_date"], "2025");
}

TEST(GpuJson, ListCarriesTheSchemaVersion) {
  const auto j = GpuListJson(catalog::FilterGpus(Cat(), "intel"));
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["gpus"].size(), catalog::FilterGpus(Cat(), "intel").size());
  EXPECT_GE(j["gpus"].size(), 3u);
}

TEST(GpuShowDocument, EveryFieldWithUnitsAndProvenance) {
  const auto& g = Cat().Gpu("h100-sxm");
  const std::string t = Render(GpuShowDocument(g, Cat().OffersFor(g.id)), Format::kTable);
  EXPECT_TRUE(Has(t, "H100 SXM5 80GB (h100-sxm)")) << t;
  EXPECT_TRUE(Has(t, "989.4 TFLOPS"));
  EXPECT_TRUE(Has(t, "3,350 GB/s"));
  EXPECT_TRUE(Has(t, "700 W"));
  EXPECT_TRUE(Has(t, "Gen 5"));
  EXPECT_TRUE(Has(t, "x16"));
  EXPECT_TRUE(Has(t, "launch MSRP"));
  EXPECT_TRUE(Has(t, "unknown"));
  EXPECT_TRUE(Has(t, "$30,000 (2025)"));
  EXPECT_TRUE(Has(t, "verification"));
  EXPECT_TRUE(Has(t, "Sources"));
  EXPECT_TRUE(Has(t, "glennklockwood.com"));
  EXPECT_TRUE(Has(t, "lambda-h100-sxm-8x"));
  EXPECT_TRUE(Has(t, "\nNotes\n  Dense: TF32 494.7,")) << t;  // indented under its heading
}

// With the efficiency row estimates use, `gpus show` says what the datasheet becomes in
// training: the sustained GEMM rate (what estimate::SustainedGemmRate gives), whether the
// board's power limits it, and the memory-bound bandwidth.
TEST(GpuShowDocument, ModelledRatesSayWhereTheBoardPowerLimits) {
  estimate::ArchEfficiency eff = io::BuiltinEfficiency().For("Ada Lovelace");
  eff.gemm_eta_max = 0.75;
  eff.gemm_pj_per_flop = 2.5;  // 350 W -> 140 TFLOP/s, below 0.75 x 362
  const auto& l40s = Cat().Gpu("l40s");
  const auto doc = GpuShowDocument(l40s, {}, &eff);
  const auto& m = doc.json["modelled_rates"];
  EXPECT_EQ(m["efficiency_row"], "Ada Lovelace");
  EXPECT_TRUE(m["power_limited"].get<bool>());
  EXPECT_NEAR(m["sustained_16bit_tflops"].get<double>(), 350 / 2.5, 1e-9);
  EXPECT_DOUBLE_EQ(m["sustained_16bit_tflops"].get<double>(),
                   estimate::SustainedGemmRate(l40s, eff).flops_per_s / 1e12);
  EXPECT_NEAR(m["memory_bound_gbs"].get<double>(), 864 * eff.mem_eta, 1e-9);
  const std::string t = Render(doc, Format::kTable);
  EXPECT_TRUE(Has(t, "Modelled training rates")) << t;
  EXPECT_TRUE(Has(t, "140 TFLOP/s")) << t;
  EXPECT_TRUE(Has(t, "350 W / 2.50 pJ per FLOP")) << t;
  // The 450 W RTX 4090 (half-rate fp32 accumulate) is not limited at the same energy.
  const auto rtx = GpuShowDocument(Cat().Gpu("rtx-4090"), {}, &eff);
  EXPECT_FALSE(rtx.json["modelled_rates"]["power_limited"].get<bool>());
  EXPECT_FALSE(Has(Render(rtx, Format::kTable), "limited by board power"));
  // Without the row: the catalog figures only.
  EXPECT_FALSE(GpuShowDocument(l40s).json.contains("modelled_rates"));
}

TEST(GpuShowDocument, MarkdownHasTables) {
  const std::string t = Render(GpuShowDocument(Cat().Gpu("rtx-4090")), Format::kMarkdown);
  EXPECT_EQ(t.rfind("# GeForce RTX 4090 (rtx-4090)\n", 0), 0u) << t;
  EXPECT_TRUE(Has(t, "## Throughput (dense, no sparsity)"));
  EXPECT_TRUE(Has(t, "| FP16 tensor, FP32 accumulate"));
  EXPECT_TRUE(Has(t, "165.2 TFLOPS"));
  EXPECT_TRUE(Has(t, "- NVIDIA Ada GPU architecture whitepaper"));
  EXPECT_TRUE(Has(t, "\n## Notes\n\nGeForce: ")) << t;  // a paragraph, not indented
}

TEST(GpuListDocument, OneRowPerGpu) {
  const auto all = catalog::FilterGpus(Cat());
  const std::string t = Render(GpuListDocument(all), Format::kTable);
  EXPECT_EQ(Lines(t), Cat().Gpus().size() + 3);  // header, rule, rows, summary
  EXPECT_TRUE(Has(t, std::to_string(Cat().Gpus().size()) + " GPUs."));
  EXPECT_TRUE(Has(t, "rtx-4090"));
  const std::string md =
      Render(GpuListDocument(catalog::FilterGpus(Cat(), "amd")), Format::kMarkdown);
  EXPECT_EQ(md.rfind("# GPUs\n\n| id", 0), 0u) << md;  // the title is Markdown's only
  EXPECT_TRUE(Has(md, "| mi300x"));
  EXPECT_TRUE(Has(md, std::to_string(catalog::FilterGpus(Cat(), "amd").size()) + " GPUs."));
}

TEST(GpuListDocument, CsvHeaderAndOneRowPerGpuWithEmptyUnknowns) {
  const std::string csv =
      Render(GpuListDocument({&Cat().Gpu("h100-sxm"), &Cat().Gpu("rtx-4090")}), Format::kCsv);
  EXPECT_EQ(Lines(csv), 3u);
  std::istringstream in(csv);
  std::string header, row;
  std::getline(in, header);
  std::getline(in, row);
  EXPECT_EQ(header.rfind("id,name,vendor,segment,", 0), 0u);
  EXPECT_EQ(std::count(header.begin(), header.end(), ','), 49);
  EXPECT_EQ(row.rfind("h100-sxm,H100 SXM5 80GB,nvidia,datacenter,Hopper,GH100,2022,", 0), 0u)
      << row;
  EXPECT_TRUE(Has(row, ",989.4,"));
  EXPECT_TRUE(Has(row, "\"pytorch; tensorflow; jax; onnxruntime\"") ||
              Has(row, ",pytorch; tensorflow; jax; onnxruntime,"));
}

}  // namespace
}  // namespace gpuadv::report
