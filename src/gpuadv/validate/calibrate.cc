#include "gpuadv/validate/calibrate.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <iterator>
#include <map>
#include <set>

#include "gpuadv/core/units.h"
#include "gpuadv/estimate/estimate.h"
#include "gpuadv/estimate/uncertainty.h"

namespace gpuadv::validate {
namespace {

constexpr size_t kFactors = std::size(estimate::kFittedFactors);
constexpr size_t kGemm = 0;  // index of gemm_eta_max in kFittedFactors
static_assert(estimate::kFittedFactors[kGemm].name == "gemm_eta_max");
constexpr size_t kFp8 = 3;  // index of fp8_gemm_speedup
static_assert(estimate::kFittedFactors[kFp8].name == "fp8_gemm_speedup");
constexpr size_t kPower = 4;  // index of gemm_pj_per_flop
static_assert(estimate::kFittedFactors[kPower].name == "gemm_pj_per_flop");
// Coarse grid step per factor (fp8_gemm_speedup is not gridded: it only moves the fp8 rows,
// so coordinate refinement from the prior finds it; gemm_pj_per_flop has its own grid
// with gemm_eta_max and attn_eta, scanned from its prior, 0 = no power limit, upward: a
// higher value replaces a lower one only when it lowers the objective, so it settles at the
// least limit the rows show).
constexpr double kGridStep[kFactors] = {0.05, 0.1, 0.05, 0, 0};
// Step of gemm_pj_per_flop in its joint grid (pJ per FLOP).
constexpr double kPowerGridStep = 0.25;
// Alternations of that joint grid with the rate grid (each stops when the limit holds).
constexpr int kPowerRounds = 3;
// Refinement stops when every step is below this (factors are fractions of peaks).
constexpr double kMinStep = 1e-3;
// A fitted value this close to a search bound is reported at_bound.
constexpr double kAtBound = 0.01;
// A candidate replaces the best only when it lowers the objective by more than this, so ties
// keep the earlier (grid-order) point and the search is deterministic.
constexpr double kMinImprovement = 1e-12;
// |error| charged for a prediction that is NaN or not positive.
constexpr double kFailedError = 1.0;
// Longest sequence of a row that may set an architecture's measured-MFU ceiling.
constexpr long long kMfuCeilingMaxSeqLen = 8192;
// overlap_eta values scanned by the overlap check.
constexpr double kOverlapMin = 0.5, kOverlapMax = 0.95, kOverlapStep = 0.05;

using Point = std::array<double, kFactors>;

// The prior term of the fit (calibrate.h PriorWeightFit): weight * sum over factors of
// ln(value / prior)^2, a log-normal prior around the sourced value of data/efficiency.yaml.
double PriorPenalty(const Point& p, const Point& prior, double weight) {
  double sum = 0;
  for (size_t f = 0; f < kFactors; ++f)
    if (p[f] > 0 && prior[f] > 0) sum += std::pow(std::log(p[f] / prior[f]), 2);
  return weight * sum;
}

// The search's working copy of the table: rewrites the entries of one architecture (the
// canonical row and its alias copies).
class ArchTable {
 public:
  ArchTable(const estimate::EfficiencyTable& base, const std::string& arch) : table_(base) {
    for (size_t i = 0; i < table_.archs.size(); ++i)
      if (table_.archs[i].Canonical() == arch) rows_.push_back(i);
  }
  bool Known() const { return !rows_.empty(); }
  Point Get() const {
    Point p{};
    if (rows_.empty()) return p;
    for (size_t f = 0; f < kFactors; ++f)
      p[f] = table_.archs[rows_[0]].*estimate::kFittedFactors[f].member;
    return p;
  }
  void Set(const Point& p) {
    for (size_t i : rows_)
      for (size_t f = 0; f < kFactors; ++f)
        table_.archs[i].*estimate::kFittedFactors[f].member = p[f];
  }
  /// The architecture's measured best large-GEMM rate over its dense 16-bit peak (MAMF,
  /// data/efficiency.yaml ref_gemm_eta), where one is given.
  std::optional<double> RefGemmEta() const {
    return rows_.empty() ? std::nullopt : table_.archs[rows_[0]].ref_gemm_eta;
  }
  const estimate::EfficiencyTable& table() const { return table_; }
  estimate::EfficiencyTable& table() { return table_; }

