#include "gpuadv/advise/text.h"

#include <fmt/format.h>

#include <cmath>

#include "gpuadv/core/units.h"

namespace gpuadv::advise::text {

std::string Num(double v, int digits) {
  if (!std::isfinite(v)) return "unknown";
  std::string s = fmt::format("{:.{}f}", std::fabs(v), digits);
  const size_t dot = s.find('.');
  const size_t int_end = dot == std::string::npos ? s.size() : dot;
  std::string out;
  for (size_t i = 0; i < int_end; ++i) {
    if (i > 0 && (int_end - i) % 3 == 0) out += ',';
    out += s[i];
  }
  out += s.substr(int_end);
  if (v < 0) out.insert(out.begin(), '-');
  return out;
}

std::string Gb(double bytes) { return MemorySize(bytes); }

std::string GbLabel(double memory_gb) { return GiBLabel(memory_gb); }

std::string Usd(double usd) {
  if (!std::isfinite(usd)) return "unknown";
  return fmt::format("${}", Num(usd, std::fabs(usd) < 10 ? 2 : 0));
}

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
