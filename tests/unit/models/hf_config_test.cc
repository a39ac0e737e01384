// Hugging Face config.json fixtures (copies of the public configs) -> parameter counts.
#include <gtest/gtest.h>

#include "gpuadv/catalog/param_count.h"
#include "gpuadv/io/model_loader.h"

namespace gpuadv::io {
namespace {

std::string Fixture(const std::string& name) {
  return std::string(GPUADV_SOURCE_DIR) + "/tests/unit/models/fixtures/" + name;
}

catalog::ModelArch Load(const std::string& name) {
  const std::string path = Fixture(name);
  return ModelFromHfConfig(ReadFileBounded(path, "model"), path);
}

std::string ErrorOf(const std::string& json) {
  try {
    ModelFromHfConfig(json, "config.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

struct Case {
  const char* file;
  const char* family;
  double params;     // published / checkpoint count
  double tolerance;  // relative
};

TEST(HfConfig, FixturesGiveThePublishedParameterCounts) {
  const Case cases[] = {
      {"llama-3.1-8b.json", "llama", 8030261248.0, 1e-9},
      {"mistral-7b.json", "mistral", 7241732096.0, 1e-9},
      {"mixtral-8x7b.json", "mixtral", 46702792704.0, 1e-9},
      {"qwen2.5-7b.json", "qwen2", 7.61e9, 0.002},  // 7,615,616,512 (q/k/v biases only)
      {"gemma-7b.json", "gemma", 8.54e9, 0.002},
      {"gemma-2-9b.json", "gemma2", 9.24e9, 0.002},
      {"phi-3-mini-4k.json", "phi3", 3.82e9, 0.002},
      {"gpt2.json", "gpt2", 124439808.0, 1e-9},
      {"pythia-1b.json", "gpt_neox", 1011781632.0, 1e-9},
      {"falcon-7b.json", "falcon", 6.92e9, 0.002},
      {"falcon-40b.json", "falcon", 41.3e9, 0.002},
      {"opt-1.3b.json", "opt", 1315758080.0, 1e-5},     // position offset rows not counted
      {"bloom-560m.json", "bloom", 559214592.0, 1e-5},  // embedding LayerNorm not counted
      {"bloom-176b.json", "bloom", 176247271424.0, 1e-5},
  };
  for (const auto& c : cases) {
    const auto m = Load(c.file);
    EXPECT_EQ(m.family, c.family) << c.file;
    EXPECT_NEAR(m.params / c.params, 1.0, c.tolerance) << c.file << ": " << m.params;
    EXPECT_TRUE(m.id.empty()) << c.file;
    EXPECT_EQ(m.params, catalog::CountParams(m).total) << c.file;
  }
}

TEST(HfConfig, FamilyConventionsAreApplied) {
  const auto gemma = Load("gemma-2-9b.json");
  EXPECT_TRUE(gemma.tied_embeddings);
  EXPECT_EQ(gemma.HeadDim(), 256);
  const auto neox = Load("pythia-1b.json");
  EXPECT_FALSE(neox.tied_embeddings);
  EXPECT_TRUE(neox.bias);
  EXPECT_EQ(neox.norm, catalog::NormKind::kLayerNorm);
  const auto gpt2 = Load("gpt2.json");
  EXPECT_EQ(gpt2.position, catalog::PositionKind::kLearned);
  EXPECT_EQ(gpt2.max_seq_len, 1024);
  EXPECT_EQ(gpt2.ffn, 3072);
  EXPECT_DOUBLE_EQ(gpt2.dropout, 0.1);
  const auto mixtral = Load("mixtral-8x7b.json");
  EXPECT_EQ(mixtral.experts, 8);
  EXPECT_EQ(mixtral.experts_active, 2);
  EXPECT_NEAR(catalog::CountParams(mixtral).active / 1e9, 12.9, 0.05);
  EXPECT_EQ(Load("falcon-7b.json").KvHeads(), 1);
  EXPECT_EQ(Load("falcon-40b.json").KvHeads(), 8);
  EXPECT_EQ(Load("bloom-176b.json").position, catalog::PositionKind::kAlibi);
  EXPECT_EQ(Load("bloom-176b.json").hidden, 14336);  // legacy n_embed key
  EXPECT_EQ(Load("opt-1.3b.json").ffn, 8192);
  EXPECT_EQ(Load("qwen2.5-7b.json").max_seq_len, 131072);
  EXPECT_EQ(Load("phi-3-mini-4k.json").name, "Phi-3-mini-4k-instruct");
}

TEST(HfConfig, GemmaHeadDimDefaultsTo256) {
  const auto m = ModelFromHfConfig(
      R"({"model_type": "gemma", "hidden_size": 2048, "num_hidden_layers": 18,
          "num_attention_heads": 8, "num_key_value_heads": 1, "intermediate_size": 16384,
          "vocab_size": 256000})",
      "gemma-2b/config.json");
  EXPECT_EQ(m.HeadDim(), 256);
  EXPECT_NEAR(m.params / 2.506e9, 1.0, 0.002);  // Gemma 2B: 2,506,172,416
}

TEST(HfConfig, UnknownModelTypeListsTheSupportedOnes) {
  EXPECT_EQ(ErrorOf(R"({"model_type": "mamba"})"),
            "config.json: model_type: unsupported model_type 'mamba'; accepted: llama | mistral "
            "| mixtral | qwen2 | gemma | gemma2 | phi3 | gpt2 | gpt_neox | falcon | opt | bloom");
  EXPECT_NE(ErrorOf(R"({"model_type": "lama"})").find("did you mean 'llama'"), std::string::npos);
  EXPECT_EQ(ErrorOf(R"({"hidden_size": 8})").substr(0, 45),
            "config.json: model_type: required key 'missin");
}

TEST(HfConfig, MissingOrWrongKeysNameTheKey) {
  EXPECT_EQ(ErrorOf(R"({"model_type": "llama", "hidden_size": 4096, "num_attention_heads": 32,
                        "intermediate_size": 11008, "vocab_size": 32000})"),
            "config.json: num_hidden_layers: required key 'missing'; accepted: the number of "
            "layers");
  EXPECT_EQ(ErrorOf(R"({"model_type": "gpt2", "n_embd": "768", "n_layer": 12, "n_head": 12,
                        "vocab_size": 50257})"),
            "config.json: n_embd: expected a whole number, got '768'; accepted: a whole number "
            "from 1 to 1000000");
  EXPECT_EQ(ErrorOf(R"({"model_type": "mixtral", "hidden_size": 64, "num_hidden_layers": 2,
                        "num_attention_heads": 8, "intermediate_size": 128, "vocab_size": 10,
                        "num_local_experts": 8})"),
            "config.json: num_experts_per_tok: required key 'missing'; accepted: experts per "
            "token");
  EXPECT_EQ(ErrorOf(R"({"model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2,
                        "num_attention_heads": 8, "num_key_value_heads": 3,
                        "intermediate_size": 128, "vocab_size": 10})"),
            "config.json: num_key_value_heads: does not divide heads '3'; accepted: a divisor "
            "of heads (8)");
  EXPECT_NE(ErrorOf("{not json").find("JSON syntax error"), std::string::npos);
  EXPECT_NE(ErrorOf("[1, 2]").find("expected an object"), std::string::npos);
}

}  // namespace
}  // namespace gpuadv::io
