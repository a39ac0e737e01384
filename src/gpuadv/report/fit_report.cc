#include "gpuadv/report/fit_report.h"

#include <fmt/format.h>

#include <cmath>

#include "gpuadv/report/format.h"
#include "gpuadv/report/json_report.h"
#include "gpuadv/report/text_table.h"

namespace gpuadv::report {
namespace {

using nlohmann::json;

json Num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }
json Opt(const std::optional<double>& v) { return v ? Num(*v) : json(nullptr); }
std::string FitWord(estimate::Fit f) { return std::string(EnumName(estimate::kFits, f)); }

std::string Join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string ChangesText(const advise::FitOption& o) {
  std::vector<std::string> parts;
  for (const auto& c : o.changes)
    parts.push_back(c.description + (c.changes_job ? " [changes the job]" : ""));
  return Join(parts, "; ");
}

// The spec rows of `compare`: label and a printer per GPU.
struct SpecRow {
  const char* label;
  std::string (*print)(const catalog::GpuSpec&);
};

std::string Price(const catalog::GpuSpec& g) {
  if (g.street_price_usd)
    return Usd(*g.street_price_usd) +
           (g.street_price_date.empty() ? "" : " (" + g.street_price_date + ")");
  return "unknown";
}

constexpr SpecRow kSpecRows[] = {
    {"vendor / segment", [](const catalog::GpuSpec& g) { return g.vendor + " " + g.segment; }},
    {"architecture", [](const catalog::GpuSpec& g) { return g.architecture; }},
    {"memory",
     [](const catalog::GpuSpec& g) {
       return fmt::format("{:g} GiB {}", g.memory_gb, g.memory_type);
     }},
    {"bandwidth", [](const catalog::GpuSpec& g) { return Optional(g.memory_bw_gbs, "GB/s"); }},
    {"cores (CUDA / SP)", [](const catalog::GpuSpec& g) { return Optional(g.shader_cores, ""); }},
    {"tensor/matrix cores",
     [](const catalog::GpuSpec& g) {
       return Optional(g.tensor_matrix_cores, "") +
              (g.tensor_core_gen.empty() ? "" : " (" + g.tensor_core_gen + ")");
     }},
    {"boost clock", [](const catalog::GpuSpec& g) { return Optional(g.boost_clock_mhz, "MHz"); }},
    {"FP32 (non-tensor)",
     [](const catalog::GpuSpec& g) { return Optional(g.fp32_tflops_nontensor, "TFLOP/s", 1); }},
    {"16-bit tensor (fp32 acc)",
     [](const catalog::GpuSpec& g) {
       return g.Peak16FlopsPerS() > 0 ? Number(g.Peak16FlopsPerS() / 1e12, 1) + " TFLOP/s"
                                      : std::string("unknown");
     }},
    {"BF16",
     [](const catalog::GpuSpec& g) {
       return std::string(g.bf16_support.value_or(false) ? "yes"
                          : g.bf16_support               ? "no"
                                                         : "unknown");
     }},
    {"FP8 tensor",
     [](const catalog::GpuSpec& g) {
       return Optional(g.fp8_tensor_fp32acc_dense_tflops, "TFLOP/s", 1);
     }},
    {"INT8 tensor",
     [](const catalog::GpuSpec& g) { return Optional(g.int8_tensor_dense_tops, "TOPS", 1); }},
    {"TDP", [](const catalog::GpuSpec& g) { return Optional(g.tdp_w, "W"); }},
    {"power connectors",
     [](const catalog::GpuSpec& g) {
       return g.power_connectors.empty() ? std::string("unknown") : g.power_connectors;
     }},
    {"PCIe",
     [](const catalog::GpuSpec& g) {
       return g.pcie_gen ? fmt::format("gen {} x{}", *g.pcie_gen, g.pcie_lanes.value_or(16))
                         : std::string("unknown");
     }},
    {"form factor", [](const catalog::GpuSpec& g) { return g.form_factor; }},
    {"GPU interconnect",
     [](const catalog::GpuSpec& g) {
       return g.gpu_interconnect.empty() ? std::string("none") : g.gpu_interconnect;
     }},
    {"software", [](const catalog::GpuSpec& g) { return Join(g.software); }},
    {"frameworks", [](const catalog::GpuSpec& g) { return Join(g.frameworks); }},
    {"launch MSRP",
     [](const catalog::GpuSpec& g) {
       return g.launch_msrp_usd ? Usd(*g.launch_msrp_usd) : std::string("none");
     }},
    {"street price", Price},
    {"cloud $/GPU-h",
     [](const catalog::GpuSpec& g) {
       return g.cloud_usd_per_gpu_hr ? Usd(*g.cloud_usd_per_gpu_hr) : std::string("unknown");
     }},
};

json SpecsJson(const catalog::GpuSpec& g) {
  return {{"vendor", g.vendor},
          {"segment", g.segment},
          {"architecture", g.architecture},
          {"memory_gb", g.memory_gb},
          {"memory_type", g.memory_type},
          {"memory_bw_gbs", Opt(g.memory_bw_gbs)},
          {"shader_cores", Opt(g.shader_cores)},
          {"tensor_matrix_cores", Opt(g.tensor_matrix_cores)},
          {"tensor_core_gen", g.tensor_core_gen},
          {"boost_clock_mhz", Opt(g.boost_clock_mhz)},
          {"fp32_tflops_nontensor", Opt(g.fp32_tflops_nontensor)},
          {"bf16_tensor_dense_tflops", Opt(g.bf16_tensor_dense_tflops)},
          {"fp16_tensor_fp32acc_dense_tflops", Opt(g.fp16_tensor_fp32acc_dense_tflops)},
          {"fp8_tensor_fp32acc_dense_tflops", Opt(g.fp8_tensor_fp32acc_dense_tflops)},
          {"int8_tensor_dense_tops", Opt(g.int8_tensor_dense_tops)},
          {"tdp_w", Opt(g.tdp_w)},
          {"power_connectors", g.power_connectors},
          {"pcie_gen", g.pcie_gen ? json(*g.pcie_gen) : json(nullptr)},
          {"pcie_lanes", g.pcie_lanes ? json(*g.pcie_lanes) : json(nullptr)},
          {"form_factor", g.form_factor},
          {"gpu_interconnect", g.gpu_interconnect},
          {"software", g.software},
          {"frameworks", g.frameworks},
          {"launch_msrp_usd", Opt(g.launch_msrp_usd)},
          {"street_price_usd", Opt(g.street_price_usd)},
          {"street_price_date", g.street_price_date},
          {"cloud_usd_per_gpu_hr", Opt(g.cloud_usd_per_gpu_hr)}};
}

}  // namespace

