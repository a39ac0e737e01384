#include "gpuadv/validate/validate.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "gpuadv/core/embedded.h"
#include "gpuadv/core/error.h"
#include "gpuadv/estimate/estimate.h"
#include "gpuadv/estimate/uncertainty.h"
#include "gpuadv/io/fields.h"
#include "gpuadv/io/scenario_loader.h"
#include "gpuadv/plan/published.h"
#include "gpuadv/validate/calibrate.h"

namespace gpuadv::validate {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Relative slack of the in-range test, for a measurement printed at a range's end.
constexpr double kRangeSlack = 1e-9;

Comparison Numeric(Quantity q, std::string metric, double predicted, double measured) {
  Comparison c;
  c.quantity = q;
  c.metric = std::move(metric);
  c.predicted = predicted;
  c.measured = measured;
  return c;
}

Comparison FitCheck(std::string metric, double predicted_bytes, double capacity_bytes,
                    bool expect_fit) {
  Comparison c = Numeric(Quantity::kFit, std::move(metric), predicted_bytes, capacity_bytes);
  c.expect_fit = expect_fit;
  // A NaN prediction never "fits", so it cannot pass a fits_under check by accident.
  c.predicted_fit = predicted_bytes <= capacity_bytes;
  return c;
}

// Memory at twice the sequence length, for the max_seq_len boundary check. The scenario
// was validated at seq_len; doubling it changes no other constraint the estimators read.
// (The per-GPU figure does not depend on the efficiency table, only its range does.)
double PerGpuAtTwiceSeqLen(const workload::Scenario& s) {
  workload::Scenario twice = s;
  twice.training.seq_len *= 2;
  return estimate::EstimateMemory(twice, estimate::Context{}).per_gpu_bytes;
}

// Rows this large are the planner's domain (multi-node runs of published layouts).
constexpr int kPlannerMinGpus = 16;

// The in-range share of a comparison: measured inside the estimate's printed range,
// scaled to the compared field (the range is printed for per_gpu_bytes and tokens/s).
void SetRange(Comparison& c, double value, double low, double high) {
  if (!(value > 0)) return;
  c.low = c.predicted * low / value;
  c.high = c.predicted * high / value;
}

// Collects the errors of one slice before summarising.
struct Accumulator {
  size_t cases = 0;
  std::vector<double> errors[4];  // memory (each case's stated reading), throughput, mfu, step_time
  Coverage coverage[2];           // memory, throughput
  std::vector<double> memory_readings;  // every memory reading
  Coverage memory_readings_coverage;
  FitStats fit;

