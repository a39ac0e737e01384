#pragma once
// Invariants every EstimateResult must satisfy, whatever the input (issue 6): checked by
// the fuzzers and the hardening tests, and by front ends in debug builds.
#include <string>
#include <vector>

#include "gpuadv/estimate/result.h"

namespace gpuadv::estimate {

/// Relative tolerance of the "parts sum to the total" checks.
inline constexpr double kInvariantRelativeTolerance = 1e-6;

/// The broken invariants of `r`, one readable line each ("memory.breakdown sums to ... but
/// per_gpu_bytes is ..."); empty when all hold.
/// Contract (what a valid result satisfies):
///  - every number is finite and none is negative;
///  - memory: per_gpu_bytes > 0; the seven breakdown fields sum to per_gpu_bytes, the five
///    allocated kinds to peak_allocated_bytes; allocated <= reserved <= per_gpu;
///    low_bytes <= per_gpu_bytes <= high_bytes; trainable_params <= total_params;
///  - throughput is either not estimated (step_time_s, tokens_per_s and mfu all 0) or
///    step_time_s > 0, tokens_per_s > 0, the time breakdown sums to step_time_s,
///    0 <= mfu <= 1 and low <= tokens_per_s_per_gpu <= high;
///  - training: time_s > 0 when throughput is estimated, gpu_hours = time_s x gpus.
std::vector<std::string> CheckInvariants(const EstimateResult& r);

/// The few invariants Estimate() checks in every build, Release included (a handful of
/// comparisons): mfu <= 1, training time >= one step, trainable <= total parameters, the
/// headline figures finite and not negative. Estimate() throws std::logic_error (exit 1,
/// HTTP 500) on the first broken one rather than print nonsense.
std::vector<std::string> CheckCoreInvariants(const EstimateResult& r);

}  // namespace gpuadv::estimate
