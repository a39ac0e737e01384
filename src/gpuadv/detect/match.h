#pragma once
// Detected GPU -> catalog id (design C11): "NVIDIA H100 80GB HBM3" is h100-sxm.
#include <string>
#include <vector>

#include "gpuadv/catalog/catalog.h"
#include "gpuadv/detect/detected_gpu.h"

namespace gpuadv::detect {

struct GpuMatch {
  std::string id;                        // catalog id; "" when nothing is near
  bool exact = false;                    // the name identifies this SKU
  std::vector<std::string> differences;  // how the device differs from the entry
};

/// Matches by the driver-name table, then by normalised catalog name / alias, then the
/// nearest entry of the same vendor sharing the model number (exact = false). Differences
/// list memory (beyond 5%), power limit vs TDP, PCIe link below the card's, MIG slices.
GpuMatch MatchGpu(const DetectedGpu& gpu, const catalog::Catalog& cat);

/// Lower case, vendor and marketing words dropped, only letters and digits kept:
/// "NVIDIA GeForce RTX 4090" -> "rtx4090".
std::string NormaliseGpuName(std::string_view name);

}  // namespace gpuadv::detect
