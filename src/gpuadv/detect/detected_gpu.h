#pragma once
// What the local machine reports about its GPUs (design C11), before any catalog lookup.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gpuadv::detect {

/// One GPU (or MIG instance) as a driver tool reports it. Unknown figures are nullopt.
struct DetectedGpu {
  int index = 0;       // the tool's device index (MIG instances: the parent's index)
  std::string name;    // as reported: "NVIDIA H100 80GB HBM3", "AMD Instinct MI300X"
  std::string vendor;  // "nvidia" | "amd"
  std::optional<std::uint64_t> memory_total_bytes;
  std::optional<std::uint64_t> memory_free_bytes;
  std::optional<double> power_limit_w;
  std::optional<int> pcie_gen;    // current link generation
  std::optional<int> pcie_width;  // current link width (lanes)
  std::string driver;             // driver version, "" if unknown
  std::string cuda_version;       // "13.0"; "" if unknown or not NVIDIA
  bool mig_enabled = false;       // MIG mode on (the GPU is split into instances)
  std::string mig_profile;        // "1g.10gb" for a MIG instance, else ""
  std::string source;             // "nvml" | "nvidia-smi" | "rocm-smi"
};

/// The outcome of one DeviceQuery (see device_query.h).
struct QueryResult {
  enum class Status {
    kOk,           // the tool answered; `gpus` may still be empty (no device)
    kUnavailable,  // the tool / library is not installed
    kFailed,       // it is installed but failed (no driver, malformed output)
  };
  Status status = Status::kUnavailable;
  std::vector<DetectedGpu> gpus;
  std::string message;  // why, for kUnavailable / kFailed; a note for kOk
};

}  // namespace gpuadv::detect