 private:
  estimate::EfficiencyTable table_;
  std::vector<size_t> rows_;
};

double PredictTokens(const workload::Scenario& s, const estimate::EfficiencyTable& t) {
  try {
    return estimate::EstimateThroughput(s, estimate::Context{&t, nullptr}).tokens_per_s_per_gpu;
  } catch (const std::exception&) {
    return std::nan("");
  }
}

using Rows = std::vector<CalibrationRow*>;

// median + p90 of |predicted / measured - 1| over `rows` with the table as it stands.
double Objective(const Rows& rows, const std::vector<PreparedCase>& cases,
                 const estimate::EfficiencyTable& t) {
  std::vector<double> abs;
  abs.reserve(rows.size());
  for (const CalibrationRow* r : rows) {
    const double pred = PredictTokens(*cases[r->case_index].scenario, t);
    abs.push_back(pred > 0 && std::isfinite(pred) ? std::fabs(pred / r->measured - 1)
                                                  : kFailedError);
  }
  return Percentile(abs, 0.5) + Percentile(abs, 0.9);
}

// Search bounds of each factor; fp8 up to the datasheet fp8 / 16-bit ratio of the rows' GPUs.
struct Bounds {
  Point lo{}, hi{};
  bool fit_fp8 = false;
  bool fit_power = false;  // the rows' GPUs differ in board power (TDP) per peak FLOP
};

Bounds MakeBounds(const Rows& rows, const std::vector<PreparedCase>& cases, const Point& prior,
                  std::optional<double> ref_gemm_eta) {
  Bounds b;
  for (size_t f = 0; f < kFactors; ++f) {
    b.lo[f] = estimate::kFittedFactors[f].min;
    b.hi[f] = estimate::kFittedFactors[f].max;
  }
  // The sustained GEMM ceiling stays at or below the best rate a matmul benchmark reaches on
  // the architecture (MAMF): rows that want it higher carry another term's error.
  if (ref_gemm_eta) b.hi[kGemm] = std::clamp(*ref_gemm_eta, b.lo[kGemm], b.hi[kGemm]);
  double ratio = b.lo[kFp8];
  size_t fp8_rows = 0;
  for (const CalibrationRow* r : rows) {
    if (!r->fp8) continue;
    ++fp8_rows;
    const auto& gpu = cases[r->case_index].scenario->hardware.gpu;
    const double peak16 = gpu.Peak16FlopsPerS();
    const double fp8 = gpu.fp8_tensor_fp32acc_dense_tflops.value_or(0) * kTera;
    if (peak16 > 0 && fp8 > 0) ratio = std::max(ratio, fp8 / peak16);
  }
  b.hi[kFp8] = std::min(b.hi[kFp8], ratio);
  b.fit_fp8 = fp8_rows >= kMinFp8RowsToFit && b.hi[kFp8] > b.lo[kFp8];
  // A power limit is told apart from the GEMM ceiling only by GPUs that differ in board
  // power per peak FLOP: on one such ratio the two are the same factor.
  std::set<long long> watts_per_flop;
  for (const CalibrationRow* r : rows) {
    const auto& gpu = cases[r->case_index].scenario->hardware.gpu;
    const double peak16 = gpu.Peak16FlopsPerS();
    if (gpu.tdp_w.value_or(0) > 0 && peak16 > 0)
      watts_per_flop.insert(std::llround(*gpu.tdp_w / peak16 * 1e15));  // mW per TFLOP/s
  }
  // A measured energy per FLOP (a nonzero prior in data/efficiency.yaml, from sustained GEMM
  // rates of power-limited boards) is kept: a GEMM measurement shows the limit directly,
  // where training rows show it only mixed with every other rate of the step.
  b.fit_power = watts_per_flop.size() >= 2 && prior[kPower] == 0;
  return b;
}

std::vector<double> Grid(double lo, double hi, double step) {
  std::vector<double> v;
  for (int i = 0;; ++i) {
    const double x = lo + step * i;
    if (x > hi + 1e-9) break;
    v.push_back(x);
  }
  if (v.back() < hi - 1e-9) v.push_back(hi);
  return v;
}

// Coarse grid over the gridded factors, then coordinate refinement with halving steps.
Point Search(const Rows& rows, const std::vector<PreparedCase>& cases, ArchTable& t,
             const Point& prior, double prior_weight) {
  const Bounds b = MakeBounds(rows, cases, prior, t.RefGemmEta());
  Point best = prior;
  best[kFp8] = std::clamp(prior[kFp8], b.lo[kFp8], b.hi[kFp8]);
  double best_obj = INFINITY;
  const auto g0 = Grid(b.lo[0], b.hi[0], kGridStep[0]);
  const auto g1 = Grid(b.lo[1], b.hi[1], kGridStep[1]);
  const auto g2 = Grid(b.lo[2], b.hi[2], kGridStep[2]);
  auto consider = [&](const Point& q) {
    t.Set(q);
    const double obj = Objective(rows, cases, t.table()) + PriorPenalty(q, prior, prior_weight);
    if (obj < best_obj - kMinImprovement) best_obj = obj, best = q;
  };
  // The grid over the three rate factors, at the power limit of `best`.
  auto rate_grid = [&] {
    Point p = best;
    for (double x0 : g0)
      for (double x1 : g1)
        for (double x2 : g2) {
          p[0] = x0, p[1] = x1, p[2] = x2;
          consider(p);
        }
  };
  rate_grid();
  // The power limit trades against the tensor-rate factors it scales, the GEMM ceiling and
  // the attention efficiency (a board limited by its power and one that is not need a
  // higher ceiling and a limit together): a joint grid over the three from the best point
  // above, then the rate grid again at the limit it found, alternating while it moves.
  const auto g4 =
      b.fit_power ? Grid(b.lo[kPower], b.hi[kPower], kPowerGridStep) : std::vector<double>{};
  for (int round = 0; b.fit_power && round < kPowerRounds; ++round) {
    const double before = best[kPower];
    Point p = best;
    for (double x0 : g0)
      for (double x1 : g1)
        for (double x4 : g4) {
          p[0] = x0, p[1] = x1, p[kPower] = x4;
          consider(p);
        }
    if (best[kPower] == before) break;
    rate_grid();
  }
  Point step{};
  for (size_t f = 0; f < kFactors; ++f) step[f] = kGridStep[f] / 2;
  step[kFp8] = b.fit_fp8 ? (b.hi[kFp8] - b.lo[kFp8]) / 4 : 0;
  step[kPower] = b.fit_power ? kPowerGridStep / 2 : 0;
  while (*std::max_element(step.begin(), step.end()) >= kMinStep) {
    bool improved = false;
    for (size_t f = 0; f < kFactors; ++f) {
      if (step[f] < kMinStep) continue;
      for (double dir : {-1.0, 1.0}) {
        Point q = best;
        q[f] = std::clamp(best[f] + dir * step[f], b.lo[f], b.hi[f]);
        if (q[f] == best[f]) continue;
        t.Set(q);
        const double obj = Objective(rows, cases, t.table()) + PriorPenalty(q, prior, prior_weight);
        if (obj < best_obj - kMinImprovement) best_obj = obj, best = q, improved = true;
      }
    }
    if (!improved)
      for (double& s : step) s /= 2;
  }
  if (!b.fit_fp8) best[kFp8] = prior[kFp8];
  if (!b.fit_power) best[kPower] = prior[kPower];
  return best;
}

// Predicts `rows` with point `p` into `*field` of each.
void Predict(const Rows& rows, const std::vector<PreparedCase>& cases, ArchTable& t, const Point& p,
             double CalibrationRow::*field) {
  t.Set(p);
  for (CalibrationRow* r : rows)
    r->*field = PredictTokens(*cases[r->case_index].scenario, t.table());
}

ErrorStats Stats(const Rows& rows, double (CalibrationRow::*error)() const) {
  std::vector<double> e;
  for (const CalibrationRow* r : rows) e.push_back((r->*error)());
  return SummarizeErrors(e);
}

size_t CountFp8(const Rows& rows) {
  return static_cast<size_t>(
      std::count_if(rows.begin(), rows.end(), [](const CalibrationRow* r) { return r->fp8; }));
}

// Fits one architecture: all rows (in-sample), then each source group left out (CV).
// `launch_without`: per source group, the global launch overhead fitted without that group
// (the held-out prediction must not see the held-out rows through the global factor either).
ArchCalibration FitArchitecture(const std::string& arch, const Rows& rows,
                                const std::vector<PreparedCase>& cases, double prior_weight,
                                const std::map<std::string, double>& launch_without,
                                estimate::EfficiencyTable* table) {
  ArchCalibration a;
  a.architecture = arch;
  a.rows = rows.size();
  a.fp8_rows = CountFp8(rows);
  std::set<std::string> groups;
  for (const CalibrationRow* r : rows) groups.insert(r->group);
  a.groups.assign(groups.begin(), groups.end());
  ArchTable t(*table, arch);
  const Point prior = t.Get();
  Rows fit_rows;
  for (CalibrationRow* r : rows) {
    if (r->fit) fit_rows.push_back(r);
    // The ceiling comes from quality-good 16-bit rows up to kMfuCeilingMaxSeqLen tokens: PaLM
    // MFU counts attention non-causal, so at long context it overstates the executed rate.
    if (r->fit && !r->fp8 && r->seq_len <= kMfuCeilingMaxSeqLen) {
      if (r->measured_mfu > a.measured_mfu_max) {
        a.measured_mfu_max = r->measured_mfu;
        a.measured_mfu_case = cases[r->case_index].input.id;
      }
      if (r->model_parallel && r->measured_mfu > a.measured_mfu_max_model_parallel) {
        a.measured_mfu_max_model_parallel = r->measured_mfu;
        a.measured_mfu_case_model_parallel = cases[r->case_index].input.id;
      }
    }
  }
  a.fit_rows = fit_rows.size();
  a.fitted = t.Known() && fit_rows.size() >= kMinRowsToFit;
  const Point fit = a.fitted ? Search(fit_rows, cases, t, prior, prior_weight) : prior;
  Predict(rows, cases, t, fit, &CalibrationRow::predicted);
  const double launch_in_sample = t.table().global.launch_overhead_s;
  for (const auto& g : a.groups) {
    if (auto it = launch_without.find(g); it != launch_without.end())
      t.table().global.launch_overhead_s = it->second;
    Rows train, held;
    for (CalibrationRow* r : rows) {
      if (r->group == g)
        held.push_back(r);
      else if (r->fit)
        train.push_back(r);
    }
    const bool refit = t.Known() && train.size() >= kMinRowsToFit;
    const Point p = refit ? Search(train, cases, t, prior, prior_weight) : prior;
    Predict(held, cases, t, p, &CalibrationRow::cv_predicted);
  }
  t.table().global.launch_overhead_s = launch_in_sample;
  a.in_sample = Stats(rows, &CalibrationRow::Error);
  a.leave_one_source_out = Stats(rows, &CalibrationRow::CvError);
  if (a.fitted) {
    const Bounds b = MakeBounds(rows, cases, prior, t.RefGemmEta());
    for (size_t f = 0; f < kFactors; ++f) {
      if ((f == kFp8 && !b.fit_fp8) || (f == kPower && !b.fit_power)) continue;
      // gemm_pj_per_flop's lower bound, 0, is "no power limit": a value, not a bound hit.
      const bool at_lo = f != kPower && fit[f] <= b.lo[f] + kAtBound;
      a.factors.push_back({std::string(estimate::kFittedFactors[f].name), fit[f], prior[f],
                           f == kFp8 ? a.fp8_rows : a.rows, at_lo || fit[f] >= b.hi[f] - kAtBound});
    }
    ArchTable out(*table, arch);
    out.Set(fit);
    *table = out.table();
  }
  for (auto& e : table->archs) {
    if (e.Canonical() != arch) continue;
    if (a.measured_mfu_max > 0) e.measured_mfu_max = a.measured_mfu_max;
    if (a.measured_mfu_max_model_parallel > 0)
      e.measured_mfu_max_model_parallel = a.measured_mfu_max_model_parallel;
  }
  return a;
}

// Scans overlap_eta over the multi-GPU rows of fitted architectures (fitted factors held).
OverlapCheck CheckOverlap(std::vector<CalibrationRow>& all,
                          const std::vector<ArchCalibration>& archs,
                          const std::vector<PreparedCase>& cases,
                          const estimate::EfficiencyTable& table) {
  OverlapCheck o;
  Rows rows;
  for (auto& r : all) {
    if (r.quantity != Quantity::kThroughput) continue;
    if (cases[r.case_index].scenario->hardware.TotalGpus() < 2) continue;
    for (const auto& a : archs)
      if (a.fitted && a.architecture == r.category.architecture) rows.push_back(&r);
  }
  o.rows = rows.size();
  if (rows.empty()) return o;
  estimate::EfficiencyTable t = table;
  o.objective_min = INFINITY;
  o.objective_max = 0;
  for (double x : Grid(kOverlapMin, kOverlapMax, kOverlapStep)) {
    t.global.overlap_eta = x;
    const double obj = Objective(rows, cases, t);
    if (obj < o.objective_min - kMinImprovement) o.objective_min = obj, o.best_value = x;
    o.objective_max = std::max(o.objective_max, obj);
  }
  o.well_constrained = o.objective_max - o.objective_min >= kOverlapMinSpread;
  return o;
}

// The comparable rows of the prepared cases (memory readings and tokens/s).
std::vector<CalibrationRow> MakeRows(const std::vector<PreparedCase>& cases,
                                     const estimate::EfficiencyTable& priors) {
  std::vector<CalibrationRow> rows;
  for (size_t i = 0; i < cases.size(); ++i) {
    const PreparedCase& c = cases[i];
    if (!c.scenario || c.error || c.input.skip) continue;
    const workload::Scenario& s = *c.scenario;
    CalibrationRow base;
    base.case_index = i;
    base.group = c.input.group.empty() ? "(none)" : c.input.group;
    base.category = estimate::CategoryOf(s, priors);
    base.fp8 = s.training.precision == workload::Precision::kFp8Mixed;
    base.fit = c.input.quality == "good";
    base.seq_len = s.training.seq_len;
    base.model_parallel = s.parallelism.ModelParallel();
    try {
      estimate::EstimateResult est;
      est.memory = estimate::EstimateMemory(s, estimate::Context{&priors, nullptr});
      est.gpu_memory_bytes = s.hardware.gpu.CapacityBytes();
      for (const auto& cmp : Compare(c.input.measured, est)) {
        if (cmp.quantity != Quantity::kMemory || !(cmp.measured > 0)) continue;
        CalibrationRow r = base;
        r.quantity = Quantity::kMemory;
        r.category = estimate::MemoryCategory(base.category);
        r.extra_reading = cmp.extra_reading;
        r.measured = cmp.measured;
        r.predicted = r.cv_predicted = cmp.predicted;
        rows.push_back(std::move(r));
      }
    } catch (const std::exception&) {
      continue;  // validate reports the estimator failure
    }
    if (const auto& tok = c.input.measured.tokens_per_s_per_gpu) {
      CalibrationRow r = base;
      r.quantity = Quantity::kThroughput;
      r.measured = *tok;
      // MFU per token/s is model FLOPs / 16-bit peak: independent of the fitted factors.
      const auto t = estimate::EstimateThroughput(s, estimate::Context{&priors, nullptr});
      if (t.tokens_per_s_per_gpu > 0) r.measured_mfu = *tok * t.mfu / t.tokens_per_s_per_gpu;
      rows.push_back(std::move(r));
    }
  }
  return rows;
}

// Scans the global launch overhead (calibrate.h LaunchFit).
// Scans the global launch overhead, every architecture refitted at each value, on the
// quality-good rows outside source group `exclude` (empty: all rows).
// Each architecture's factors fitted at each scanned launch value on all its good rows:
// a scan without a group reuses them for the architectures that group has no rows in.
using LaunchPoints = std::map<std::pair<double, std::string>, Point>;

LaunchFit FitLaunch(const std::map<std::string, Rows>& by_arch,
                    const std::vector<PreparedCase>& cases, const estimate::EfficiencyTable& priors,
                    LaunchPoints* points, const std::string& exclude = "") {
  LaunchFit l;
  l.prior = l.value = priors.global.launch_overhead_s;
  double best = INFINITY;
  for (double value : kLaunchOverheadScan) {
    estimate::EfficiencyTable t = priors;
    t.global.launch_overhead_s = value;
    Rows all;
    for (const auto& [arch, rows] : by_arch) {
      Rows fit_rows;
      bool excluded = false;
      for (CalibrationRow* r : rows) {
        if (!r->fit) continue;
        if (!exclude.empty() && r->group == exclude)
          excluded = true;
        else
          fit_rows.push_back(r);
      }
      ArchTable a(t, arch);
      if (!a.Known() || fit_rows.size() < kMinRowsToFit) continue;
      const auto key = std::make_pair(value, arch);
      const auto cached = points->find(key);
      if (!excluded && cached != points->end()) {
        a.Set(cached->second);
      } else {
        const Point p = Search(fit_rows, cases, a, a.Get(), 0);
        if (!excluded) (*points)[key] = p;
        a.Set(p);
      }
      t = a.table();
      all.insert(all.end(), fit_rows.begin(), fit_rows.end());
    }
    if (all.empty()) return l;
    // Held near its prior (the profiled host time per launch) like the per-architecture
    // factors (kPriorWeight): left without the source group whose host-bound rows pin it,
    // the others barely constrain it and would pick a value at random.
    const double pull = l.prior > 0 ? std::log(value / l.prior) : 0;
    const double obj = Objective(all, cases, t) + kPriorWeight * pull * pull;
    l.scanned.emplace_back(value, obj);
    if (obj < best - kMinImprovement) best = obj, l.value = value;
  }
  return l;
}

}  // namespace

Calibration Calibrate(const std::vector<PreparedCase>& cases,
                      const estimate::EfficiencyTable& priors, const CalibrateOptions& opt) {
  Calibration c;
  c.table = priors;
  c.rows = MakeRows(cases, priors);
  std::map<std::string, Rows> by_arch;
  for (auto& r : c.rows)
    if (r.quantity == Quantity::kThroughput) by_arch[r.category.architecture].push_back(&r);
  LaunchPoints points;
  c.launch = FitLaunch(by_arch, cases, c.table, &points);
  c.table.global.launch_overhead_s = c.launch.value;
  // Leave-one-source-out covers the global factor too: refitted without each group.
  std::map<std::string, double> launch_without;
  for (const auto& [arch, rows] : by_arch)
    for (const CalibrationRow* r : rows)
      if (!launch_without.count(r->group))
        launch_without[r->group] = FitLaunch(by_arch, cases, priors, &points, r->group).value;
  // Diagnostic: the held-out objective at other prior weights (each refits every
  // architecture with its source groups left out in turn).
  if (opt.scan_prior_weight)
    for (double w : kPriorWeightScanValues) {
      estimate::EfficiencyTable t = c.table;
      std::vector<double> held_out;
      for (const auto& [arch, rows] : by_arch) {
        FitArchitecture(arch, rows, cases, w, launch_without, &t);
        for (const CalibrationRow* r : rows)
          if (r->fit)
            held_out.push_back(std::isfinite(r->CvError()) ? std::fabs(r->CvError())
                                                           : kFailedError);
      }
      c.prior_weight.scanned.emplace_back(
          w, held_out.empty() ? 0 : Percentile(held_out, 0.5) + Percentile(held_out, 0.9));
    }
  // The fit (FitArchitecture leaves its predictions in the rows: after the scan).
  for (const auto& [arch, rows] : by_arch)
    c.archs.push_back(
        FitArchitecture(arch, rows, cases, opt.prior_weight, launch_without, &c.table));
  c.prior_weight.value = opt.prior_weight;
  c.overlap = CheckOverlap(c.rows, c.archs, cases, c.table);
  c.table.uncertainty = BuildUncertainty(c.rows);
  return c;
}

}  // namespace gpuadv::validate
