#include "tools/cli/verbs.h"

#include <iostream>

#include "gpuadv/estimate/estimate.h"
#include "gpuadv/catalog/gpu_checks.h"
#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/io/fields.h"
#include "gpuadv/io/scenario_loader.h"
#include "gpuadv/report/gpu_report.h"
#include "gpuadv/report/json_report.h"
#include "gpuadv/report/model_report.h"
#include "gpuadv/report/table_report.h"
#include "gpuadv/validate/validate.h"
#include "gpuadv/validate/validate_report.h"

namespace gpuadv::cli {

workload::Scenario BuildScenario(const ScenarioInput& in, const catalog::Catalog& cat) {
  YAML::Node doc;
  std::string origin = "data/scenarios/default.yaml";
  std::string dir = ".";
  if (in.file.empty()) {
    doc = io::DefaultScenarioDocument();
  } else {
    origin = in.file;
    doc = io::ParseDocument(io::ReadFileBounded(in.file, "scenario"), in.file);
    auto slash = in.file.find_last_of('/');
    if (slash != std::string::npos) dir = in.file.substr(0, slash);
  }
  for (const auto& [k, v] : in.overrides) io::ApplyOverride(doc, k, v);
  return io::ParseScenario(doc, cat, origin, dir);
}

catalog::Catalog LoadCatalog(const GlobalOptions& g) {
  catalog::Catalog cat = io::BuiltinCatalog();
  for (const auto& f : g.catalog_files) io::LoadCatalogFile(cat, f);
  return cat;
}

int RunEstimate(const GlobalOptions& g, const ScenarioInput& in) {
  const catalog::Catalog cat = LoadCatalog(g);
  const workload::Scenario s = BuildScenario(in, cat);
  estimate::Context ctx{&io::BuiltinEfficiency(), &cat};
  Explanation explain;
  const auto r = estimate::Estimate(s, ctx, &explain);
  if (!g.explain) {
    // Warnings always print; the basis only with --explain.
  }
  auto out = r;
  if (!g.explain) out.basis.clear();
  switch (g.format) {
    case report::Format::kJson:
      std::cout << report::EstimateJson(out).dump(2) << "\n";
      break;
    case report::Format::kCsv:
      std::cout << report::EstimateCsvHeader() << report::EstimateCsvRow(out);
      break;
    case report::Format::kMarkdown:
      std::cout << report::EstimateText(out, true);
      break;
    case report::Format::kTable:
      std::cout << report::EstimateText(out, false);
      break;
  }
  return 0;
}

int RunGpus(const GlobalOptions& g, const std::string& action, const std::string& id,
            const std::map<std::string, std::string>& filters) {
  const catalog::Catalog cat = LoadCatalog(g);
  if (action == "show") {
    if (id.empty()) throw InputError("gpus show", "(none)", "a GPU id, e.g. h100-sxm", "missing id");
    const auto& gpu = cat.Gpu(id, "gpus show");
    switch (g.format) {
      case report::Format::kJson:
        std::cout << report::GpuJson(gpu).dump(2) << "\n";
        break;
      case report::Format::kCsv:
        std::cout << report::GpuCsv({&gpu});
        break;
      default:
        std::cout << report::GpuShowText(gpu, g.format == report::Format::kMarkdown,
                                         cat.OffersFor(gpu.id));
    }
    return 0;
  }
  auto get = [&](const char* k) {
    auto it = filters.find(k);
    return it == filters.end() ? std::string() : it->second;
  };
  const std::string vendor = get("vendor"), segment = get("segment"), min_mem = get("min_memory_gb");
  if (!vendor.empty() && vendor != "nvidia" && vendor != "amd" && vendor != "intel")
    throw InputError("--vendor", vendor, "nvidia | amd | intel");
  if (!segment.empty() && segment != "consumer" && segment != "workstation" &&
      segment != "datacenter")
    throw InputError("--segment", segment, "consumer | workstation | datacenter");
  double min_gb = 0;
  if (!min_mem.empty()) {
    size_t pos = 0;
    try {
      min_gb = std::stod(min_mem, &pos);
    } catch (...) {
      pos = 0;
    }
    if (pos != min_mem.size() || !(min_gb >= 0 && min_gb <= 1e5))
      throw InputError("--min-memory", min_mem, "a number of GB from 0 to 100000");
  }
  const auto list = catalog::FilterGpus(cat, vendor, segment, min_gb);
  switch (g.format) {
    case report::Format::kJson:
      std::cout << report::GpuListJson(list).dump(2) << "\n";
      break;
    case report::Format::kCsv:
      std::cout << report::GpuCsv(list);
      break;
    default:
      std::cout << report::GpuListText(list, g.format == report::Format::kMarkdown);
  }
  return 0;
}

int RunModels(const GlobalOptions& g, const std::string& action, const std::string& id) {
  const catalog::Catalog cat = LoadCatalog(g);
  const bool md = g.format == report::Format::kMarkdown;
  if (action == "show") {
    if (id.empty())
      throw InputError("models show", "(none)", "a model id, e.g. llama-3.1-8b", "missing id");
    const auto& m = cat.Model(id, "models show");
    switch (g.format) {
      case report::Format::kJson:
        std::cout << report::ModelJson(m).dump(2) << "\n";
        break;
      case report::Format::kCsv:
        std::cout << report::ModelCsvHeader() << report::ModelCsvRow(m);
        break;
      default:
        std::cout << report::ModelShowText(m, md);
    }
    return 0;
  }
  std::vector<const catalog::ModelArch*> list;
  for (const auto& m : cat.models) list.push_back(&m);
  switch (g.format) {
    case report::Format::kJson:
      std::cout << report::ModelListJson(list).dump(2) << "\n";
      break;
    case report::Format::kCsv:
      std::cout << report::ModelListCsv(list);
      break;
    default:
      std::cout << report::ModelListText(list, md);
  }
  return 0;
}

int RunValidate(const GlobalOptions& g, const std::string& cases_file, bool core_only) {
  std::string text;
  std::string origin = "validation/cases.jsonl";
  if (cases_file.empty()) {
    text = validate::EmbeddedCases();
    if (text.empty()) throw std::runtime_error("validation/cases.jsonl is not embedded");
  } else {
    text = io::ReadFileBounded(cases_file, "--cases");  // bounded: 16 MiB
    origin = cases_file;
  }
  const catalog::Catalog cat = LoadCatalog(g);
  const auto rep = validate::RunValidation(text, cat, io::BuiltinEfficiency(), core_only, origin);
  if (rep.cases.empty() && !core_only)
    throw InputError("--cases", origin, "a JSON Lines file with one case per line", "no cases in");
  switch (g.format) {
    case report::Format::kJson:
      std::cout << validate::ValidationJson(rep).dump(2) << "\n";
      break;
    case report::Format::kCsv:
      std::cout << validate::ValidationCsv(rep);
      break;
    case report::Format::kMarkdown:
      std::cout << validate::ValidationText(rep, true);
      break;
    case report::Format::kTable:
      std::cout << validate::ValidationText(rep, false);
      break;
  }
  return 0;
}

}  // namespace gpuadv::cli