json FitJson(const advise::FitResult& r) {
  json options = json::array();
  for (const auto& o : r.options) {
    json changes = json::array();
    for (const auto& c : o.changes)
      changes.push_back({{"group", c.group},
                         {"change", c.description},
                         {"effect", c.effect},
                         {"changes_job", c.changes_job}});
    options.push_back({{"changes", changes},
                       {"per_gpu_bytes", Num(std::round(o.estimate.memory.per_gpu_bytes))},
                       {"fit", FitWord(o.estimate.memory.fit)},
                       {"time_s", Num(o.estimate.training.time_s)},
                       {"gpu_hours", Num(o.estimate.training.gpu_hours)},
                       {"gpus", o.estimate.gpus},
                       {"slowdown", Num(o.slowdown)},
                       {"estimate", EstimateJson(o.estimate)}});
  }
  return {{"schema_version", kJsonSchemaVersion},
          {"gpu", r.gpu_id},
          {"already_fits", r.already_fits},
          {"baseline", EstimateJson(r.baseline)},
          {"options", options},
          {"evaluated", r.evaluated}};
}

Document FitDocument(const advise::FitResult& r) {
  Document d;
  d.json = FitJson(r);
  const auto& m = r.baseline.memory;
  d.Title(fmt::format("Make it fit: {} x {} ({:g} GiB)", r.baseline.gpus, r.baseline.gpu_name,
                      m.capacity_bytes / (1024.0 * 1024 * 1024)));
  d.Line(fmt::format("  as given: {} of {} per GPU: {}; {} ({} GPU-hours)", Bytes(m.per_gpu_bytes),
                     Bytes(m.capacity_bytes), FitWord(m.fit), Duration(r.baseline.training.time_s),
                     Number(r.baseline.training.gpu_hours, 1)));
  if (r.already_fits) d.Line("  it already fits; the options below add headroom");
  d.csv = {{"rank", "changes", "per_gpu_bytes", "fit", "time_s", "gpu_hours", "slowdown",
            "changes_job"}};
  d.csv_json = d.json["options"];
  if (r.options.empty()) {
    d.Line(
        "  no combination of up to 3 knobs makes it fit (try more GPUs, or --allow-shorter-seq)");
    return d;
  }
  std::vector<TableRow> rows = {
      {"#", "changes", "per GPU", "fit", "time", "GPU-hours", "vs as given"}};
  int i = 0;
  for (const auto& o : r.options) {
    ++i;
    rows.push_back({std::to_string(i), ChangesText(o), Bytes(o.estimate.memory.per_gpu_bytes),
                    FitWord(o.estimate.memory.fit), Duration(o.estimate.training.time_s),
                    Number(o.estimate.training.gpu_hours, 1),
                    (o.slowdown >= 0 ? "+" : "") + Percent(o.slowdown)});
    bool job = false;
    for (const auto& c : o.changes) job |= c.changes_job;
    d.csv.push_back(
        {std::to_string(i), ChangesText(o), fmt::format("{:.0f}", o.estimate.memory.per_gpu_bytes),
         FitWord(o.estimate.memory.fit), fmt::format("{:.6g}", o.estimate.training.time_s),
         fmt::format("{:.6g}", o.estimate.training.gpu_hours), fmt::format("{:.4f}", o.slowdown),
         job ? "true" : "false"});
  }
  d.Heading("Changes that make it fit, cheapest in GPU-hours first").Table(rows, {1, 3});
  d.Heading("What each change trades");
  std::vector<std::string> seen;
  for (const auto& o : r.options)
    for (const auto& c : o.changes)
      if (std::find(seen.begin(), seen.end(), c.description) == seen.end()) {
        seen.push_back(c.description);
        d.Bullet(c.description + ": " + c.effect);
      }
  return d;
}

