#pragma once
// Presenters of a ValidationReport (STYLE principle 10: results hold raw numbers).
#include <nlohmann/json.hpp>

#include "gpuadv/report/document.h"
#include "gpuadv/validate/validate.h"

namespace gpuadv::validate {

/// `validate` in every format: ValidationJson; the per-case table (id, quantity, predicted,
/// measured, error), then the summary tables by quantity, source group, quality and core
/// subset, with cross-validation its tables, the planner, skip reasons and error kinds.
/// CSV: a row per comparison, skipped or failed case (kind = case), then a row per summary
/// slice and quantity (kind = summary), then with cross-validation a row per slice,
/// quantity and metric in_sample | cross_validated (kind = cv), each with its case's or
/// group's JSON as columns. Errors in percent; for fit rows error_pct is the margin of the
/// prediction over the capacity; coverage_pct the share of measured values inside the
/// printed range.
report::Document ValidationDocument(const ValidationReport& rep);

/// DESIGN.md `validate --format json`: {"schema_version", "cases": [{"id", "skipped",
/// "error", "estimate", "measured", "comparisons", ...}], "summary": {...}}. Relative
/// errors are fractions of the measured value; non-finite numbers print as null. Memory and
/// throughput statistics carry "coverage" {count, inside, share}; with cross-validation
/// the summary has "cv": {"scheme", "notes", "overall", "by_source"}, each slice holding
/// memory / throughput {"in_sample", "cross_validated"}.
nlohmann::json ValidationJson(const ValidationReport& rep);

}  // namespace gpuadv::validate
