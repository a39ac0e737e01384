#include <gtest/gtest.h>

#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/io/scenario_loader.h"
#include "gpuadv/workload/enums.h"
#include "tests/unit/io/load_scenario.h"

namespace gpuadv::io {
namespace {

constexpr const char* kInlineModel =
    "{params: 7.0e9, layers: 32, hidden: 4096, heads: 32, kv_heads: 8, ffn: 14336, "
    "vocab: 128256, mlp: swiglu, norm: rmsnorm, bias: false, tied_embeddings: false, "
    "position: rope, experts: 0, experts_active: 0}";

using testing::ErrorOf;
using testing::Load;

TEST(Scenario, YamlAndJsonGiveTheSameScenario) {
  const std::string yaml = std::string("model: ") + kInlineModel +
                           "\ntraining: {method: lora, seq_len: 4096, micro_batch: 2, "
                           "lora: {rank: 8, targets: [q_proj, v_proj]}}\n"
                           "hardware: {gpu: h100-sxm, count: 8}\nparallelism: {zero: 3}\n";
  const std::string json =
      R"({"model": {"params": 7.0e9, "layers": 32, "hidden": 4096, "heads": 32, "kv_heads": 8,
          "ffn": 14336, "vocab": 128256, "mlp": "swiglu", "norm": "rmsnorm", "bias": false,
          "tied_embeddings": false, "position": "rope", "experts": 0, "experts_active": 0},
          "training": {"method": "lora", "seq_len": 4096, "micro_batch": 2,
                       "lora": {"rank": 8, "targets": ["q_proj", "v_proj"]}},
          "hardware": {"gpu": "h100-sxm", "count": 8}, "parallelism": {"zero": 3}})";
  auto a = Load(yaml);
  auto b = Load(json);
  EXPECT_EQ(a.training.method, workload::Method::kLora);
  EXPECT_EQ(a.training.method, b.training.method);
  EXPECT_EQ(a.training.seq_len, 4096);
  EXPECT_EQ(b.training.seq_len, 4096);
  EXPECT_EQ(a.training.lora.rank, b.training.lora.rank);
  EXPECT_EQ(a.training.lora.targets, b.training.lora.targets);
  EXPECT_EQ(a.hardware.gpu.id, "h100-sxm");
  EXPECT_EQ(b.hardware.count, 8);
  EXPECT_EQ(a.parallelism.zero, 3);
  EXPECT_EQ(a.model.layers, b.model.layers);
}

TEST(Scenario, OverridesReplaceFileValues) {
  Doc doc = ParseDocument(std::string("model: ") + kInlineModel +
                              "\ntraining: {seq_len: 1024}\nhardware: {gpu: rtx-4090}",
                          "t");
  ApplyOverride(doc, "training.seq_len", "8192");
  ApplyOverride(doc, "hardware.gpu", "a100-80gb-sxm");
  ApplyOverride(doc, "training.lora.rank", "64");
  ApplyOverride(doc, "training.method", "lora");
  auto s = ParseScenario(doc, BuiltinCatalog(), "t");
  EXPECT_EQ(s.training.seq_len, 8192);
  EXPECT_EQ(s.hardware.gpu.id, "a100-80gb-sxm");
  EXPECT_EQ(s.training.lora.rank, 64);
}

TEST(Scenario, GpuVariantKeepsBaseFields) {
  auto s = Load(std::string("model: ") + kInlineModel +
                "\nhardware: {gpu: {base: h100-sxm, memory_gb: 96}}");
  EXPECT_EQ(s.hardware.gpu.memory_gb, 96);
  EXPECT_EQ(s.hardware.gpu.architecture, BuiltinCatalog().Gpu("h100-sxm").architecture);
  // Its name says what differs from the base, so no output calls it the 80 GB board.
  EXPECT_EQ(s.hardware.gpu.name, "H100 SXM5 80GB variant (96 GB)");
  auto meta = Load(std::string("model: ") + kInlineModel +
                   "\nhardware: {gpu: {base: h100-sxm, memory_gb: 96, memory_bw_gbs: 2450, "
                   "tdp_w: 500}}");
  EXPECT_EQ(meta.hardware.gpu.name, "H100 SXM5 80GB variant (96 GB, 2450 GB/s, 500 W)");
  auto named = Load(std::string("model: ") + kInlineModel +
                    "\nhardware: {gpu: {base: h100-sxm, memory_gb: 96, name: H100 96GB}}");
  EXPECT_EQ(named.hardware.gpu.name, "H100 96GB");
  auto same = Load(std::string("model: ") + kInlineModel + "\nhardware: {gpu: {base: h100-sxm}}");
  EXPECT_EQ(same.hardware.gpu.name, BuiltinCatalog().Gpu("h100-sxm").name);
}

TEST(Scenario, MissingModelIsAnError) {
  EXPECT_EQ(ErrorOf("training: {seq_len: 10}"),
            "model: required key 'missing'; accepted: a catalog model id, a path to "
            "config.json, or an inline {params: ...}");
}

