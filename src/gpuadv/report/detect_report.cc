#include "gpuadv/report/detect_report.h"

#include <fmt/format.h>

#include "gpuadv/report/json_report.h"

namespace gpuadv::report {
namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;  // memory is shown in GiB (binary)

std::string Gib(const std::optional<std::uint64_t>& b) {
  return b ? fmt::format("{:.1f} GiB", *b / kGiB) : "unknown";
}

std::string Pcie(const detect::DetectedGpu& g) {
  if (!g.pcie_gen && !g.pcie_width) return "unknown";
  return (g.pcie_gen ? fmt::format("gen{}", *g.pcie_gen) : std::string("gen?")) +
         (g.pcie_width ? fmt::format(" x{}", *g.pcie_width) : std::string());
}

std::string Catalog(const detect::GpuMatch& m) {
  if (m.id.empty()) return "(none)";
  return m.exact ? m.id : m.id + " (nearest)";
}

template <typename T>
nlohmann::json Opt(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

std::string OrUnknown(const std::string& s) { return s.empty() ? "unknown" : s; }

// A CSV cell: the value as fmt prints it, empty when unknown.
template <typename T>
std::string CsvCell(const std::optional<T>& v) {
  return v ? fmt::format("{}", *v) : std::string();
}

}  // namespace

Document DetectDocument(const DetectView& v) {
  Document d;
  d.json = DetectJson(v);
  d.csv = {{"index", "name", "vendor", "catalog_id", "exact_match", "memory_total_bytes",
            "memory_free_bytes", "power_limit_w", "pcie_gen", "pcie_width", "driver",
            "cuda_version", "mig_profile", "source"}};
  if (v.report.gpus.empty()) {
    d.Strong("No GPU detected.");
    for (const auto& t : v.report.tried) d.Bullet(t);
    d.Line("Estimates still work: name a GPU with --gpu (see `gpu-advisor gpus list`).");
    return d;
  }
  d.Line(fmt::format("{} GPU(s) found by {}", v.report.gpus.size(), v.report.source));
  std::vector<TableRow> rows{
      {"#", "name", "catalog", "memory", "free", "power limit", "PCIe", "driver", "CUDA"}};
  for (size_t i = 0; i < v.report.gpus.size(); ++i) {
    const auto& g = v.report.gpus[i];
    const auto& m = v.matches[i];
    rows.push_back({std::to_string(g.index), g.name, Catalog(m), Gib(g.memory_total_bytes),
                    Gib(g.memory_free_bytes),
                    g.power_limit_w ? fmt::format("{:g} W", *g.power_limit_w) : "unknown", Pcie(g),
                    OrUnknown(g.driver), OrUnknown(g.cuda_version)});
    d.csv.push_back({std::to_string(g.index), g.name, g.vendor, m.id, m.exact ? "true" : "false",
                     CsvCell(g.memory_total_bytes), CsvCell(g.memory_free_bytes),
                     CsvCell(g.power_limit_w), CsvCell(g.pcie_gen), CsvCell(g.pcie_width), g.driver,
                     g.cuda_version, g.mig_profile, g.source});
  }
  d.Table(rows, {1, 2, 6, 7, 8});
  bool heading = false;
  for (size_t i = 0; i < v.matches.size(); ++i)
    for (const auto& diff : v.matches[i].differences) {
      if (!heading) d.Heading("Differences from the catalog");
      heading = true;
      d.Bullet(fmt::format("GPU {}: {}", v.report.gpus[i].index, diff));
    }
  return d;
}

nlohmann::json DetectJson(const DetectView& v) {
  nlohmann::json gpus = nlohmann::json::array();
  for (size_t i = 0; i < v.report.gpus.size(); ++i) {
    const auto& g = v.report.gpus[i];
    const auto& m = v.matches[i];
    gpus.push_back({{"index", g.index},
                    {"name", g.name},
                    {"vendor", g.vendor},
                    {"catalog_id", m.id.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.id)},
                    {"exact_match", m.exact},
                    {"differences", m.differences},
                    {"memory_total_bytes", Opt(g.memory_total_bytes)},
                    {"memory_free_bytes", Opt(g.memory_free_bytes)},
                    {"power_limit_w", Opt(g.power_limit_w)},
                    {"pcie_gen", Opt(g.pcie_gen)},
                    {"pcie_width", Opt(g.pcie_width)},
                    {"driver", g.driver},
                    {"cuda_version", g.cuda_version},
                    {"mig_profile", g.mig_profile},
                    {"source", g.source}});
  }
  return {{"schema_version", kJsonSchemaVersion},
          {"source", v.report.source},
          {"gpus", std::move(gpus)},
          {"tried", v.report.tried}};
}

