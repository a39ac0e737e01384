// Ranges from cross-validated errors, and `validate --cv source` (validate/calibrate.h).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <string_view>

#include "gpuadv/estimate/uncertainty.h"
#include "gpuadv/validate/calibrate.h"

namespace gpuadv::validate {

std::vector<std::string_view> RangeLevelGroups(const std::vector<const CalibrationRow*>& rows) {
  std::map<std::string_view, size_t> count;
  for (const CalibrationRow* r : rows) ++count[r->group];
  std::vector<std::string_view> out;
  out.reserve(rows.size());
  for (const CalibrationRow* r : rows)
    out.push_back(count[r->group] < estimate::kMinCategoryRows ? kSmallSourcesGroup
                                                               : std::string_view(r->group));
  return out;
}

namespace {

using Counts = std::vector<std::pair<std::string, size_t>>;

Counts ToCounts(const std::map<std::string, size_t>& m) { return Counts(m.begin(), m.end()); }

// A row's cross-validated error in log space, ln(1 + e) = ln(predicted / measured): a
// source's offset multiplies its predictions, so offsets add here.
struct LogError {
  const std::string* group;
  double value;
};

// The rows of one category grouped by source: per-source mean log errors and the rows'
// residuals around their source's mean.
struct BySource {
  std::vector<double> means;      // one per source
  std::vector<size_t> counts;     // rows per source
  std::vector<double> residuals;  // one per row: its log error minus its source's mean
};

BySource GroupBySource(const std::vector<LogError>& errors) {
  std::map<std::string_view, std::vector<double>> by;
  for (const auto& e : errors) by[*e.group].push_back(e.value);
  BySource b;
  for (const auto& [group, values] : by) {
    double sum = 0;
    for (double v : values) sum += v;
    const double mean = sum / static_cast<double>(values.size());
    b.means.push_back(mean);
    b.counts.push_back(values.size());
    for (double v : values) b.residuals.push_back(v - mean);
  }
  return b;
}

// Random-effects model of the errors (Higgins, Thompson & Spiegelhalter 2009, "A
// re-evaluation of random-effects meta-analysis", J. R. Stat. Soc. A 172): the log error of
// row j of source g in category c is mu_c + u_g + r_gj, with u_g ~ N(0, tau^2) the offset
// of source g (its stack version, its timing convention, conditions it did not state) and
// r_gj the scatter within the source. A new source's range must cover its own offset, which
// the rows of the sources at hand do not show: tau is fitted across all the sources of a
// quantity.
struct SourceModel {
  double tau2 = 0;     // between-source variance of the offsets
  double within2 = 0;  // pooled within-source variance
  size_t sources = 0;  // sources it was fitted on
};

// Method of moments (DerSimonian & Laird 1986, unweighted form): the variance of the
// per-source mean log errors less the part that the within-source scatter explains.
SourceModel FitSourceModel(const std::vector<LogError>& errors) {
  const BySource b = GroupBySource(errors);
  SourceModel m;
  m.sources = b.means.size();
  double ss = 0;
  size_t dof = 0;
  for (double r : b.residuals) ss += r * r;
  for (size_t n : b.counts) dof += n - 1;
  m.within2 = dof > 0 ? ss / static_cast<double>(dof) : 0;
  if (m.sources < 2) return m;
  double mean = 0, sampling = 0;
  for (size_t i = 0; i < m.sources; ++i) {
    mean += b.means[i];
    sampling += m.within2 / static_cast<double>(b.counts[i]);
  }
  const double k = static_cast<double>(m.sources);
  mean /= k;
  double var = 0;
  for (double v : b.means) var += (v - mean) * (v - mean);
  m.tau2 = std::max(0.0, var / (k - 1) - sampling / k);
  return m;
}

double NormalCdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// The q-quantile of mu + s * Z + R, Z standard normal, R drawn from `residuals`: solves
// mean_k Phi((x - mu - r_k) / s) = q by bisection.
double MixtureQuantile(const std::vector<double>& residuals, double mu, double s, double q) {
  if (!(s > 1e-12)) return mu + Percentile(residuals, q);
  const auto [rmin, rmax] = std::minmax_element(residuals.begin(), residuals.end());
  double lo = mu + *rmin - 10 * s, hi = mu + *rmax + 10 * s;
  for (int it = 0; it < 100; ++it) {
    const double x = 0.5 * (lo + hi);
    double f = 0;
    for (double r : residuals) f += NormalCdf((x - mu - r) / s);
    (f / static_cast<double>(residuals.size()) < q ? lo : hi) = x;
  }
  return 0.5 * (lo + hi);
}

// The modelled error of a new source in one category, ln(predicted / measured): the
// category centre mu_c (the sources' means weighted by their precision
// 1 / (tau^2 + within^2 / n_g)), the offset of the new source and the uncertainty of mu_c as
// a normal term of sd s, plus the category's own within-source residuals as they are
// (skewed when the errors are).
struct Predictive {
  double mu = 0, s = 0;
  std::vector<double> residuals;

