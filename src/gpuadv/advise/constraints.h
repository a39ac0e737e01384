#pragma once
// Pre-evaluation constraints of a GPU (vendors, frameworks, minimum VRAM): the cheap
// checks that run before any estimate (STYLE.md principle 6). "" = allowed.
#include <optional>
#include <string>
#include <vector>

#include "gpuadv/catalog/gpu_spec.h"
#include "gpuadv/workload/scenario.h"

namespace gpuadv::advise {

/// "CUDA", "ROCm", "oneAPI", "SynapseAI", or the vendor: the GPU's software stack.
std::string StackName(const catalog::GpuSpec& gpu);

/// "PyTorch" for "pytorch", "JAX" for "jax", ...
std::string FrameworkName(const std::string& id);

/// The reason `gpu` is ruled out by the scenario's constraints, or "" when allowed.
/// e.g. "ROCm path not supported for JAX", "vendor amd not in constraints.vendors (nvidia)",
/// "has 8 GB, below the 12 GB minimum".
std::string ConstraintFailure(const catalog::GpuSpec& gpu, const workload::Constraints& c,
                              std::optional<double> min_vram_gb);

/// The reason the scenario's precision cannot run on `gpu` at all ("no FP8 tensor cores on
/// Ampere: use bf16-mixed"), or "" when it can (BF16 on a GPU without it falls back to
/// fp16-mixed: see PrecisionNote).
std::string PrecisionFailure(const catalog::GpuSpec& gpu, const workload::Training& t);

/// Notes on running the scenario's numerics on `gpu`: BF16 falling back to fp16-mixed,
/// bitsandbytes (QLoRA, 8-bit optimizers) outside CUDA. Empty when nothing to say.
std::vector<std::string> PrecisionNotes(const catalog::GpuSpec& gpu, const workload::Training& t);

/// Frameworks the constraints ask for that the catalog does not list for `gpu` because its
/// framework list is empty (unknown): these are not excluded, only mentioned.
std::string UnknownFrameworkNote(const catalog::GpuSpec& gpu, const workload::Constraints& c);

}  // namespace gpuadv::advise
