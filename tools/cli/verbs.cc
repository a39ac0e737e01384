#include "tools/cli/verbs.h"

#include <iostream>

#include "gpuadv/estimate/estimate.h"
#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/io/fields.h"
#include "gpuadv/io/scenario_loader.h"
#include "gpuadv/report/json_report.h"
#include "gpuadv/report/table_report.h"

namespace gpuadv::cli {
namespace {

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

}  // namespace

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

int RunGpus(const GlobalOptions&, const std::string&, const std::string&,
            const std::map<std::string, std::string>&) {
  std::cerr << "gpus: not implemented yet\n";
  return 1;
}

int RunModels(const GlobalOptions&, const std::string&, const std::string&) {
  std::cerr << "models: not implemented yet\n";
  return 1;
}

int RunValidate(const GlobalOptions&, const std::string&, bool) {
  std::cerr << "validate: not implemented yet\n";
  return 1;
}

}  // namespace gpuadv::cli
