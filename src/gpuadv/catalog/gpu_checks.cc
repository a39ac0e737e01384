#include "gpuadv/catalog/gpu_checks.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <sstream>

#include "gpuadv/core/error.h"
#include "gpuadv/core/strings.h"

namespace gpuadv::catalog {
namespace {

// Published figures are rounded (e.g. 989.4 vs 989.43); relations hold within this.
constexpr double kRounding = 0.005;

// Shortest round-trip-ish text of a figure: 989.4, 5120, 0.55.
std::string Num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

template <size_t N>
bool OneOf(std::string_view v, const std::string_view (&names)[N]) {
  return std::find(std::begin(names), std::end(names), v) != std::end(names);
}

template <size_t N>
std::string Joined(const std::string_view (&names)[N]) {
  std::string out;
  for (auto n : names) out += (out.empty() ? "" : " | ") + std::string(n);
  return out;
}

// "a (x) >= b (y)" unless both known and a < b beyond rounding.
void NotBelow(std::vector<std::string>& out, const char* a_name, const std::optional<double>& a,
              const char* b_name, const std::optional<double>& b) {
  if (a && b && *a < *b * (1 - kRounding))
    out.push_back(std::string(a_name) + " (" + Num(*a) + ") is below " + b_name + " (" + Num(*b) +
                  ")");
}

// Per-pin data rate ranges in Gbit/s of each DRAM generation, from the JEDEC standards
// (GDDR5 JESD212, GDDR5X JESD232, GDDR6 JESD250, GDDR7 JESD239, HBM2/2e JESD235A-C,
// HBM3 JESD238) widened to shipping parts (Micron GDDR6X 19-24; T4's GDDR6 at 10;
// A100's HBM2 at 2.43; Gaudi 3's HBM2e at 3.6; MI325X's HBM3e at 5.9, B200's at 7.7).
struct DataRate {
  std::string_view type;  // lower-case leading token of memory_type
  double min_gbps, max_gbps;
};
constexpr DataRate kDataRates[] = {
    {"gddr5", 3.6, 9.0},    {"gddr5x", 10.0, 14.0}, {"gddr6", 10.0, 24.0},
    {"gddr6x", 19.0, 24.0}, {"gddr7", 28.0, 40.0},  {"hbm2", 1.0, 2.5},
    {"hbm2e", 2.4, 3.7},    {"hbm3", 4.8, 6.6},     {"hbm3e", 5.6, 10.0},
};
constexpr double kDataRateSlack = 0.02;

std::optional<DataRate> RateFor(std::string_view memory_type) {
  size_t n = 0;
  while (n < memory_type.size() && std::isalnum(static_cast<unsigned char>(memory_type[n]))) ++n;
  const std::string token = Lower(memory_type.substr(0, n));
  for (const auto& r : kDataRates)
    if (r.type == token) return r;
  return std::nullopt;
}

// Bandwidth (decimal GB/s) = bus width (bits) / 8 x per-pin rate (Gbit/s), so the rate the
// entry implies is bandwidth x 8 / bus width; it must be one the memory type can run at.
void CheckBandwidth(const GpuSpec& g, std::vector<std::string>& out) {
  if (!g.memory_bw_gbs || !g.bus_width_bits || *g.bus_width_bits <= 0) return;
  const auto rate = RateFor(g.memory_type);
  if (!rate) return;
  const double implied_gbps = *g.memory_bw_gbs * 8 / *g.bus_width_bits;
  if (implied_gbps < rate->min_gbps * (1 - kDataRateSlack) ||
      implied_gbps > rate->max_gbps * (1 + kDataRateSlack))
    out.push_back("memory_bw_gbs (" + Num(*g.memory_bw_gbs) + ") over bus_width_bits (" +
                  Num(*g.bus_width_bits) + ") implies " + Num(implied_gbps) +
                  " Gbit/s per pin, outside " + g.memory_type + " " + Num(rate->min_gbps) + "-" +
                  Num(rate->max_gbps) + " Gbit/s");
}

bool IsPcieCard(const GpuSpec& g) { return Lower(g.form_factor).rfind("pcie", 0) == 0; }

}  // namespace

std::vector<std::string> CheckGpu(const GpuSpec& g) {
  std::vector<std::string> out;
  if (g.id.empty()) out.push_back("id is empty");
  if (g.name.empty()) out.push_back("name is empty");
  if (!OneOf(g.vendor, kGpuVendors))
    out.push_back("vendor '" + g.vendor + "' is not one of " + Joined(kGpuVendors));
  if (!OneOf(g.segment, kGpuSegments))
    out.push_back("segment '" + g.segment + "' is not one of " + Joined(kGpuSegments));
  if (!OneOf(g.verification, kGpuVerifications))
    out.push_back("verification '" + g.verification + "' is not one of " +
                  Joined(kGpuVerifications));
  if (g.sources.empty()) out.push_back("sources is empty (every figure needs a source)");
  if (!(g.memory_gb > 0)) out.push_back("memory_gb (" + Num(g.memory_gb) + ") is not positive");
  for (const auto& f : g.frameworks)
    if (!OneOf(f, kGpuFrameworks))
      out.push_back("framework '" + f + "' is not one of " + Joined(kGpuFrameworks));

  // Narrower formats run at least as fast on the same tensor cores.
  const auto& fp8 = g.fp8_tensor_fp32acc_dense_tflops ? g.fp8_tensor_fp32acc_dense_tflops
                                                      : g.fp8_tensor_fp16acc_dense_tflops;
  NotBelow(out, "fp4_tensor_dense_tflops", g.fp4_tensor_dense_tflops, "fp8 dense tflops", fp8);
  NotBelow(out, "fp8 dense tflops", fp8, "bf16_tensor_dense_tflops", g.bf16_tensor_dense_tflops);
  NotBelow(out, "bf16_tensor_dense_tflops", g.bf16_tensor_dense_tflops, "tf32_tensor_dense_tflops",
           g.tf32_tensor_dense_tflops);
  // FP32 accumulation is never faster than FP16 accumulation (half rate on GeForce).
  NotBelow(out, "fp16_tensor_fp16acc_dense_tflops", g.fp16_tensor_fp16acc_dense_tflops,
           "fp16_tensor_fp32acc_dense_tflops", g.fp16_tensor_fp32acc_dense_tflops);
  NotBelow(out, "fp8_tensor_fp16acc_dense_tflops", g.fp8_tensor_fp16acc_dense_tflops,
           "fp8_tensor_fp32acc_dense_tflops", g.fp8_tensor_fp32acc_dense_tflops);

  if (g.bf16_support == false && g.bf16_tensor_dense_tflops)
    out.push_back("bf16_support is false but bf16_tensor_dense_tflops is given");
  if (g.fp8_support == false &&
      (g.fp8_tensor_fp32acc_dense_tflops || g.fp8_tensor_fp16acc_dense_tflops))
    out.push_back("fp8_support is false but an fp8 tensor rate is given");

  CheckBandwidth(g, out);

  if (g.slot_width && !IsPcieCard(g))
    out.push_back("slot_width (" + Num(*g.slot_width) + ") is given for a non-PCIe form factor '" +
                  g.form_factor + "'");
  if (g.street_price_usd && g.street_price_date.empty())
    out.push_back("street_price_usd has no street_price_date");
  return out;
}

std::vector<const GpuSpec*> FilterGpus(const Catalog& cat, std::string_view vendor,
                                       std::string_view segment, double min_memory_gb) {
  auto validate = [](std::string_view field, std::string_view value, const auto& names) {
    const std::string v = Lower(value);
    if (v.empty() || OneOf(v, names)) return v;
    std::vector<std::string> cands(std::begin(names), std::end(names));
    std::string accepted = Joined(names);
    const std::string hint = DidYouMean(value, cands);
    if (!hint.empty()) accepted += " (" + hint + ")";
    throw InputError(std::string(field), std::string(value), accepted);
  };
  const std::string v = validate("vendor", vendor, kGpuVendors);
  const std::string s = validate("segment", segment, kGpuSegments);
  std::vector<const GpuSpec*> out;
  for (const auto& g : cat.Gpus()) {
    if (!v.empty() && g.vendor != v) continue;
    if (!s.empty() && g.segment != s) continue;
    if (min_memory_gb > 0 && g.memory_gb < min_memory_gb) continue;
    out.push_back(&g);
  }
  return out;
}

}  // namespace gpuadv::catalog