json CompareJson(const advise::CompareResult& r) {
  json gpus = json::array();
  for (const auto& e : r.entries)
    gpus.push_back({{"id", e.gpu->id},
                    {"count", e.count},
                    {"label", e.label},
                    {"name", e.gpu->name},
                    {"specs", SpecsJson(*e.gpu)},
                    {"estimate", EstimateJson(e.estimate)},
                    {"verdict", e.verdict},
                    {"reasons", e.reasons}});
  return {{"schema_version", kJsonSchemaVersion}, {"gpus", gpus}, {"summary", r.summary}};
}

namespace {

// The estimate of the scenario on each compared GPU, one row per figure.
std::vector<TableRow> CompareEstimateRows(const advise::CompareResult& r) {
  std::vector<TableRow> est = {{"this scenario"}};
  for (const auto& e : r.entries) est[0].push_back(e.label);
  auto add = [&](const char* label, auto f) {
    TableRow t = {label};
    for (const auto& e : r.entries) t.push_back(f(e.estimate));
    est.push_back(t);
  };
  using R = const estimate::EstimateResult&;
  add("memory per GPU", [](R x) { return Bytes(x.memory.per_gpu_bytes); });
  add("  range",
      [](R x) { return Bytes(x.memory.low_bytes) + " to " + Bytes(x.memory.high_bytes); });
  add("  weights", [](R x) { return Bytes(x.memory.breakdown.weights); });
  add("  gradients", [](R x) { return Bytes(x.memory.breakdown.gradients); });
  add("  optimizer", [](R x) { return Bytes(x.memory.breakdown.optimizer); });
  add("    of which EMA copy", [](R x) { return Bytes(x.memory.ema_bytes); });
  add("  activations", [](R x) { return Bytes(x.memory.breakdown.activations); });
  add("  logits", [](R x) { return Bytes(x.memory.breakdown.logits); });
  add("  = peak allocated", [](R x) { return Bytes(x.memory.peak_allocated_bytes); });
  add("  fragmentation", [](R x) { return Bytes(x.memory.breakdown.fragmentation); });
  add("  = peak reserved", [](R x) { return Bytes(x.memory.peak_reserved_bytes); });
  add("  runtime (context, NCCL)", [](R x) { return Bytes(x.memory.breakdown.runtime); });
  add("paged optimizer state", [](R x) { return Bytes(x.memory.paged_state_bytes); });
  add("host RAM needed", [](R x) { return Bytes(x.memory.host_ram_bytes); });
  add("parameters total / trainable", [](R x) {
    return Number(x.memory.total_params) + " / " + Number(x.memory.trainable_params);
  });
  add("ZeRO stage / shard group",
      [](R x) { return fmt::format("{} / {}", x.parallelism.zero, x.parallelism.shard_group); });
  add("fit", [](R x) { return FitWord(x.memory.fit); });
  add("tokens/s",
      [](const estimate::EstimateResult& x) { return Number(x.throughput.tokens_per_s); });
  add("  per GPU (range)", [](R x) {
    return Number(x.throughput.low_tokens_per_s_per_gpu) + " to " +
           Number(x.throughput.high_tokens_per_s_per_gpu);
  });
  add("step time", [](R x) { return Duration(x.throughput.step_time_s); });
  add("  compute", [](R x) { return Duration(x.throughput.breakdown_s.compute); });
  add("  memory-bound", [](R x) { return Duration(x.throughput.breakdown_s.memory); });
  add("  communication (exposed)",
      [](R x) { return Duration(x.throughput.breakdown_s.communication); });
  add("  pipeline bubble", [](R x) { return Duration(x.throughput.breakdown_s.bubble); });
  add("  offload (exposed)", [](R x) { return Duration(x.throughput.breakdown_s.offload); });
  add("FLOP per token (model / hardware)", [](R x) {
    return fmt::format("{:.3g} / {:.3g}", x.throughput.model_flops_per_token,
                       x.throughput.hardware_flops_per_token);
  });
  add("MFU", [](R x) { return Percent(x.throughput.mfu); });
  add("bottleneck", [](const estimate::EstimateResult& x) {
    return std::string(EnumName(estimate::kBottlenecks, x.throughput.bottleneck));
  });
  add("training time",
      [](const estimate::EstimateResult& x) { return Duration(x.training.time_s); });
  add("energy",
      [](const estimate::EstimateResult& x) { return Number(x.training.energy_kwh, 1) + " kWh"; });
  add("electricity", [](R x) { return Usd(x.cost.electricity_usd); });
  add("rent (cheapest offer)", [](const estimate::EstimateResult& x) {
    return x.cost.rent_price_known ? Usd(x.cost.rent_usd) : std::string("no offer");
  });
  return est;
}

}  // namespace

