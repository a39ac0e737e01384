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
      {"opt-1.3b.json", "opt", 1315758080.0, 1e-5},  // position offset rows not counted
      {"bloom-560m.json", "bloom", 559214592.0, 1e-5},
      {"bloom-176b.json", "bloom", 176247271424.0, 1e-5},
      // 2025 model types (model cards; Gemma 3 report Table 1; gpt-oss card Table 1).
      {"qwen3-8b.json", "qwen3", 8.2e9, 0.005},
      {"qwen3-30b-a3b.json", "qwen3_moe", 30.5e9, 0.005},
      {"qwen1.5-moe-a2.7b.json", "qwen2_moe", 14.3e9, 0.005},
      {"gemma-3-1b.json", "gemma3_text", 1000e6, 0.005},
      {"gemma-3-4b.json", "gemma3", 4301e6, 0.005},  // with the 417M SigLIP encoder
      {"deepseek-v3.json", "deepseek_v3", 671e9, 0.005},
      {"llama-4-scout.json", "llama4", 109e9, 0.005},  // with the vision encoder
      {"gpt-oss-20b.json", "gpt_oss", 20.91e9, 0.005},
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
  EXPECT_EQ(Load("bloom-176b.json").hidden, 14336);     // legacy n_embed key
  EXPECT_TRUE(Load("bloom-176b.json").embedding_norm);  // word_embeddings_layernorm
  EXPECT_EQ(Load("opt-1.3b.json").ffn, 8192);
  EXPECT_EQ(Load("qwen2.5-7b.json").max_seq_len, 131072);
  EXPECT_EQ(Load("phi-3-mini-4k.json").name, "Phi-3-mini-4k-instruct");
  EXPECT_DOUBLE_EQ(Load("gpt-oss-20b.json").swiglu_limit, 7.0);  // the clamped SwiGLU
  EXPECT_DOUBLE_EQ(Load("mixtral-8x7b.json").swiglu_limit, 0);
  // The families whose modules fuse q, k and v (and Phi-3's gate and up) say so.
  for (const char* file :
       {"gpt2.json", "pythia-1b.json", "falcon-7b.json", "bloom-560m.json", "phi-3-mini-4k.json"})
    EXPECT_TRUE(Load(file).fused_qkv) << file;
  EXPECT_TRUE(Load("phi-3-mini-4k.json").fused_gate_up);
  EXPECT_FALSE(Load("gpt2.json").fused_gate_up);
  for (const char* file : {"llama-3.1-8b.json", "opt-1.3b.json", "qwen2.5-7b.json"})
    EXPECT_FALSE(Load(file).fused_qkv) << file;
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

// An unknown model_type reads the generic decoder keys and warns what it assumed.
TEST(HfConfig, UnknownModelTypeFallsBackToGenericDecoderWithAWarning) {
  const auto m = ModelFromHfConfig(
      R"({"model_type": "olmo2", "hidden_size": 2048, "num_hidden_layers": 16,
          "num_attention_heads": 16, "intermediate_size": 8192, "vocab_size": 100352})",
      "config.json");
  EXPECT_EQ(m.family, "olmo2");
  ASSERT_EQ(m.warnings.size(), 1u);
  EXPECT_NE(m.warnings[0].find("'olmo2' is not one of the supported types"), std::string::npos);
  EXPECT_NE(m.warnings[0].find("SwiGLU MLP, RMSNorm, RoPE"), std::string::npos);
  EXPECT_EQ(m.heads, 16);
  // Without the generic keys the error names the missing one.
  EXPECT_EQ(ErrorOf(R"({"model_type": "mamba"})").substr(0, 45),
            "config.json: num_hidden_layers: required key ");
  EXPECT_EQ(ErrorOf(R"({"hidden_size": 8})").substr(0, 45),
            "config.json: model_type: required key 'missin");
}

TEST(HfConfig, NewArchitectureFeaturesAreRead) {
  const auto ds = Load("deepseek-v3.json");
  EXPECT_EQ(ds.kv_lora_rank, 512);
  EXPECT_EQ(ds.q_lora_rank, 1536);
  EXPECT_EQ(ds.QkHeadDim(), 192);
  EXPECT_EQ(ds.first_dense_layers, 3);
  EXPECT_EQ(ds.shared_expert_ffn, 2048);
  EXPECT_EQ(ds.mtp_layers, 1);
  EXPECT_EQ(ds.checkpoint_dtype, "fp8");
  const auto oss = Load("gpt-oss-20b.json");
  EXPECT_EQ(oss.sliding_window, 128);
  EXPECT_EQ(oss.global_layer_every, 2);
  EXPECT_EQ(oss.checkpoint_dtype, "mxfp4");
  EXPECT_EQ(oss.experts_active, 4);
  const auto g = Load("gemma-3-4b.json");
  EXPECT_EQ(g.heads, 8);  // Gemma3TextConfig default: the file does not give it
  EXPECT_EQ(g.sliding_window, 1024);
  EXPECT_TRUE(g.qk_norm);
  EXPECT_NEAR(g.vision_params, 417e6, 3e6);
  const auto l4 = Load("llama-4-scout.json");
  EXPECT_EQ(l4.experts, 16);
  EXPECT_EQ(l4.moe_ffn, 8192);
  EXPECT_EQ(l4.ffn, 16384);
  // Active parameters of the MoE files (model cards: 17B, 3.3B, 2.7B).
  EXPECT_NEAR(catalog::CountParams(l4).active, 17e9, 0.5e9);
  EXPECT_NEAR(catalog::CountParams(Load("qwen3-30b-a3b.json")).active, 3.3e9, 0.1e9);
  EXPECT_NEAR(catalog::CountParams(Load("qwen1.5-moe-a2.7b.json")).active, 2.7e9, 0.05e9);
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
