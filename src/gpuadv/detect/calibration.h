#pragma once
// The probe's measurements (tools/probe, design C11) and how they calibrate estimates.
#include <optional>
#include <string>
#include <vector>

#include "gpuadv/catalog/gpu_spec.h"
#include "gpuadv/estimate/efficiency.h"

namespace gpuadv::detect {

/// What `gpu-advisor-probe` measured on one GPU (its JSON, version 1; parsed by
/// io/probe_loader). Rates are the best median over the probe's shapes; nullopt = not run.
struct ProbeResult {
  std::string device_name;  // "NVIDIA H100 80GB HBM3"
  std::string driver;
  std::optional<double> bf16_tflops;
  std::optional<double> fp16_tflops;
  std::optional<double> tf32_tflops;
  std::optional<double> fp8_tflops;
  std::optional<double> memory_gbs;      // device copy kernel, read + write, decimal GB/s
  std::optional<double> h2d_pinned_gbs;  // host -> device, pinned
  std::optional<double> d2h_pinned_gbs;
  std::optional<double> p2p_gbs;             // peer to peer, when measured
  std::optional<double> sm_clock_after_mhz;  // SM clock after the bf16 GEMMs (throttling)
  std::optional<double> sm_clock_max_mhz;
};

/// One measured rate against its catalog peak.
struct MeasuredVsPeak {
  std::string what;  // "bf16 GEMM", "memory bandwidth", ...
  std::string unit;  // "TFLOP/s", "GB/s"
  double measured = 0;
  std::optional<double> peak;  // catalog datasheet figure
  std::optional<double> ratio;
};

using estimate::kTypicalCopyEta;
using estimate::kTypicalGemmEta;

/// A calibration: the architecture factors the estimate should use for `gpu_id`.
struct Calibration {
  std::string gpu_id;                // catalog id the probe's device matched
  estimate::ArchEfficiency factors;  // `base` with the measured ratios substituted
  std::vector<MeasuredVsPeak> rows;  // what was compared
  std::vector<std::string> notes;    // what was changed, or why not
};

/// Converts measured rates into efficiency factors for `spec` (MODELLING §7). The fitted
/// factors are end-to-end training rates, below what a microbenchmark reaches (Hopper:
/// 0.58 sustained vs 0.80 MAMF), so a probe calibrates them relatively:
///   gemm_eta_max' = gemm_eta_max * (measured bf16 / catalog bf16 peak) / ref_gemm_eta
///   mem_eta'      = mem_eta      * (measured copy bandwidth / catalog bandwidth) / ref_copy_eta
///   fp8_gemm_speedup' = measured fp8 / measured bf16 (when the catalog lists fp8)
/// where ref_* are what the reference card measured (data/efficiency.yaml), or
/// kTypicalGemmEta / kTypicalCopyEta when the row has none. A probe of the reference card
/// itself thus leaves the factors (almost) unchanged. Ratios outside (0, 1.05] are kept
/// out (a probe of another card, or a catalog error) and noted; results cap at 1.
Calibration Calibrate(const ProbeResult& probe, const catalog::GpuSpec& spec,
                      const estimate::ArchEfficiency& base);

/// `base` with the architecture `target_architecture` calibrated by a probe of `probed`
/// (Calibrate on that architecture's factors); the notes say what changed.
estimate::EfficiencyTable CalibratedTable(const estimate::EfficiencyTable& base,
                                          const ProbeResult& probe, const catalog::GpuSpec& probed,
                                          const std::string& target_architecture,
                                          std::vector<std::string>* notes);

/// Probe rates against the catalog peaks of `spec` (the probe's "measured vs peak").
std::vector<MeasuredVsPeak> CompareToPeaks(const ProbeResult& probe, const catalog::GpuSpec& spec);

}  // namespace gpuadv::detect