Document CompareDocument(const advise::CompareResult& r) {
  Document d;
  d.json = CompareJson(r);
  d.Title("Compare");
  TableRow head = {"spec"};
  for (const auto& e : r.entries) head.push_back(e.label);
  std::vector<TableRow> specs = {head};
  for (const auto& row : kSpecRows) {
    TableRow t = {row.label};
    for (const auto& e : r.entries) t.push_back(row.print(*e.gpu));
    specs.push_back(t);
  }
  d.Heading("Specifications").Table(specs);
  d.Heading("Estimate").Table(CompareEstimateRows(r));
  d.Heading("Verdict");
  for (const auto& e : r.entries)
    d.Bullet(e.label + " " + e.verdict + ": " + Join(e.reasons, "; "));
  d.Bullet(r.summary);
  d.csv = {{"gpu", "count", "memory_gb", "per_gpu_bytes", "fit", "tokens_per_s", "time_s",
            "bottleneck", "street_price_usd", "verdict"}};
  for (const auto& e : r.entries)
    d.csv.push_back(
        {e.gpu->id, std::to_string(e.count), fmt::format("{:g}", e.gpu->memory_gb),
         fmt::format("{:.0f}", e.estimate.memory.per_gpu_bytes), FitWord(e.estimate.memory.fit),
         fmt::format("{:.6g}", e.estimate.throughput.tokens_per_s),
         fmt::format("{:.6g}", e.estimate.training.time_s),
         std::string(EnumName(estimate::kBottlenecks, e.estimate.throughput.bottleneck)),
         e.gpu->street_price_usd ? fmt::format("{:.0f}", *e.gpu->street_price_usd) : "",
         e.verdict});
  d.csv_json = d.json["gpus"];
  return d;
}

}  // namespace gpuadv::report
