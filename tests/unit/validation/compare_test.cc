#include <gtest/gtest.h>

#include <cmath>

#include "gpuadv/core/units.h"
#include "gpuadv/validate/validate.h"

namespace gpuadv::validate {
namespace {

estimate::EstimateResult Predicted() {
  estimate::EstimateResult r;
  r.gpu_memory_bytes = 24 * kGiB;
  r.memory.peak_allocated_bytes = 10 * kGiB;
  r.memory.peak_reserved_bytes = 11 * kGiB;
  r.memory.per_gpu_bytes = 12 * kGiB;
  r.memory.capacity_bytes = 24 * kGiB;
  r.throughput.tokens_per_s_per_gpu = 1100;
  r.throughput.mfu = 0.4;
  r.throughput.step_time_s = 3.0;
  return r;
}

Measured Memory(MemoryMetric metric, double bytes) {
  Measured m;
  m.memory_metric = metric;
  m.memory_bytes = bytes;
  return m;
}

TEST(ValidationCompare, AllocatedAndActiveCompareWithPeakAllocated) {
  for (MemoryMetric metric : {MemoryMetric::kAllocated, MemoryMetric::kActive}) {
    const auto c = Compare(Memory(metric, 8 * kGiB), Predicted());
    ASSERT_EQ(c.size(), 2u);  // the reading, then the completed run's verdict
    EXPECT_EQ(c[0].quantity, Quantity::kMemory);
    EXPECT_EQ(c[0].metric, "peak_allocated_bytes");
    EXPECT_DOUBLE_EQ(c[0].predicted, 10 * kGiB);
    EXPECT_DOUBLE_EQ(c[0].SignedError(), 0.25);
  }
}

TEST(ValidationCompare, ReservedComparesWithPeakReserved) {
  const auto c = Compare(Memory(MemoryMetric::kReserved, 11 * kGiB), Predicted());
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].metric, "peak_reserved_bytes");
  EXPECT_DOUBLE_EQ(c[0].SignedError(), 0.0);
}

TEST(ValidationCompare, NvmlComparesWithPerGpuIncludingContext) {
  const auto c = Compare(Memory(MemoryMetric::kNvml, 16 * kGiB), Predicted());
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].metric, "per_gpu_bytes");
  EXPECT_DOUBLE_EQ(c[0].SignedError(), -0.25);
}

TEST(ValidationCompare, OomIsRightWhenPredictionExceedsTheCardsCapacity) {
  Measured m;
  m.memory_metric = MemoryMetric::kCapacity;
  m.outcome = Outcome::kOom;
  auto r = Predicted();
  auto c = Compare(m, r);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].quantity, Quantity::kFit);
  EXPECT_DOUBLE_EQ(c[0].measured, 24 * kGiB);  // no memory_bytes: the GPU's capacity
  EXPECT_FALSE(c[0].expect_fit);
  EXPECT_FALSE(c[0].Correct());  // 12 GiB predicted fits 24 GiB: wrong
  EXPECT_TRUE(std::isnan(c[0].SignedError()));
  r.memory.per_gpu_bytes = 30 * kGiB;
  c = Compare(m, r);
  EXPECT_TRUE(c[0].Correct());
}

TEST(ValidationCompare, OomUsesTheRowsCapacityWhenGiven) {
  Measured m = Memory(MemoryMetric::kCapacity, 8 * kGiB);
  m.outcome = Outcome::kOom;
  const auto c = Compare(m, Predicted());
  ASSERT_EQ(c.size(), 1u);
  EXPECT_DOUBLE_EQ(c[0].measured, 8 * kGiB);
  EXPECT_TRUE(c[0].Correct());
}

TEST(ValidationCompare, FitsUnderIsRightWhenPredictionIsWithinTheBound) {
  Measured m = Memory(MemoryMetric::kCapacity, 12 * kGiB);
  m.outcome = Outcome::kFitsUnder;
  auto c = Compare(m, Predicted());
  ASSERT_EQ(c.size(), 1u);
  EXPECT_TRUE(c[0].expect_fit);
  EXPECT_TRUE(c[0].Correct());  // 12 GiB <= 12 GiB
  EXPECT_DOUBLE_EQ(c[0].Margin(), 0.0);
  m.memory_bytes = 11 * kGiB;
  c = Compare(m, Predicted());
  EXPECT_FALSE(c[0].Correct());
}

