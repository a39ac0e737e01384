#pragma once
// Reporter for `estimate`: one Document (document.h).
#include "gpuadv/estimate/result.h"
#include "gpuadv/report/document.h"

namespace gpuadv::report {

/// `estimate` in every format: EstimateJson; the job as estimated, memory breakdown against
/// capacity, fit, throughput, bottleneck, time, cost, warnings (and the basis when present);
/// CSV one header and one row (flat column names from the JSON contract) with the rest of
/// the JSON appended as columns.
Document EstimateDocument(const estimate::EstimateResult& r);

}  // namespace gpuadv::report
