#include "gpuadv/report/format.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "gpuadv/core/numbers.h"
#include "gpuadv/core/units.h"

namespace gpuadv::report {

std::string Bytes(double bytes) { return MemorySize(bytes); }

std::string LayoutShort(const workload::Parallelism& p, int gpus) {
  if (gpus <= 1) return "-";
  std::string l = fmt::format("tp{} pp{}", p.tp, p.pp);
  if (p.vpp > 1) l += fmt::format(" vpp{}", p.vpp);
  if (p.cp > 1) l += fmt::format(" cp{}", p.cp);
  if (p.ep > 1) l += fmt::format(" ep{}", p.ep);
  if (p.ExpertTp() != p.tp) l += fmt::format(" etp{}", p.ExpertTp());
  l += fmt::format(" dp{} zero{}", gpus / std::max(1, p.tp * p.pp * p.cp), p.zero);
  if (p.sequence_parallel) l += " sp";
  return l;
}

std::string Duration(double s) {
  if (!std::isfinite(s)) return "unknown";
  if (s < 1e-3) return fmt::format("{:.1f} us", s * 1e6);
  if (s < 1) return fmt::format("{:.1f} ms", s * 1e3);
  if (s < 120) return fmt::format("{:.2f} s", s);
  if (s < 2 * 3600) return fmt::format("{:.1f} min", s / 60);
  if (s < 72 * 3600) return fmt::format("{:.1f} h", s / 3600);
  if (s < 730 * 86400) return fmt::format("{:.1f} days", s / 86400);
  return fmt::format("{:.1f} years", s / (365.25 * 86400));
}

std::string Number(double v, int digits) { return Grouped(v, digits); }

std::string Usd(double v) { return UsdAmount(v); }

std::string Percent(double fraction, int digits) {
  return fmt::format("{:.{}f}%", fraction * 100, digits);
}

std::string Optional(const std::optional<double>& v, std::string_view unit, int digits) {
  if (!v) return "unknown";
  std::string s = Number(*v, digits);
  if (!unit.empty()) s += " " + std::string(unit);
  return s;
}

}  // namespace gpuadv::report
