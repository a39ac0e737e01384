#pragma once
// The sentences of a recommendation: each pick's `why` and the result's `advice`
// (STYLE.md principle 11: every decision can say why).
#include <vector>

#include "gpuadv/advise/recommend.h"

namespace gpuadv::advise {

/// Appends to `p.why`: fit and headroom, bottleneck, time, total cost, cost per million
/// tokens, buy-vs-rent break-even, system compatibility, stale-price warnings.
void ExplainPick(const workload::Scenario& s, const RecommendOptions& opt, Pick& p);

/// Fills `r.advice` from the ranked feasible configurations (best first) and the picks.
void AddAdvice(const workload::Scenario& s, const RecommendOptions& opt,
               const std::vector<Pick>& feasible, RecommendResult& r);

}  // namespace gpuadv::advise
