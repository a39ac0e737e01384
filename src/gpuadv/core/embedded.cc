#include "gpuadv/core/embedded.h"

namespace gpuadv {

std::optional<std::string_view> FindEmbedded(std::string_view path) {
  for (const auto& f : EmbeddedFiles())
    if (f.path == path) return f.content;
  return std::nullopt;
}

}  // namespace gpuadv
