#include "gpuadv/estimate/efficiency.h"

#include <cctype>

namespace gpuadv::estimate {

const ArchEfficiency& EfficiencyTable::For(std::string_view architecture) const {
  for (const auto& a : archs)
    if (a.architecture == architecture) return a;
  for (const auto& a : archs) {
    if (a.architecture.size() != architecture.size()) continue;
    bool eq = true;
    for (size_t i = 0; i < architecture.size() && eq; ++i)
      eq = std::tolower(static_cast<unsigned char>(a.architecture[i])) ==
           std::tolower(static_cast<unsigned char>(architecture[i]));
    if (eq) return a;
  }
  return fallback;
}

}  // namespace gpuadv::estimate
