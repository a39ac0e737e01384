#pragma once
#include <optional>
#include <string>
#include <vector>

namespace gpuadv::catalog {

/// A cloud rental offer (data/offers/*.yaml): price per GPU-hour for one GPU type.
struct Offer {
  std::string id;        // "lambda-h100-sxm-8x"
  std::string provider;  // "Lambda", "RunPod", "AWS", ...
  std::string kind;      // "hyperscaler" | "gpu-cloud" | "marketplace"
  std::string gpu;       // catalog GPU id
  int gpus_per_instance = 1;
  std::string interconnect;   // "nvlink" | "pcie" | "sxm-nvswitch"
  double usd_per_gpu_hr = 0;  // on-demand
  std::optional<double> spot_usd_per_gpu_hr;
  std::optional<double> network_gbps;  // per GPU, for multi-node instances
  std::string as_of;                   // ISO date or "YYYY-MM"
  std::vector<std::string> sources;
  std::string notes;
  bool verified = false;
};

}  // namespace gpuadv::catalog
