#include "gpuadv/catalog/gpu_spec.h"

#include <cctype>
#include <string>
#include <string_view>

#include "gpuadv/core/units.h"

namespace gpuadv::catalog {

double GpuSpec::CapacityBytes() const { return memory_gb * kGiB; }

double GpuSpec::BandwidthBytesPerS() const { return memory_bw_gbs.value_or(0) * kGiga; }

bool GpuSpec::PassivelyCooled() const {
  std::string f = form_factor;
  for (char& c : f) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return f.find("passive") != std::string::npos;
}

bool GpuSpec::CloudPriceServes(int gpus_per_node, int nodes) const {
  return nodes <= 1 && (gpus_per_node <= 1 || form_factor.find("PCIe") != std::string::npos);
}

bool GpuSpec::HopperClassDatacenter() const {
  // Hot path (every estimate): a prefix test, no parsing.
  const std::string_view cc = cuda_cc_or_target;
  return vendor == "nvidia" && (cc.starts_with("9.") || cc.starts_with("10."));
}

bool GpuSpec::AmdCdna3Plus() const {
  const std::string_view cc = cuda_cc_or_target;
  return vendor == "amd" && (cc.starts_with("gfx94") || cc.starts_with("gfx95"));
}

bool GpuSpec::Fp8AnyLayout() const {
  const std::string_view cc = cuda_cc_or_target;
  return vendor == "nvidia" && (cc.starts_with("10.") || cc.starts_with("11.") ||
                                cc.starts_with("13.") || cc.starts_with("14."));
}

double GpuSpec::Peak16FlopsPerS() const {
  if (bf16_tensor_dense_tflops) return *bf16_tensor_dense_tflops * kTera;
  if (fp16_tensor_fp32acc_dense_tflops) return *fp16_tensor_fp32acc_dense_tflops * kTera;
  return 0;
}

}  // namespace gpuadv::catalog
