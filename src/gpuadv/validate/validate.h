#pragma once
// `gpu-advisor validate` (C12): replays published measurements through the estimators and
// compares like with like. Used by the CLI, the tests and calibration.
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gpuadv/catalog/catalog.h"
#include "gpuadv/core/enum_table.h"
#include "gpuadv/estimate/efficiency.h"
#include "gpuadv/estimate/estimate.h"
#include "gpuadv/estimate/result.h"
#include "gpuadv/validate/cases.h"
#include "gpuadv/validate/stats.h"
#include "gpuadv/workload/scenario.h"

namespace gpuadv::validate {

/// The quantities compared; each gets its own statistics.
enum class Quantity { kMemory, kThroughput, kMfu, kStepTime, kFit };
inline constexpr EnumEntry<Quantity> kQuantities[] = {
    {"memory", Quantity::kMemory, "peak memory per GPU in the measured metric"},
    {"throughput", Quantity::kThroughput, "tokens/s per GPU"},
    {"mfu", Quantity::kMfu, "model FLOPs utilisation (conventions differ per source)"},
    {"step_time", Quantity::kStepTime, "optimizer step time (rows without tokens/s)"},
    {"fit", Quantity::kFit, "fits / does-not-fit classification against a capacity"},
};

/// Whether `measured` lies inside [low, high], with a relative slack of 1e-9 for rounding
/// (false when either end is NaN).
bool InsideRange(double measured, double low, double high);

/// One predicted-vs-measured pair of a case.
struct Comparison {
  Quantity quantity = Quantity::kMemory;
  /// The estimate field compared, as named in the estimate JSON ("peak_allocated_bytes",
  /// "per_gpu_bytes", "tokens_per_s_per_gpu", "mfu", "step_time_s"); fit checks name what
  /// they classify ("per_gpu_bytes", "per_gpu_bytes_at_2x_seq_len"; a completed run's
  /// verdict is a "per_gpu_bytes" check with `ran`).
  std::string metric;
  double predicted = 0;
  /// The measured value; for kFit the capacity bound in bytes.
  double measured = 0;
  /// Memory: a further reading of the same run (reserved or device total next to the
  /// reading the case states in `memory_bytes`). Shown and counted in the every-reading
  /// figures; the headline figures count each case once, by its stated reading.
  bool extra_reading = false;
  bool expect_fit = true;     // kFit: what the measurement says
  bool predicted_fit = true;  // kFit: predicted <= measured
  /// kFit: the verdict on a run that completed (outcome ok): the job fit the card, so the
  /// estimate should say it fits. Counted apart from the OOM / limit rows (FitStats).
  bool ran = false;
  /// The estimate's printed range, scaled to this field (memory, throughput); NaN otherwise.
  double low = std::numeric_limits<double>::quiet_NaN();
  double high = std::numeric_limits<double>::quiet_NaN();

  /// `validate --cv source` (memory, tokens/s): the prediction with the factors fitted
  /// without the case's source group, and whether the measured value lies inside the range
  /// built from the other groups' cross-validated errors.
  std::optional<double> cv_predicted;
  std::optional<bool> cv_in_range;

  /// Whether the measured value lies inside [low, high] (false without a range).
  bool InRange() const { return InsideRange(measured, low, high); }

