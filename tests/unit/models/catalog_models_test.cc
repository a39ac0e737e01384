// Every built-in model entry (data/models/*.yaml) loads and is self-consistent
// (STYLE.md principle 8: a test over every catalog entry).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "gpuadv/catalog/param_count.h"
#include "gpuadv/io/catalog_loader.h"

namespace gpuadv::io {
namespace {

using catalog::ModelArch;

const std::vector<ModelArch>& Models() { return BuiltinCatalog().Models(); }

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

TEST(CatalogModels, AtLeastThirtyModelsLoad) { EXPECT_GE(Models().size(), 30u); }

TEST(CatalogModels, RequiredIdsPresent) {
  const char* ids[] = {
      "llama-2-7b",    "llama-2-13b",   "llama-2-70b",    "llama-3.2-1b", "llama-3.2-3b",
      "llama-3.1-8b",  "llama-3.1-70b", "llama-3.1-405b", "mistral-7b",   "mixtral-8x7b",
      "mixtral-8x22b", "qwen2.5-0.5b",  "qwen2.5-1.5b",   "qwen2.5-3b",   "qwen2.5-7b",
      "qwen2.5-14b",   "qwen2.5-32b",   "qwen2.5-72b",    "gemma-2-2b",   "gemma-2-9b",
      "gemma-2-27b",   "phi-3-mini",    "phi-4",          "gpt2",         "gpt2-medium",
      "gpt2-large",    "gpt2-xl",       "gpt3-175b",      "gpt-neox-20b", "pythia-1b",
      "opt-175b",      "bloom-176b",    "falcon-7b",      "falcon-40b",   "sd-1.5",
      "sdxl",          "sd3-medium",    "flux.1-dev"};
  for (const char* id : ids) {
    const ModelArch* m = BuiltinCatalog().FindModel(id);
    ASSERT_NE(m, nullptr) << id;
    EXPECT_EQ(m->id, id);
  }
}

TEST(CatalogModels, IdsAreLowercaseHyphenated) {
  for (const auto& m : Models()) {
    EXPECT_FALSE(m.id.empty());
    for (char c : m.id)
      EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.') << m.id;
    EXPECT_EQ(m.id.find("--"), std::string::npos) << m.id;
    EXPECT_FALSE(m.name.empty()) << m.id;
    EXPECT_FALSE(m.family.empty()) << m.id;
    EXPECT_FALSE(m.sources.empty()) << m.id;
  }
}

TEST(CatalogModels, IdsAndAliasesAreUniqueCaseInsensitively) {
  std::map<std::string, std::string> owner;
  for (const auto& m : Models()) {
    std::vector<std::string> names = m.aliases;
    names.push_back(m.id);
    for (const auto& n : names) {
      auto [it, inserted] = owner.emplace(Lower(n), m.id);
      EXPECT_TRUE(inserted) << "'" << n << "' used by " << it->second << " and " << m.id;
    }
  }
}

TEST(CatalogModels, UsualSpellingsResolve) {
  const std::pair<const char*, const char*> cases[] = {
      {"meta-llama/Llama-3.1-8B", "llama-3.1-8b"},
      {"llama3.1-8b", "llama-3.1-8b"},
      {"llama-3-8b", "llama-3.1-8b"},
      {"gpt-2", "gpt2"},
      {"stable-diffusion-1.5", "sd-1.5"},
      {"Qwen/Qwen2.5-7B-Instruct", "qwen2.5-7b"},
      {"mistralai/Mixtral-8x7B-v0.1", "mixtral-8x7b"},
      {"black-forest-labs/FLUX.1-dev", "flux.1-dev"},
      {"EleutherAI/pythia-1b", "pythia-1b"},
      {"bigscience/bloom", "bloom-176b"}};
  for (const auto& [alias, id] : cases) {
    const ModelArch* m = BuiltinCatalog().FindModel(alias);
    ASSERT_NE(m, nullptr) << alias;
    EXPECT_EQ(m->id, id) << alias;
  }
}

TEST(CatalogModels, ComputedParamsWithinTwoPercentOfDeclared) {
  double worst = 0;
  std::string worst_id;
  for (const auto& m : Models()) {
    ASSERT_GT(m.declared_params, 0) << m.id << " has no published count";
    const double computed = catalog::CountParams(m).total;
    EXPECT_EQ(computed, m.params) << m.id;
    const double err = std::fabs(computed - m.declared_params) / m.declared_params;
    EXPECT_LE(err, 0.02) << m.id << ": computed " << computed << " declared " << m.declared_params;
    if (err > worst) worst = err, worst_id = m.id;
  }
  std::printf("[ worst    ] %s computed vs declared: %.2f%%\n", worst_id.c_str(), worst * 100);
}

TEST(CatalogModels, ShapedLanguageModelsAreComplete) {
  for (const auto& m : Models()) {
    if (m.kind == catalog::ModelKind::kDiffusion) continue;
    EXPECT_TRUE(m.has_shape()) << m.id;
    EXPECT_GT(m.vocab, 0) << m.id;
    EXPECT_GT(m.ffn, 0) << m.id;
    EXPECT_GT(m.max_seq_len, 0) << m.id;
    EXPECT_EQ(m.heads % m.KvHeads(), 0) << m.id;
  }
}

TEST(CatalogModels, MixtralActiveCountsMatchPublished) {
  const auto c7 = catalog::CountParams(*BuiltinCatalog().FindModel("mixtral-8x7b"));
  EXPECT_NEAR(c7.active / 1e9, 12.9, 0.05);
  const auto c22 = catalog::CountParams(*BuiltinCatalog().FindModel("mixtral-8x22b"));
  EXPECT_NEAR(c22.active / 39e9, 1.0, 0.02);
}

TEST(CatalogModels, DropoutFollowsTheReleasedConfigs) {
  EXPECT_EQ(BuiltinCatalog().FindModel("gpt2")->dropout, 0.1);
  EXPECT_EQ(BuiltinCatalog().FindModel("gpt2-xl")->dropout, 0.1);
  EXPECT_EQ(BuiltinCatalog().FindModel("llama-3.1-8b")->dropout, 0);
}

TEST(CatalogModels, DiffusionPipelinesListTheirComponents) {
  auto params_of = [](const ModelArch& m, catalog::ComponentRole role) {
    double sum = 0;
    for (const auto& c : m.components)
      if (c.role == role) sum += c.params;
    return sum;
  };
  using catalog::ComponentRole;
  for (const auto& m : Models()) {
    if (m.kind != catalog::ModelKind::kDiffusion) continue;
    EXPECT_EQ(params_of(m, ComponentRole::kDenoiser), m.params) << m.id;
    EXPECT_EQ(params_of(m, ComponentRole::kVae), 84e6) << m.id;
  }
  const auto& sd15 = *BuiltinCatalog().FindModel("sd-1.5");
  EXPECT_EQ(sd15.denoiser_type, catalog::DenoiserType::kUnet);
  EXPECT_EQ(sd15.params, 860e6);
  EXPECT_EQ(params_of(sd15, ComponentRole::kTextEncoder), 123e6);
  const auto& sdxl = *BuiltinCatalog().FindModel("sdxl");
  EXPECT_EQ(params_of(sdxl, ComponentRole::kTextEncoder), 123e6 + 695e6);
  const auto& sd3 = *BuiltinCatalog().FindModel("sd3-medium");
  EXPECT_EQ(sd3.layers, 24);
  EXPECT_EQ(sd3.hidden, 1536);
  EXPECT_EQ(sd3.heads, 24);
  EXPECT_EQ(sd3.latent_channels, 16);
  const auto& flux = *BuiltinCatalog().FindModel("flux.1-dev");
  EXPECT_EQ(flux.params, 11.9e9);
  EXPECT_EQ(flux.hidden, 3072);
  EXPECT_EQ(flux.heads, 24);
  EXPECT_EQ(params_of(flux, ComponentRole::kTextEncoder), 4.7e9 + 123e6);
}

TEST(CatalogModels, DitTemplateReproducesItsPublishedCount) {
  ModelArch dit = *BuiltinCatalog().FindModel("dit-xl-2");
  dit.params = 0;  // count from the shape (adaLN DiT template)
  EXPECT_NEAR(catalog::CountParams(dit).total / dit.declared_params, 1.0, 0.02);
}

}  // namespace
}  // namespace gpuadv::io
