#include "gpuadv/advise/dates.h"

#include <charconv>
#include <chrono>
#include <cstdio>

namespace gpuadv::advise {
namespace {

std::optional<int> ParseInt(std::string_view s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<long> DaysFromIso(std::string_view iso) {
  // A bare year ("2025", as some catalog prices are dated) is taken as its middle, July 1:
  // the expected age of a figure known only to its year.
  if (iso.size() == 4) {
    auto y = ParseInt(iso);
    if (!y) return std::nullopt;
    const std::chrono::year_month_day mid{std::chrono::year(*y), std::chrono::July,
                                          std::chrono::day(1)};
    return std::chrono::sys_days(mid).time_since_epoch().count();
  }
  if (iso.size() != 7 && iso.size() != 10) return std::nullopt;
  if (iso[4] != '-' || (iso.size() == 10 && iso[7] != '-')) return std::nullopt;
  auto y = ParseInt(iso.substr(0, 4));
  auto m = ParseInt(iso.substr(5, 2));
  std::optional<int> d = 1;
  if (iso.size() == 10) d = ParseInt(iso.substr(8, 2));
  if (!y || !m || !d) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year(*y),
                                        std::chrono::month(static_cast<unsigned>(*m)),
                                        std::chrono::day(static_cast<unsigned>(*d))};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd).time_since_epoch().count();
}

std::string TodayIso() {
  const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const std::chrono::year_month_day ymd{today};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::optional<long> AgeDays(std::string_view iso, std::string_view today) {
  auto a = DaysFromIso(iso);
  auto b = DaysFromIso(today);
  if (!a || !b) return std::nullopt;
  return *b - *a;
}

}  // namespace gpuadv::advise
