#include "gpuadv/detect/match.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <string>
#include <string_view>

namespace gpuadv::detect {
namespace {

// Names the drivers report that do not normalise to a catalog name (STYLE.md principle 4:
// one explicit table). Keys compare after NormaliseGpuName.
struct DriverName {
  const char* reported;
  const char* id;
};
constexpr DriverName kDriverNames[] = {
    {"NVIDIA H100 80GB HBM3", "h100-sxm"},
    {"NVIDIA H100 PCIe", "h100-pcie"},
    {"NVIDIA H100 NVL", "h100-nvl"},
    {"NVIDIA H200", "h200-sxm"},
    {"NVIDIA H200 141GB HBM3e", "h200-sxm"},
    {"NVIDIA GH200 480GB", "gh200"},
    {"NVIDIA GH200 144G HBM3e", "gh200"},
    {"NVIDIA B200", "b200"},
    {"NVIDIA A100-SXM4-80GB", "a100-80gb-sxm"},
    {"NVIDIA A100-SXM4-40GB", "a100-40gb-sxm"},
    {"NVIDIA A100 80GB PCIe", "a100-80gb-pcie"},
    {"NVIDIA A100-PCIE-40GB", "a100-40gb-pcie"},
    {"Tesla V100-SXM2-16GB", "v100-sxm2-16gb"},
    {"Tesla V100-SXM2-32GB", "v100-sxm2-32gb"},
    {"Tesla V100-PCIE-16GB", "v100-pcie-16gb"},
    {"Tesla V100-PCIE-32GB", "v100-pcie-32gb"},
    {"NVIDIA A10G", "a10g"},
    {"NVIDIA GeForce RTX 3060", "rtx-3060-12gb"},
    {"NVIDIA GeForce RTX 3080", "rtx-3080-10gb"},
    {"NVIDIA GeForce RTX 4060", "rtx-4060"},
    {"NVIDIA GeForce RTX 4060 Ti", "rtx-4060ti-16gb"},
    {"NVIDIA GeForce RTX 5060 Ti", "rtx-5060ti-16gb"},
    {"NVIDIA RTX PRO 6000 Blackwell Workstation Edition", "rtx-pro-6000-bw"},
    {"AMD Instinct MI300X", "mi300x"},
    {"AMD Instinct MI300X OAM", "mi300x"},
    {"AMD Instinct MI250X", "mi250x"},
    {"AMD Instinct MI250X/MI250", "mi250x"},
    {"AMD Instinct MI210", "mi210"},
    {"AMD Instinct MI100", "mi100"},
    {"Navi 31 [Radeon RX 7900 XT/7900 XTX]", "rx-7900xtx"},
};

constexpr std::string_view kDropWords[] = {"nvidia", "geforce", "tesla",   "amd",
                                           "radeon", "intel",   "instinct"};

std::string StripMig(std::string_view name) {
  const size_t at = name.find(" MIG ");
  return std::string(at == std::string_view::npos ? name : name.substr(0, at));
}

// The model token: the first word with a digit, vendor words dropped, normalised
// ("NVIDIA H100 96GB HBM3" -> "h100", "NVIDIA GeForce RTX 4090" -> "4090").
std::string ModelToken(std::string_view name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t i = 0;
  while (i < lower.size()) {
    size_t e = lower.find_first_of(" -_/", i);
    if (e == std::string::npos) e = lower.size();
    const std::string w = NormaliseGpuName(std::string_view(lower).substr(i, e - i));
    if (w.find_first_of("0123456789") != std::string::npos) return w;
    i = e + 1;
  }
  return "";
}

double Gb(std::uint64_t bytes) { return bytes / (1024.0 * 1024.0 * 1024.0); }

}  // namespace

std::string NormaliseGpuName(std::string_view name) {
  std::string words;
  for (char c : name) words += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string out;
  size_t i = 0;
  while (i < words.size()) {
    size_t e = words.find_first_of(" -_/", i);
    if (e == std::string::npos) e = words.size();
    const std::string_view w(words.data() + i, e - i);
    bool drop = false;
    for (auto d : kDropWords) drop = drop || w == d;
    if (!drop)
      for (char c : w)
        if (std::isalnum(static_cast<unsigned char>(c))) out += c;
    i = e + 1;
  }
  return out;
}

GpuMatch MatchGpu(const DetectedGpu& gpu, const catalog::Catalog& cat) {
  GpuMatch m;
  const std::string base = StripMig(gpu.name);
  const std::string norm = NormaliseGpuName(base);
  for (const auto& d : kDriverNames)
    if (NormaliseGpuName(d.reported) == norm && cat.FindGpu(d.id)) {
      m.id = d.id;
      m.exact = true;
    }
  if (m.id.empty())
    for (const auto& g : cat.Gpus()) {
      bool hit = NormaliseGpuName(g.name) == norm || NormaliseGpuName(g.id) == norm;
      for (const auto& a : g.aliases) hit = hit || NormaliseGpuName(a) == norm;
      if (hit) {
        m.id = g.id;
        m.exact = true;
        break;
      }
    }
  if (m.id.empty()) {
    // Nearest: same vendor, same model number, closest memory.
    const std::string num = ModelToken(base);
    double best = 1e300;
    for (const auto& g : cat.Gpus()) {
      if (!gpu.vendor.empty() && g.vendor != gpu.vendor) continue;
      if (num.empty() || ModelToken(g.name) != num) continue;
      const double dmem =
          gpu.memory_total_bytes ? std::fabs(Gb(*gpu.memory_total_bytes) - g.memory_gb) : 0;
      if (dmem < best) {
        best = dmem;
        m.id = g.id;
      }
    }
    if (m.id.empty()) {
      m.differences.push_back("no catalog entry resembles '" + base + "'");
      return m;
    }
    m.differences.push_back("'" + base + "' is not in the catalog; nearest entry " + m.id);
  }
  const catalog::GpuSpec& spec = *cat.FindGpu(m.id);
  if (!gpu.mig_profile.empty()) {
    m.differences.push_back("MIG instance " + gpu.mig_profile +
                            ": a slice of the GPU (fewer SMs, " +
                            "less memory and bandwidth than the full card)");
  } else if (gpu.memory_total_bytes) {
    const double got = Gb(*gpu.memory_total_bytes);
    if (std::fabs(got - spec.memory_gb) > 0.05 * spec.memory_gb)
      m.differences.push_back(
          fmt::format("memory {:.1f} GiB vs the catalog's {:g} GiB", got, spec.memory_gb));
  }
  if (gpu.power_limit_w && spec.tdp_w && *gpu.power_limit_w < 0.95 * *spec.tdp_w)
    m.differences.push_back(fmt::format("power limit {:g} W below the catalog TDP {:g} W",
                                        *gpu.power_limit_w, *spec.tdp_w));
  if (gpu.pcie_gen && spec.pcie_gen && *gpu.pcie_gen < *spec.pcie_gen)
    m.differences.push_back(
        fmt::format("PCIe link at gen {} (card supports gen {}; idle links drop their speed)",
                    *gpu.pcie_gen, *spec.pcie_gen));
  if (gpu.pcie_width && spec.pcie_lanes && *gpu.pcie_width < *spec.pcie_lanes)
    m.differences.push_back(
        fmt::format("PCIe link x{} (card has x{})", *gpu.pcie_width, *spec.pcie_lanes));
  return m;
}

}  // namespace gpuadv::detect
