#include "gpuadv/io/probe_loader.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "gpuadv/core/error.h"
#include "gpuadv/io/fields.h"

namespace gpuadv::io {
namespace {

using nlohmann::json;

std::optional<double> Num(const json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  const double v = it->get<double>();
  if (!(v > 0)) return std::nullopt;
  return v;
}

std::optional<double> Median(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return std::nullopt;
  return Num(j.at(key), "gb_per_s_median");
}

// The best median over the ok GEMM rows of a dtype (the probe's gemm_best_tflops).
std::optional<double> BestGemm(const json& root, const char* dtype) {
  if (root.contains("gemm_best_tflops"))
    if (auto v = Num(root.at("gemm_best_tflops"), dtype)) return v;
  std::optional<double> best;
  if (!root.contains("gemm") || !root.at("gemm").is_array()) return best;
  for (const auto& row : root.at("gemm")) {
    if (!row.is_object() || row.value("dtype", "") != dtype || !row.value("ok", false)) continue;
    if (auto v = Num(row, "tflops_median")) best = std::max(best.value_or(0), *v);
  }
  return best;
}

}  // namespace

detect::ProbeResult ParseProbeJson(std::string_view text, const std::string& origin) {
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object())
    throw InputError(origin, "(not JSON)", "the JSON written by gpu-advisor-probe", "unreadable");
  if (root.value("tool", "") != "gpu-advisor probe")
    throw InputError(origin + ": tool", root.value("tool", ""), "\"gpu-advisor probe\"",
                     "not a probe result");
  if (!root.contains("version") || !root.at("version").is_number_integer() ||
      root.at("version").get<int>() != 1)
    throw InputError(origin + ": version",
                     root.contains("version") ? root.at("version").dump() : "", "1",
                     "unsupported probe version");
  detect::ProbeResult p;
  if (root.contains("device") && root.at("device").is_object())
    p.device_name = root.at("device").value("name", "");
  if (p.device_name.empty())
    throw InputError(origin + ": device.name", "", "the probed GPU's name", "missing");
  if (root.contains("software") && root.at("software").is_object())
    p.driver = root.at("software").value("driver", "");
  p.bf16_tflops = BestGemm(root, "bf16");
  p.fp16_tflops = BestGemm(root, "fp16");
  p.tf32_tflops = BestGemm(root, "tf32");
  p.fp8_tflops = BestGemm(root, "fp8_e4m3");
  if (root.contains("device_memory"))
    p.memory_gbs = Median(root.at("device_memory"), "copy_kernel");
  if (root.contains("host_device")) {
    p.h2d_pinned_gbs = Median(root.at("host_device"), "h2d_pinned");
    p.d2h_pinned_gbs = Median(root.at("host_device"), "d2h_pinned");
  }
  // p2p: null, or [{"from", "to", "copy": {"gb_per_s_median"}}, ...]; the best pair.
  if (root.contains("p2p") && root.at("p2p").is_array())
    for (const auto& pair : root.at("p2p"))
      if (auto v = Median(pair, "copy")) p.p2p_gbs = std::max(p.p2p_gbs.value_or(0), *v);
  if (root.contains("clocks_mhz")) {
    p.sm_clock_after_mhz = Num(root.at("clocks_mhz"), "sm_after_bf16_gemms");
    p.sm_clock_max_mhz = Num(root.at("clocks_mhz"), "sm_max");
  }
  return p;
}

detect::ProbeResult LoadProbeFile(const std::string& path, const std::string& field) {
  return ParseProbeJson(ReadFileBounded(path, field), path);
}

}  // namespace gpuadv::io
