#pragma once
// Invariants of a ranking (issue 6): checked by the tests and, with GPUADV_CHECK_INVARIANTS
// (debug and sanitizer builds), on every `recommend` result before it is returned.
#include <string>
#include <vector>

#include "gpuadv/advise/recommend.h"

namespace gpuadv::advise {

/// The broken invariants of `r`, one readable line each; empty when all hold.
/// Contract (what a valid ranking satisfies):
///  - every pick's estimate satisfies estimate::CheckInvariants;
///  - ranks are 1..N in order; scores lie in (0, 1], 1 for rank 1;
///  - objective_value is finite, not negative, and is ObjectiveValue(objective, estimate,
///    cost) of the pick;
///  - the order is consistent with the objective: picks without a compatibility blocker
///    first, then clear fits before tight ones, then objective_value ascending;
///  - no pick does not fit;
///  - the Pareto front: no point on it is dominated (less or equal time and cost, one
///    strictly) by another point, and every point off it is.
std::vector<std::string> CheckRanking(const RecommendResult& r);

}  // namespace gpuadv::advise
