#include "gpuadv/validate/stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace gpuadv::validate {
namespace {

TEST(ValidationStats, PercentileInterpolatesBetweenClosestRanks) {
  const std::vector<double> v = {10, 1, 9, 2, 8, 3, 7, 4, 6, 5};  // 1..10, unsorted
  EXPECT_DOUBLE_EQ(Percentile(v, 0.5), 5.5);
  EXPECT_DOUBLE_EQ(Percentile(v, 0.9), 9.1);  // position 0.9 * 9 = 8.1
  EXPECT_DOUBLE_EQ(Percentile(v, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(Percentile(v, 1.0), 10.0);
}

TEST(ValidationStats, PercentileOfOddCountIsTheMiddleValue) {
  EXPECT_DOUBLE_EQ(Percentile({0.3, 0.1, 0.2}, 0.5), 0.2);
  EXPECT_DOUBLE_EQ(Percentile({0.3, 0.1, 0.2}, 0.9), 0.28);  // 0.2 + 0.8 * 0.1
  EXPECT_DOUBLE_EQ(Percentile({7.0}, 0.9), 7.0);
}

TEST(ValidationStats, PercentileOfNothingIsNaN) { EXPECT_TRUE(std::isnan(Percentile({}, 0.5))); }

TEST(ValidationStats, SummaryUsesAbsoluteErrorsForQuantilesAndSignedForBias) {
  const ErrorStats s = SummarizeErrors({-0.1, 0.2, -0.3, 0.4});
  EXPECT_EQ(s.count, 4u);
  EXPECT_DOUBLE_EQ(s.median_abs, 0.25);
  EXPECT_NEAR(s.p90_abs, 0.37, 1e-12);  // position 2.7 in {0.1, 0.2, 0.3, 0.4}
  EXPECT_NEAR(s.mean_signed, 0.05, 1e-12);
  EXPECT_NEAR(s.median_signed, 0.05, 1e-12);  // between -0.1 and 0.2
  // One large miss moves the mean, not the median: the category bias issue 11 judges.
  const ErrorStats skew = SummarizeErrors({-0.05, -0.04, -0.03, 2.0});
  EXPECT_NEAR(skew.median_signed, -0.035, 1e-12);
  EXPECT_GT(skew.mean_signed, 0.4);
}

TEST(ValidationStats, NonFiniteErrorsAreCountedApartNotAveraged) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const ErrorStats s = SummarizeErrors({0.1, nan, -0.1, std::numeric_limits<double>::infinity()});
  EXPECT_EQ(s.count, 2u);
  EXPECT_EQ(s.non_finite, 2u);
  EXPECT_DOUBLE_EQ(s.median_abs, 0.1);
  EXPECT_DOUBLE_EQ(s.mean_signed, 0.0);
}

TEST(ValidationStats, EmptySummaryHasNaNFigures) {
  const ErrorStats s = SummarizeErrors({});
  EXPECT_EQ(s.count, 0u);
  EXPECT_TRUE(std::isnan(s.median_abs));
  EXPECT_TRUE(std::isnan(s.p90_abs));
  EXPECT_TRUE(std::isnan(s.mean_signed));
  EXPECT_TRUE(std::isnan(s.median_signed));
}

TEST(ValidationStats, FitAccuracyIsCorrectOverCount) {
  FitStats f;
  EXPECT_TRUE(std::isnan(f.Accuracy()));
  f.count = 4;
  f.correct = 3;
  EXPECT_DOUBLE_EQ(f.Accuracy(), 0.75);
}

}  // namespace
}  // namespace gpuadv::validate
