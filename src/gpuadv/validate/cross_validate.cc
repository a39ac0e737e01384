// Ranges from cross-validated errors, and `validate --cv source` (validate/calibrate.h).
#include <cmath>
#include <map>
#include <set>

#include "gpuadv/estimate/uncertainty.h"
#include "gpuadv/validate/calibrate.h"

namespace gpuadv::validate {
namespace {

using Counts = std::vector<std::pair<std::string, size_t>>;

Counts ToCounts(const std::map<std::string, size_t>& m) { return Counts(m.begin(), m.end()); }

// The ranges of one quantity from its rows' cross-validated errors.
estimate::QuantityRanges Ranges(const std::vector<const CalibrationRow*>& rows) {
  estimate::QuantityRanges q;
  std::map<std::string, size_t> archs, precisions, methods;
  // Per back-off level, category key -> (category, errors); std::map keeps the file order
  // deterministic.
  std::map<std::string, std::pair<estimate::RangeEntry, std::vector<double>>>
      levels[estimate::kBackoffLevels];
  for (const CalibrationRow* r : rows) {
    const double e = r->CvError();
    if (!std::isfinite(e)) continue;
    ++archs[r->category.architecture];
    ++precisions[r->category.precision];
    ++methods[r->category.method];
    for (int level = 0; level < estimate::kBackoffLevels; ++level) {
      const estimate::RangeEntry c = estimate::AtLevel(r->category, level);
      auto& slot = levels[level][estimate::CategoryKey(c)];
      slot.first = c;
      slot.second.push_back(e);
    }
  }
  for (const auto& level : levels)
    for (const auto& [key, entry] : level) {
      const auto& [category, errors] = entry;
      if (errors.size() < estimate::kMinCategoryRows) continue;
      const estimate::Range r =
          estimate::MakeRange(Percentile(errors, estimate::kRangeLowerQuantile),
                              Percentile(errors, estimate::kRangeUpperQuantile));
      estimate::RangeEntry e = category;
      e.rows = errors.size();
      e.q_lo = r.q_lo;
      e.q_hi = r.q_hi;
      q.entries.push_back(std::move(e));
    }
  q.architectures = ToCounts(archs);
  q.precisions = ToCounts(precisions);
  q.methods = ToCounts(methods);
  return q;
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
  Gathered memory, throughput;
  Gathered& For(Quantity q) { return q == Quantity::kMemory ? memory : throughput; }
  CvSlice Finish(std::string key) const {
    return CvSlice{std::move(key), memory.Finish(), throughput.Finish()};
  }
};

std::string GroupOf(const Case& c) { return c.group.empty() ? "(none)" : c.group; }

}  // namespace

estimate::UncertaintyTable BuildUncertainty(const std::vector<CalibrationRow>& rows,
                                            std::string_view exclude_group) {
  std::vector<const CalibrationRow*> memory, throughput;
  for (const auto& r : rows) {
    if (!exclude_group.empty() && r.group == exclude_group) continue;
    (r.quantity == Quantity::kMemory ? memory : throughput).push_back(&r);
  }
  return {Ranges(memory), Ranges(throughput)};
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
      for (SliceData* s : {&all, &groups[GroupOf(r.input)]}) {
        s->For(c.quantity).in_sample.push_back(c.SignedError());
        s->For(c.quantity).in_sample_coverage.Add(c.InRange());
      }
    }
  }
  // Out of sample: factors fitted without the row's group, ranges from the other groups.
  std::set<std::string> names;
  for (const auto& r : cal.rows) names.insert(r.group);
  for (const auto& g : names) {
    const estimate::UncertaintyTable held_out = BuildUncertainty(cal.rows, g);
    for (const auto& r : cal.rows) {
      if (r.group != g) continue;
      const bool memory = r.quantity == Quantity::kMemory;
      const estimate::Range range =
          estimate::FindRange(memory ? held_out.memory : held_out.throughput, r.category, !memory);
      const bool inside = r.measured >= range.Low(r.cv_predicted) * (1 - 1e-9) &&
                          r.measured <= range.High(r.cv_predicted) * (1 + 1e-9);
      for (SliceData* s : {&all, &groups[g]}) {
        s->For(r.quantity).cv.push_back(r.CvError());
        s->For(r.quantity).cv_coverage.Add(inside);
      }
    }
  }
  CrossValidation cv;
  cv.overall = all.Finish("all");
  for (const auto& [key, data] : groups) cv.by_source.push_back(data.Finish(key));
  cv.notes = {
      "memory: the memory model has no fitted factors, so its cross-validated error equals "
      "its in-sample error; only its coverage is held out",
      "throughput: each source group predicted by the factors of its architecture refitted "
      "without that group (fewer than " +
          std::to_string(kMinRowsToFit) + " rows left: the priors of data/efficiency.yaml)",
      "coverage: share of measured values inside the printed range; held out, the ranges "
      "come from the other groups' cross-validated errors"};
  return cv;
}

}  // namespace gpuadv::validate
