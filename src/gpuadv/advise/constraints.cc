#include "gpuadv/advise/constraints.h"

#include <algorithm>
#include <cctype>

#include "gpuadv/advise/text.h"
#include "gpuadv/core/strings.h"
#include "gpuadv/workload/method_traits.h"

namespace gpuadv::advise {
namespace {

bool ContainsI(const std::vector<std::string>& v, const std::string& x) {
  const std::string lx = Lower(x);
  return std::any_of(v.begin(), v.end(), [&](const std::string& e) { return Lower(e) == lx; });
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

std::string StackName(const catalog::GpuSpec& gpu) {
  for (const auto& s : gpu.software) {
    const std::string l = Lower(s);
    if (l.find("rocm") != std::string::npos) return "ROCm";
    if (l.find("cuda") != std::string::npos) return "CUDA";
    if (l.find("oneapi") != std::string::npos) return "oneAPI";
    if (l.find("synapse") != std::string::npos || l.find("gaudi") != std::string::npos)
      return "SynapseAI";
  }
  const std::string v = Lower(gpu.vendor);
  if (v == "nvidia") return "CUDA";
  if (v == "amd") return "ROCm";
  if (v == "intel") return "oneAPI";
  return gpu.vendor;
}

std::string FrameworkName(const std::string& id) {
  const std::string l = Lower(id);
  if (l == "pytorch") return "PyTorch";
  if (l == "tensorflow") return "TensorFlow";
  if (l == "jax") return "JAX";
  if (l == "onnxruntime") return "ONNX Runtime";
  return id;
}

std::string ConstraintFailure(const catalog::GpuSpec& gpu, const workload::Constraints& c,
                              std::optional<double> min_vram_gb) {
  if (!c.vendors.empty() && !ContainsI(c.vendors, gpu.vendor))
    return "vendor " + gpu.vendor + " not in constraints.vendors (" + Join(c.vendors) + ")";
  if (!gpu.frameworks.empty())
    for (const auto& f : c.frameworks)
      if (!ContainsI(gpu.frameworks, f))
        return StackName(gpu) + " path not supported for " + FrameworkName(f);
  if (min_vram_gb && gpu.memory_gb < *min_vram_gb)
    return "has " + text::GbLabel(gpu.memory_gb) + ", below the " + text::GbLabel(*min_vram_gb) +
           " minimum";
  return "";
}

std::string PrecisionFailure(const catalog::GpuSpec& gpu, const workload::Training& t) {
  const bool fp8 = gpu.fp8_support.value_or(false) || gpu.fp8_tensor_fp32acc_dense_tflops ||
                   gpu.fp8_tensor_fp16acc_dense_tflops;
  if (t.precision == workload::Precision::kFp8Mixed && !fp8)
    return "no FP8 tensor cores on " + gpu.architecture + " (precision fp8-mixed): use bf16-mixed";
  return "";
}

std::vector<std::string> PrecisionNotes(const catalog::GpuSpec& gpu, const workload::Training& t) {
  std::vector<std::string> out;
  if (workload::RunsBf16(t.precision) && gpu.bf16_support && !*gpu.bf16_support)
    out.push_back("no BF16 on " + gpu.architecture +
                  ": runs as fp16-mixed with loss scaling (same memory, more care with overflow)");
  const bool bnb = workload::QuantizedBase(t.method) ||
                   t.optimizer == workload::Optimizer::kAdamW8bit ||
                   t.optimizer == workload::Optimizer::kPagedAdamW8bit ||
                   t.optimizer == workload::Optimizer::kPagedAdamW;
  const std::string stack = StackName(gpu);
  if (bnb && stack != "CUDA")
    out.push_back("QLoRA / 8-bit and paged optimizers come from bitsandbytes, CUDA-first; its " +
                  stack + " support is newer and less tested");
  return out;
}

std::string UnknownFrameworkNote(const catalog::GpuSpec& gpu, const workload::Constraints& c) {
  if (!gpu.frameworks.empty() || c.frameworks.empty()) return "";
  std::vector<std::string> names;
  for (const auto& f : c.frameworks) names.push_back(FrameworkName(f));
  return "framework support (" + Join(names) + ") not recorded for " + gpu.id + ": check " +
         StackName(gpu) + " support before buying";
}

}  // namespace gpuadv::advise