  /// (predicted - measured) / measured; NaN for kFit or a non-positive measurement.
  double SignedError() const;
  /// The same for cv_predicted; NaN without it.
  double CvSignedError() const;
  /// kFit: (predicted - capacity) / capacity, how far the prediction sits from the
  /// boundary (max_seq_len rows should be near 0); NaN otherwise.
  double Margin() const;
  /// kFit: whether the classification matches the measurement.
  bool Correct() const { return expect_fit == predicted_fit; }
};

/// Like-with-like comparisons of a measurement with its estimate (DESIGN.md `validate`):
///   memory_metric allocated / active -> peak_allocated_bytes; reserved ->
///   peak_reserved_bytes; nvml -> per_gpu_bytes (extra allocated_bytes / reserved_bytes /
///   nvml_bytes readings add their own comparison, marked extra_reading; without
///   memory_bytes the first of them is the case's reading); capacity -> a fit classification of
///   per_gpu_bytes against memory_bytes (or the GPU's capacity when absent): oom expects
///   "does not fit", fits_under and max_seq_len expect "fits"; max_seq_len rows also expect
///   `per_gpu_at_2x_seq_len` (when given) not to fit.
///   tokens_per_s_per_gpu; mfu when given; step_time_s only when tokens/s is absent.
std::vector<Comparison> Compare(const Measured& m, const estimate::EstimateResult& r,
                                std::optional<double> per_gpu_at_2x_seq_len = std::nullopt);

/// A case read and its scenario resolved, once: validation estimates it, calibration and
/// cross-validation re-estimate it with other efficiency tables (no YAML parsing again).
struct PreparedCase {
  Case input;
  std::optional<workload::Scenario> scenario;  // set unless skipped or in error
  std::optional<std::string> error;            // malformed line or scenario rejected
  std::string error_kind;
};

/// Reads every case of a JSON Lines text (ParseCases) and resolves its scenario in `cat`.
/// `core_only` keeps cases with core_subset == "Y" (malformed lines are always kept).
/// Never throws for bad case data.
std::vector<PreparedCase> PrepareCases(std::string_view jsonl, const catalog::Catalog& cat,
                                       bool core_only, std::string_view origin);

/// One case after the run. Exactly one of: skipped, error, or an estimate (possibly with
/// no comparisons when nothing comparable was measured).
struct CaseResult {
  Case input;
  std::optional<std::string> skipped;  // reason (the case's `skip`)
  std::optional<std::string> error;    // malformed line, scenario rejected, estimator failure
  std::string error_kind;  // short class of the error for the summary ("hardware.gpu", ...)
  std::optional<estimate::EstimateResult> estimate;
  std::vector<Comparison> comparisons;
  /// Multi-node throughput rows: the planner's best plan on the same GPUs vs the
  /// published layout (issue 4); set when the row has >= 16 GPUs and tokens/s measured.
  std::optional<double> planner_speedup;  // best plan / published layout, predicted
  bool planner_at_least_as_fast = false;
  std::string planner_best;  // the planner's best plan (plan::Label)
  /// The estimate's category without its scale (architecture/precision/method/stack, as
  /// estimate/uncertainty.h names them); empty without an estimate.
  std::string category;
  std::string planner_gain_term;  // the step-time term that gives its gain (PublishedComparison)
  double planner_gain_share = 0;  // that term's fall as a share of the published step
  bool published_fits = false;    // the published layout fits by our memory estimate
};

/// Planner vs published layouts over the large-scale rows.
struct PlannerStats {
  size_t compared = 0;
  size_t at_least_as_fast = 0;
  size_t published_fits = 0;
  size_t at_least_as_fast_where_fits = 0;
  double median_speedup = 0;
};

/// How many measured values fell inside the printed range.
struct Coverage {
  size_t count = 0;
  size_t inside = 0;
  void Add(bool in) {
    ++count;
    if (in) ++inside;
  }
  /// inside / count; NaN when count == 0.
  double Share() const;
};

/// Statistics of one slice of the cases (all, one source group, one quality, ...).
struct GroupStats {
  std::string key;
  size_t cases = 0;  // cases in the slice with at least one comparison
  ErrorStats memory, throughput, mfu, step_time;
  FitStats fit;
  Coverage memory_coverage, throughput_coverage;  // measured inside the printed range
  // Every memory reading, extra readings of the same run included (`memory` and
  // `memory_coverage` count each case once, by the reading it states).
  ErrorStats memory_every_reading;
  Coverage memory_every_reading_coverage;
  const ErrorStats& For(Quantity q) const;
};

struct Summary {
  size_t cases = 0;      // lines read (after the --core filter)
  size_t evaluated = 0;  // estimated without error
  size_t skipped = 0;
  size_t errors = 0;
  std::vector<std::pair<std::string, size_t>> skip_reasons;  // reason -> count, most first
  std::vector<std::pair<std::string, size_t>> error_kinds;   // kind -> count, most first
  GroupStats overall;
  std::vector<GroupStats> by_source;       // by Case::group, sorted by name
  std::vector<GroupStats> by_quality;      // good, medium, vague
  std::vector<GroupStats> by_core_subset;  // N, Y
  /// By the estimate's category (architecture/precision/method/stack): where the model errs
  /// by one sign (median_signed), the slices issue 11 judges the blind set by.
  std::vector<GroupStats> by_category;
  PlannerStats planner;
};

/// In-sample vs cross-validated figures of one quantity over one slice.
struct CvFigures {
  ErrorStats in_sample, cross_validated;
  Coverage in_sample_coverage, cv_coverage;
};

/// One slice (all cases, or one source group) of a cross-validation.
struct CvSlice {
  std::string key;
  CvFigures memory, throughput;    // memory: each case once, by the reading it states
  CvFigures memory_every_reading;  // every memory reading, extra readings included
};

/// `validate --cv source`: each source group predicted by factors and ranges fitted on the
/// other groups only (validate/calibrate.h CrossValidateBySource).
struct CrossValidation {
  std::string scheme = "source";  // leave one source group out
  CvSlice overall;
  std::vector<CvSlice> by_source;  // sorted by group name
  /// What the figures mean, e.g. that memory has no fitted factors (CV = in-sample).
  std::vector<std::string> notes;
  /// Each held-out comparison: the case (index into the report's cases), the quantity and
  /// measured value that name the comparison, the held-out prediction and whether the
  /// measured value is inside the held-out range.
  struct HeldOut {
    size_t case_index = 0;
    Quantity quantity = Quantity::kThroughput;
    double measured = 0;
    double predicted = 0;
    bool in_range = false;
  };
  std::vector<HeldOut> held_out;
};

struct ValidationReport {
  std::vector<CaseResult> cases;
  Summary summary;
  std::optional<CrossValidation> cv;  // with ValidateOptions::cv_priors
};

/// How RunValidation runs.
struct ValidateOptions {
  bool core_only = false;  // only cases with core_subset == "Y"
  std::string origin = "validation/cases.jsonl";
  /// Non-null: also cross-validate by source group, refitting from these priors
  /// (io::PriorEfficiency(): data/efficiency.yaml without the calibration).
  const estimate::EfficiencyTable* cv_priors = nullptr;
};

/// Estimates one prepared case (RunValidation's per-case step). Contract: never throws;
/// an estimator exception becomes the case's `error`.
CaseResult EvaluateCase(const PreparedCase& c, const estimate::Context& ctx);

/// Runs every case of a JSON Lines text (ParseCases), estimating each scenario with the
/// given catalog and efficiency table. `core_only` keeps cases with core_subset == "Y"
/// (malformed lines are always kept). Contract: never throws for bad case data: each
/// malformed line, rejected scenario or estimator exception becomes that case's `error`.
ValidationReport RunValidation(std::string_view jsonl, const catalog::Catalog& cat,
                               const estimate::EfficiencyTable& eff, bool core_only,
                               std::string_view origin = "validation/cases.jsonl");

/// RunValidation with options (cross-validation).
ValidationReport RunValidation(std::string_view jsonl, const catalog::Catalog& cat,
                               const estimate::EfficiencyTable& eff, const ValidateOptions& opt);

/// Statistics over already-run cases (RunValidation calls it; exposed for tests).
Summary Summarize(const std::vector<CaseResult>& cases);

/// The embedded cases: every data/validation/*.jsonl (published rows and our own GPU
/// measurements), concatenated; empty when none is embedded.
const std::string& EmbeddedCases();

}  // namespace gpuadv::validate