  double Quantile(double q) const { return MixtureQuantile(residuals, mu, s, q); }
  // P(error <= x): mean_k Phi((x - mu - r_k) / s); without a normal term, the share of
  // residuals at or below x - mu.
  double Cdf(double x) const {
    double f = 0;
    for (double r : residuals)
      f += s > 1e-12 ? NormalCdf((x - mu - r) / s) : (mu + r <= x ? 1.0 : 0.0);
    return f / static_cast<double>(residuals.size());
  }
};

Predictive PredictiveOf(const std::vector<LogError>& errors, const SourceModel& m) {
  const BySource b = GroupBySource(errors);
  double wsum = 0, wmean = 0;
  for (size_t i = 0; i < b.means.size(); ++i) {
    const double v = m.tau2 + m.within2 / static_cast<double>(b.counts[i]);
    const double w = v > 0 ? 1 / v : static_cast<double>(b.counts[i]);
    wsum += w;
    wmean += w * b.means[i];
  }
  const double centre_var = m.tau2 + m.within2 > 0 ? 1 / wsum : 0;
  return {wmean / wsum, std::sqrt(m.tau2 + centre_var), b.residuals};
}

// The categories of one quantity: entries (quantiles not yet set) and, in the same order,
// their modelled errors.
struct CategoryModels {
  estimate::QuantityRanges ranges;
  std::vector<Predictive> models;
  std::map<std::string, size_t> index;  // CategoryKey -> entry

