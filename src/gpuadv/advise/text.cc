#include "gpuadv/advise/text.h"

#include <fmt/format.h>

#include <cmath>

#include "gpuadv/core/numbers.h"
#include "gpuadv/core/units.h"

namespace gpuadv::advise::text {

std::string Num(double v, int digits) { return Grouped(v, digits); }

std::string Gb(double bytes) { return MemorySize(bytes); }

std::string GbLabel(double memory_gb) { return GiBLabel(memory_gb); }

std::string Usd(double usd) { return UsdAmount(usd); }

std::string Time(double s) {
  if (!std::isfinite(s)) return "unknown";
  if (s < 120) return fmt::format("{:.0f} s", s);
  if (s < 2 * 3600) return fmt::format("{:.0f} min", s / 60);
  if (s < 72 * 3600) return fmt::format("{:.1f} h", s / 3600);
  if (s < 730 * 86400) return fmt::format("{:.1f} days", s / 86400);
  return fmt::format("{:.1f} years", s / (365.25 * 86400));
}

std::string Pct(double fraction) { return fmt::format("{:.0f}%", fraction * 100); }

std::string Si(double v) {
  const double a = std::fabs(v);
  if (a >= 1e12) return fmt::format("{:.3g}T", v / 1e12);
  if (a >= 1e9) return fmt::format("{:.3g}B", v / 1e9);
  if (a >= 1e6) return fmt::format("{:.3g}M", v / 1e6);
  if (a >= 1e3) return fmt::format("{:.3g}k", v / 1e3);
  return fmt::format("{:.3g}", v);
}

}  // namespace gpuadv::advise::text
