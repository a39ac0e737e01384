#pragma once
#include <optional>
#include <string>
#include <vector>

namespace gpuadv::catalog {

/// One GPU SKU as the catalog holds it (data/gpus/*.yaml; fields as in
/// ../shared/reference/gpus.csv). Figures keep the catalog's units, named in the field:
/// convert with the accessors below, never by hand. Unknown figures are nullopt and
/// print as "unknown" (DESIGN.md data rules).
struct GpuSpec {
  std::string id;            // e.g. "rtx-4090" (reference ids)
  std::string name;          // "GeForce RTX 4090"
  std::string vendor;        // "nvidia" | "amd" | "intel" (lower case)
  std::string segment;       // "consumer" | "workstation" | "datacenter"
  std::string architecture;  // "Ampere", "Hopper", "Ada Lovelace", "CDNA3", ...
  std::string chip;
  std::optional<int> launch_year;
  std::vector<std::string> aliases;  // "4090", "rtx4090", ...

  // Memory
  double memory_gb = 0;  // vendor label; capacity is taken as memory_gb GiB (MODELLING §0)
  std::string memory_type;
  std::optional<double> memory_bw_gbs;  // decimal GB/s
  std::optional<double> bus_width_bits;

  // Cores and clocks
  std::optional<double> shader_cores;  // CUDA cores / stream processors / Xe vector engines
  std::optional<double> sm_or_cu;
  std::optional<double> tensor_matrix_cores;
  std::string tensor_core_gen;
  std::optional<double> boost_clock_mhz;

  // Throughput, dense (no sparsity), per the reference conventions.
  std::optional<double> fp32_tflops_nontensor;
  std::optional<double> fp16_tensor_fp16acc_dense_tflops;
  std::optional<double> fp16_tensor_fp32acc_dense_tflops;  // what mixed precision uses
  std::optional<double> bf16_tensor_dense_tflops;
  std::optional<double> tf32_tensor_dense_tflops;
  std::optional<double> fp8_tensor_fp32acc_dense_tflops;
  std::optional<double> fp8_tensor_fp16acc_dense_tflops;
  std::optional<double> fp4_tensor_dense_tflops;
  std::optional<double> int8_tensor_dense_tops;

  // Power, bus, physical
  std::optional<double> tdp_w;
  std::string power_connectors;  // "1x 16-pin (12VHPWR)", ...
  std::optional<int> pcie_gen;
  std::optional<int> pcie_lanes;
  std::string form_factor;           // "PCIe dual-slot", "SXM5", "OAM", ...
  std::optional<double> slot_width;  // physical slots a PCIe card occupies; nullopt for SXM/OAM
  std::string gpu_interconnect;      // "NVLink 4", "none", ...
  std::optional<double> interconnect_bw_gbs_bidir;
  bool peer_to_peer = true;  // false for GeForce (NCCL goes through host memory)
  std::optional<bool> ecc;

  // Prices (dated)
  std::optional<double> launch_msrp_usd;
  std::optional<double> street_price_usd;
  std::string street_price_date;  // ISO date of the street price, "" if none
  std::optional<double> cloud_usd_per_gpu_hr;
  std::string cloud_price_source;

  // Software
  std::vector<std::string> software;    // "CUDA", "ROCm", "oneAPI", "SynapseAI"
  std::vector<std::string> frameworks;  // "pytorch", "tensorflow", "jax", "onnxruntime"
  std::string cuda_cc_or_target;
  std::optional<bool> bf16_support;
  std::optional<bool> fp8_support;

  // Provenance
  std::string verification;  // "verified" | "partial"
  std::vector<std::string> unverified_fields;
  std::vector<std::string> sources;
  std::string notes;

  /// Usable capacity in bytes: memory_gb GiB (vendor "GB" are GiB-sized; MODELLING §0).
  double CapacityBytes() const;
  /// Peak memory bandwidth in bytes/s, 0 if unknown.
  double BandwidthBytesPerS() const;
  /// Dense 16-bit tensor peak with FP32 accumulate in FLOP/s (bf16 if known, else fp16
  /// fp32-acc); the MFU denominator (DESIGN.md). 0 if unknown.
  double Peak16FlopsPerS() const;
  /// A fanless heatsink ("passive" in form_factor): needs a server's ducted airflow.
  bool PassivelyCooled() const;
  /// A datacenter sm90 / sm100 part (Hopper, datacenter Blackwell): TMA and
  /// warp-specialised kernels (FlashAttention-3 class attention) and NVLink multicast
  /// (Transformer Engine userbuffers and PyTorch async TP run their tuned paths).
  /// Consumer / workstation Blackwell (sm120) and older GPUs are not.
  bool HopperClassDatacenter() const;
  /// AMD Instinct CDNA 3 or later (gfx942, gfx950): the GPUs AMD's assembly FMHA v3
  /// kernels (AITER / Composable Kernel) are built for.
  bool AmdCdna3Plus() const;
  /// Whether the GPU's fp8 GEMMs take their operands in any layout (cuBLAS on compute
  /// capability 10.x-11.x and 13+: Transformer Engine is_non_tn_fp8_gemm_supported), so an
  /// fp8 tensor needs no transposed copy for the backward GEMMs. Hopper, Ada and consumer
  /// Blackwell (12.x) take only the TN layout.
  bool Fp8AnyLayout() const;
  /// Whether the GPU's own cloud price (no offer) prices a job of `gpus_per_node` GPUs on
  /// `nodes` nodes: it stands for the provider's usual instances, PCIe cards in any count
  /// on one node, modules alone (issue 12).
  bool CloudPriceServes(int gpus_per_node, int nodes) const;
};

}  // namespace gpuadv::catalog
