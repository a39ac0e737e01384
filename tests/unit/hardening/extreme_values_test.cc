// Extreme numbers (issue 6): every size from 1 to the documented limits is computed with
// the output invariants intact; zero, negative, NaN, infinite, overflowing and wrong-typed
// values are rejected with an InputError naming the field. Never a crash, NaN or negative.
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "tests/unit/hardening/hardening_util.h"

namespace gpuadv::hardening {
namespace {

// An unshaped model (6N throughput), fully trained with ZeRO-3 on 8 H100s.
constexpr const char* kBase =
    "model: {params: 7.0e9}\n"
    "training: {method: full, seq_len: 2048, micro_batch: 1}\n"
    "hardware: {gpu: h100-sxm, count: 8}\n"
    "parallelism: {zero: 3}\n";

// A catalog model with a shape (activations, attention, LoRA all counted).
constexpr const char* kShaped =
    "model: llama-3.1-8b\n"
    "training: {method: full, seq_len: 2048, micro_batch: 1, activation_checkpointing: full}\n"
    "hardware: {gpu: h100-sxm, count: 8}\n"
    "parallelism: {zero: 3}\n";

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

TEST(ExtremeValues, ParamsFromOneToTenTrillionAreComputed) {
  for (double params : {1.0, 1e3, 1e6, 1e9, 7e9, 1e11, 1e12, 1e13}) {
    const auto o = RunScenario(kBase, {{"model.params", Num(params)}});
    EXPECT_COMPUTED(o, params);
    EXPECT_DOUBLE_EQ(o.result.memory.total_params, params);
  }
}

TEST(ExtremeValues, ShapedModelNearTenTrillionIsComputed) {
  // 1000 layers of hidden 28800: ~9.96e12 parameters, on 8 x 1000 GPUs.
  const std::string text =
      "model: {layers: 1000, hidden: 28800, heads: 240, ffn: 115200, vocab: 32000, mlp: gelu,"
      " norm: layernorm, position: rope}\n"
      "training: {method: pretrain, seq_len: 4096, activation_checkpointing: full}\n"
      "hardware: {gpu: h100-sxm, count: 8, nodes: 1000}\n"
      "parallelism: {tp: 8, pp: 50, zero: 1}\n";
  const auto o = RunScenario(text);
  EXPECT_COMPUTED(o, text);
  EXPECT_GT(o.result.memory.total_params, 9e12);
  EXPECT_LE(o.result.memory.total_params, 1e13);
}

TEST(ExtremeValues, ParamsAboveTenTrillionAreRejected) {
  EXPECT_REJECTED(RunScenario(kBase, {{"model.params", "1.0000001e13"}}), "model.params",
                  "1.0000001e13");
  const std::string text =
      "model: {layers: 10000, hidden: 1000000, heads: 1000, ffn: 4000000, vocab: 32000}\n";
  EXPECT_REJECTED(RunScenario(text), "model", text);
}

TEST(ExtremeValues, SequenceFromOneToTenMillionIsComputed) {
  for (const char* seq : {"1", "2", "1000", "131072", "1000000", "10000000"}) {
    EXPECT_COMPUTED(RunScenario(kShaped, {{"training.seq_len", seq}}), seq);
    EXPECT_COMPUTED(RunScenario(kBase, {{"training.seq_len", seq}}), seq);
  }
  EXPECT_REJECTED(RunScenario(kShaped, {{"training.seq_len", "10000001"}}), "training.seq_len",
                  "10000001");
}

TEST(ExtremeValues, OneToOneHundredThousandGpusAreComputed) {
  const std::vector<std::pair<const char*, const char*>> layouts = {
      {"1", "1"}, {"8", "1"}, {"1024", "1"}, {"8", "125"}, {"8", "12500"}, {"1024", "97"}};
  for (const auto& [count, nodes] : layouts) {
    const std::string what = std::string(count) + " x " + nodes;
    EXPECT_COMPUTED(RunScenario(kShaped, {{"hardware.count", count}, {"hardware.nodes", nodes}}),
                    what);
    EXPECT_COMPUTED(RunScenario(kBase, {{"hardware.count", count}, {"hardware.nodes", nodes}}),
                    what);
  }
}

TEST(ExtremeValues, MoreGpusThanTheLimitAreRejected) {
  EXPECT_REJECTED(RunScenario(kBase, {{"hardware.count", "1025"}}), "hardware.count", "1025");
  EXPECT_REJECTED(RunScenario(kBase, {{"hardware.count", "8"}, {"hardware.nodes", "125001"}}),
                  "hardware.nodes", "8 x 125001");
}

TEST(ExtremeValues, LargestBatchAndTokensAreComputed) {
  EXPECT_COMPUTED(
      RunScenario(kBase, {{"training.micro_batch", "100000000"}, {"training.seq_len", "1"}}),
      "micro_batch 1e8");
  EXPECT_COMPUTED(RunScenario(kBase, {{"training.global_batch", "100000000"}}), "global_batch 1e8");
  EXPECT_COMPUTED(RunScenario(kBase, {{"training.tokens", "1e16"}}), "tokens 1e16");
  EXPECT_COMPUTED(RunScenario(kBase, {{"training.dataset", "{samples: 1e13, epochs: 1e6}"}}),
                  "dataset 1e13 x 1e6");
}

// Each field with each bad value must be rejected naming that field.
struct BadValue {
  const char* key;
  std::vector<const char*> values;
};

void ExpectAllRejected(const std::vector<BadValue>& table) {
  for (const auto& [key, values] : table)
    for (const char* value : values)
      EXPECT_REJECTED(RunScenario(kBase, {{key, value}}), key, std::string(key) + "=" + value);
}

TEST(ExtremeValues, ZeroAndNegativeAreRejectedNamingTheField) {
  ExpectAllRejected({
      {"model.params", {"0", "-7e9", "-1"}},
      {"training.seq_len", {"0", "-1", "-2048"}},
      {"training.micro_batch", {"0", "-1"}},
      {"training.global_batch", {"0", "-5"}},
      {"training.tokens", {"0", "-1e9"}},
      {"training.lora.rank", {"0", "-16"}},
      {"hardware.count", {"0", "-8"}},
      {"hardware.nodes", {"0", "-1"}},
      {"hardware.network_gbps", {"0", "-100"}},
      {"parallelism.tp", {"0", "-2"}},
      {"parallelism.zero", {"-1", "4"}},
      {"system.psu_watts", {"0", "-850"}},
      {"constraints.budget_usd", {"-1"}},
      {"constraints.deadline_hours", {"0", "-3"}},
  });
}

TEST(ExtremeValues, NanInfinityAndOverflowAreRejectedNamingTheField) {
  const std::vector<const char*> bad = {".nan",
                                        "nan",
                                        "NaN",
                                        ".inf",
                                        "-.inf",
                                        "inf",
                                        "-infinity",
                                        "1e309",
                                        "-1e309",
                                        "99999999999999999999",
                                        "-99999999999999999999",
                                        "9223372036854775808",
                                        "18446744073709551616",
                                        "1e-400"};
  ExpectAllRejected({
      {"model.params", bad},
      {"training.seq_len", bad},
      {"training.micro_batch", bad},
      {"training.tokens", bad},
      {"training.lora.alpha", {".nan", ".inf", "1e309", "-1e309", "99999999999999999999"}},
      {"hardware.count", bad},
      {"hardware.nodes", bad},
      {"hardware.network_gbps", bad},
      {"parallelism.tp", bad},
      {"constraints.budget_usd", {".nan", ".inf", "1e309", "99999999999999999999"}},
      {"constraints.electricity_usd_per_kwh", {".nan", "inf", "1e309"}},
  });
}

TEST(ExtremeValues, WrongTypesAreRejectedNamingTheField) {
  ExpectAllRejected({
      {"model.params", {"[7e9]", "{a: 1}", "seven billion", "true"}},
      {"training.seq_len", {"[1, 2]", "{a: 1}", "abc", "true", "2048tokens", "0x", "1.5"}},
      {"training.method", {"[lora]", "{a: 1}", "5", "LORA!"}},
      {"training.lora.targets", {"{q_proj: 1}", "[[q_proj]]", "[]"}},
      {"training.activation_offload", {"3", "[true]", "maybe"}},
      {"hardware.gpu", {"[h100-sxm]", "5", "no-such-gpu"}},
      {"hardware.count", {"eight", "[8]", "8.5"}},
      {"parallelism.sequence_parallel", {"3", "{a: b}"}},
      {"constraints.vendors", {"[[nvidia]]", "{a: 1}", "acme"}},
      {"objective", {"[time]", "5", "fastest"}},
      {"training", {"5", "[a, b]", "text"}},
      {"hardware", {"[h100-sxm]", "true"}},
  });
  EXPECT_REJECTED(RunScenario("model: [gpt2]\n"), "model", "model: [gpt2]");
  EXPECT_REJECTED(RunScenario("model: true\n"), "model", "model: true");
  EXPECT_REJECTED(RunScenario("model: gpt2\nseq_len: 4096\n"), "seq_len", "unknown top-level key");
}

TEST(ExtremeValues, JsonNumbersBeyondDoubleAreRejectedNamingTheField) {
  for (const char* v : {"1e309", "-1e309", "99999999999999999999", "18446744073709551615", "1.5",
                        "true", "\"2048\"x"}) {
    const std::string text =
        std::string(R"({"model": "gpt2", "training": {"seq_len": )") + v + "}}";
    const auto o = RunScenario(text);
    EXPECT_FALSE(o.computed) << text;
    if (std::string(v) != "\"2048\"x") {
      EXPECT_EQ(o.field, "training.seq_len") << o.error;
    }
  }
}

TEST(ExtremeValues, IntegersAreReadExactlyBeyondTwoToThe53) {
  // 2^53 + 1 is not a double; read through double it would become 2^53.
  const io::Doc d1 = io::ParseDocument("n: 9007199254740993\nbig: 9223372036854775807\n", "t");
  io::Fields f(d1, "x");
  EXPECT_EQ(*f.Integer("n", 0, 9223372036854775807LL), 9007199254740993LL);
  EXPECT_EQ(*f.Integer("big", 0, 9223372036854775807LL), 9223372036854775807LL);
  const io::Doc d2 = io::ParseDocument("a: 9223372036854775808\nb: 9.3e18\nc: 1e309\n", "t");
  io::Fields g(d2, "x");
  for (const char* key : {"a", "b", "c"}) {
    try {
      g.Integer(key, 0, 9223372036854775807LL);
      ADD_FAILURE() << key << " accepted";
    } catch (const InputError& e) {
      EXPECT_EQ(e.field(), std::string("x.") + key);
      EXPECT_NE(std::string(e.what()).find("out of range"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace gpuadv::hardening
