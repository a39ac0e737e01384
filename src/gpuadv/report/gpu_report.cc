#include "gpuadv/report/gpu_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "gpuadv/core/numbers.h"
#include "gpuadv/core/units.h"
#include "gpuadv/estimate/estimate.h"
#include "gpuadv/report/json_report.h"

namespace gpuadv::report {
namespace {

using catalog::GpuSpec;
using nlohmann::json;
using Row = std::vector<std::string>;

// Figures print as the catalog holds them (989.4, 181.05, 0.55), thousands grouped.
std::string Fig(double v) { return GroupThousands(fmt::format("{}", v)); }

std::string Raw(double v) { return fmt::format("{}", v); }

json JsonNum(double v) {
  if (!std::isfinite(v)) return nullptr;
  if (v == std::floor(v) && std::fabs(v) < 1e15) return static_cast<long long>(v);
  return v;
}

// "$1,900", "$0.55", "$3.90", "$4.916": cents always shown below $100 or when present.
std::string Money(double v) {
  std::string out = "$";
  out += Fig(v);
  const size_t dot = out.find('.');
  if (dot == std::string::npos) {
    if (std::fabs(v) < 100) out += ".00";
  } else if (out.size() - dot == 2) {
    out += '0';
  }
  return out;
}

enum class Group {
  kIdentity,
  kMemory,
  kCompute,
  kThroughput,
  kPower,
  kPrices,
  kSoftware,
  kProvenance
};
constexpr const char* kGroupTitles[] = {"Identity",
                                        "Memory",
                                        "Cores and clocks",
                                        "Throughput (dense, no sparsity)",
                                        "Power, bus, physical",
                                        "Prices",
                                        "Software",
                                        "Provenance"};

// One field of a GpuSpec in every presentation.
struct Item {
  Group group;
  std::string key;    // catalog field name (JSON key, CSV column)
  std::string label;  // human label
  json value;         // null when unknown
  std::string text;   // with unit; "unknown" when unknown
  std::string csv;    // raw; "" when unknown
};

class Items {
 public:
  std::vector<Item> items;

