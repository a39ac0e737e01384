#include "gpuadv/core/numbers.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace gpuadv {

std::string GroupThousands(const std::string& s) {
  if (s.find_first_of("enEN") != std::string::npos) return s;  // 1e+20, inf, nan
  const size_t start = !s.empty() && s[0] == '-' ? 1 : 0;
  size_t int_end = s.find('.');
  if (int_end == std::string::npos) int_end = s.size();
  std::string out = s.substr(0, start);
  for (size_t i = start; i < int_end; ++i) {
    if (i > start && (int_end - i) % 3 == 0) out.push_back(',');
    out.push_back(s[i]);
  }
  out.append(s, int_end, std::string::npos);
  return out;
}

std::string Grouped(double v, int digits) {
  if (!std::isfinite(v)) return "unknown";
  char buf[400];  // enough for any finite double at up to 60 decimals
  std::snprintf(buf, sizeof buf, "%.*f", std::clamp(digits, 0, 60), std::fabs(v));
  const std::string out = GroupThousands(buf);
  return v < 0 ? "-" + out : out;
}

std::string UsdAmount(double usd) {
  if (!std::isfinite(usd)) return "unknown";
  return "$" + Grouped(usd, std::fabs(usd) < 10 ? 2 : 0);
}

}  // namespace gpuadv
