#include "gpuadv/estimate/efficiency.h"

#include "gpuadv/core/strings.h"

namespace gpuadv::estimate {

const ArchEfficiency& EfficiencyTable::For(std::string_view architecture) const {
  for (const auto& a : archs)
    if (a.architecture == architecture) return a;
  for (const auto& a : archs)
    if (IEquals(a.architecture, architecture)) return a;
  return fallback;
}

void EfficiencyTable::Upsert(const ArchEfficiency& factors) {
  for (auto& a : archs)
    if (a.architecture == factors.architecture) {
      a = factors;
      return;
    }
  archs.push_back(factors);
}

}  // namespace gpuadv::estimate
