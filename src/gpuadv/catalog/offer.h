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

  /// Whether one instance is one node of a job with `gpus_per_node` GPUs per node on
  /// `nodes` nodes, with the interconnect the estimate assumes (issue 12: prices for what
  /// the job uses): a k-GPU node is priced on k-GPU instances, never on several smaller
  /// ones whose GPUs would talk over the network; several nodes need an instance made for
  /// clusters (8 GPUs, or a stated network).
  bool Serves(int gpus_per_node, int nodes) const {
    if ((gpus_per_instance < 1 ? 1 : gpus_per_instance) != gpus_per_node) return false;
    return nodes <= 1 || gpus_per_instance >= 8 || network_gbps.has_value();
  }
};

}  // namespace gpuadv::catalog
