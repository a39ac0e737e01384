#include "gpuadv/validate/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace gpuadv::validate {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

double Percentile(std::vector<double> values, double q) {
  if (values.empty()) return kNaN;
  std::sort(values.begin(), values.end());
  const double pos = std::clamp(q, 0.0, 1.0) * static_cast<double>(values.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return values[lo] + (values[hi] - values[lo]) * frac;
}

ErrorStats SummarizeErrors(const std::vector<double>& signed_errors) {
  ErrorStats st;
  std::vector<double> abs, finite;
  double sum = 0;
  for (double e : signed_errors) {
    if (!std::isfinite(e)) {
      ++st.non_finite;
      continue;
    }
    abs.push_back(std::fabs(e));
    finite.push_back(e);
    sum += e;
  }
  st.count = abs.size();
  st.median_abs = Percentile(abs, 0.5);
  st.p90_abs = Percentile(abs, 0.9);
  st.median_signed = Percentile(finite, 0.5);
  st.mean_signed = st.count ? sum / static_cast<double>(st.count) : kNaN;
  return st;
}

namespace {
double Share(size_t part, size_t whole) {
  return whole ? static_cast<double>(part) / static_cast<double>(whole) : kNaN;
}
}  // namespace

double FitStats::Accuracy() const { return Share(correct, count); }
double FitStats::RanAccuracy() const { return Share(ran_correct, ran_count); }

}  // namespace gpuadv::validate
