#pragma once
// Consistency checks and filters over catalog GPUs (STYLE.md principle 8: every entry is
// checked, as ramulator2 checks computed against declared density).
#include <string>
#include <string_view>
#include <vector>

#include "gpuadv/catalog/catalog.h"
#include "gpuadv/catalog/gpu_spec.h"

namespace gpuadv::catalog {

/// Accepted values of GpuSpec::vendor / segment / verification / frameworks.
inline constexpr std::string_view kGpuVendors[] = {"nvidia", "amd", "intel"};
inline constexpr std::string_view kGpuSegments[] = {"consumer", "workstation", "datacenter"};
inline constexpr std::string_view kGpuVerifications[] = {"verified", "partial"};
inline constexpr std::string_view kGpuFrameworks[] = {"pytorch", "tensorflow", "jax",
                                                      "onnxruntime"};

/// Internal-consistency problems of one entry, one sentence each; empty when consistent.
/// Contract: checks only relations between the entry's own fields and skips any relation
/// whose inputs are unknown (nullopt), so it never guesses. Checked:
///  - required identity: id, name, vendor, segment, verification, sources, memory_gb > 0;
///  - precision ordering where present: fp4 >= fp8 >= bf16 >= tf32, fp16 with fp32
///    accumulate <= fp16 with fp16 accumulate, fp8 fp32-acc <= fp8 fp16-acc;
///  - bf16_support / fp8_support false while a bf16 / fp8 rate is given;
///  - bandwidth = bus width x per-pin data rate: the implied rate must lie in the range
///    of the memory type (GDDR6, HBM3e, ...); unknown memory types are skipped;
///  - slot_width only on PCIe cards; a street price carries a date.
std::vector<std::string> CheckGpu(const GpuSpec& gpu);

/// Catalog GPUs matching every given filter, in catalog order. An empty vendor or
/// segment, and min_memory_gb <= 0, match everything. Vendor and segment compare
/// case-insensitively; a name outside kGpuVendors / kGpuSegments throws
/// InputError("vendor" | "segment", value, accepted names + did you mean).
std::vector<const GpuSpec*> FilterGpus(const Catalog& cat, std::string_view vendor = "",
                                       std::string_view segment = "", double min_memory_gb = 0);

}  // namespace gpuadv::catalog
