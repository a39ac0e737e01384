#include "gpuadv/detect/calibration.h"

#include <fmt/format.h>

#include <algorithm>

namespace gpuadv::detect {
namespace {

constexpr double kMaxRatio = 1.05;  // a little above peak is boost clock; more is an error

void Add(std::vector<MeasuredVsPeak>* rows, std::string what, std::string unit,
         std::optional<double> measured, std::optional<double> peak) {
  if (!measured) return;
  MeasuredVsPeak r{std::move(what), std::move(unit), *measured, peak, std::nullopt};
  if (peak && *peak > 0) r.ratio = *measured / *peak;
  rows->push_back(std::move(r));
}

}  // namespace

std::vector<MeasuredVsPeak> CompareToPeaks(const ProbeResult& p, const catalog::GpuSpec& s) {
  std::vector<MeasuredVsPeak> rows;
  Add(&rows, "bf16 GEMM", "TFLOP/s", p.bf16_tflops, s.bf16_tensor_dense_tflops);
  Add(&rows, "fp16 GEMM", "TFLOP/s", p.fp16_tflops, s.fp16_tensor_fp32acc_dense_tflops);
  Add(&rows, "tf32 GEMM", "TFLOP/s", p.tf32_tflops, s.tf32_tensor_dense_tflops);
  Add(&rows, "fp8 GEMM", "TFLOP/s", p.fp8_tflops, s.fp8_tensor_fp32acc_dense_tflops);
  Add(&rows, "memory bandwidth", "GB/s", p.memory_gbs, s.memory_bw_gbs);
  Add(&rows, "host->device (pinned)", "GB/s", p.h2d_pinned_gbs, std::nullopt);
  Add(&rows, "device->host (pinned)", "GB/s", p.d2h_pinned_gbs, std::nullopt);
  Add(&rows, "peer to peer", "GB/s", p.p2p_gbs, std::nullopt);
  return rows;
}

Calibration Calibrate(const ProbeResult& p, const catalog::GpuSpec& s,
                      const estimate::ArchEfficiency& base) {
  Calibration c;
  c.gpu_id = s.id;
  c.factors = base;
  c.rows = CompareToPeaks(p, s);
  // factor' = factor * measured_ratio / reference_ratio, capped at 1.
  auto scale = [&](const char* factor, double ratio, std::optional<double> ref, double typical,
                   double* slot) {
    if (!(ratio > 0 && ratio <= kMaxRatio)) {
      c.notes.push_back(fmt::format("{}: measured/peak {:.2f} is implausible for {}; kept {:.3f}",
                                    factor, ratio, s.id, *slot));
      return;
    }
    const double reference = ref.value_or(typical);
    const double v = std::min(1.0, *slot * ratio / reference);
    c.notes.push_back(fmt::format("{} {:.3f} (was {:.3f}; measured {:.1f}% of peak vs {:.1f}% {})",
                                  factor, v, *slot, ratio * 100, reference * 100,
                                  ref ? "on the reference card" : "assumed"));
    *slot = v;
  };
  const std::optional<double> gemm = p.bf16_tflops ? p.bf16_tflops : p.fp16_tflops;
  const double peak16 = s.Peak16FlopsPerS() / 1e12;
  if (gemm && peak16 > 0) {
    scale("gemm_eta_max", *gemm / peak16, base.ref_gemm_eta, kTypicalGemmEta,
          &c.factors.gemm_eta_max);
    // The measured rate already ran at the clocks this card's power limit allows.
    if (c.factors.gemm_pj_per_flop > 0) {
      c.notes.push_back(fmt::format(
          "gemm_pj_per_flop 0 (was {:.3f}): the measured GEMM rate includes the power limit",
          c.factors.gemm_pj_per_flop));
      c.factors.gemm_pj_per_flop = 0;
    }
  } else
    c.notes.push_back("gemm_eta_max: no 16-bit GEMM measurement or catalog peak; unchanged");
  if (p.memory_gbs && s.memory_bw_gbs && *s.memory_bw_gbs > 0) {
    const double copy = *p.memory_gbs / *s.memory_bw_gbs;
    scale("mem_eta", copy, base.ref_copy_eta, kTypicalCopyEta, &c.factors.mem_eta);
    // The probed card's own copy rate is what its streaming kernels (optimizer step) reach.
    if (copy > 0 && copy <= kMaxRatio) c.factors.ref_copy_eta = std::min(1.0, copy);
  } else
    c.notes.push_back("mem_eta: no bandwidth measurement or catalog bandwidth; unchanged");
  if (p.fp8_tflops && gemm && *gemm > 0 && s.fp8_tensor_fp32acc_dense_tflops) {
    const double speedup = *p.fp8_tflops / *gemm;
    c.notes.push_back(
        fmt::format("fp8_gemm_speedup {:.3f} (was {:.3f})", speedup, c.factors.fp8_gemm_speedup));
    c.factors.fp8_gemm_speedup = speedup;
  }
  c.factors.notes = "calibrated by gpu-advisor probe on " + p.device_name;
  return c;
}

estimate::EfficiencyTable CalibratedTable(const estimate::EfficiencyTable& base,
                                          const ProbeResult& probe, const catalog::GpuSpec& probed,
                                          const std::string& target_architecture,
                                          std::vector<std::string>* notes) {
  // Measured fractions of the probed card's peaks, on the target architecture's factors.
  Calibration cal = Calibrate(probe, probed, base.For(target_architecture));
  cal.factors.architecture = target_architecture;
  estimate::EfficiencyTable out = base;
  out.Upsert(cal.factors);
  if (notes) *notes = std::move(cal.notes);
  return out;
}

}  // namespace gpuadv::detect
