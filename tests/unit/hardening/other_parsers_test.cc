// The HF config.json reader and the --catalog loader under extreme and malformed input
// (issue 6): rejected with an InputError naming the key, or loaded and estimated with the
// output invariants intact.
#include <string>
#include <vector>

#include "gpuadv/io/model_loader.h"
#include "tests/unit/hardening/hardening_util.h"

namespace gpuadv::hardening {
namespace {

constexpr const char* kLlama =
    R"({"model_type": "llama", "num_hidden_layers": 32, "hidden_size": 4096,
        "num_attention_heads": 32, "num_key_value_heads": 8, "intermediate_size": 14336,
        "vocab_size": 128256, "max_position_embeddings": 131072})";

// kLlama with `key` set to the JSON `value`.
std::string LlamaWith(const std::string& key, const std::string& value) {
  std::string s = kLlama;
  return s.substr(0, s.size() - 1) + ", \"" + key + "\": " + value + "}";
}

std::string HfError(const std::string& json) {
  try {
    io::ModelFromHfConfig(json, "config.json");
  } catch (const InputError& e) {
    return e.field();
  }
  return "(accepted)";
}

TEST(HfConfigHardening, ExtremeAndWrongValuesAreRejectedNamingTheKey) {
  struct Case {
    const char* key;
    std::vector<const char*> values;
  };
  const std::vector<Case> cases = {
      {"hidden_size",
       {"0", "-4096", "1e309", "-1e309", "99999999999999999999", "4096.5", "\"4096\"", "[4096]",
        "{}", "true", "18446744073709551615"}},
      {"num_hidden_layers", {"0", "10001", "1e309", "null"}},
      {"vocab_size", {"0", "1e300", "-1"}},
      {"num_key_value_heads", {"0", "3", "64", "\"8\""}},
      {"max_position_embeddings", {"0", "1e309", "[1]"}},
      {"tie_word_embeddings", {"1", "\"true\"", "[]"}},
      {"attention_dropout", {"-0.1", "1", "1e309", "\"0\""}},
      {"model_type", {"[\"llama\"]", "5", "\"\""}},
  };
  for (const auto& [key, values] : cases) {
    for (const char* v : values) {
      const std::string json = LlamaWith(key, v);
      const std::string field = HfError(json);
      // Range and type errors, missing keys (null) and the cross-field checks (kv heads
      // dividing heads) all name the key as the file spells it.
      EXPECT_EQ(field, "config.json: " + std::string(key)) << key << "=" << v;
    }
  }
}

// A config.json nested 100000 deep parses (nlohmann's parser is iterative) but is no
// object; its error message used nlohmann's recursive dump() and overflowed the stack.
TEST(HfConfigHardening, DeeplyNestedConfigIsRejectedWithoutRecursion) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  try {
    io::ModelFromHfConfig(deep, "config.json");
    ADD_FAILURE() << "accepted";
  } catch (const InputError& e) {
    // Refused while parsing, at the 65th level, before the rest is read or built.
    EXPECT_STREQ(e.what(),
                 "config.json: too deep 'nesting deeper than 64'; accepted: documents nested "
                 "at most 64 levels");
  }
}

TEST(HfConfigHardening, ShapesBeyondTenTrillionParamsAreRejected) {
  const std::string json =
      R"({"model_type": "llama", "num_hidden_layers": 10000, "hidden_size": 1000000,
          "num_attention_heads": 1000, "intermediate_size": 10000000, "vocab_size": 10000000})";
  EXPECT_NE(HfError(json), "(accepted)");
}

TEST(HfConfigHardening, MalformedDocumentsAreRejected) {
  for (const std::string& d :
       {std::string(""), std::string("[]"), std::string("null"), std::string("{"),
        std::string(100000, '[') + std::string(100000, ']'), std::string("{\"a\": \"\xff\"}"),
        std::string("{\"model_type\": \"llama\"") + std::string(1 << 20, ' ') + "}",
        std::string("{\"model_type\": NaN}"), std::string("{\"model_type\": Infinity}")}) {
    EXPECT_NE(HfError(d), "(accepted)") << d.substr(0, 60);
  }
}

