#pragma once
// Error statistics of predicted vs measured values (C12, C15).
#include <cstddef>
#include <vector>

namespace gpuadv::validate {

/// The q-quantile (0..1) of `values` by linear interpolation between closest ranks
/// (Hyndman-Fan type 7, numpy's default): position q*(n-1) in the sorted values.
/// NaN for an empty list.
double Percentile(std::vector<double> values, double q);

/// Statistics of relative errors e = (predicted - measured) / measured.
struct ErrorStats {
  size_t count = 0;          // finite errors counted
  size_t non_finite = 0;     // predictions that were NaN/inf (excluded from the figures)
  double median_abs = 0;     // median |e|; NaN when count == 0
  double p90_abs = 0;        // 90th percentile |e|; NaN when count == 0
  double mean_signed = 0;    // bias: mean e (> 0: over-prediction); NaN when count == 0
  double median_signed = 0;  // median e, the category bias issue 11 judges; NaN when empty
};

/// Summarises signed relative errors.
ErrorStats SummarizeErrors(const std::vector<double>& signed_errors);

/// Fit/does-not-fit classification outcomes.
struct FitStats {
  /// Rows whose outcome is a limit (OOM, the longest sequence, a capacity bound).
  size_t count = 0;
  size_t correct = 0;
  /// Runs that completed: the estimate should say the job fits the card it ran on.
  size_t ran_count = 0;
  size_t ran_correct = 0;
  /// correct / count; NaN when count == 0.
  double Accuracy() const;
  /// ran_correct / ran_count; NaN when ran_count == 0.
  double RanAccuracy() const;
};

}  // namespace gpuadv::validate