  void Add(const CaseResult& r) {
    if (r.comparisons.empty()) return;
    ++cases;
    for (const auto& c : r.comparisons) {
      if (c.quantity == Quantity::kFit) {
        ++(c.ran ? fit.ran_count : fit.count);
        if (c.Correct()) ++(c.ran ? fit.ran_correct : fit.correct);
        continue;
      }
      if (c.quantity == Quantity::kMemory) {
        memory_readings.push_back(c.SignedError());
        memory_readings_coverage.Add(c.InRange());
        if (c.extra_reading) continue;
      }
      errors[static_cast<int>(c.quantity)].push_back(c.SignedError());
      if (c.quantity == Quantity::kMemory || c.quantity == Quantity::kThroughput)
        coverage[static_cast<int>(c.quantity)].Add(c.InRange());
    }
  }
  GroupStats Finish(std::string key) const {
    GroupStats g;
    g.key = std::move(key);
    g.cases = cases;
    g.memory = SummarizeErrors(errors[0]);
    g.throughput = SummarizeErrors(errors[1]);
    g.mfu = SummarizeErrors(errors[2]);
    g.step_time = SummarizeErrors(errors[3]);
    g.fit = fit;
    g.memory_coverage = coverage[0];
    g.throughput_coverage = coverage[1];
    g.memory_every_reading = SummarizeErrors(memory_readings);
    g.memory_every_reading_coverage = memory_readings_coverage;
    return g;
  }
};

std::vector<GroupStats> Finish(const std::map<std::string, Accumulator>& groups) {
  std::vector<GroupStats> out;
  for (const auto& [key, acc] : groups) out.push_back(acc.Finish(key));
  return out;
}

std::vector<std::pair<std::string, size_t>> MostFirst(const std::map<std::string, size_t>& m) {
  std::vector<std::pair<std::string, size_t>> v(m.begin(), m.end());
  std::stable_sort(v.begin(), v.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return v;
}

std::string OrNone(const std::string& s) { return s.empty() ? "(none)" : s; }

}  // namespace

std::vector<PreparedCase> PrepareCases(std::string_view jsonl, const catalog::Catalog& cat,
                                       bool core_only, std::string_view origin) {
  std::vector<PreparedCase> out;
  for (Case& c : ParseCases(jsonl, origin)) {
    if (core_only && c.parse_error.empty() && c.core_subset != "Y") continue;
    PreparedCase p;
    p.input = std::move(c);
    const Case& in = p.input;
    if (!in.parse_error.empty()) {
      p.error = in.parse_error;
      p.error_kind = "malformed case line";
    } else if (!in.skip) {
      const std::string where = std::string(origin) + ":" + std::to_string(in.line) + " " + in.id;
      try {
        p.scenario = io::ParseScenario(io::ParseDocument(in.scenario_json, where), cat, where);
      } catch (const InputError& e) {
        p.error = e.what();
        p.error_kind = "scenario rejected: " + e.field();
      }
    }
    out.push_back(std::move(p));
  }
  return out;
}

CaseResult EvaluateCase(const PreparedCase& c, const estimate::Context& ctx) {
  CaseResult r;
  r.input = c.input;
  const Case& in = r.input;
  if (c.error) {
    r.error = c.error;
    r.error_kind = c.error_kind;
    return r;
  }
  if (in.skip || !c.scenario) {
    r.skipped = in.skip.value_or("no scenario");
    return r;
  }
  const workload::Scenario& s = *c.scenario;
  try {
    estimate::EstimateResult est = estimate::Estimate(s, ctx);
    std::optional<double> at_2x;
    if (in.measured.outcome == Outcome::kMaxSeqLen) at_2x = PerGpuAtTwiceSeqLen(s);
    r.comparisons = Compare(in.measured, est, at_2x);
    if (ctx.efficiency) {
      const estimate::RangeEntry c = estimate::CategoryOf(s, *ctx.efficiency);
      r.category = c.architecture + "/" + c.precision + "/" + c.method + "/" + c.stack;
    }
    if (in.measured.tokens_per_s_per_gpu && s.hardware.TotalGpus() >= kPlannerMinGpus) {
      // The row is scored at its published layout whatever the planner finds (issue 18):
      // a cluster no layout of the planner's space splits the batch on is no comparison.
      plan::PublishedComparison cmp;
      try {
        cmp = plan::CompareWithPublished(s, ctx);
      } catch (const InputError&) {
      }
      if (cmp.speedup > 0) {
        r.planner_speedup = cmp.speedup;
        r.planner_at_least_as_fast = cmp.at_least_as_fast;
        r.planner_gain_term = cmp.gain_term;
        r.planner_gain_share = cmp.gain_term_share;
        if (cmp.best) r.planner_best = plan::Label(cmp.best->candidate);
        r.published_fits = cmp.published_memory.fit != estimate::Fit::kDoesNotFit;
      }
    }
    r.estimate = std::move(est);
  } catch (const InputError& e) {
    r.error = e.what();
    r.error_kind = "scenario rejected: " + e.field();
  } catch (const std::exception& e) {
    r.error = std::string("estimator failure: ") + e.what();
    r.error_kind = "estimator failure";
  }
  return r;
}

double Coverage::Share() const {
  return count ? static_cast<double>(inside) / static_cast<double>(count) : kNaN;
}

bool InsideRange(double measured, double low, double high) {
  return measured >= low * (1 - kRangeSlack) && measured <= high * (1 + kRangeSlack);
}

double Comparison::SignedError() const {
  if (quantity == Quantity::kFit || !(measured > 0)) return kNaN;
  return (predicted - measured) / measured;
}

double Comparison::CvSignedError() const {
  if (!cv_predicted || !(measured > 0)) return kNaN;
  return (*cv_predicted - measured) / measured;
}

double Comparison::Margin() const {
  if (quantity != Quantity::kFit || !(measured > 0)) return kNaN;
  return (predicted - measured) / measured;
}

const ErrorStats& GroupStats::For(Quantity q) const {
  switch (q) {
    case Quantity::kThroughput:
      return throughput;
    case Quantity::kMfu:
      return mfu;
    case Quantity::kStepTime:
      return step_time;
    case Quantity::kMemory:
    case Quantity::kFit:
      break;
  }
  return memory;
}

std::vector<Comparison> Compare(const Measured& m, const estimate::EstimateResult& r,
                                std::optional<double> per_gpu_at_2x_seq_len) {
  std::vector<Comparison> out;
  const auto& mem = r.memory;
  if (m.outcome == Outcome::kOk) {
    // The run's readings (allocated, reserved, device total): the one memory_bytes states is
    // the case's own, the others are extra readings of the same run.
    std::optional<double> allocated = m.allocated_bytes, reserved = m.reserved_bytes,
                          nvml = m.nvml_bytes;
    std::optional<double>* stated = nullptr;  // the reading memory_bytes states
    if (m.memory_bytes && m.memory_metric) {
      switch (*m.memory_metric) {
        case MemoryMetric::kAllocated:
        case MemoryMetric::kActive:  // live tensors, as max_memory_allocated counts them
          stated = &allocated;
          break;
        case MemoryMetric::kReserved:
          stated = &reserved;
          break;
        case MemoryMetric::kNvml:
          stated = &nvml;
          break;
        case MemoryMetric::kCapacity:
          break;  // a threshold with outcome ok is rejected when the case is read
      }
      if (stated) *stated = m.memory_bytes;
    }
    const std::pair<const std::optional<double>*, std::pair<const char*, double>> readings[] = {
        {&allocated, {"peak_allocated_bytes", mem.peak_allocated_bytes}},
        {&reserved, {"peak_reserved_bytes", mem.peak_reserved_bytes}},
        {&nvml, {"per_gpu_bytes", mem.per_gpu_bytes}}};
    for (const auto& [value, field] : readings) {
      if (!*value) continue;
      out.push_back(Numeric(Quantity::kMemory, field.first, field.second, **value));
      // The case's own reading: the one memory_bytes states, else the first given.
      out.back().extra_reading = stated ? value != stated : out.size() > 1;
      SetRange(out.back(), mem.per_gpu_bytes, mem.low_bytes, mem.high_bytes);
    }
  }
  // The bound: the row's capacity, else the card's (capacity of an "N GB" card: N GiB).
  double capacity = r.gpu_memory_bytes > 0 ? r.gpu_memory_bytes : mem.capacity_bytes;
  if (m.outcome != Outcome::kOk) {
    if (m.memory_metric == MemoryMetric::kCapacity && m.memory_bytes) capacity = *m.memory_bytes;
    if (capacity > 0) {
      const bool expect_fit = m.outcome != Outcome::kOom;
      out.push_back(FitCheck("per_gpu_bytes", mem.per_gpu_bytes, capacity, expect_fit));
      if (m.outcome == Outcome::kMaxSeqLen && per_gpu_at_2x_seq_len)
        out.push_back(
            FitCheck("per_gpu_bytes_at_2x_seq_len", *per_gpu_at_2x_seq_len, capacity, false));
    }
  }
  const auto& t = r.throughput;
  if (m.tokens_per_s_per_gpu) {
    out.push_back(Numeric(Quantity::kThroughput, "tokens_per_s_per_gpu", t.tokens_per_s_per_gpu,
                          *m.tokens_per_s_per_gpu));
    SetRange(out.back(), t.tokens_per_s_per_gpu, t.low_tokens_per_s_per_gpu,
             t.high_tokens_per_s_per_gpu);
  }
  if (m.mfu) out.push_back(Numeric(Quantity::kMfu, "mfu", t.mfu, *m.mfu));
  if (m.step_time_s && !m.tokens_per_s_per_gpu)
    out.push_back(Numeric(Quantity::kStepTime, "step_time_s", t.step_time_s, *m.step_time_s));
  if (m.outcome == Outcome::kOk && !out.empty() && capacity > 0) {
    // The measured run completed on this card: the estimate's verdict should be "fits". A
    // job the tool calls too large for a card it ran on is a wrong answer to "will it
    // fit?", also where the row gives no memory reading (throughput-only rows).
    out.push_back(FitCheck("per_gpu_bytes", mem.per_gpu_bytes, capacity, true));
    out.back().ran = true;
    out.back().predicted_fit = mem.fit != estimate::Fit::kDoesNotFit;  // the verdict shown
  }
  return out;
}

Summary Summarize(const std::vector<CaseResult>& cases) {
  Summary s;
  Accumulator all;
  std::map<std::string, Accumulator> by_source, by_quality, by_core, by_category;
  std::map<std::string, size_t> skips, errors;
  std::vector<double> speedups;
  for (const auto& r : cases) {
    if (r.planner_speedup) {
      ++s.planner.compared;
      speedups.push_back(*r.planner_speedup);
      if (r.planner_at_least_as_fast) ++s.planner.at_least_as_fast;
      if (r.published_fits) {
        ++s.planner.published_fits;
        if (r.planner_at_least_as_fast) ++s.planner.at_least_as_fast_where_fits;
      }
    }
    ++s.cases;
    if (r.skipped) {
      ++s.skipped;
      ++skips[*r.skipped];
      continue;
    }
    if (r.error) {
      ++s.errors;
      ++errors[r.error_kind];
      continue;
    }
    ++s.evaluated;
    all.Add(r);
    by_source[OrNone(r.input.group)].Add(r);
    by_quality[OrNone(r.input.quality)].Add(r);
    by_core[OrNone(r.input.core_subset)].Add(r);
    by_category[OrNone(r.category)].Add(r);
  }
  s.skip_reasons = MostFirst(skips);
  s.error_kinds = MostFirst(errors);
  s.overall = all.Finish("all");
  s.by_source = Finish(by_source);
  s.by_quality = Finish(by_quality);
  s.by_core_subset = Finish(by_core);
  s.by_category = Finish(by_category);
  if (!speedups.empty()) {
    std::sort(speedups.begin(), speedups.end());
    s.planner.median_speedup = speedups[speedups.size() / 2];
  }
  return s;
}

ValidationReport RunValidation(std::string_view jsonl, const catalog::Catalog& cat,
                               const estimate::EfficiencyTable& eff, bool core_only,
                               std::string_view origin) {
  ValidateOptions opt;
  opt.core_only = core_only;
  opt.origin = origin;
  return RunValidation(jsonl, cat, eff, opt);
}

ValidationReport RunValidation(std::string_view jsonl, const catalog::Catalog& cat,
                               const estimate::EfficiencyTable& eff, const ValidateOptions& opt) {
  ValidationReport rep;
  const std::vector<PreparedCase> prepared = PrepareCases(jsonl, cat, opt.core_only, opt.origin);
  const estimate::Context ctx{&eff, &cat};
  for (const auto& c : prepared) rep.cases.push_back(EvaluateCase(c, ctx));
  rep.summary = Summarize(rep.cases);
  if (!opt.cv_priors) return rep;
  rep.cv = CrossValidateBySource(prepared, rep.cases, *opt.cv_priors);
  for (const auto& h : rep.cv->held_out) {
    auto& comparisons = rep.cases.at(h.case_index).comparisons;
    const auto c = std::find_if(comparisons.begin(), comparisons.end(), [&](const Comparison& x) {
      return x.quantity == h.quantity && x.measured == h.measured;
    });
    if (c == comparisons.end()) continue;
    c->cv_predicted = h.predicted;
    c->cv_in_range = h.in_range;
  }
  return rep;
}

const std::string& EmbeddedCases() {
  // Every embedded validation/*.jsonl: the published rows (cases.jsonl) and the rows
  // measured by scripts/gpu_measure on real GPUs (measured_*.jsonl).
  static const std::string all = [] {
    std::string text;
    for (const auto& f : EmbeddedFiles()) {
      if (!f.path.starts_with("validation/") || !f.path.ends_with(".jsonl")) continue;
      text.append(f.content);
      if (!text.empty() && text.back() != '\n') text.push_back('\n');
    }
    return text;
  }();
  return all;
}

}  // namespace gpuadv::validate