TEST(Scenario, BadValuesNameTheField) {
  const std::string m = std::string("model: ") + kInlineModel + "\n";
  EXPECT_EQ(ErrorOf(m + "training: {micro_batch: -4}"),
            "training.micro_batch: out of range '-4'; accepted: a whole number from 1 to "
            "100000000");
  // The accepted values are the method table's (a new method adds itself).
  EXPECT_EQ(AcceptedNames(workload::kMethods).rfind("pretrain | full | lora | qlora | freeze", 0),
            0u);
  EXPECT_EQ(ErrorOf(m + "training: {method: qlroa}"),
            "training.method: invalid value 'qlroa'; accepted: " +
                AcceptedNames(workload::kMethods) + " (did you mean 'qlora'?)");
  EXPECT_EQ(ErrorOf(m + "training: {seq_len: abc}"),
            "training.seq_len: expected a whole number, got 'abc'; accepted: a whole number "
            "from 1 to 10000000");
  EXPECT_NE(ErrorOf(m + "trainig: {seq_len: 5}").find("did you mean 'training'"),
            std::string::npos);
  EXPECT_NE(ErrorOf(m + "hardware: {gpu: rtx-4909}").find("did you mean 'rtx-4090'"),
            std::string::npos);
  EXPECT_NE(ErrorOf(m + "parallelism: {zero: 4}").find("parallelism.zero: out of range '4'"),
            std::string::npos);
  EXPECT_NE(ErrorOf(m + "hardware: {gpu: h100-sxm, count: 8}\nparallelism: {tp: 3}")
                .find("parallelism.tp"),
            std::string::npos);
  EXPECT_NE(ErrorOf(m + "hardware: {count: 0}").find("hardware.count: out of range '0'"),
            std::string::npos);
  EXPECT_NE(ErrorOf(m + "training: {tokens: .nan}").find("training.tokens"), std::string::npos);
}

TEST(Scenario, HugeModelRejected) {
  EXPECT_NE(ErrorOf("model: {params: 1.0e15}").find("model.params"), std::string::npos);
}

TEST(Scenario, DefaultScenarioLoads) {
  auto s = ParseScenario(DefaultScenarioDocument(), BuiltinCatalog(), "default");
  EXPECT_EQ(s.model.id, "llama-3.1-8b");
  EXPECT_EQ(s.training.method, workload::Method::kQlora);
}

TEST(Scenario, GlobalBatchImpliesAccumulation) {
  auto s = Load(std::string("model: ") + kInlineModel +
                "\ntraining: {micro_batch: 2, global_batch: 64}\nhardware: {gpu: h100-sxm, "
                "count: 8}");
  EXPECT_EQ(s.DataParallel(), 8);
  EXPECT_EQ(s.MicroBatchesPerStep(), 4);
}

// Issue 12 "forgiving input": multipliers and case. A context length's k is 1024 ("4k"
// sequence = 4096); elsewhere k, M, B, T are decimal ("50M" tokens, "2T", "70B").
TEST(ScenarioForgiving, MultipliersAndCaseAreAccepted) {
  const auto s = Load(
      "model: llama-3.1-8b\ntraining: {method: QLoRA, precision: BF16-Mixed, seq_len: 4k, "
      "tokens: 2T, global_batch: 1k}\n");
  EXPECT_EQ(s.training.method, workload::Method::kQlora);
  EXPECT_EQ(s.training.precision, workload::Precision::kBf16Mixed);
  EXPECT_EQ(s.training.seq_len, 4096);
  EXPECT_EQ(s.training.global_batch, 1000);
  EXPECT_EQ(Load("model: llama-3.1-8b\ntraining: {seq_len: 128k}\n").training.seq_len, 131072);
  // A multiplier is one letter after a number: anything else is still an error naming it.
  EXPECT_NE(ErrorOf("model: llama-3.1-8b\ntraining: {seq_len: 4kb}\n")
                .find("training.seq_len: expected a whole number, got '4kb'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("model: llama-3.1-8b\ntraining: {seq_len: k}\n").find("training.seq_len"),
            std::string::npos);
}

TEST(ScenarioForgiving, DeadlineWithItsUnit) {
  auto hours = [](const char* d) {
    return *Load(std::string("model: llama-3.1-8b\nconstraints: {deadline: ") + d + "}\n")
                .constraints.deadline_hours;
  };
  EXPECT_DOUBLE_EQ(hours("30d"), 720);
  EXPECT_DOUBLE_EQ(hours("2w"), 336);
  EXPECT_DOUBLE_EQ(hours("36h"), 36);
  EXPECT_DOUBLE_EQ(hours("720"), 720);
  for (const char* bad : {"soon", "d", "-3d", "30y"})
    EXPECT_NE(ErrorOf(std::string("model: llama-3.1-8b\nconstraints: {deadline: ") + bad + "}\n")
                  .find("constraints.deadline"),
              std::string::npos)
        << bad;
}

}  // namespace
}  // namespace gpuadv::io
