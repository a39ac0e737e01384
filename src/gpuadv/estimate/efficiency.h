#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gpuadv::estimate {

/// Assumed microbenchmark fractions of peak for rows without reference measurements
/// (A100 0.87 and H100 0.80 MAMF; copy kernels reach 0.8-0.9 of datasheet bandwidth:
/// A100 80GB SXM 1.80 of 2.04 TB/s under Nsight Compute, forums.developer.nvidia.com
/// t/339083; H100 SXM 0.84 by our probe).
inline constexpr double kTypicalGemmEta = 0.8;
inline constexpr double kTypicalCopyEta = 0.85;

/// Achievable-rate factors per GPU architecture (data/efficiency.yaml), calibrated on
/// ../validation rows (MODELLING §7): few, named, physical. Fractions of datasheet peaks.
/// The factors have no values in C++: a default-constructed entry is all zeros (unset).
/// The one set of defaults is the `fallback:` block of data/efficiency.yaml, which gives
/// every factor; it is compiled into FallbackEfficiency() below.
struct ArchEfficiency {
  std::string architecture;     // matches GpuSpec::architecture ("Hopper", "Ampere", ...)
  double gemm_eta_max = 0;      // large-GEMM ceiling (MAMF / dense 16-bit peak)
  double gemm_half_flops = 0;   // GEMM FLOPs at which eta reaches half its ceiling
  double attn_eta = 0;          // flash-attention kernels vs dense peak
  double mem_eta = 0;           // memory-bound kernels vs datasheet bandwidth
  double fp8_gemm_speedup = 0;  // fp8 GEMM rate / bf16 GEMM rate (1 = no fp8)
  // Energy per 16-bit tensor FLOP at the clocks the board's power limit allows (pJ): the
  // sustained tensor rate is at most TDP / gemm_pj_per_flop (a 300 W card at 2.3 pJ/FLOP
  // sustains 130 TFLOP/s, whatever its boost-clock datasheet peak). 0 = no power limit seen.
  double gemm_pj_per_flop = 0;
  // What the card these factors were fitted on measures as a fraction of its peaks (large
  // bf16 GEMM; copy-kernel bandwidth). A probe (`--calibration`, design C11) scales
  // gemm_eta_max and mem_eta by measured / reference; unknown = a typical value is assumed.
  // ref_copy_eta is also the rate of large streaming kernels (the optimizer step and the
  // gradient-accumulation passes over whole buffers), which mem_eta (small element-wise
  // kernels and the gaps between them) does not describe.
  std::optional<double> ref_gemm_eta;
  std::optional<double> ref_copy_eta;
  /// Bandwidth fraction of large streaming kernels (ref_copy_eta, else typical).
  double StreamEta() const { return ref_copy_eta.value_or(kTypicalCopyEta); }
  // The highest MFU (PaLM convention, 16-bit peak) measured on this architecture among the
  // validation rows (data/calibration.yaml, written by `calibrate`): a plan predicted above
  // it is outside measured territory (issue 11). Unknown = no 16-bit rows.
  std::optional<double> measured_mfu_max;
  // The same among its model-parallel rows: the ceiling of model-parallel plans.
  std::optional<double> measured_mfu_max_model_parallel;
  /// The ceiling of a plan: the model-parallel one for model-parallel layouts where known.
  std::optional<double> MfuCeiling(bool model_parallel) const {
    return model_parallel && measured_mfu_max_model_parallel ? measured_mfu_max_model_parallel
                                                             : measured_mfu_max;
  }
  std::vector<std::string> sources;
  std::string notes;
  /// Set on the copies the loader makes for the catalog's other spellings: the canonical
  /// architecture this entry repeats ("Hopper" for "Hopper (+Grace CPU)"); empty otherwise.
  std::string alias_of;

  /// The canonical architecture name (alias_of, else architecture).
  const std::string& Canonical() const { return alias_of.empty() ? architecture : alias_of; }

  bool operator==(const ArchEfficiency&) const = default;
};

/// The per-architecture factors `gpu-advisor calibrate` fits, by their data/calibration.yaml
/// key, with the physical bounds of the search (fractions of datasheet peaks; the fp8 upper
/// bound is further capped by the datasheet fp8 / 16-bit ratio of the rows' GPUs).
struct FittedFactor {
  std::string_view name;
  double ArchEfficiency::*member;
  double min, max;
};
inline constexpr FittedFactor kFittedFactors[] = {
    {"gemm_eta_max", &ArchEfficiency::gemm_eta_max, 0.3, 0.95},
    {"attn_eta", &ArchEfficiency::attn_eta, 0.1, 0.8},
    {"mem_eta", &ArchEfficiency::mem_eta, 0.2, 0.95},
    {"fp8_gemm_speedup", &ArchEfficiency::fp8_gemm_speedup, 1.0, 4.0},
    {"gemm_pj_per_flop", &ArchEfficiency::gemm_pj_per_flop, 0.0, 5.0},
};

