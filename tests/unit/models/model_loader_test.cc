// Inline and catalog model maps (DESIGN.md C2 keys): parsing, validation messages, counts.
#include "gpuadv/io/model_loader.h"

#include <gtest/gtest.h>

namespace gpuadv::io {
namespace {

// The map as a scenario's `model:` value (YAML flow style).
catalog::ModelArch Inline(const std::string& yaml) {
  const Doc doc = ParseDocument("model: " + yaml, "test.yaml");
  Fields f(doc["model"], "model");
  auto m = ParseModel(f);
  f.Finish();
  return m;
}

std::string ErrorOf(const std::string& yaml) {
  try {
    Inline(yaml);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string FieldOf(const std::string& yaml) {
  try {
    Inline(yaml);
  } catch (const InputError& e) {
    return e.field();
  }
  return "(no error)";
}

constexpr const char* kLlama8B =
    "{params: 8.0e9, layers: 32, hidden: 4096, heads: 32, kv_heads: 8, ffn: 14336, "
    "vocab: 128256, mlp: swiglu, norm: rmsnorm, bias: false, tied_embeddings: false, "
    "position: rope, experts: 0, experts_active: 0, head_dim: 128, max_seq_len: 131072, "
    "kind: decoder}";

TEST(ModelLoader, InlineDesignKeysGiveComputedParamsAndKeepDeclared) {
  const auto m = Inline(kLlama8B);
  EXPECT_TRUE(m.has_shape());
  EXPECT_DOUBLE_EQ(m.params, 8030261248.0);
  EXPECT_DOUBLE_EQ(m.declared_params, 8.0e9);
  EXPECT_EQ(m.KvHeads(), 8);
  EXPECT_EQ(m.HeadDim(), 128);
  EXPECT_EQ(m.max_seq_len, 131072);
  EXPECT_TRUE(m.notes.empty());
  EXPECT_TRUE(m.id.empty());
}

TEST(ModelLoader, JsonInlineEqualsYaml) {
  const auto a = Inline(kLlama8B);
  const Doc doc = ParseDocument(R"({"params": 8.0e9, "layers": 32, "hidden": 4096, "heads": 32,
      "kv_heads": 8, "ffn": 14336, "vocab": 128256, "mlp": "swiglu", "norm": "rmsnorm",
      "bias": false, "tied_embeddings": false, "position": "rope", "experts": 0,
      "experts_active": 0, "head_dim": 128, "max_seq_len": 131072, "kind": "decoder"})",
                                "t.json");
  Fields f(doc, "model");
  const auto b = ParseModel(f);
  EXPECT_EQ(a.params, b.params);
  EXPECT_EQ(a.hidden, b.hidden);
}

// A family whose implementation fuses projections (Phi-3's qkv_proj and gate_up_proj) warns
// when the model leaves the flag unset, and not once it is given either way; a family that
// keeps them apart (Llama) never does.
TEST(ModelLoader, AFusingFamilyWithoutTheFlagIsWarned) {
  const std::string shape =
      "layers: 32, hidden: 3072, heads: 32, ffn: 8192, vocab: 32064, mlp: swiglu";
  const auto unsaid = Inline("{family: phi3, " + shape + "}");
  ASSERT_EQ(unsaid.warnings.size(), 2u);
  EXPECT_NE(unsaid.warnings[0].find("qkv_proj"), std::string::npos) << unsaid.warnings[0];
  EXPECT_NE(unsaid.warnings[0].find("model.fused_qkv"), std::string::npos);
  EXPECT_NE(unsaid.warnings[1].find("gate_up_proj"), std::string::npos) << unsaid.warnings[1];
  EXPECT_FALSE(unsaid.fused_qkv);
  const auto said = Inline("{family: phi3, fused_qkv: true, fused_gate_up: false, " + shape + "}");
  EXPECT_TRUE(said.warnings.empty());
  EXPECT_TRUE(said.fused_qkv);
  EXPECT_TRUE(Inline("{family: llama, " + shape + "}").warnings.empty());
}

TEST(ModelLoader, DeclaredParamsFarFromComputedAreNotedNotRejected) {
  const auto m = Inline(
      "{params: 7.0e9, layers: 32, hidden: 4096, heads: 32, kv_heads: 8, ffn: 14336, "
      "vocab: 128256}");
  EXPECT_DOUBLE_EQ(m.params, 8030261248.0);
  EXPECT_DOUBLE_EQ(m.declared_params, 7.0e9);
  EXPECT_NE(m.notes.find("differ from the computed"), std::string::npos) << m.notes;
}

TEST(ModelLoader, ParamsOnlyModelIsValidWithoutShape) {
  const auto m = Inline("{kind: diffusion, params: 8.6e8}");
  EXPECT_FALSE(m.has_shape());
  EXPECT_EQ(m.params, 8.6e8);
  EXPECT_EQ(m.kind, catalog::ModelKind::kDiffusion);
  EXPECT_EQ(Inline("{params: 1.3e9}").params, 1.3e9);
}

TEST(ModelLoader, DiffusionParamsDefaultToTheDenoiserComponent) {
  const auto m = Inline(
      "{kind: diffusion, denoiser_type: unet, components: [{name: unet, role: denoiser, "
      "params: 8.6e8}, {name: clip-l, role: text_encoder, params: 1.23e8}, "
      "{name: vae, role: vae, params: 8.4e7}]}");
  EXPECT_EQ(m.params, 8.6e8);
  ASSERT_EQ(m.components.size(), 3u);
  EXPECT_TRUE(m.components[0].trains_by_default);
  EXPECT_FALSE(m.components[1].trains_by_default);
  EXPECT_EQ(m.components[2].role, catalog::ComponentRole::kVae);
  EXPECT_EQ(m.denoiser_type, catalog::DenoiserType::kUnet);
}

TEST(ModelLoader, NegativeHiddenNamesTheField) {
  EXPECT_EQ(ErrorOf("{layers: 32, hidden: -1, heads: 32, ffn: 100, vocab: 10}"),
            "model.hidden: out of range '-1'; accepted: a whole number from 1 to 1000000");
}

TEST(ModelLoader, ParamsAboveTenTrillionRejected) {
  EXPECT_EQ(ErrorOf("{params: 1e15}"),
            "model.params: out of range '1e15'; accepted: a number from 1 to 1e+13");
}

TEST(ModelLoader, ShapeErrorsNameTheField) {
  EXPECT_EQ(FieldOf("{layers: 32, hidden: 4096, ffn: 100, vocab: 10}"), "model.heads");
  EXPECT_EQ(FieldOf("{layers: 32, hidden: 4096, heads: 32, ffn: 100}"), "model.vocab");
  EXPECT_EQ(FieldOf("{layers: 32, hidden: 4096, heads: 32, vocab: 10}"), "model.ffn");
  EXPECT_EQ(FieldOf("{layers: 0, hidden: 4096, heads: 32, ffn: 1, vocab: 1}"), "model.layers");
  EXPECT_EQ(FieldOf("{layers: 10001, hidden: 4096, heads: 32, ffn: 1, vocab: 1}"), "model.layers");
  EXPECT_EQ(FieldOf("{layers: 2, hidden: 4096, heads: 2.5, ffn: 1, vocab: 1}"), "model.heads");
  EXPECT_EQ(FieldOf("{layers: 2, hidden: 64, heads: 32, kv_heads: 64, ffn: 1, vocab: 1}"),
            "model.kv_heads");
  EXPECT_EQ(FieldOf("{layers: 2, hidden: 64, heads: 8, position: learned, ffn: 1, vocab: 1}"),
            "model.max_seq_len");
  EXPECT_EQ(FieldOf("{}"), "model.params");
  EXPECT_EQ(FieldOf("{params: 1e9, mlp: relu}"), "model.mlp");
  EXPECT_EQ(FieldOf("{params: 1e9, dropout: 1.5}"), "model.dropout");
  EXPECT_EQ(FieldOf("{params: 1e9, hiden: 4096}"), "model.hiden");
}

TEST(ModelLoader, HeadsMustDivideHiddenUnlessHeadDimGiven) {
  EXPECT_EQ(ErrorOf("{layers: 2, hidden: 100, heads: 3, ffn: 1, vocab: 1}"),
            "model.heads: does not divide hidden '3'; accepted: a divisor of hidden (100), or "
            "give head_dim");
  const auto m = Inline("{layers: 2, hidden: 100, heads: 3, head_dim: 32, ffn: 1, vocab: 1}");
  EXPECT_EQ(m.HeadDim(), 32);
}

TEST(ModelLoader, KvHeadsMustDivideHeads) {
  EXPECT_EQ(ErrorOf("{layers: 2, hidden: 64, heads: 8, kv_heads: 3, ffn: 1, vocab: 1}"),
            "model.kv_heads: does not divide heads '3'; accepted: a divisor of heads (8)");
}

TEST(ModelLoader, ExpertsActiveAtMostExperts) {
  const std::string base = "layers: 2, hidden: 64, heads: 8, ffn: 128, vocab: 100";
  EXPECT_EQ(ErrorOf("{" + base + ", experts: 8, experts_active: 9}"),
            "model.experts_active: out of range '9'; accepted: at most experts (8)");
  EXPECT_EQ(FieldOf("{" + base + ", experts: 8}"), "model.experts_active");
  EXPECT_EQ(FieldOf("{" + base + ", experts: 1, experts_active: 1}"), "model.experts");
  EXPECT_EQ(FieldOf("{" + base + ", experts: 0, experts_active: 2}"), "model.experts_active");
  const auto m = Inline("{" + base + ", experts: 8, experts_active: 2, moe_ffn: 32}");
  EXPECT_TRUE(m.IsMoe());
  EXPECT_EQ(m.moe_ffn, 32);
}

TEST(ModelLoader, HugeShapeRejectedAsTooManyParameters) {
  EXPECT_EQ(FieldOf("{layers: 10000, hidden: 1000000, heads: 1000, ffn: 4000000, vocab: 10}"),
            "model");
}

TEST(ModelLoader, ComponentErrorsNameTheEntry) {
  EXPECT_EQ(FieldOf("{kind: diffusion, components: [{name: unet, role: denoiser}]}"),
            "model.components[0].params");
  EXPECT_EQ(FieldOf("{kind: diffusion, components: [{name: unet, role: unet, params: 1}]}"),
            "model.components[0].role");
  EXPECT_EQ(FieldOf("{kind: diffusion, components: [{name: a, role: vae, params: 1, x: 1}]}"),
            "model.components[0].x");
}

TEST(ModelLoader, DocumentRequiresLowercaseIdsAndRejectsUnknownKeys) {
  auto doc = [](const std::string& entry) {
    return ParseModelDocument(ParseDocument("models:\n  - " + entry + "\n", "m.yaml"), "m.yaml");
  };
  const auto ok = doc("{id: tiny-1m, params: 1e6, aliases: [Tiny]}");
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].name, "tiny-1m");
  try {
    doc("{id: tiny, params: 1e6, layer: 3}");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "m.yaml: models[0].layer");
    // 'layers' among the names that contain the typo (first_dense_layers, ...).
    EXPECT_NE(std::string(e.what()).find("'layers'?"), std::string::npos) << e.what();
  }
  try {
    doc("{id: Tiny_Model, params: 1e6}");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "m.yaml: models[0].id");
  }
  EXPECT_THROW(doc("{params: 1e6}"), InputError);
}

}  // namespace
}  // namespace gpuadv::io
