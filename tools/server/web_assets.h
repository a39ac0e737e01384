#pragma once
// The web page compiled into the binary (tools/server/CMakeLists.txt embeds web/*.html|js|css
// and the charting library's bundle under vendor/).
#include <span>

#include "gpuadv/core/embedded.h"

namespace gpuadv::server {

/// Every embedded web file, by path relative to web/ ("index.html", "vendor/chart.umd.min.js").
std::span<const EmbeddedFile> WebAssets();

}  // namespace gpuadv::server
