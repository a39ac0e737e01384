#pragma once
// Data beside the GPU catalog that the advisor uses (C5, C14): CPUs for the CPU baseline,
// host platforms for the buy-side "host share", and non-GPU accelerators for the guidance
// note. Parsed by io/cpu_loader from data/cpus.yaml, data/hosts.yaml and
// data/accelerators.yaml; plain data here (STYLE.md principle 2).
#include <optional>
#include <string>
#include <vector>

namespace gpuadv::advise {

/// How one CPU figure was obtained. C14 asks for measured figures; where none was
/// published the data says so per figure, and the baseline prints which is which.
struct CpuFigureBasis {
  bool measured = false;  // true: a measurement (published, or run with scripts/cpu_baseline)
  std::string source;     // one line: who measured it, with what, under which conditions;
                          // for an estimate, the arithmetic (may be empty)
};

/// A CPU's achieved (not peak) matrix throughput and memory bandwidth (C14 CPU baseline).
/// Contract: at least one of the two matrix rates is > 0; a measured figure has a source.
struct CpuSpec {
  std::string id;
  std::string name;
  std::string segment;  // "desktop" | "server"
  int cores = 0;
  double tdp_w = 0;
  double bf16_matmul_tflops = 0;  // large-GEMM rate with bf16 inputs; 0 = not known
  CpuFigureBasis bf16_basis;
  double fp32_matmul_tflops = 0;  // large-GEMM rate in fp32; 0 = not known
  CpuFigureBasis fp32_basis;
  double memory_bw_gbs = 0;  // sustained (STREAM-triad-like), decimal GB/s; 0 = not known
  CpuFigureBasis bandwidth_basis;
  std::optional<double> price_usd;
  std::vector<std::string> sources;
  std::string notes;
};

/// A machine to put purchased GPUs in, when the user's own PC cannot take them.
struct HostPlatform {
  std::string id;
  std::string name;
  std::string form;      // "desktop" | "workstation" | "pcie-server" | "hgx" | "oam"
  int max_gpus = 1;      // GPUs per host
  double price_usd = 0;  // without GPUs
  double power_w = 0;    // host draw under load without GPUs
  std::string as_of;     // ISO date of the price
  std::vector<std::string> sources;
  std::string notes;
};

/// A non-GPU accelerator (FPGA, wafer-scale, TPU, ...) for the guidance note.
struct AcceleratorNote {
  std::string id;
  std::string name;
  std::string kind;  // "fpga" | "asic" | "tpu" | ...
  std::optional<double> bf16_tflops;
  std::optional<double> int8_tops;
  std::optional<double> memory_gb;
  std::optional<double> memory_bw_gbs;
  std::string training_support;  // "none" | "limited" | "vendor-stack" | "cloud-only"
  std::string good_for;
  std::string why_not_for_training;
  std::vector<std::string> sources;
};

/// All of the above. Contract: any list may be empty; the advisor then leaves out what
/// depends on it (and says so), never guesses.
struct PlatformData {
  std::vector<CpuSpec> cpus;
  std::vector<HostPlatform> hosts;
  std::vector<AcceleratorNote> accelerators;
};

}  // namespace gpuadv::advise
