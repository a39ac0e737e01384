#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpuadv::estimate {

/// Achievable-rate factors per GPU architecture (data/efficiency.yaml), calibrated on
/// ../validation rows (MODELLING §7): few, named, physical. Fractions of datasheet peaks.
struct ArchEfficiency {
  std::string architecture;       // matches GpuSpec::architecture ("Hopper", "Ampere", ...)
  double gemm_eta_max = 0.75;     // large-GEMM ceiling (MAMF / dense 16-bit peak)
  double gemm_half_flops = 2e9;   // GEMM FLOPs at which eta reaches half its ceiling
  double attn_eta = 0.5;          // flash-attention kernels vs dense peak
  double mem_eta = 0.8;           // memory-bound kernels vs datasheet bandwidth
  double fp8_gemm_speedup = 1.0;  // fp8 GEMM rate / bf16 GEMM rate (1 = no fp8)
  // What the card these factors were fitted on measures as a fraction of its peaks (large
  // bf16 GEMM; copy-kernel bandwidth). A probe (`--calibration`, design C11) scales
  // gemm_eta_max and mem_eta by measured / reference; unknown = a typical value is assumed.
  std::optional<double> ref_gemm_eta;
  std::optional<double> ref_copy_eta;
  std::vector<std::string> sources;
  std::string notes;
};

/// Global effects (one value each; not per architecture).
struct GlobalEfficiency {
  double overlap_eta = 0.8;          // fraction of backward that can hide DP comm (NVLink/IB)
  double overlap_eta_pcie = 0.5;     // same over PCIe / host memory
  double launch_overhead_s = 15e-6;  // host time per eager kernel launch
};

struct EfficiencyTable {
  std::vector<ArchEfficiency> archs;
  ArchEfficiency fallback;  // unknown architecture
  GlobalEfficiency global;

  /// The entry for an architecture name (exact, then case-insensitive), else fallback.
  const ArchEfficiency& For(std::string_view architecture) const;
};

}  // namespace gpuadv::estimate
