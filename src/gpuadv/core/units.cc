#include "gpuadv/core/units.h"

#include <cmath>
#include <cstdio>

namespace gpuadv {

std::string MemorySize(double bytes) {
  char buf[48];
  const double gib = bytes / kGiB;
  if (!std::isfinite(bytes)) return "unknown";
  if (std::fabs(gib) >= 1000)
    std::snprintf(buf, sizeof buf, "%.2f TiB", gib / 1024);
  else if (std::fabs(gib) >= 0.995)
    std::snprintf(buf, sizeof buf, "%.1f GiB", gib);
  else
    std::snprintf(buf, sizeof buf, "%.0f MiB", bytes / kMiB);
  return buf;
}

std::string GiBLabel(double gib) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%g GiB", gib);
  return buf;
}

}  // namespace gpuadv
