#pragma once
#include <string>

#include "gpuadv/estimate/result.h"

namespace gpuadv::report {

/// The human-readable `estimate` report: memory breakdown against capacity, fit,
/// throughput, bottleneck, time, cost, warnings (and the basis when present).
/// `markdown` switches to Markdown tables.
std::string EstimateText(const estimate::EstimateResult& r, bool markdown = false);

/// One CSV header + row for an estimate (flat column names from the JSON contract).
std::string EstimateCsvHeader();
std::string EstimateCsvRow(const estimate::EstimateResult& r);
/// Header and row, with the rest of the estimate's JSON appended (AppendJsonColumns).
std::string EstimateCsv(const estimate::EstimateResult& r);

}  // namespace gpuadv::report
