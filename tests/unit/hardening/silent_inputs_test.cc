// Issue 17 items 9 and 10: inputs that used to be accepted without a word are rejected
// naming the field (InputError: exit 2, HTTP 400) or estimated with a warning, and the
// invariants hold in Release builds (mfu <= 1, time >= one step, trainable <= total).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "gpuadv/io/fields.h"
#include "gpuadv/report/json_report.h"
#include "tests/unit/hardening/hardening_util.h"

namespace gpuadv::hardening {
namespace {

bool Warned(const Outcome& o, const std::string& text) {
  for (const auto& w : o.result.warnings)
    if (w.find(text) != std::string::npos) return true;
  return false;
}

// The InputError LoadCatalogText throws for `text`, or "" when it loads.
std::string CatalogError(const std::string& text, catalog::Catalog* out = nullptr) {
  catalog::Catalog cat = io::BuiltinCatalog();
  try {
    io::LoadCatalogText(cat, text, "extra.yaml");
  } catch (const InputError& e) {
    return e.what();
  }
  if (out) *out = cat;
  return "";
}

const char* const kOffer =
    "offers:\n  - {id: cheap, provider: X, kind: gpu-cloud, gpu: %s, usd_per_gpu_hr: %s, "
    "as_of: 2026-01}\n";

std::string Offer(const std::string& gpu, const std::string& price) {
  char buf[256];
  std::snprintf(buf, sizeof buf, kOffer, gpu.c_str(), price.c_str());
  return buf;
}

TEST(SilentInputs, DuplicateYamlKeyIsRejected) {
  const std::string in = "model: llama-3.1-8b\ntraining:\n  seq_len: 1024\n  seq_len: 2048\n";
  const auto o = RunScenario(in);
  EXPECT_REJECTED(o, "test.yaml: training.seq_len", in);
  EXPECT_NE(o.error.find("duplicate key 'seq_len'"), std::string::npos) << o.error;
}

TEST(SilentInputs, DuplicateJsonKeyIsRejected) {
  const std::string in = R"({"model": "llama-3.1-8b", "training": {"seq_len": 1, "seq_len": 2}})";
  EXPECT_REJECTED(RunScenario(in), "test.yaml: training.seq_len", in);
}

TEST(SilentInputs, InvalidUtf8IsRejectedNamingTheField) {
  const std::string yaml =
      "model: llama-3.1-8b\nhardware:\n  gpu: {base: h100-sxm, name: \"H\xff\"}\n";
  const auto o = RunScenario(yaml);
  EXPECT_REJECTED(o, "test.yaml: hardware.gpu.name", yaml);
  EXPECT_NE(o.error.find("invalid UTF-8 at byte 1 of 'H\\xff'"), std::string::npos) << o.error;
  const std::string json = "{\"model\": \"llama-3.1-8b\", \"x\": \"\xc3\x28\"}";
  EXPECT_REJECTED(RunScenario(json), "test.yaml: x", json);
  EXPECT_NE(CatalogError("gpus:\n  - {id: h100-sxm, name: \"\xed\xa0\x80\"}\n")
                .find("extra.yaml: gpus[0].name: invalid UTF-8"),
            std::string::npos);
}

TEST(SilentInputs, ValidUtf8PassesTheCheck) {
  EXPECT_EQ(io::InvalidUtf8At("plain, \xc3\xa9t\xc3\xa9, \xe2\x82\xac, \xf0\x9f\x98\x80"),
            std::string::npos);
  EXPECT_EQ(io::InvalidUtf8At("\xc0\xaf"), 0u);            // overlong '/'
  EXPECT_EQ(io::InvalidUtf8At("ab\xf4\x90\x80\x80"), 2u);  // above U+10FFFF
  EXPECT_EQ(io::InvalidUtf8At("abc\xe2\x82"), 3u);         // cut short
}

TEST(SilentInputs, JsonOutputSurvivesAnyBytes) {
  const nlohmann::json j = {{"name", "H\xff\xfe"}};
  EXPECT_EQ(report::JsonText(j), "{\n  \"name\": \"H\xef\xbf\xbd\xef\xbf\xbd\"\n}");
}

TEST(SilentInputs, SecondYamlDocumentIsRejected) {
  const std::string in = "model: llama-3.1-8b\n---\nmodel: llama-3.1-70b\n";
  const auto o = RunScenario(in);
  EXPECT_REJECTED(o, "test.yaml", in);
  EXPECT_NE(o.error.find("more than one document"), std::string::npos) << o.error;
}

TEST(SilentInputs, OfferAtZeroPriceIsRejected) {
  EXPECT_NE(CatalogError(Offer("rtx-4090", "0"))
                .find("extra.yaml: offers[0].usd_per_gpu_hr: out of range '0'; accepted: a "
                      "price above 0"),
            std::string::npos)
      << CatalogError(Offer("rtx-4090", "0"));
}

TEST(SilentInputs, OfferForUnknownGpuIsRejectedAndAliasesResolve) {
  EXPECT_NE(CatalogError(Offer("rtx-4091", "1.5"))
                .find("extra.yaml: offers[0].gpu: unknown GPU 'rtx-4091'"),
            std::string::npos)
      << CatalogError(Offer("rtx-4091", "1.5"));
  catalog::Catalog cat;
  ASSERT_EQ(CatalogError(Offer("4090", "0.01"), &cat), "");
  ASSERT_FALSE(cat.OffersFor("rtx-4090").empty());
  EXPECT_EQ(cat.CheapestOffer("rtx-4090", 1, 1)->id, "cheap");
}

TEST(SilentInputs, LoraRankAboveHiddenSizeIsRejected) {
  const std::string in = "model: llama-3.1-8b\ntraining: {method: lora, lora: {rank: 65536}}\n";
  const auto o = RunScenario(in);
  EXPECT_REJECTED(o, "training.lora.rank", in);
  EXPECT_NE(o.error.find("at most the model's hidden size 4096"), std::string::npos) << o.error;
  EXPECT_COMPUTED(
      RunScenario("model: llama-3.1-8b\ntraining: {method: lora, lora: {rank: 4096}}\n"),
      "rank 4096");
}

TEST(SilentInputs, QuantizationBitsAndTypeMustAgree) {
  const std::string in =
      "model: llama-3.1-8b\ntraining: {method: qlora, quantization: {bits: 8, type: nf4}}\n";
  const auto o = RunScenario(in);
  EXPECT_REJECTED(o, "training.quantization.type", in);
  EXPECT_NE(o.error.find("does not match bits: 8"), std::string::npos) << o.error;
  const auto& cat = io::BuiltinCatalog();
  const auto s = io::ParseScenario(
      io::ParseDocument("model: llama-3.1-8b\ntraining: {quantization: {bits: 8}}\n", "t"), cat,
      "t");
  EXPECT_EQ(s.training.quantization.type, "int8");
}

TEST(SilentInputs, SeqLenBeyondModelPositionsWarns) {
  const auto o = RunScenario("model: llama-3.1-8b\ntraining: {method: qlora, seq_len: 262144}\n");
  EXPECT_COMPUTED(o, "seq_len 262144");
  EXPECT_TRUE(Warned(o, "training.seq_len 262144 exceeds the model's 131072 positions"));
  // The issue's case: ten million positions on a 131,072-position model.
  const auto ten_m =
      RunScenario("model: llama-3.1-8b\ntraining: {method: qlora, seq_len: 10000000}\n");
  EXPECT_COMPUTED(ten_m, "seq_len 10000000");
  EXPECT_TRUE(Warned(ten_m, "training.seq_len 10000000 exceeds the model's 131072 positions"))
      << Join(ten_m.result.warnings);
}

TEST(SilentInputs, TokensAndDatasetTogetherAreRejected) {
  const std::string in =
      "model: llama-3.1-8b\ntraining: {tokens: 1e9, dataset: {samples: 1000, epochs: 1}}\n";
  EXPECT_REJECTED(RunScenario(in), "training.dataset", in);
  // A flag overriding one of the two replaces the other (--tokens on a file with dataset).
  const std::string file = "model: llama-3.1-8b\ntraining: {dataset: {samples: 1000}}\n";
  const auto o = RunScenario(file, {{"training.tokens", "1e9"}});
  EXPECT_COMPUTED(o, file);
  EXPECT_EQ(o.result.training.tokens, 1e9);
  EXPECT_COMPUTED(RunScenario("model: llama-3.1-8b\ntraining: {tokens: 1e9}\n",
                              {{"training.dataset", "{samples: 1000}"}}),
                  "dataset over tokens");
}

TEST(SilentInputs, InlineParamsContradictingTheShapeAreRejected) {
  const std::string shape =
      "layers: 32, hidden: 4096, heads: 32, kv_heads: 8, ffn: 14336, vocab: 128256";
  const std::string in = "model: {params: 2.0e9, " + shape + "}\n";
  const auto o = RunScenario(in);
  EXPECT_REJECTED(o, "model.params", in);
  EXPECT_NE(o.error.find("the count the shape gives, 8.03e+09"), std::string::npos) << o.error;
  EXPECT_COMPUTED(RunScenario("model: {params: 8.0e9, " + shape + "}\n"), "params 8e9");
  const auto near = RunScenario("model: {params: 7.0e9, " + shape + "}\n");  // DESIGN's example
  EXPECT_COMPUTED(near, "params 7e9");
  EXPECT_TRUE(Warned(near, "model.params 7e+09 differs from the 8.03e+09 its shape gives"))
      << Join(near.result.warnings);
}

TEST(SilentInputs, VariantIdNamingAnotherCatalogGpuIsRejected) {
  const std::string in = "model: llama-3.1-8b\nhardware: {gpu: {base: h100-sxm, id: rtx-4090}}\n";
  const auto o = RunScenario(in);
  EXPECT_REJECTED(o, "hardware.gpu.id", in);
  EXPECT_NE(o.error.find("is another catalog GPU (rtx-4090)"), std::string::npos) << o.error;
  EXPECT_COMPUTED(
      RunScenario("model: llama-3.1-8b\nhardware: {gpu: {base: h100-sxm, id: h100-96}}\n"),
      "new variant id");
}

TEST(SilentInputs, GpuWithoutComputePeakIsRejected) {
  const std::string in =
      "model: llama-3.1-8b\nhardware: {gpu: {base: h100-sxm, bf16_tensor_dense_tflops: null, "
      "fp16_tensor_fp32acc_dense_tflops: null, fp32_tflops_nontensor: null}}\n";
  const auto o = RunScenario(in);
  EXPECT_REJECTED(o, "hardware.gpu", in);
  EXPECT_NE(o.error.find("no compute peak known for 'h100-sxm'"), std::string::npos) << o.error;
}

TEST(SilentInputs, TrainingTimeIsAtLeastOneStep) {
  const std::string in =
      "model: llama-3.1-8b\ntraining: {method: full, tokens: 1e6, global_batch: 1000000}\n"
      "hardware: {gpu: h100-sxm, count: 8, nodes: 125000}\nparallelism: {zero: 3}\n";
  const auto o = RunScenario(in);
  EXPECT_COMPUTED(o, in);
  EXPECT_GE(o.result.training.time_s, o.result.throughput.step_time_s);
  EXPECT_TRUE(Warned(o, "are fewer than one step's")) << Join(o.result.warnings);
}

TEST(SilentInputs, GlobalBatchRoundsUpToWholeMicroStepsAndIsCountedSo) {
  const std::string in =
      "model: llama-3.1-8b\ntraining: {method: qlora, seq_len: 1024, micro_batch: 2, "
      "global_batch: 17}\n";
  const auto o = RunScenario(in);
  EXPECT_COMPUTED(o, in);
  EXPECT_EQ(o.result.global_batch, 18);
  EXPECT_NEAR(o.result.throughput.samples_per_s * o.result.throughput.step_time_s, 18, 1e-9);
  EXPECT_TRUE(Warned(o,
                     "training.global_batch 17 is not a multiple of micro_batch x "
                     "data-parallel = 2: runs as 9 micro-steps = 18 sequences per step"))
      << Join(o.result.warnings);
}

TEST(SilentInputs, DiffusionUnetAtFp8KeepsMfuAtMostOne) {
  for (const char* mb : {"1", "8", "64"}) {
    const std::string in = std::string(
                               "model: sd-1.5\ntraining: {method: full, precision: "
                               "fp8-mixed, micro_batch: ") +
                           mb + "}\nhardware: {gpu: h100-sxm}\n";
    const auto o = RunScenario(in);
    EXPECT_COMPUTED(o, in);
    EXPECT_GT(o.result.throughput.mfu, 0);
    EXPECT_LE(o.result.throughput.mfu, 1.0) << in;
  }
}

TEST(SilentInputs, CoreInvariantsAreNamed) {
  estimate::EstimateResult r;
  r.memory.per_gpu_bytes = 1e9;
  r.memory.total_params = 1e9;
  r.memory.trainable_params = 2e9;
  r.throughput.mfu = 1.05;
  r.throughput.step_time_s = 10;
  r.throughput.tokens_per_s = 100;
  r.training.tokens = 10;
  r.training.time_s = 0.1;
  const std::string all = Join(estimate::CheckCoreInvariants(r));
  EXPECT_NE(all.find("throughput.mfu (1.05) exceeds 1"), std::string::npos) << all;
  EXPECT_NE(all.find("memory.trainable_params (2000000000) exceeds memory.total_params"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("throughput.step_time_s (10) exceeds training.time_s (0.10000000000000001)"),
            std::string::npos)
      << all;
}

}  // namespace
}  // namespace gpuadv::hardening