  void Str(Group g, const char* key, const char* label, const std::string& v) {
    items.push_back(
        {g, key, label, v.empty() ? json(nullptr) : json(v), v.empty() ? "unknown" : v, v});
  }
  void Num(Group g, const char* key, const char* label, const std::optional<double>& v,
           const char* unit) {
    if (!v) {
      items.push_back({g, key, label, nullptr, "unknown", ""});
      return;
    }
    std::string text = Fig(*v);
    if (*unit) text += std::string(" ") + unit;
    items.push_back({g, key, label, JsonNum(*v), text, Raw(*v)});
  }
  void Usd(Group g, const char* key, const char* label, const std::optional<double>& v,
           const std::string& suffix = "") {
    if (!v) {
      items.push_back({g, key, label, nullptr, "unknown", ""});
      return;
    }
    items.push_back({g, key, label, JsonNum(*v), Money(*v) + suffix, Raw(*v)});
  }
  void Int(Group g, const char* key, const char* label, const std::optional<int>& v,
           const char* prefix = "") {
    if (!v) {
      items.push_back({g, key, label, nullptr, "unknown", ""});
      return;
    }
    items.push_back({g, key, label, *v, prefix + std::to_string(*v), std::to_string(*v)});
  }
  void Bool(Group g, const char* key, const char* label, const std::optional<bool>& v) {
    if (!v) {
      items.push_back({g, key, label, nullptr, "unknown", ""});
      return;
    }
    items.push_back({g, key, label, *v, *v ? "yes" : "no", *v ? "true" : "false"});
  }
  void List(Group g, const char* key, const char* label, const std::vector<std::string>& v) {
    std::string text, csv;
    for (const auto& s : v) {
      if (!text.empty()) {
        text += ", ";
        csv += "; ";
      }
      text += s;
      csv += s;
    }
    items.push_back({g, key, label, v, v.empty() ? "none" : text, csv});
  }
};

std::vector<Item> ItemsOf(const GpuSpec& g) {
  using G = Group;
  Items it;
  it.Str(G::kIdentity, "id", "id", g.id);
  it.Str(G::kIdentity, "name", "name", g.name);
  it.Str(G::kIdentity, "vendor", "vendor", g.vendor);
  it.Str(G::kIdentity, "segment", "segment", g.segment);
  it.Str(G::kIdentity, "architecture", "architecture", g.architecture);
  it.Str(G::kIdentity, "chip", "chip", g.chip);
  it.Int(G::kIdentity, "launch_year", "launch year", g.launch_year);
  it.List(G::kIdentity, "aliases", "aliases", g.aliases);

  it.Num(G::kMemory, "memory_gb", "memory",
         g.memory_gb > 0 ? std::optional(g.memory_gb) : std::nullopt, "GiB");
  it.Str(G::kMemory, "memory_type", "memory type", g.memory_type);
  it.Num(G::kMemory, "memory_bw_gbs", "memory bandwidth", g.memory_bw_gbs, "GB/s");
  it.Num(G::kMemory, "bus_width_bits", "memory bus width", g.bus_width_bits, "bit");

  it.Num(G::kCompute, "shader_cores", "shader cores (CUDA cores / stream processors)",
         g.shader_cores, "");
  it.Num(G::kCompute, "sm_or_cu", "SMs / CUs", g.sm_or_cu, "");
  it.Num(G::kCompute, "tensor_matrix_cores", "tensor / matrix cores", g.tensor_matrix_cores, "");
  it.Str(G::kCompute, "tensor_core_gen", "tensor core generation", g.tensor_core_gen);
  it.Num(G::kCompute, "boost_clock_mhz", "boost clock", g.boost_clock_mhz, "MHz");

  it.Num(G::kThroughput, "fp32_tflops_nontensor", "FP32 (non-tensor)", g.fp32_tflops_nontensor,
         "TFLOPS");
  it.Num(G::kThroughput, "fp16_tensor_fp16acc_dense_tflops", "FP16 tensor, FP16 accumulate",
         g.fp16_tensor_fp16acc_dense_tflops, "TFLOPS");
  it.Num(G::kThroughput, "fp16_tensor_fp32acc_dense_tflops", "FP16 tensor, FP32 accumulate",
         g.fp16_tensor_fp32acc_dense_tflops, "TFLOPS");
  it.Num(G::kThroughput, "bf16_tensor_dense_tflops", "BF16 tensor", g.bf16_tensor_dense_tflops,
         "TFLOPS");
  it.Num(G::kThroughput, "tf32_tensor_dense_tflops", "TF32 tensor", g.tf32_tensor_dense_tflops,
         "TFLOPS");
  it.Num(G::kThroughput, "fp8_tensor_fp32acc_dense_tflops", "FP8 tensor, FP32 accumulate",
         g.fp8_tensor_fp32acc_dense_tflops, "TFLOPS");
  it.Num(G::kThroughput, "fp8_tensor_fp16acc_dense_tflops", "FP8 tensor, FP16 accumulate",
         g.fp8_tensor_fp16acc_dense_tflops, "TFLOPS");
  it.Num(G::kThroughput, "fp4_tensor_dense_tflops", "FP4 tensor", g.fp4_tensor_dense_tflops,
         "TFLOPS");
  it.Num(G::kThroughput, "int8_tensor_dense_tops", "INT8 tensor", g.int8_tensor_dense_tops, "TOPS");

  it.Num(G::kPower, "tdp_w", "board power (TDP)", g.tdp_w, "W");
  it.Str(G::kPower, "power_connectors", "power connectors", g.power_connectors);
  it.Int(G::kPower, "pcie_gen", "PCIe generation", g.pcie_gen, "Gen ");
  it.Int(G::kPower, "pcie_lanes", "PCIe lanes", g.pcie_lanes, "x");
  it.Str(G::kPower, "form_factor", "form factor", g.form_factor);
  it.Num(G::kPower, "slot_width", "slot width", g.slot_width, "slots");
  it.Str(G::kPower, "gpu_interconnect", "GPU interconnect", g.gpu_interconnect);
  it.Num(G::kPower, "interconnect_bw_gbs_bidir", "interconnect bandwidth (bidirectional)",
         g.interconnect_bw_gbs_bidir, "GB/s");
  it.Bool(G::kPower, "peer_to_peer", "peer-to-peer", g.peer_to_peer);
  it.Bool(G::kPower, "ecc", "ECC", g.ecc);

  it.Usd(G::kPrices, "launch_msrp_usd", "launch MSRP", g.launch_msrp_usd);
  it.Usd(G::kPrices, "street_price_usd", "street price", g.street_price_usd,
         g.street_price_date.empty() ? "" : " (" + g.street_price_date + ")");
  it.Str(G::kPrices, "street_price_date", "street price date", g.street_price_date);
  it.Usd(G::kPrices, "cloud_usd_per_gpu_hr", "cloud price", g.cloud_usd_per_gpu_hr,
         " per GPU-hour");
  it.Str(G::kPrices, "cloud_price_source", "cloud price source", g.cloud_price_source);

  it.List(G::kSoftware, "software", "software stack", g.software);
  it.List(G::kSoftware, "frameworks", "frameworks", g.frameworks);
  it.Str(G::kSoftware, "cuda_cc_or_target", "compute capability / target", g.cuda_cc_or_target);
  it.Bool(G::kSoftware, "bf16_support", "BF16 support", g.bf16_support);
  it.Bool(G::kSoftware, "fp8_support", "FP8 support", g.fp8_support);

  it.Str(G::kProvenance, "verification", "verification", g.verification);
  it.List(G::kProvenance, "unverified_fields", "unverified or derived", g.unverified_fields);
  it.List(G::kProvenance, "sources", "sources", g.sources);
  it.Str(G::kProvenance, "notes", "notes", g.notes);
  return it.items;
}

std::optional<double> Tflops16(const GpuSpec& g) {
  const double peak = g.Peak16FlopsPerS();
  return peak > 0 ? std::optional(peak / kTera) : std::nullopt;
}

std::optional<double> Tflops8(const GpuSpec& g) {
  return g.fp8_tensor_fp32acc_dense_tflops ? g.fp8_tensor_fp32acc_dense_tflops
                                           : g.fp8_tensor_fp16acc_dense_tflops;
}

std::string OrUnknown(const std::optional<double>& v, const std::string& unit) {
  return v ? Fig(*v) + unit : "unknown";
}

// The CSV of GPUs: the GpuJson keys, then one row of raw values per GPU.
std::vector<Row> CsvRows(const std::vector<const GpuSpec*>& gpus) {
  std::vector<Row> rows(1);
  for (const auto& it : ItemsOf(GpuSpec{})) rows[0].push_back(it.key);
  for (const GpuSpec* g : gpus) {
    Row r;
    for (const auto& it : ItemsOf(*g)) r.push_back(it.csv);
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace

Document GpuListDocument(const std::vector<const GpuSpec*>& gpus) {
  Document d;
  d.json = GpuListJson(gpus);
  std::vector<Row> rows = {{"id", "name", "vendor", "segment", "memory", "bandwidth",
                            "16-bit TFLOPS", "FP8 TFLOPS", "TDP", "street price", "cloud /GPU-hr",
                            "verification"}};
  for (const GpuSpec* g : gpus) {
    rows.push_back({g->id, g->name, g->vendor, g->segment, Fig(g->memory_gb) + " GiB",
                    OrUnknown(g->memory_bw_gbs, " GB/s"), OrUnknown(Tflops16(*g), ""),
                    g->fp8_support == false ? "none" : OrUnknown(Tflops8(*g), ""),
                    OrUnknown(g->tdp_w, " W"),
                    g->street_price_usd ? Money(*g->street_price_usd) : "unknown",
                    g->cloud_usd_per_gpu_hr ? Money(*g->cloud_usd_per_gpu_hr) : "unknown",
                    g->verification.empty() ? "unknown" : g->verification});
  }
  d.MarkdownTitle("GPUs").Aligned(
      rows, {false, false, false, false, true, true, true, true, true, true, true, false});
  d.Line(
      fmt::format("{} GPU{}. 16-bit = dense BF16 (else FP16 with FP32 accumulate), the "
                  "mixed-precision training peak. Street prices are dated estimates.",
                  gpus.size(), gpus.size() == 1 ? "" : "s"));
  d.csv = CsvRows(gpus);
  return d;
}

namespace {

// The rates estimates run the GPU at (estimate::SustainedGemmRate, the memory-bound
// bandwidth): what its datasheet peaks become in training.
json ModelledRatesJson(const GpuSpec& g, const estimate::ArchEfficiency& eff) {
  const estimate::SustainedGemm gemm = estimate::SustainedGemmRate(g, eff);
  auto or_null = [](double v) { return v > 0 ? json(v) : json(nullptr); };
  return {{"efficiency_row", eff.architecture},
          {"gemm_eta_max", eff.gemm_eta_max},
          {"gemm_pj_per_flop", or_null(eff.gemm_pj_per_flop)},
          {"sustained_16bit_tflops", or_null(gemm.flops_per_s / kTera)},
          {"unlimited_16bit_tflops", or_null(gemm.unlimited_flops_per_s / kTera)},
          {"power_limited", gemm.power_scale < 1},
          {"memory_bound_gbs", or_null(g.BandwidthBytesPerS() * eff.mem_eta / kGiga)}};
}

}  // namespace

Document GpuShowDocument(const GpuSpec& g, const std::vector<const catalog::Offer*>& offers,
                         const estimate::ArchEfficiency* eff) {
  Document d;
  d.json = GpuShowJson(g, offers, eff);
  d.Title(g.name + " (" + g.id + ")");
  const auto items = ItemsOf(g);
  for (size_t gi = 0; gi < std::size(kGroupTitles); ++gi) {
    const auto group = static_cast<Group>(gi);
    std::vector<Row> rows = {{"field", "value"}};
    for (const auto& it : items) {
      if (it.group != group) continue;
      // Lists and long text of the provenance group print below as bullets / paragraphs.
      if (it.key == "sources" || it.key == "unverified_fields" || it.key == "notes") continue;
      rows.push_back({it.label, it.text});
    }
    d.Heading(kGroupTitles[gi]).Aligned(rows, {false, false});
  }
  auto bullets = [&](const std::string& title, const std::vector<std::string>& v) {
    d.Heading(title);
    if (v.empty()) d.Paragraph("none", "  ");
    for (const auto& s : v) d.Bullet(s);
  };
  if (eff) {
    const json& m = d.json["modelled_rates"];
    auto tflops = [](const json& v) {
      return v.is_null() ? std::string("unknown") : fmt::format("{:.0f} TFLOP/s", v.get<double>());
    };
    std::vector<Row> rows = {{"rate", "value"}};
    rows.push_back({"efficiency row", m["efficiency_row"].get<std::string>()});
    rows.push_back({"large 16-bit GEMMs, sustained", tflops(m["sustained_16bit_tflops"])});
    if (m["power_limited"].get<bool>())
      rows.push_back({"limited by board power",
                      fmt::format("{:g} W / {:.2f} pJ per FLOP (eta_max x peak would be {})",
                                  g.tdp_w.value_or(0), eff->gemm_pj_per_flop,
                                  tflops(m["unlimited_16bit_tflops"]))});
    rows.push_back({"memory-bound kernels",
                    m["memory_bound_gbs"].is_null()
                        ? std::string("unknown")
                        : fmt::format("{:.0f} GB/s", m["memory_bound_gbs"].get<double>())});
    d.Heading("Modelled training rates (data/efficiency.yaml, data/calibration.yaml)")
        .Aligned(rows, {false, false});
  }
  bullets("Sources", g.sources);
  bullets("Unverified or derived", g.unverified_fields);
  if (!g.notes.empty()) d.Heading("Notes").Paragraph(g.notes, "  ");
  if (!offers.empty()) {
    std::vector<Row> rows = {{"offer", "provider", "kind", "GPUs", "interconnect", "on-demand",
                              "spot", "network", "as of", "verified"}};
    for (const auto* o : offers)
      rows.push_back({o->id, o->provider, o->kind, std::to_string(o->gpus_per_instance),
                      o->interconnect.empty() ? "unknown" : o->interconnect,
                      Money(o->usd_per_gpu_hr) + "/GPU-hr",
                      o->spot_usd_per_gpu_hr ? Money(*o->spot_usd_per_gpu_hr) : "unknown",
                      o->network_gbps ? fmt::format("{:g} Gbps", *o->network_gbps) : "unknown",
                      o->as_of, o->verified ? "yes" : "no"});
    d.Heading("Cloud offers (per GPU-hour)")
        .Aligned(rows, {false, false, false, true, false, true, true, true, false, false});
  }
  d.csv = CsvRows({&g});
  const json offers_row = {{"offers", d.json["offers"]}};  // CsvRows has the rest
  d.csv_json = json::array({offers_row});
  return d;
}

json GpuJson(const GpuSpec& g) {
  json j = json::object();
  for (const auto& it : ItemsOf(g)) j[it.key] = it.value;
  return j;
}

json GpuListJson(const std::vector<const GpuSpec*>& gpus) {
  json list = json::array();
  for (const GpuSpec* g : gpus) list.push_back(GpuJson(*g));
  return {{"schema_version", kJsonSchemaVersion}, {"gpus", std::move(list)}};
}

json OfferJson(const catalog::Offer& o) {
  auto opt = [](const std::optional<double>& v) { return v ? JsonNum(*v) : json(nullptr); };
  auto str = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
  return {{"id", o.id},
          {"provider", o.provider},
          {"kind", o.kind},
          {"gpu", o.gpu},
          {"gpus_per_instance", o.gpus_per_instance},
          {"interconnect", str(o.interconnect)},
          {"usd_per_gpu_hr", JsonNum(o.usd_per_gpu_hr)},
          {"spot_usd_per_gpu_hr", opt(o.spot_usd_per_gpu_hr)},
          {"network_gbps", opt(o.network_gbps)},
          {"as_of", str(o.as_of)},
          {"sources", o.sources},
          {"notes", str(o.notes)},
          {"verified", o.verified}};
}

json GpuShowJson(const GpuSpec& gpu, const std::vector<const catalog::Offer*>& offers,
                 const estimate::ArchEfficiency* eff) {
  json j = GpuJson(gpu);
  j["offers"] = json::array();
  for (const auto* o : offers) j["offers"].push_back(OfferJson(*o));
  if (eff) j["modelled_rates"] = ModelledRatesJson(gpu, *eff);
  return j;
}

}  // namespace gpuadv::report
