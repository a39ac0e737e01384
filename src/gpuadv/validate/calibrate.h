#pragma once
// `gpu-advisor calibrate` (issue 11): fits the per-architecture throughput factors of
// data/efficiency.yaml to the validation rows, cross-validates them by source group and
// derives the ranges of the estimates from the cross-validated errors. The result is
// written as data/calibration.yaml, which the built-in efficiency table applies on top of
// the hand-written priors (io::BuiltinEfficiency).
//
// The search is deterministic: a coarse grid over the physical bounds of kFittedFactors,
// then coordinate refinement with halving steps, minimising median + p90 of
// |predicted / measured - 1| over the architecture's tokens/s rows.
#include <string>
#include <string_view>
#include <vector>

#include "gpuadv/catalog/catalog.h"
#include "gpuadv/estimate/efficiency.h"
#include "gpuadv/validate/stats.h"
#include "gpuadv/validate/validate.h"

namespace gpuadv::validate {

/// Fewest tokens/s rows an architecture needs for its factors to be fitted; an architecture
/// with fewer keeps its priors (reported "not fitted (n rows)").
inline constexpr size_t kMinRowsToFit = 8;
/// Fewest fp8-mixed rows for fp8_gemm_speedup to be fitted as well.
inline constexpr size_t kMinFp8RowsToFit = 5;

/// One measured value calibration compares: the tokens/s of a case, or one of its memory
/// readings (like with like, as Compare() pairs them).
struct CalibrationRow {
  size_t case_index = 0;  // into the prepared cases
  Quantity quantity = Quantity::kThroughput;
  std::string group;              // source group (Case::group)
  estimate::RangeEntry category;  // CategoryOf; memory rows: MemoryCategory (no architecture)
  bool fp8 = false;               // fp8-mixed precision
  // Fitted on: quality "good" rows only (conditions essentially complete); "medium" and
  // "vague" rows are predicted and scored but never move a factor.
  bool fit = true;
  double measured_mfu = 0;  // tokens/s rows: the measured rate as PaLM MFU (16-bit peak)
  long long seq_len = 0;
  bool model_parallel = false;  // tensor / pipeline / context / expert parallel layout
  bool extra_reading = false;   // memory: Comparison::extra_reading
  double measured = 0;
  double predicted = 0;     // with the factors fitted on all rows
  double cv_predicted = 0;  // with the factors fitted without the row's source group

