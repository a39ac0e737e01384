// MODELLING.md section 1 checks: Llama, GPT-2, Mixtral counts, GQA, MoE, encoders.
#include "gpuadv/catalog/param_count.h"

#include <gtest/gtest.h>

namespace gpuadv::catalog {
namespace {

ModelArch Llama31_8B() {
  ModelArch m;
  m.layers = 32, m.hidden = 4096, m.heads = 32, m.kv_heads = 8, m.ffn = 14336, m.vocab = 128256;
  m.max_seq_len = 131072;
  return m;
}

ModelArch Gpt2Small() {
  ModelArch m;
  m.layers = 12, m.hidden = 768, m.heads = 12, m.ffn = 3072, m.vocab = 50257, m.max_seq_len = 1024;
  m.mlp = MlpKind::kGelu, m.norm = NormKind::kLayerNorm, m.position = PositionKind::kLearned;
  m.bias = true, m.tied_embeddings = true;
  return m;
}

ModelArch Mixtral8x7B() {
  ModelArch m = Llama31_8B();
  m.vocab = 32000, m.experts = 8, m.experts_active = 2, m.moe_ffn = 14336;
  return m;
}

TEST(ParamCount, Llama31_8BIs8_03B) {
  const auto c = CountParams(Llama31_8B());
  EXPECT_DOUBLE_EQ(c.total, 8030261248.0);  // HF safetensors count
  EXPECT_DOUBLE_EQ(c.active, c.total);
  EXPECT_DOUBLE_EQ(c.embedding, 128256.0 * 4096);
  EXPECT_DOUBLE_EQ(c.lm_head, c.embedding);  // untied
  EXPECT_DOUBLE_EQ(c.non_embedding, c.total - c.embedding);
  EXPECT_DOUBLE_EQ(c.largest_linear, 4096.0 * 14336);
}

TEST(ParamCount, Llama2_7BIs6_74B) {
  ModelArch m;
  m.layers = 32, m.hidden = 4096, m.heads = 32, m.ffn = 11008, m.vocab = 32000;
  EXPECT_DOUBLE_EQ(CountParams(m).total, 6738415616.0);
}

TEST(ParamCount, Gpt2SmallCountsBiasesLayerNormsTiedAndLearnedPositions) {
  const auto c = CountParams(Gpt2Small());
  EXPECT_DOUBLE_EQ(c.total, 124439808.0);
  EXPECT_DOUBLE_EQ(c.lm_head, 0);
  EXPECT_DOUBLE_EQ(c.position, 1024.0 * 768);
}

TEST(ParamCount, MixtralCountsAllExpertsAndTwoActive) {
  const auto c = CountParams(Mixtral8x7B());
  EXPECT_NEAR(c.total / 1e9, 46.7, 0.05);
  EXPECT_NEAR(c.active / 1e9, 12.9, 0.05);
  EXPECT_DOUBLE_EQ(c.total, 46702792704.0);  // HF Mixtral-8x7B-v0.1 count
}

TEST(ParamCount, GqaShrinksOnlyKeyAndValueProjections) {
  ModelArch mha = Llama31_8B();
  mha.kv_heads = 32;
  const double diff = CountParams(mha).total - CountParams(Llama31_8B()).total;
  EXPECT_DOUBLE_EQ(diff, 32.0 * 2 * 4096 * (4096 - 1024));
}

TEST(ParamCount, SwiGluHasThreeMatricesGeluTwo) {
  ModelArch a = Llama31_8B();
  ModelArch b = a;
  b.mlp = MlpKind::kGelu;
  EXPECT_DOUBLE_EQ(CountParams(a).total - CountParams(b).total, 32.0 * 4096 * 14336);
}

TEST(ParamCount, LayerNormHasTwiceTheRmsNormParameters) {
  ModelArch a = Llama31_8B();
  ModelArch b = a;
  b.norm = NormKind::kLayerNorm;
  // 2 norms per layer + the final norm, h more each.
  EXPECT_DOUBLE_EQ(CountParams(b).total - CountParams(a).total, (2.0 * 32 + 1) * 4096);
}

TEST(ParamCount, MoeLayerFreqMakesEveryKthLayerMoe) {
  ModelArch all = Mixtral8x7B();
  ModelArch half = all;
  half.moe_layer_freq = 2;  // layers 0, 2, 4, ... (Megatron pattern)
  const double expert = 3.0 * 4096 * 14336;
  const double router = 4096.0 * 8;
  EXPECT_DOUBLE_EQ(CountParams(all).total - CountParams(half).total, 16 * (7 * expert + router));
}

TEST(ParamCount, SharedExpertIsAlwaysActive) {
  ModelArch m = Mixtral8x7B();
  const auto base = CountParams(m);
  m.shared_expert_ffn = 1024;
  const auto c = CountParams(m);
  EXPECT_DOUBLE_EQ(c.total - base.total, 32.0 * 3 * 4096 * 1024);
  EXPECT_DOUBLE_EQ(c.active - base.active, 32.0 * 3 * 4096 * 1024);
}

TEST(ParamCount, EncoderCountsLikeBertBase) {
  ModelArch m = Gpt2Small();
  m.kind = ModelKind::kEncoder, m.vocab = 30522, m.max_seq_len = 512;
  // BERT-base: 110M published (109.5M with pooler and token types, not counted here).
  EXPECT_NEAR(CountParams(m).total / 1e6, 110, 110 * 0.02);
}

TEST(ParamCount, EncoderDecoderSplitsLayersAndAddsCrossAttention) {
  // T5-base (v1.0): 12 + 12 layers, h768, 12 heads, ReLU 3072, no biases, tied, 222.9M.
  ModelArch m;
  m.kind = ModelKind::kEncoderDecoder;
  m.layers = 24, m.hidden = 768, m.heads = 12, m.ffn = 3072, m.vocab = 32128;
  m.mlp = MlpKind::kGelu, m.tied_embeddings = true;
  const auto c = CountParams(m);
  EXPECT_NEAR(c.total / 1e6, 222.9, 0.5);
  const double self_layer = 4.0 * 768 * 768 + 2.0 * 768 * 3072 + 2 * 768;
  EXPECT_DOUBLE_EQ(c.total, 12 * self_layer + 12 * (self_layer + 4.0 * 768 * 768 + 768) +
                                32128.0 * 768 + 2 * 768);
}

TEST(ParamCount, ModelWithoutShapeUsesItsParams) {
  ModelArch m;
  m.kind = ModelKind::kDiffusion, m.params = 8.6e8;
  const auto c = CountParams(m);
  EXPECT_EQ(c.total, 8.6e8);
  EXPECT_EQ(c.active, 8.6e8);
  EXPECT_EQ(c.per_layer, 0);
  EXPECT_TRUE(LayerLinears(m).empty());
}

TEST(ParamCount, ShapedDiffusionWithoutParamsIsCountedAsDit) {
  // DiT-XL/2: 28 blocks, h1152, 16 heads, mlp 4h, adaLN-Zero: 675M (Peebles & Xie 2023).
  ModelArch m;
  m.kind = ModelKind::kDiffusion;
  m.layers = 28, m.hidden = 1152, m.heads = 16, m.ffn = 4608;
  m.mlp = MlpKind::kGelu, m.norm = NormKind::kLayerNorm, m.bias = true;
  EXPECT_NEAR(CountParams(m).total / 675e6, 1.0, 0.02);
  m.params = 675e6;  // a published count wins
  EXPECT_EQ(CountParams(m).total, 675e6);
  EXPECT_DOUBLE_EQ(CountParams(m).per_layer, 675e6 / 28);
}

TEST(ParamCount, LayerLinearsNameTheLoraTargets) {
  const auto l = LayerLinears(Llama31_8B());
  ASSERT_EQ(l.size(), 7u);
  EXPECT_EQ(l[0].name, "q_proj");
  EXPECT_EQ(l[1].name, "k_proj");
  EXPECT_EQ(l[1].d_out, 1024);
  EXPECT_EQ(l[3].name, "o_proj");
  EXPECT_EQ(l[4].name, "gate_proj");
  EXPECT_EQ(l[6].name, "down_proj");
  EXPECT_EQ(l[6].d_in, 14336);
  const auto g = LayerLinears(Gpt2Small());
  ASSERT_EQ(g.size(), 6u);
  EXPECT_EQ(g[4].name, "up_proj");
  EXPECT_EQ(g[5].name, "down_proj");
}

// Fused projections (GPT-2 c_attn, NeoX query_key_value, Phi-3 qkv_proj and gate_up_proj)
// are one linear each: the same weights, fewer modules, each playing several roles.
TEST(ParamCount, FusedProjectionsAreOneLinearWithTheSameWeights) {
  ModelArch gpt2 = Gpt2Small();
  gpt2.fused_qkv = true;
  const auto g = LayerLinears(gpt2);
  ASSERT_EQ(g.size(), 4u);
  EXPECT_EQ(g[0].name, "qkv_proj");
  EXPECT_EQ(g[0].d_out, 3 * 768);
  EXPECT_EQ(g[0].slots, kSlotQ | kSlotK | kSlotV);
  EXPECT_EQ(g[1].slots, kSlotO);
  EXPECT_EQ(CountParams(gpt2).total, CountParams(Gpt2Small()).total);

  ModelArch phi = Llama31_8B();  // GQA: the fused output is q + 2 kv wide
  phi.fused_qkv = phi.fused_gate_up = true;
  const auto l = LayerLinears(phi);
  ASSERT_EQ(l.size(), 4u);
  EXPECT_EQ(l[0].d_out, 4096 + 2 * 1024);
  EXPECT_EQ(l[2].name, "gate_up_proj");
  EXPECT_EQ(l[2].d_out, 2 * 14336);
  EXPECT_EQ(l[2].slots, kSlotGate | kSlotUp);
  EXPECT_EQ(CountParams(phi).layer_linear, CountParams(Llama31_8B()).layer_linear);
  EXPECT_EQ(CountParams(phi).largest_linear, 4096.0 * 2 * 14336);  // the gate_up matrix
  EXPECT_NE(ShapeKey::Of(phi), ShapeKey::Of(Llama31_8B()));        // the cache tells them apart
}

// LoRA target names reach module roles the same way for every estimator (module_names.h):
// PEFT's names of each family, dotted paths, and fused modules that play several roles.
TEST(ParamCount, LoraTargetNamesReachModuleRoles) {
  EXPECT_EQ(SlotsOfTarget("q_proj"), kSlotQ);
  EXPECT_EQ(SlotsOfTarget("model.layers.0.self_attn.q_proj"), kSlotQ);
  EXPECT_EQ(SlotsOfTarget("c_attn"), kSlotQ | kSlotK | kSlotV);
  EXPECT_EQ(SlotsOfTarget("query_key_value"), kSlotQ | kSlotK | kSlotV);
  EXPECT_EQ(SlotsOfTarget("Wqkv"), kSlotQ | kSlotK | kSlotV);
  EXPECT_EQ(SlotsOfTarget("gate_up_proj"), kSlotGate | kSlotUp);
  EXPECT_EQ(SlotsOfTarget("to_out.0"), kSlotO);
  EXPECT_EQ(SlotsOfTarget("c_proj"), kSlotO | kSlotDown);
  EXPECT_EQ(SlotsOfTarget("kv_b_proj"), kSlotK | kSlotV);
  EXPECT_EQ(SlotsOfTarget("not_a_module"), 0u);
  // Megatron-Core / NeMo LoRA target_modules.
  EXPECT_EQ(SlotsOfTarget("linear_qkv"), kSlotQ | kSlotK | kSlotV);
  EXPECT_EQ(SlotsOfTarget("linear_proj"), kSlotO);
  EXPECT_EQ(SlotsOfTarget("linear_fc1"), kSlotGate | kSlotUp);
  EXPECT_EQ(SlotsOfTarget("linear_fc2"), kSlotDown);
  const ResolvedTargets none = ResolveTargets("", {"q_proj", "v_proj", "nope"}, false);
  EXPECT_EQ(none.slots, kSlotQ | kSlotV);  // no family: the generic table
  EXPECT_EQ(none.unknown, std::vector<std::string>{"nope"});
  EXPECT_FALSE(none.renamed);
  EXPECT_EQ(ResolveTargets("", {}, true).slots, kSlotsAllLinear);
  EXPECT_FALSE(kSlotsAllLinear & kSlotHead);  // all-linear leaves the lm_head out
  // Every linear of a layer has a role a target can reach (the router only by name or
  // all-linear).
  for (const ModelArch& m : {Llama31_8B(), Gpt2Small(), Mixtral8x7B()})
    for (const auto& l : LayerLinears(m)) EXPECT_NE(l.slots, 0u) << l.name;
}

// Targets resolve against the module names of the model's family as PEFT matches them: a
// name the family uses keeps its name and reaches only its modules; a name it does not use
// is read by its role and renamed to the family's modules that play it.
TEST(ParamCount, LoraTargetsResolveAgainstTheFamilysModuleNames) {
  using V = std::vector<std::string>;
  // Llama names: unchanged.
  const auto llama = ResolveTargets("llama", {"q_proj", "k_proj", "v_proj", "o_proj"}, false);
  EXPECT_FALSE(llama.renamed);
  EXPECT_EQ(llama.names, (V{"q_proj", "k_proj", "v_proj", "o_proj"}));
  EXPECT_EQ(llama.slots, kSlotQ | kSlotK | kSlotV | kSlotO);
  // Phi-3 has no q_proj: the default targets become its fused qkv_proj and o_proj (PEFT
  // would stop at "Target modules {q_proj, ...} not found in the base model").
  const auto phi = ResolveTargets("phi3", {"q_proj", "k_proj", "v_proj", "o_proj"}, false);
  EXPECT_TRUE(phi.renamed);
  EXPECT_EQ(phi.names, (V{"qkv_proj", "o_proj"}));
  EXPECT_EQ(phi.slots, kSlotQ | kSlotK | kSlotV | kSlotO);
  EXPECT_EQ(ResolveTargets("phi3", {"gate_proj", "up_proj"}, false).names, V{"gate_up_proj"});
  // GPT-2: c_proj is both projections; attn.c_proj only the attention one; q_proj and v_proj
  // are c_attn; a dotted path with its layer index reaches its module.
  EXPECT_EQ(ResolveTargets("gpt2", {"c_proj"}, false).slots, kSlotO | kSlotDown);
  EXPECT_EQ(ResolveTargets("gpt2", {"attn.c_proj"}, false).slots, kSlotO);
  EXPECT_EQ(ResolveTargets("gpt2", {"transformer.h.0.mlp.c_proj"}, false).slots, kSlotDown);
  EXPECT_EQ(ResolveTargets("gpt2", {"q_proj", "v_proj"}, false).names, V{"c_attn"});
  EXPECT_EQ(ResolveTargets("gpt2", {"o_proj"}, false).names, V{"attn.c_proj"});
  // GPT-NeoX's `dense` is the attention output alone (its MLP is dense_h_to_4h /
  // dense_4h_to_h), where the generic table reads every projection called dense.
  EXPECT_EQ(ResolveTargets("gpt_neox", {"query_key_value", "dense"}, false).slots,
            kSlotQ | kSlotK | kSlotV | kSlotO);
  EXPECT_EQ(SlotsOfTarget("dense"), kSlotO | kSlotUp | kSlotDown);
  // Mixtral's experts are w1 / w3 / w2 and its router block_sparse_moe.gate.
  const auto mix = ResolveTargets("mixtral", {"gate_proj", "up_proj", "down_proj", "gate"}, false);
  EXPECT_EQ(mix.names, (V{"w1", "w3", "w2", "gate"}));
  EXPECT_EQ(mix.slots, kSlotGate | kSlotUp | kSlotDown | kSlotRouter);
  // A name that reaches nothing is kept as written and reported.
  const auto bad = ResolveTargets("phi3", {"q_proj", "nope"}, false);
  EXPECT_EQ(bad.names, (V{"qkv_proj", "nope"}));
  EXPECT_EQ(bad.unknown, V{"nope"});
  // The family's own module names reach every linear of its layers.
  ModelArch gpt2 = Gpt2Small();
  gpt2.fused_qkv = true;
  for (const auto& [family, m] : {std::pair{"llama", Llama31_8B()}, std::pair{"gpt2", gpt2},
                                  std::pair{"mixtral", Mixtral8x7B()}}) {
    V names;
    for (const auto& module : FamilyModules(family)) names.emplace_back(module.path);
    ASSERT_FALSE(names.empty()) << family;
    const auto r = ResolveTargets(family, names, false);
    EXPECT_FALSE(r.renamed) << family;
    for (const auto& l : LayerLinears(m))
      EXPECT_NE(l.slots & r.slots, 0u) << family << " " << l.name;
  }
}

TEST(ParamCount, LayerLinearsOfMoeCarryExpertCopies) {
  const auto l = LayerLinears(Mixtral8x7B());
  ASSERT_EQ(l.size(), 8u);
  EXPECT_EQ(l[4].name, "gate_proj");
  EXPECT_EQ(l[4].copies, 8);
  EXPECT_EQ(l[4].active_copies, 2);
  EXPECT_EQ(l[7].name, "router");
  EXPECT_EQ(l[7].d_out, 8);
  double sum = 0;
  for (const auto& x : l) sum += static_cast<double>(x.d_in) * x.d_out * x.copies;
  EXPECT_DOUBLE_EQ(CountParams(Mixtral8x7B()).layer_linear, sum);
}

TEST(ParamCount, PerLayerTimesLayersPlusEmbeddingsIsTotal) {
  for (const ModelArch& m : {Llama31_8B(), Gpt2Small(), Mixtral8x7B()}) {
    const auto c = CountParams(m);
    const double final_norm = m.norm == NormKind::kRmsNorm ? m.hidden : 2.0 * m.hidden;
    EXPECT_NEAR(c.per_layer * m.layers + c.embedding + c.lm_head + c.position + final_norm, c.total,
                1.0);
  }
}

}  // namespace
}  // namespace gpuadv::catalog
