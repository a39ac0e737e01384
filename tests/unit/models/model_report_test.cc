// `models list` / `models show` output in every format.
#include "gpuadv/report/model_report.h"

#include <gtest/gtest.h>

#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/report/format.h"
#include "gpuadv/report/json_report.h"

namespace gpuadv::report {
namespace {

const catalog::ModelArch& M(const char* id) { return *io::BuiltinCatalog().FindModel(id); }

TEST(ModelReport, ParamsShortHasThreeSignificantDigits) {
  EXPECT_EQ(ParamsShort(8030261248.0), "8.03B");
  EXPECT_EQ(ParamsShort(46.7e9), "46.7B");
  EXPECT_EQ(ParamsShort(405.85e9), "406B");
  EXPECT_EQ(ParamsShort(124439808.0), "124M");
  EXPECT_EQ(ParamsShort(0), "-");
}

TEST(ModelReport, ListHasOneRowPerModel) {
  const std::vector<const catalog::ModelArch*> list = {&M("llama-3.1-8b"), &M("mixtral-8x7b"),
                                                       &M("sd-1.5")};
  const std::string text = Render(ModelListDocument(list), Format::kTable);
  EXPECT_NE(text.find("llama-3.1-8b"), std::string::npos);
  EXPECT_NE(text.find("8.03B"), std::string::npos);
  EXPECT_NE(text.find("12.9B"), std::string::npos);  // Mixtral active
  EXPECT_NE(text.find("diffusion (unet)"), std::string::npos);
  EXPECT_NE(text.find("3 models"), std::string::npos);
  const std::string md = Render(ModelListDocument(list), Format::kMarkdown);
  EXPECT_EQ(md.rfind("| id", 0), 0u) << md;
  EXPECT_NE(md.find("|---"), std::string::npos);
}

TEST(ModelReport, ShowComparesComputedWithDeclared) {
  const std::string text = Render(ModelShowDocument(M("llama-3.1-8b")), Format::kTable);
  EXPECT_NE(text.find("Llama 3.1 8B (llama-3.1-8b)"), std::string::npos) << text;
  EXPECT_NE(text.find("total (computed)"), std::string::npos);
  EXPECT_NE(text.find("8,030,261,248"), std::string::npos);
  EXPECT_NE(text.find("declared (published)"), std::string::npos);
  EXPECT_NE(text.find("kv_heads"), std::string::npos);
  EXPECT_NE(text.find("8.03B parameters\naliases: meta-llama/Llama-3.1-8B,"), std::string::npos);
  const std::string md = Render(ModelShowDocument(M("llama-3.1-8b")), Format::kMarkdown);
  EXPECT_EQ(md.rfind("# Llama 3.1 8B (llama-3.1-8b)\n", 0), 0u) << md;
  EXPECT_NE(md.find("8.03B parameters\n\naliases: "), std::string::npos) << md;  // a paragraph
  const std::string flux = Render(ModelShowDocument(M("flux.1-dev")), Format::kMarkdown);
  EXPECT_NE(flux.find("## Components"), std::string::npos) << flux;
  EXPECT_NE(flux.find("t5-v1.1-xxl-encoder"), std::string::npos);
}

TEST(ModelReport, JsonCarriesArchitectureAndCounts) {
  const auto j = ModelJson(M("mixtral-8x7b"));
  EXPECT_EQ(j["id"], "mixtral-8x7b");
  EXPECT_EQ(j["params"].get<long long>(), 46702792704LL);
  EXPECT_EQ(j["declared_params"].get<long long>(), 46700000000LL);
  EXPECT_EQ(j["architecture"]["kv_heads"], 8);
  EXPECT_EQ(j["moe"]["experts_active"], 2);
  EXPECT_TRUE(j["diffusion"].is_null());
  // The optional features the table lists when set are in the JSON too, null / false unset.
  EXPECT_TRUE(j["architecture"]["swiglu_limit"].is_null());
  EXPECT_EQ(j["architecture"]["qk_norm"], false);
  const auto oss = ModelJson(M("gpt-oss-20b"));
  EXPECT_EQ(oss["architecture"]["swiglu_limit"], 7.0);
  EXPECT_EQ(oss["architecture"]["sliding_window"], 128);
  const auto ds = ModelJson(M("deepseek-v3"));
  EXPECT_EQ(ds["architecture"]["kv_lora_rank"], 512);
  EXPECT_EQ(ds["architecture"]["first_dense_layers"], 3);
  const auto sd = ModelJson(M("sd-1.5"));
  EXPECT_TRUE(sd["architecture"].is_null());
  EXPECT_EQ(sd["diffusion"]["components"].size(), 3u);
  EXPECT_EQ(sd["diffusion"]["denoiser_type"], "unet");
  const auto list = ModelListJson({&M("gpt2")});
  EXPECT_EQ(list["schema_version"], kJsonSchemaVersion);
  EXPECT_EQ(list["models"][0]["param_counts"]["total"].get<long long>(), 124439808LL);
}

TEST(ModelReport, CsvRowsMatchTheHeader) {
  const std::string csv = Render(ModelShowDocument(M("gpt2")), Format::kCsv);
  const size_t eol = csv.find('\n');
  ASSERT_NE(eol, std::string::npos) << csv;
  const std::string header = csv.substr(0, eol);
  const std::string row = csv.substr(eol + 1);
  auto commas = [](const std::string& s) { return std::count(s.begin(), s.end(), ','); };
  EXPECT_EQ(header.rfind("id,name,family,kind,params,", 0), 0u) << header;
  EXPECT_EQ(commas(header), commas(row));
  EXPECT_EQ(row.rfind("gpt2,GPT-2 (124M),gpt2,decoder,124439808,", 0), 0u) << row;
  const std::string all = Render(ModelListDocument({&M("gpt2"), &M("sd-1.5")}), Format::kCsv);
  EXPECT_EQ(std::count(all.begin(), all.end(), '\n'), 3);
}

}  // namespace
}  // namespace gpuadv::report