  double Error() const { return predicted / measured - 1; }
  double CvError() const { return cv_predicted / measured - 1; }
};

/// One factor of an architecture after the fit.
struct FactorValue {
  std::string name;  // kFittedFactors name
  double value = 0;
  double prior = 0;  // data/efficiency.yaml
  size_t rows = 0;   // rows that constrain it (fp8_gemm_speedup: the fp8 rows)
  /// The value sits on a search bound: the rows push the factor beyond its physical range,
  /// a sign that it absorbs a mechanism the model lacks.
  bool at_bound = false;
};

/// One architecture with tokens/s rows.
struct ArchCalibration {
  std::string architecture;  // canonical efficiency-table name
  size_t rows = 0;
  size_t fp8_rows = 0;
  std::vector<std::string> groups;  // source groups of the rows, sorted
  size_t fit_rows = 0;              // of those, quality "good" (the ones fitted on)
  bool fitted = false;              // fit_rows >= kMinRowsToFit
  // Highest measured MFU among the architecture's 16-bit tokens/s rows, and its case: the
  // planner's ceiling of measured territory (plan::RankPlan).
  double measured_mfu_max = 0;
  std::string measured_mfu_case;
  // The same among its model-parallel rows (tensor / pipeline / context / expert parallel):
  // the ceiling of model-parallel plans, which pay TP collectives and pipeline bubbles that
  // a data-parallel small model never does.
  double measured_mfu_max_model_parallel = 0;
  std::string measured_mfu_case_model_parallel;
  std::vector<FactorValue> factors;  // the fitted factors (empty when not fitted)
  ErrorStats in_sample;              // over the rows, fitted factors
  ErrorStats leave_one_source_out;   // each group predicted by a fit on the others
};

/// Whether the global overlap_eta is constrained by the multi-GPU rows: the objective of
/// those rows across the bounds of overlap_eta with the fitted architecture factors.
struct OverlapCheck {
  size_t rows = 0;                // multi-GPU tokens/s rows of fitted architectures
  double objective_min = 0;       // best median + p90 over the scanned values
  double objective_max = 0;       // worst
  double best_value = 0;          // overlap_eta at the best
  bool well_constrained = false;  // spread >= kOverlapMinSpread
};
/// Spread of the objective (median + p90, fractions) below which overlap_eta is left at its
/// prior: the rows cannot tell its values apart from the other factors' noise.
inline constexpr double kOverlapMinSpread = 0.02;

/// The whole calibration.
/// The global host time per eager kernel launch (GlobalEfficiency::launch_overhead_s): a
/// property of the host CPU and the Python dispatcher, not of the GPU, so one value for all
/// architectures. Scanned over kLaunchOverheadScan; at each value every architecture's
/// factors are refitted on its good rows and the objective (median + p90) of all good
/// tokens/s rows of fitted architectures, plus kPriorWeight x ln(value / prior)^2, is compared.
struct LaunchFit {
  double prior = 0;
  double value = 0;                                // the scanned value with the lowest objective
  std::vector<std::pair<double, double>> scanned;  // (value, objective)
};
// 2.5 us steps where the fits land (25-40 us): on a 5 us grid the value jumped between 30
// and 35 us with small changes of the rows.
inline constexpr double kLaunchOverheadScan[] = {10e-6,   15e-6, 20e-6,   25e-6, 27.5e-6, 30e-6,
                                                 32.5e-6, 35e-6, 37.5e-6, 40e-6, 50e-6};

/// The weight of the prior in each architecture's fit: the objective (median + p90 of
/// |error|) adds kPriorWeight * sum over factors of ln(value / prior)^2, a log-normal prior
/// around the sourced values of data/efficiency.yaml. A factor then moves from its physical
/// prior only as far as the rows consistently ask (moving by a factor of e costs as much as
/// 50 points of median + p90), so one that few rows constrain (attention efficiency where
/// most rows run eager attention) does not swing to a bound when a source group is left out.
/// A fixed modelling choice, not refitted per run (a weight chosen from the held-out errors
/// would let each held-out group influence its own prediction); `calibrate` reports the
/// held-out objective at other weights as a diagnostic (PriorWeightScan).
inline constexpr double kPriorWeight = 0.5;
struct PriorWeightScan {
  double value = kPriorWeight;                     // the weight used
  std::vector<std::pair<double, double>> scanned;  // (weight, held-out median + p90)
};
inline constexpr double kPriorWeightScanValues[] = {0, 0.05, 0.1, 0.2, 0.5, 1, 2};

/// What Calibrate does beyond the fit.
struct CalibrateOptions {
  double prior_weight = kPriorWeight;
  bool scan_prior_weight = false;  // fill Calibration::prior_weight.scanned (7 more fits)
};

struct Calibration {
  std::vector<ArchCalibration> archs;  // architectures with tokens/s rows, by name
  std::vector<CalibrationRow> rows;    // memory and tokens/s rows, in case order
  LaunchFit launch;
  PriorWeightScan prior_weight;
  OverlapCheck overlap;
  estimate::EfficiencyTable table;  // the priors with the fitted factors and the ranges
};

/// Fits the factors to prepared cases (PrepareCases), starting from `priors`
/// (io::PriorEfficiency()). Cases that are skipped, in error or without a comparable
/// measurement are ignored. Deterministic.
Calibration Calibrate(const std::vector<PreparedCase>& cases,
                      const estimate::EfficiencyTable& priors, const CalibrateOptions& opt = {});

/// The ranges (data/calibration.yaml `uncertainty:`) from the rows' cross-validated errors;
/// rows of `exclude_group` (when non-empty) left out.
estimate::UncertaintyTable BuildUncertainty(const std::vector<CalibrationRow>& rows,
                                            std::string_view exclude_group = {});

/// The group name every source of fewer than estimate::kMinCategoryRows rows is held out
/// under when the range level is fitted.
inline constexpr std::string_view kSmallSourcesGroup = "(sources of fewer than 6 rows)";
static_assert(estimate::kMinCategoryRows == 6, "kSmallSourcesGroup names the threshold");

/// The group each row is held out with when the range level is fitted (one per row, same
/// order): its source group, or kSmallSourcesGroup for a group of fewer than
/// estimate::kMinCategoryRows rows. A share inside read off a few rows moves in steps of a
/// quarter or more; such sources are held out together and weigh as one.
std::vector<std::string_view> RangeLevelGroups(const std::vector<const CalibrationRow*>& rows);

/// data/calibration.yaml: "generated by gpu-advisor calibrate; do not edit".
std::string CalibrationYaml(const Calibration& c);

/// Leave-one-source-out cross-validation of `validate --cv source` over prepared cases and
/// their in-sample results (same order). Each group's tokens/s is predicted with factors
/// fitted on the other groups, and its coverage is judged on ranges built from the other
/// groups' cross-validated errors. Memory has no fitted factors: its CV error is its
/// in-sample error (said in `notes`), its CV coverage uses the held-out ranges.
CrossValidation CrossValidateBySource(const std::vector<PreparedCase>& cases,
                                      const std::vector<CaseResult>& in_sample,
                                      const estimate::EfficiencyTable& priors);

}  // namespace gpuadv::validate
