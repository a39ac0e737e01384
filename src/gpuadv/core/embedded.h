#pragma once
#include <optional>
#include <span>
#include <string_view>

namespace gpuadv {

/// A file of the data/ tree compiled into the binary (cmake/embed.cmake).
struct EmbeddedFile {
  std::string_view path;  // relative to data/, e.g. "gpus/nvidia.yaml"
  std::string_view content;
};

/// Every embedded file, sorted by path. Defined in the generated embedded_data.cc.
std::span<const EmbeddedFile> EmbeddedFiles();

/// The content of one embedded file, or nullopt.
std::optional<std::string_view> FindEmbedded(std::string_view path);

}  // namespace gpuadv
