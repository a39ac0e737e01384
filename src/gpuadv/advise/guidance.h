#pragma once
// Beginner guidance (C14) for `recommend` with the embedded default scenario: the usual
// buyer's-guide topics, each built from the catalog and the estimator, not canned text.
#include <string>
#include <vector>

#include "gpuadv/advise/recommend.h"

namespace gpuadv::advise {

/// One reference job on one VRAM tier.
struct TierJob {
  std::string label;  // "QLoRA llama-3.1-8b"
  bool fits = false;  // fits or tight
  bool tight = false;
  double per_gpu_bytes = 0;
};

/// A memory size the catalog sells, what it trains, and example GPUs.
struct VramTier {
  double memory_gb = 0;
  std::string example_gpu;        // the one estimated (cheapest priced in the tier)
  std::vector<std::string> gpus;  // up to 4 ids
  std::vector<TierJob> jobs;
};

/// A vendor's software stack as the catalog records it.
struct StackSummary {
  std::string vendor;
  std::string stack;  // CUDA | ROCm | oneAPI | SynapseAI
  int gpus = 0;
  std::vector<std::string> software;
  std::vector<std::string> frameworks;
};

/// The same job on a CPU, from its matrix rate and memory bandwidth (roofline sum).
struct CpuBaseline {
  std::string cpu;
  std::string name;
  double tokens_per_s = 0;
  double time_s = 0;
  double times_slower = 0;       // vs the top pick
  std::string versus;            // the top pick's GPU id
  double matmul_tflops = 0;      // the CPU rate used (bf16 when known, else fp32)
  std::string matmul_precision;  // "bf16" | "fp32"
  bool matmul_measured = false;  // false: the rate is an estimate
  double memory_bw_gbs = 0;      // 0: not known, memory term left out
  bool bandwidth_measured = false;
  /// The figures and where each came from: "matrix 2.2 TFLOP/s bf16, estimate (...);
  /// memory 61 GB/s, measured (...)".
  std::string basis;
};

struct Guidance {
  std::vector<VramTier> tiers;
  std::vector<std::string> precision;  // tensor cores and FP16/BF16/FP8/INT8 per architecture
  std::vector<std::string> cores;      // core counts and clocks of the picks, in context
  std::vector<StackSummary> stacks;
  std::vector<std::string> rent_vs_buy;
  std::vector<CpuBaseline> cpu_baseline;
  std::vector<std::string> accelerators;
};

/// Builds the guidance for scenario `s` and its ranking `r`.
Guidance BuildGuidance(const workload::Scenario& s, const RecommendResult& r, const Inputs& in);

}  // namespace gpuadv::advise