  const Predictive* Of(const estimate::Range& r) const {
    if (!r.entry) return nullptr;
    const auto it = index.find(estimate::CategoryKey(*r.entry));
    return it == index.end() ? nullptr : &models[it->second];
  }
  // The entries' quantiles at `level` / 1 - `level`.
  void SetLevel(double level) {
    ranges.level = level;
    for (size_t i = 0; i < models.size(); ++i) {
      const estimate::Range r = estimate::MakeRange(std::expm1(models[i].Quantile(level)),
                                                    std::expm1(models[i].Quantile(1 - level)));
      ranges.entries[i].q_lo = r.q_lo;
      ranges.entries[i].q_hi = r.q_hi;
    }
  }
};

// The category models of one quantity from its rows' cross-validated errors (callers leave
// out the held-out rows).
CategoryModels Models(const std::vector<const CalibrationRow*>& rows) {
  CategoryModels out;
  estimate::QuantityRanges& q = out.ranges;
  std::map<std::string, size_t> archs, precisions, methods;
  std::vector<LogError> all;
  // Per back-off level, category key -> (category, errors); std::map keeps the file order
  // deterministic.
  std::map<std::string, std::pair<estimate::RangeEntry, std::vector<LogError>>>
      levels[estimate::kBackoffLevels];
  for (const CalibrationRow* r : rows) {
    const double e = std::log1p(r->CvError());
    if (!std::isfinite(e)) continue;
    ++archs[r->category.architecture];
    ++precisions[r->category.precision];
    ++methods[r->category.method];
    all.push_back({&r->group, e});
    for (int level = 0; level < estimate::kBackoffLevels; ++level) {
      const estimate::RangeEntry c = estimate::AtLevel(r->category, level);
      auto& slot = levels[level][estimate::CategoryKey(c)];
      slot.first = c;
      slot.second.push_back(all.back());
    }
  }
  const SourceModel model = FitSourceModel(all);
  q.between_source_sd = std::sqrt(model.tau2);
  q.sources = model.sources;
  for (const auto& level : levels)
    for (const auto& [key, entry] : level) {
      const auto& [category, errors] = entry;
      // Memory categories have no architecture: their last two levels are the same one.
      if (errors.size() < estimate::kMinCategoryRows || out.index.count(key)) continue;
      estimate::RangeEntry e = category;
      e.rows = errors.size();
      out.index[key] = q.entries.size();
      q.entries.push_back(std::move(e));
      out.models.push_back(PredictiveOf(errors, model));
    }
  q.architectures = ToCounts(archs);
  q.precisions = ToCounts(precisions);
  q.methods = ToCounts(methods);
  return out;
}

bool Inside(const CalibrationRow& r, const estimate::Range& range) {
  return InsideRange(r.measured, range.Low(r.cv_predicted), range.High(r.cv_predicted));
}

// The level of the ranges of one quantity (split-conformal calibration): each source group
// is held out in turn and its rows are judged against the category models of the other
// groups. A row with log error x is inside the range of level l when its model puts x no
// further out than the l-quantile on its side (ranges always contain the prediction, x = 0):
// l <= F(x) below the prediction, l <= 1 - F(x) above it. Each source group weighs the same:
// the next user's setup is a new source, and a source with many well-predicted rows (our own
// GPU runs, three memory readings per case) says no more about it than one with few. Groups
// of fewer than kMinCategoryRows rows are held out together and weigh as one group
// (RangeLevelGroups): a share inside read off four rows moves in steps of 25%. The level is
// the largest one (the narrowest ranges) at which the groups' mean share inside reaches
// kRangeCoverageFloor plus kRangeCoverageZ standard errors of that mean (the sd of the
// groups' shares at the level over the square root of their number), within
// [kMinRangeLevel, kMaxRangeLevel]. Rows outside every validated category get the fixed wide
// range whatever the level.
struct RangeLevelFit {
  double level = estimate::kDefaultRangeLevel;  // the default with fewer than two groups
  double held_out_coverage = 0;                 // the groups' mean share inside at the level
  double target = 0;                            // what that mean had to reach
};
RangeLevelFit FitRangeLevel(const std::vector<const CalibrationRow*>& rows,
                            bool check_architecture) {
  const std::vector<std::string_view> held = RangeLevelGroups(rows);
  std::map<std::string_view, size_t> groups;  // held-out group -> rows
  for (std::string_view g : held) ++groups[g];
  RangeLevelFit fit;
  if (groups.size() < 2) return fit;
  // Per row judged by a category model: (the largest level covering it, its group).
  std::vector<std::pair<double, size_t>> depth;
  std::vector<double> fixed(groups.size(), 0);  // per group: share inside a fixed range
  std::vector<double> weight;                   // per group: one row's share of it
  for (const auto& [g, count] : groups) {
    const size_t gi = weight.size();
    weight.push_back(1 / static_cast<double>(count));
    std::vector<const CalibrationRow*> train;
    for (size_t i = 0; i < rows.size(); ++i)
      if (held[i] != g) train.push_back(rows[i]);
    const CategoryModels m = Models(train);
    for (size_t i = 0; i < rows.size(); ++i) {
      if (held[i] != g) continue;
      const CalibrationRow* r = rows[i];
      const double x = std::log(r->cv_predicted / r->measured);
      if (!std::isfinite(x)) continue;  // never inside
      const estimate::Range range = estimate::FindRange(m.ranges, r->category, check_architecture);
      const Predictive* p = m.Of(range);
      if (!p) {
        fixed[gi] += Inside(*r, range) ? weight[gi] : 0;
        continue;
      }
      depth.push_back({x > 0 ? 1 - p->Cdf(x) : x < 0 ? p->Cdf(x) : 1.0, gi});
    }
  }
  std::vector<double> share = fixed;  // per group: share inside at the level
  const double k = static_cast<double>(share.size());
  // (mean share inside, its target) at the current shares.
  auto judge = [&] {
    double mean = 0, sq = 0;
    for (double s : share) mean += s / k;
    for (double s : share) sq += (s - mean) * (s - mean);
    const double se = std::sqrt(sq / (k - 1) / k);
    return std::pair{mean, estimate::kRangeCoverageFloor + estimate::kRangeCoverageZ * se};
  };
  std::sort(depth.begin(), depth.end(), std::greater<>());
  fit.level = estimate::kMinRangeLevel;
  std::tie(fit.held_out_coverage, fit.target) = judge();
  if (fit.held_out_coverage >= fit.target - 1e-12) fit.level = estimate::kMaxRangeLevel;
  // Lower the level one covered row at a time (rows of equal depth together) until the mean
  // reaches the target at that level.
  for (size_t i = 0; i < depth.size() && fit.held_out_coverage < fit.target - 1e-12;) {
    const double d = depth[i].first;
    for (; i < depth.size() && depth[i].first == d; ++i)
      share[depth[i].second] += weight[depth[i].second];
    fit.level = d;
    std::tie(fit.held_out_coverage, fit.target) = judge();
  }
  // The shares at the level within its bounds.
  fit.level = std::clamp(fit.level, estimate::kMinRangeLevel, estimate::kMaxRangeLevel);
  share = fixed;
  for (const auto& [d, gi] : depth) share[gi] += d >= fit.level ? weight[gi] : 0;
  std::tie(fit.held_out_coverage, fit.target) = judge();
  return fit;
}

// The ranges of one quantity: the category models of the rows (less `exclude_group`) at the
// level fitted on those same rows.
estimate::QuantityRanges Ranges(const std::vector<const CalibrationRow*>& rows,
                                std::string_view exclude_group, bool check_architecture) {
  std::vector<const CalibrationRow*> kept;
  for (const CalibrationRow* r : rows)
    if (exclude_group.empty() || r->group != exclude_group) kept.push_back(r);
  CategoryModels m = Models(kept);
  const RangeLevelFit fit = FitRangeLevel(kept, check_architecture);
  m.SetLevel(fit.level);
  m.ranges.held_out_coverage = fit.held_out_coverage;
  m.ranges.coverage_target = fit.target;
  return std::move(m.ranges);
}

// Errors and coverage of one slice, gathered before summarising.
struct Gathered {
  std::vector<double> in_sample, cv;
  Coverage in_sample_coverage, cv_coverage;
  CvFigures Finish() const {
    CvFigures f;
    f.in_sample = SummarizeErrors(in_sample);
    f.cross_validated = SummarizeErrors(cv);
    f.in_sample_coverage = in_sample_coverage;
    f.cv_coverage = cv_coverage;
    return f;
  }
};
struct SliceData {
  Gathered memory, throughput, memory_every_reading;
  // Every memory reading goes to memory_every_reading; the headline memory figures count
  // each case once, by the reading it states.
  void Add(Quantity q, bool extra_reading, bool in_sample, double error, bool inside) {
    const auto put = [&](Gathered& g) {
      (in_sample ? g.in_sample : g.cv).push_back(error);
      (in_sample ? g.in_sample_coverage : g.cv_coverage).Add(inside);
    };
    if (q != Quantity::kMemory) {
      put(throughput);
      return;
    }
    put(memory_every_reading);
    if (!extra_reading) put(memory);
  }
  CvSlice Finish(std::string key) const {
    return CvSlice{std::move(key), memory.Finish(), throughput.Finish(),
                   memory_every_reading.Finish()};
  }
};

std::string GroupOf(const Case& c) { return c.group.empty() ? "(none)" : c.group; }

}  // namespace

estimate::UncertaintyTable BuildUncertainty(const std::vector<CalibrationRow>& rows,
                                            std::string_view exclude_group) {
  std::vector<const CalibrationRow*> memory, throughput;
  for (const auto& r : rows) (r.quantity == Quantity::kMemory ? memory : throughput).push_back(&r);
  // Memory ranges do not check the architecture (estimate/uncertainty.h ApplyUncertainty).
  return {Ranges(memory, exclude_group, false), Ranges(throughput, exclude_group, true)};
}

CrossValidation CrossValidateBySource(const std::vector<PreparedCase>& cases,
                                      const std::vector<CaseResult>& in_sample,
                                      const estimate::EfficiencyTable& priors) {
  const Calibration cal = Calibrate(cases, priors);
  SliceData all;
  std::map<std::string, SliceData> groups;
  // In-sample: the printed estimates (the shipped factors and ranges).
  for (const auto& r : in_sample) {
    if (r.skipped || r.error) continue;
    for (const auto& c : r.comparisons) {
      if (c.quantity != Quantity::kMemory && c.quantity != Quantity::kThroughput) continue;
      for (SliceData* s : {&all, &groups[GroupOf(r.input)]})
        s->Add(c.quantity, c.extra_reading, true, c.SignedError(), c.InRange());
    }
  }
  // Out of sample: factors fitted without the row's group, ranges from the other groups.
  std::vector<CrossValidation::HeldOut> held_back;
  std::set<std::string> names;
  for (const auto& r : cal.rows) names.insert(r.group);
  for (const auto& g : names) {
    const estimate::UncertaintyTable held_out = BuildUncertainty(cal.rows, g);
    for (const auto& r : cal.rows) {
      if (r.group != g) continue;
      const bool memory = r.quantity == Quantity::kMemory;
      const estimate::Range range =
          estimate::FindRange(memory ? held_out.memory : held_out.throughput, r.category, !memory);
      const bool inside = Inside(r, range);
      for (SliceData* s : {&all, &groups[g]})
        s->Add(r.quantity, r.extra_reading, false, r.CvError(), inside);
      held_back.push_back({r.case_index, r.quantity, r.measured, r.cv_predicted, inside});
    }
  }
  CrossValidation cv;
  cv.held_out = std::move(held_back);
  cv.overall = all.Finish("all");
  for (const auto& [key, data] : groups) cv.by_source.push_back(data.Finish(key));
  cv.notes = {
      "memory: the memory model has no fitted factors, so its cross-validated error equals "
      "its in-sample error; only its coverage is held out",
      "throughput: each source group predicted by the factors of its architecture refitted "
      "without that group (fewer than " +
          std::to_string(kMinRowsToFit) + " rows left: the priors of data/efficiency.yaml)",
      "coverage: share of measured values inside the printed range; held out, the ranges "
      "come from the other groups' cross-validated errors, at the quantile level fitted on "
      "the other groups (the narrowest at which, each of them left out in turn, their mean "
      "share inside reaches " +
          fmt::format("{:g}% plus {:g}", 100 * estimate::kRangeCoverageFloor,
                      estimate::kRangeCoverageZ) +
          " standard error(s) of that mean; data/calibration.yaml level.target)",
      "memory counts each case once, by the reading it states (memory_bytes); "
      "memory_every_reading adds the further readings of the same runs (reserved, device "
      "total)"};
  return cv;
}

}  // namespace gpuadv::validate