TEST(HfConfigHardening, LargestAcceptedShapeIsEstimatedWithInvariants) {
  // 1000 layers of hidden 28672 (~1e13 parameters) on 8 x 1000 H100s.
  const std::string json =
      R"({"model_type": "llama", "num_hidden_layers": 1000, "hidden_size": 28672,
          "num_attention_heads": 224, "num_key_value_heads": 8, "intermediate_size": 77824,
          "vocab_size": 128256})";
  workload::Scenario s = io::ParseScenario(
      io::ParseDocument("model: gpt2\nhardware: {gpu: h100-sxm, count: 8, nodes: 1000}\n"
                        "training: {method: pretrain, seq_len: 1024, "
                        "activation_checkpointing: full}\n",
                        "t"),
      io::BuiltinCatalog(), "t");
  s.model = io::ModelFromHfConfig(json, "config.json");
  s.parallelism.tp = 8;
  s.parallelism.pp = 100;
  s.parallelism.zero = 1;
  s.parallelism.specified = true;
  io::ValidateScenario(s);
  const auto r = estimate::Estimate(s, {&io::BuiltinEfficiency(), &io::BuiltinCatalog()});
  EXPECT_TRUE(estimate::CheckInvariants(r).empty()) << Join(estimate::CheckInvariants(r));
  EXPECT_GT(r.memory.total_params, 5e12);
}

std::string CatalogError(const std::string& text) {
  catalog::Catalog cat = io::BuiltinCatalog();
  try {
    io::LoadCatalogText(cat, text, "cat.yaml");
  } catch (const InputError& e) {
    return e.field();
  }
  return "(accepted)";
}

TEST(CatalogHardening, ExtremeGpuFiguresAreRejectedNamingTheField) {
  for (const char* v :
       {"0", "-80", ".nan", ".inf", "1e309", "99999999999999999999", "[80]", "eighty", "4097"}) {
    const std::string text = std::string("gpus:\n  - {id: h100-sxm, memory_gb: ") + v + "}\n";
    EXPECT_EQ(CatalogError(text), "gpus[0].memory_gb") << v;
  }
}

TEST(CatalogHardening, MalformedDocumentsAreRejected) {
  for (const std::string& d :
       {std::string("gpus: 5"), std::string("gpus: [5]"), std::string("gpus: {a: 1}"),
        std::string("models: [{id: \"\xff\"}]"), std::string("offers: [[]]"),
        std::string("gpu: []"), std::string("[]"), std::string("42"),
        std::string("gpus: [{id: x, ") + std::string(1 << 20, 'k') + ": 1}]",
        "gpus: " + std::string(2000, '[') + std::string(2000, ']')}) {
    EXPECT_NE(CatalogError(d), "(accepted)") << d.substr(0, 60);
  }
  EXPECT_EQ(CatalogError(""), "(accepted)");  // an empty file adds nothing
}

TEST(CatalogHardening, OverriddenGpuEstimatesKeepInvariants) {
  // Smallest and largest accepted memory and bandwidth, estimated on a small model.
  for (const char* gpu : {"{id: h100-sxm, memory_gb: 0.5}", "{id: h100-sxm, memory_gb: 4096}",
                          "{id: h100-sxm, memory_bw_gbs: 0.001}", "{id: h100-sxm, tdp_w: 0}"}) {
    catalog::Catalog cat = io::BuiltinCatalog();
    try {
      io::LoadCatalogText(cat, std::string("gpus: [") + gpu + "]", "cat.yaml");
    } catch (const InputError&) {
      continue;  // out of the accepted range: rejected is fine
    }
    const auto s = io::ParseScenario(
        io::ParseDocument("model: gpt2\ntraining: {seq_len: 1024}\nhardware: {gpu: h100-sxm}\n",
                          "t"),
        cat, "t");
    const auto r = estimate::Estimate(s, {&io::BuiltinEfficiency(), &cat});
    EXPECT_TRUE(estimate::CheckInvariants(r).empty()) << gpu << Join(estimate::CheckInvariants(r));
  }
}

}  // namespace
}  // namespace gpuadv::hardening