nlohmann::json ProbeJson(const ProbeView& v) {
  const detect::ProbeResult& p = v.probe;
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : v.rows)
    rows.push_back({{"what", r.what},
                    {"unit", r.unit},
                    {"measured", r.measured},
                    {"catalog_peak", Opt(r.peak)},
                    {"ratio", Opt(r.ratio)}});
  return {{"schema_version", kJsonSchemaVersion},
          {"device", p.device_name},
          {"driver", p.driver.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.driver)},
          {"gpu", v.match.id.empty() ? nlohmann::json(nullptr) : nlohmann::json(v.match.id)},
          {"exact_match", !v.match.id.empty() && v.match.exact},
          {"measured", rows},
          {"sm_clock_after_mhz", Opt(p.sm_clock_after_mhz)},
          {"sm_clock_max_mhz", Opt(p.sm_clock_max_mhz)},
          {"result_file", v.result_file}};
}

Document ProbeDocument(const ProbeView& v) {
  Document d;
  d.json = ProbeJson(v);
  const detect::ProbeResult& p = v.probe;
  d.csv = {{"device", "gpu", "what", "unit", "measured", "catalog_peak", "ratio",
            "sm_clock_after_mhz", "sm_clock_max_mhz"}};
  for (const auto& r : v.rows)
    d.csv.push_back({p.device_name, v.match.id, r.what, r.unit, fmt::format("{}", r.measured),
                     CsvCell(r.peak), CsvCell(r.ratio), CsvCell(p.sm_clock_after_mhz),
                     CsvCell(p.sm_clock_max_mhz)});
  if (v.match.id.empty()) {
    d.Line("Probed '" + p.device_name + "': no catalog entry to compare with.");
    return d;
  }
  d.Line(fmt::format("Probe of {} ({}{}), driver {}", p.device_name, v.match.id,
                     v.match.exact ? "" : ", nearest", OrUnknown(p.driver)));
  std::vector<TableRow> t{{"measured", "value", "catalog peak (" + v.match.id + ")", "ratio"}};
  for (const auto& r : v.rows)
    t.push_back({r.what, fmt::format("{:.1f} {}", r.measured, r.unit),
                 r.peak ? fmt::format("{:g} {}", *r.peak, r.unit) : "-",
                 r.ratio ? fmt::format("{:.0f}%", *r.ratio * 100) : "-"});
  d.Table(t);
  if (p.sm_clock_after_mhz && p.sm_clock_max_mhz) {
    if (*p.sm_clock_after_mhz < 0.9 * *p.sm_clock_max_mhz)
      d.Line(fmt::format("SM clock fell to {:g} MHz (max {:g}) under sustained GEMMs.",
                         *p.sm_clock_after_mhz, *p.sm_clock_max_mhz));
    else
      d.Line(fmt::format("SM clock {:g} MHz (max {:g}) after sustained GEMMs.",
                         *p.sm_clock_after_mhz, *p.sm_clock_max_mhz));
  }
  d.Line("Use it in estimates: gpu-advisor estimate --calibration " + v.result_file + " ...");
  return d;
}

}  // namespace gpuadv::report
