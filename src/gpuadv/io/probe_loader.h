#pragma once
#include <string>
#include <string_view>

#include "gpuadv/detect/calibration.h"

namespace gpuadv::io {

/// Parses the JSON `gpu-advisor-probe` writes (version 1): the device, the best median
/// GEMM rate per dtype, device/host/peer bandwidths. Throws InputError naming `origin`
/// and the field when it is not a probe result.
detect::ProbeResult ParseProbeJson(std::string_view text, const std::string& origin);

/// Reads and parses a probe file (`--calibration FILE`).
detect::ProbeResult LoadProbeFile(const std::string& path, const std::string& field);

}  // namespace gpuadv::io