TEST(ValidationCompare, MaxSeqLenFitsAtSeqLenAndNotAtTwice) {
  Measured m = Memory(MemoryMetric::kCapacity, 16 * kGiB);
  m.outcome = Outcome::kMaxSeqLen;
  auto c = Compare(m, Predicted(), 20 * kGiB);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].metric, "per_gpu_bytes");
  EXPECT_TRUE(c[0].Correct());
  EXPECT_EQ(c[1].metric, "per_gpu_bytes_at_2x_seq_len");
  EXPECT_FALSE(c[1].expect_fit);
  EXPECT_TRUE(c[1].Correct());
  EXPECT_DOUBLE_EQ(c[1].Margin(), 0.25);
  c = Compare(m, Predicted(), 15 * kGiB);  // 2x seq_len predicted to fit: too generous
  EXPECT_FALSE(c[1].Correct());
  EXPECT_EQ(Compare(m, Predicted()).size(), 1u);  // no 2x figure: one check
}

TEST(ValidationCompare, NaNPredictionNeverFits) {
  Measured m = Memory(MemoryMetric::kCapacity, 16 * kGiB);
  m.outcome = Outcome::kFitsUnder;
  auto r = Predicted();
  r.memory.per_gpu_bytes = std::nan("");
  EXPECT_FALSE(Compare(m, r)[0].Correct());
}

TEST(ValidationCompare, ThroughputMfuAndStepTimeWhenNoTokensPerSecond) {
  Measured m;
  m.tokens_per_s_per_gpu = 1000;
  m.mfu = 0.5;
  m.step_time_s = 2.0;
  auto c = Compare(m, Predicted());
  ASSERT_EQ(c.size(), 3u);  // step time is redundant with tokens/s; then the run's verdict
  EXPECT_EQ(c[0].quantity, Quantity::kThroughput);
  EXPECT_EQ(c[0].metric, "tokens_per_s_per_gpu");
  EXPECT_NEAR(c[0].SignedError(), 0.1, 1e-12);
  EXPECT_EQ(c[1].quantity, Quantity::kMfu);
  EXPECT_NEAR(c[1].SignedError(), -0.2, 1e-12);
  m.tokens_per_s_per_gpu.reset();
  c = Compare(m, Predicted());
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[1].quantity, Quantity::kStepTime);
  EXPECT_DOUBLE_EQ(c[1].SignedError(), 0.5);
}

TEST(ValidationCompare, ExtraReadingsOfOtherMetricsAreComparedToo) {
  Measured m = Memory(MemoryMetric::kAllocated, 8 * kGiB);
  m.allocated_bytes = 8 * kGiB;  // same as the primary reading: not counted twice
  m.reserved_bytes = 10 * kGiB;
  m.nvml_bytes = 12 * kGiB;
  const auto c = Compare(m, Predicted());
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0].metric, "peak_allocated_bytes");
  EXPECT_EQ(c[1].metric, "peak_reserved_bytes");
  EXPECT_NEAR(c[1].SignedError(), 0.1, 1e-12);
  EXPECT_EQ(c[2].metric, "per_gpu_bytes");
  EXPECT_DOUBLE_EQ(c[2].SignedError(), 0.0);
  // The case's own reading is the one memory_bytes states; the others are extra readings.
  EXPECT_FALSE(c[0].extra_reading);
  EXPECT_TRUE(c[1].extra_reading);
  EXPECT_TRUE(c[2].extra_reading);
}

TEST(ValidationCompare, TheStatedReadingIsTheCasesOwnWhereverItSits) {
  Measured m = Memory(MemoryMetric::kNvml, 12 * kGiB);
  m.allocated_bytes = 8 * kGiB;
  m.reserved_bytes = 10 * kGiB;
  auto c = Compare(m, Predicted());
  ASSERT_EQ(c.size(), 4u);
  EXPECT_TRUE(c[0].extra_reading);
  EXPECT_TRUE(c[1].extra_reading);
  EXPECT_EQ(c[2].metric, "per_gpu_bytes");
  EXPECT_FALSE(c[2].extra_reading);
  // Without memory_bytes the first reading given stands for the case.
  m.memory_bytes.reset();
  m.nvml_bytes = 12 * kGiB;
  c = Compare(m, Predicted());
  ASSERT_EQ(c.size(), 4u);
  EXPECT_FALSE(c[0].extra_reading);
  EXPECT_TRUE(c[1].extra_reading);
  EXPECT_TRUE(c[2].extra_reading);
}

