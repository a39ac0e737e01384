#pragma once
// Pure parsers of driver-tool output (no process is run here; tests feed captured text).
#include <string>
#include <string_view>

#include "gpuadv/detect/detected_gpu.h"

namespace gpuadv::detect {

/// The fields `nvidia-smi --query-gpu=...` is asked for, in order (csv,noheader,nounits).
inline constexpr const char* kNvidiaSmiFields =
    "index,name,memory.total,memory.free,power.limit,pcie.link.gen.current,"
    "pcie.link.width.current,driver_version,mig.mode.current";

/// Parses the CSV answer to kNvidiaSmiFields (MiB and W, "[N/A]" = unknown; the last
/// column may be missing). kFailed names the first bad line; no line = kOk, no GPU.
QueryResult ParseNvidiaSmiCsv(std::string_view text);

/// "13.0" from the banner of plain `nvidia-smi` ("... CUDA Version: 13.0 |"), or "".
std::string ParseCudaVersion(std::string_view banner);

/// MIG instances from `nvidia-smi -L` ("  MIG 1g.10gb  Device  0: (UUID: MIG-...)"), each
/// a copy of its parent GPU (matched by "GPU N:") with the profile's memory.
std::vector<DetectedGpu> ParseNvidiaSmiList(std::string_view text,
                                            const std::vector<DetectedGpu>& parents);

/// The rocm-smi arguments of its JSON query (parsed by io::ParseRocmSmiJson): product
/// name, VRAM total/used, power cap, driver version.
inline constexpr const char* kRocmSmiJsonArgs[] = {
    "--showproductname", "--showmeminfo",       "vram",
    "--showmaxpower",    "--showdriverversion", "--json"};

/// Parses `rocm-smi --showproductname --showmeminfo vram --csv`: columns found by header
/// ("Card series"/"Card Series", "VRAM Total Memory (B)", "VRAM Total Used Memory (B)").
QueryResult ParseRocmSmiCsv(std::string_view text);

/// True when the text is the driver-less failure of nvidia-smi ("NVIDIA-SMI has failed").
bool IsNvidiaSmiDriverFailure(std::string_view text);

}  // namespace gpuadv::detect
