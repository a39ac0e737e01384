#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace gpuadv::advise {

/// Days since 1970-01-01 of an ISO date "YYYY-MM-DD", "YYYY-MM" (the 1st) or "YYYY"
/// (July 1, the middle of the year), or nullopt when it does not parse.
std::optional<long> DaysFromIso(std::string_view iso);

/// Today's date as "YYYY-MM-DD" (UTC, system clock).
std::string TodayIso();

/// Age in days of `iso` relative to `today`, or nullopt when either does not parse.
std::optional<long> AgeDays(std::string_view iso, std::string_view today);

}  // namespace gpuadv::advise
