#pragma once
#include <memory>
#include <string>

#include "gpuadv/detect/device_query.h"

namespace gpuadv::detect {

/// NVML loaded at run time with dlopen (no link-time dependency on the driver).
/// `library` "" = "libnvidia-ml.so.1". Absent library -> kUnavailable. Only read-only
/// NVML calls are made.
std::unique_ptr<DeviceQuery> MakeNvmlQuery(const std::string& library = "");

}  // namespace gpuadv::detect