/// Global effects (one value each; not per architecture). Zeros until set: the values are
/// the `global:` block of data/efficiency.yaml (every field required there).
struct GlobalEfficiency {
  double overlap_eta = 0;        // fraction of backward that can hide DP comm (NVLink/IB)
  double overlap_eta_pcie = 0;   // same over PCIe / host memory
  double launch_overhead_s = 0;  // host time per eager kernel launch
  // GPU time of a memory-bound kernel beyond its bytes at the sustained bandwidth (ramp-up,
  // partial last wave, the gap to the next kernel); not fitted.
  double memory_kernel_fixed_s = 0;

  bool operator==(const GlobalEfficiency&) const = default;
};

/// The range of one category of estimates (data/calibration.yaml `uncertainty:`), from the
/// cross-validated signed errors e = predicted / measured - 1 of its validation rows:
/// measured lies in [predicted / (1 + q_hi), predicted / (1 + q_lo)] for the share of a new
/// source's rows its QuantityRanges::held_out_coverage states.
/// A field "*" matches anything (a backed-off category).
struct RangeEntry {
  std::string architecture = "*";  // canonical EfficiencyTable architecture
  std::string precision = "*";     // workload::kPrecisions name
  std::string method = "*";        // "full" (pretrain, full, freeze) | "adapters" (lora, qlora)
  std::string stack = "*";         // workload::kFrameworks name
  std::string scale = "*";         // total GPUs: "1" | "2-8" | "9-64" | ">64"
  size_t rows = 0;                 // validation rows the quantiles come from
  double q_lo = 0;                 // lower signed quantile (<= 0)
  double q_hi = 0;                 // upper signed quantile (>= 0)

  bool operator==(const RangeEntry&) const = default;
};

/// Ranges of one quantity: the categories that had enough rows, most specific first, and
/// how many validation rows each architecture / precision / method had at all (a value
/// with none gets a wide default range and a warning).
struct QuantityRanges {
  std::vector<RangeEntry> entries;
  std::vector<std::pair<std::string, size_t>> architectures, precisions, methods;
  /// Fitted spread (sd of ln(predicted / measured)) of the source offsets: how far a new
  /// source's errors sit from the others'; folded into every entry's quantiles.
  double between_source_sd = 0;
  size_t sources = 0;  // source groups it was fitted on
  /// The quantile level of the entries: q_lo / q_hi are the level / (1 - level) quantiles of
  /// a new source's modelled error. Fitted (validate/cross_validate.cc FitRangeLevel) so that
  /// the ranges built without each source group hold, averaged over the groups,
  /// coverage_target of that group's rows: estimate::kRangeCoverageFloor plus
  /// estimate::kRangeCoverageZ standard errors of that mean. held_out_coverage is the mean
  /// share at this level (0: not fitted, fewer than two source groups).
  double level = 0.1;
  double held_out_coverage = 0;
  double coverage_target = 0;

  bool operator==(const QuantityRanges&) const = default;
};

/// Empty (no entries) when data/calibration.yaml is absent: the estimators' fixed ranges hold.
struct UncertaintyTable {
  QuantityRanges memory, throughput;
  bool Empty() const { return memory.entries.empty() && throughput.entries.empty(); }

  bool operator==(const UncertaintyTable&) const = default;
};

struct EfficiencyTable {
  std::vector<ArchEfficiency> archs;
  ArchEfficiency fallback;  // unknown architecture
  GlobalEfficiency global;
  UncertaintyTable uncertainty;  // data/calibration.yaml; read by estimate/uncertainty.h

  /// The entry for an architecture name (exact, then case-insensitive), else fallback.
  const ArchEfficiency& For(std::string_view architecture) const;
  /// Replaces the entry of `factors.architecture`, or adds it.
  void Upsert(const ArchEfficiency& factors);

  /// Field by field (the table compiled at build time equals the parsed one).
  bool operator==(const EfficiencyTable&) const = default;
};

/// The table of an estimate given none (Context::efficiency null): no architecture rows,
/// so every GPU gets `fallback`. Its fallback and global values are those of the built-in
/// table (io::BuiltinEfficiency(): data/efficiency.yaml's `fallback:` and `global:` blocks,
/// with data/calibration.yaml's fitted global values), compiled to C++ at build time by
/// tools/efficiency_table --fallback: estimate/ reads them without depending on io/.
const EfficiencyTable& FallbackEfficiency();

}  // namespace gpuadv::estimate
