// ACCURACY REGRESSION over the embedded published measurements (C12, C15): fails when the
// estimators drift past the project's accuracy targets. Do not loosen the targets to make
// it pass; fix the model (or a mistranslated case, saying so in the commit).
#include <gtest/gtest.h>

#include <set>

#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/validate/validate.h"
#include "gpuadv/validate/validate_report.h"

namespace gpuadv::validate {
namespace {

// Targets (fractions of the measured value).
constexpr double kMemoryMedianMax = 0.10;
constexpr double kMemoryP90Max = 0.25;
constexpr double kTokensMedianMax = 0.15;
constexpr double kTokensP90Max = 0.35;
// The embedded files have 171 quality-good memory readings and 254 tokens/s figures outside
// skipped rows; the targets only mean something over most of them.
constexpr size_t kMinMemoryCompared = 150;
constexpr size_t kMinTokensCompared = 230;

const ValidationReport& Embedded() {
  static const ValidationReport rep =
      RunValidation(EmbeddedCases(), io::BuiltinCatalog(), io::BuiltinEfficiency(), false);
  return rep;
}

std::string SummaryText() {
  const std::string t = report::Render(ValidationDocument(Embedded()), report::Format::kTable);
  const auto at = t.find("\nSummary by quantity");
  const auto end = t.find("\nBy quality");
  return at == std::string::npos ? t : t.substr(at, end == std::string::npos ? end : end - at);
}

TEST(ValidationData, EmbeddedCasesAreWellFormedWithUniqueIds) {
  const auto cases = ParseCases(EmbeddedCases(), "validation/cases.jsonl");
  ASSERT_GT(cases.size(), 300u);
  std::set<std::string> ids;
  for (const auto& c : cases) {
    EXPECT_TRUE(c.parse_error.empty()) << c.parse_error;
    EXPECT_TRUE(ids.insert(c.id).second) << "duplicate id " << c.id;
    EXPECT_TRUE(c.quality == "good" || c.quality == "medium" || c.quality == "vague") << c.id;
  }
}

TEST(ValidationAccuracy, EmbeddedCasesAllEvaluate) {
  const auto& rep = Embedded();
  std::string first;
  int shown = 0;
  for (const auto& c : rep.cases)
    if (c.error && shown++ < 10) first += "  " + c.input.id + ": " + *c.error + "\n";
  EXPECT_EQ(rep.summary.errors, 0u) << "cases the tool rejects (first 10):\n" << first;
}

// The targets hold over the quality-good rows (conditions essentially complete; the rows
// calibration fits on). Medium / vague rows, whose conditions were partly inferred, are
// reported by `validate` and the cross-validated figures but carry no target here.
TEST(ValidationAccuracy, EmbeddedCasesWithinTargets) {
  const GroupStats* good = nullptr;
  for (const auto& g : Embedded().summary.by_quality)
    if (g.key == "good") good = &g;
  ASSERT_NE(good, nullptr);
  const GroupStats& all = *good;
  EXPECT_GE(all.memory.count, kMinMemoryCompared);
  EXPECT_LE(all.memory.median_abs, kMemoryMedianMax) << SummaryText();
  EXPECT_LE(all.memory.p90_abs, kMemoryP90Max);
  EXPECT_GE(all.throughput.count, kMinTokensCompared);
  EXPECT_LE(all.throughput.median_abs, kTokensMedianMax);
  EXPECT_LE(all.throughput.p90_abs, kTokensP90Max);
}

}  // namespace
}  // namespace gpuadv::validate