// A run that completed fit the card it ran on: the estimate's verdict is checked, right
// when the prediction fits the card, wrong when the tool would call the job too large; it
// counts apart from the OOM / limit rows.
TEST(ValidationCompare, ACompletedRunIsAFitCheckOnItsCard) {
  Measured m;
  m.tokens_per_s_per_gpu = 1000;  // a throughput-only row: no memory reading
  auto r = Predicted();
  auto c = Compare(m, r);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[1].quantity, Quantity::kFit);
  EXPECT_EQ(c[1].metric, "per_gpu_bytes");
  EXPECT_TRUE(c[1].ran);
  EXPECT_TRUE(c[1].expect_fit);
  EXPECT_DOUBLE_EQ(c[1].measured, 24 * kGiB);
  EXPECT_TRUE(c[1].Correct());
  r.memory.per_gpu_bytes = 30 * kGiB;    // above the card, but the verdict is what users read:
  r.memory.fit = estimate::Fit::kTight;  // tight (the allocated peak fits) is right
  EXPECT_TRUE(Compare(m, r)[1].Correct());
  r.memory.fit = estimate::Fit::kDoesNotFit;  // "does not fit" for a job that ran is wrong
  c = Compare(m, r);
  EXPECT_FALSE(c[1].Correct());
  m.outcome = Outcome::kOom;  // limit rows keep their own check, without `ran`
  m.memory_metric = MemoryMetric::kCapacity;
  m.memory_bytes = 24 * kGiB;
  m.tokens_per_s_per_gpu.reset();
  c = Compare(m, r);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_FALSE(c[0].ran);
}

TEST(ValidationCompare, NothingMeasuredNothingCompared) {
  EXPECT_TRUE(Compare(Measured{}, Predicted()).empty());
}

TEST(ValidationCases, MalformedLineNamesItsLineAndReadingGoesOn) {
  const auto cases = ParseCases(
      "{\"id\": \"A\", \"scenario\": {\"model\": \"m\"}, \"measured\": {}}\n"
      "\n"
      "{\"id\": \"B\", \n"
      "{\"id\": \"C\", \"scenario\": {\"model\": \"m\"}, \"measured\": {\"outcome\": \"ok\"}}",
      "f.jsonl");
  ASSERT_EQ(cases.size(), 3u);
  EXPECT_EQ(cases[0].id, "A");
  EXPECT_TRUE(cases[0].parse_error.empty()) << cases[0].parse_error;
  EXPECT_EQ(cases[1].line, 3);
  EXPECT_EQ(cases[1].id, "line 3");
  EXPECT_TRUE(cases[1].parse_error.starts_with("f.jsonl:3: malformed JSON: "))
      << cases[1].parse_error;
  EXPECT_EQ(cases[2].id, "C");
  EXPECT_EQ(cases[2].line, 4);
  EXPECT_TRUE(cases[2].parse_error.empty());
}

TEST(ValidationCases, UnknownMeasuredKeyIsAnErrorWithSuggestion) {
  const auto cases =
      ParseCases(R"({"id": "X", "scenario": {"model": "m"}, "measured": {"memory_byte": 5}})", "f");
  ASSERT_EQ(cases.size(), 1u);
  EXPECT_EQ(cases[0].id, "X");
  EXPECT_EQ(cases[0].parse_error,
            "f:1: measured.memory_byte: unknown key 'memory_byte'; accepted: memory_bytes | "
            "memory_metric | outcome | tokens_per_s_per_gpu | mfu | mfu_convention | step_time_s "
            "| allocated_bytes | reserved_bytes | nvml_bytes (did you mean 'memory_bytes'?)");
}

TEST(ValidationCases, ProvenanceKeysInMeasuredAreAllowed) {
  // A measuring script's extra fields (a list of step times, a note) are not misspellings.
  const auto cases =
      ParseCases(R"({"id": "P", "scenario": {"model": "m"}, "measured": {"step_time_s": 0.5, )"
                 R"("step_times_s": [0.5, 0.51], "note": "warm", "loss_last": 2.5}})",
                 "f");
  EXPECT_TRUE(cases[0].parse_error.empty()) << cases[0].parse_error;
  const auto bad = ParseCases(
      R"({"id": "Q", "scenario": {"model": "m"}, "measured": {"step_tme_s": 0.5}})", "f");
  EXPECT_NE(bad[0].parse_error.find("measured.step_tme_s: unknown key"), std::string::npos)
      << bad[0].parse_error;
}

TEST(ValidationCases, MfuAsPercentIsRejected) {
  const auto cases =
      ParseCases(R"({"id": "X", "scenario": {"model": "m"}, "measured": {"mfu": 45}})", "f");
  EXPECT_EQ(cases[0].parse_error,
            "f:1: measured.mfu: out of range '45'; accepted: a fraction above 0 and at most 1");
}

TEST(ValidationCases, MemoryWithoutMetricIsRejected) {
  const auto cases = ParseCases(
      R"({"id": "X", "scenario": {"model": "m"}, "measured": {"memory_bytes": 1e9}})", "f");
  EXPECT_NE(cases[0].parse_error.find("measured.memory_metric"), std::string::npos);
}

TEST(ValidationCases, SkippedCaseNeedsNoScenario) {
  const auto cases = ParseCases(
      R"({"id": "S", "scenario": null, "measured": {}, "skip": "no architecture"})", "f");
  EXPECT_TRUE(cases[0].parse_error.empty()) << cases[0].parse_error;
  ASSERT_TRUE(cases[0].skip);
  EXPECT_EQ(*cases[0].skip, "no architecture");
}

TEST(ValidationCases, MeasuredFieldsAreRead) {
  const auto cases = ParseCases(
      R"({"id": "M", "quality": "good", "core_subset": "Y", "scenario": {"model": "m"}, )"
      R"("measured": {"memory_bytes": 2147483648, "memory_metric": "reserved", "outcome": "ok", )"
      R"("tokens_per_s_per_gpu": 1234.5, "mfu": 0.41, "mfu_convention": "PaLM", )"
      R"("step_time_s": 1.5}})",
      "f");
  ASSERT_EQ(cases.size(), 1u);
  ASSERT_TRUE(cases[0].parse_error.empty()) << cases[0].parse_error;
  const Measured& m = cases[0].measured;
  EXPECT_EQ(m.memory_bytes, 2147483648.0);
  EXPECT_EQ(m.memory_metric, MemoryMetric::kReserved);
  EXPECT_EQ(m.tokens_per_s_per_gpu, 1234.5);
  EXPECT_EQ(m.mfu, 0.41);
  EXPECT_EQ(m.mfu_convention, "PaLM");
  EXPECT_EQ(m.step_time_s, 1.5);
  EXPECT_EQ(cases[0].scenario_json, R"({"model":"m"})");
}

TEST(ValidationCases, SourceGroupIsRepoPaperOrPrefix) {
  EXPECT_EQ(SourceGroup("mosaicml/llm-foundry:scripts/train/benchmarking/README.md@8c8 x"),
            "llm-foundry");
  EXPECT_EQ(SourceGroup("huggingface/transformers docs: https://huggingface.co/docs"),
            "transformers");
  EXPECT_EQ(SourceGroup("Narayanan et al. 2021 (arXiv 2104.04473) Table 1; NVIDIA/Megatron-LM:x"),
            "Narayanan et al. 2021");
  EXPECT_EQ(SourceGroup("Smith et al. 2022 'MT-NLG 530B' (arXiv 2201.11990)"), "Smith et al. 2022");
  EXPECT_EQ(SourceGroup("https://example.com/page"), "example.com");
  EXPECT_EQ(SourceGroup("A vendor blog; figure 2"), "A vendor blog");
  EXPECT_EQ(SourceGroup(""), "unknown");
}

}  // namespace
}  // namespace gpuadv::validate
