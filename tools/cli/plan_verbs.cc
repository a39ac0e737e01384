// `plan` (C9) and `export` (C10): parse, call the library, print.
#include <fstream>
#include <iostream>

#include "gpuadv/api/requests.h"
#include "gpuadv/core/error.h"
#include "gpuadv/export/launch.h"
#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/io/stack_loader.h"
#include "gpuadv/plan/planner.h"
#include "gpuadv/report/json_report.h"
#include "gpuadv/report/plan_report.h"
#include "tools/cli/verbs.h"

namespace gpuadv::cli {
namespace {

template <typename E, size_t N>
E ParseOrThrow(const EnumEntry<E> (&table)[N], const std::string& field, const std::string& v) {
  if (auto e = ParseEnum(table, v)) return *e;
  std::vector<std::string> names;
  for (const auto& t : table) names.emplace_back(t.name);
  const std::string hint = DidYouMean(v, names);
  throw InputError(field, v, AcceptedNames(table) + (hint.empty() ? "" : "; " + hint),
                   "unknown value");
}

}  // namespace

int RunPlan(const GlobalOptions& g, const ScenarioInput& in, const PlanCliOptions& opt) {
  // The request function POST /api/plan calls too (src/gpuadv/api).
  const api::PlanRequestOptions o{opt.gpus,    opt.top,  opt.strategy,
                                  opt.threads, opt.safe, opt.prefer_tight};
  const api::Environment env = LoadEnvironment(g);
  const plan::PlanReport r = api::Plan(ToRequest(in), env, o, "--");
  switch (g.format) {
    case report::Format::kJson:
      std::cout << report::JsonText(report::PlanJson(r)) << "\n";
      break;
    case report::Format::kCsv:
      std::cout << report::PlanCsv(r);
      break;
    case report::Format::kMarkdown:
      std::cout << report::PlanText(r, true);
      break;
    case report::Format::kTable:
      std::cout << report::PlanText(r, false);
      break;
  }
  return 0;
}

int RunExport(const GlobalOptions& g, const ScenarioInput& in, const ExportCliOptions& opt) {
  if (opt.engine.empty())
    throw InputError("--engine", "(none)", AcceptedNames(launch::kEngines), "missing");
  const launch::Engine engine = ParseOrThrow(launch::kEngines, "--engine", opt.engine);
  const catalog::Catalog cat = LoadCatalog(g);
  const workload::Scenario s = BuildScenario(in, cat);

  // A scenario that states its layout is exported as given; otherwise (or with --gpus)
  // the planner picks the fastest plan the engine can launch.
  workload::Scenario planned = s;
  std::string plan_label = "as given in the scenario";
  if (opt.gpus || !s.parallelism.specified) {
    const int gpus = opt.gpus.value_or(s.hardware.TotalGpus());
    const estimate::Context ctx{&io::BuiltinEfficiency(), &cat};
    const plan::PlanReport r = launch::PlanFor(engine, s, gpus, ctx, io::RestackDefault);
    planned = plan::PlannedScenario(s, gpus, r.plans.front(), r.global_batch);
    plan_label = plan::Label(r.plans.front().candidate);
  }
  const launch::LaunchConfig c = launch::Export(engine, planned);

  if (g.format == report::Format::kJson) {
    const nlohmann::json j = {{"schema_version", report::kJsonSchemaVersion},
                              {"engine", opt.engine},
                              {"plan", plan_label},
                              {"file_name", c.file_name},
                              {"text", c.text},
                              {"keys", c.keys},
                              {"notes", c.notes}};
    if (opt.out_file.empty()) {
      std::cout << report::JsonText(j) << "\n";
      return 0;
    }
  }
  if (!opt.out_file.empty()) {
    std::ofstream f(opt.out_file, std::ios::binary);
    if (!f) throw InputError("--out", opt.out_file, "a writable file path", "cannot write");
    f << c.text;
    if (!f.flush()) throw std::runtime_error("writing " + opt.out_file + " failed");
    std::cout << "wrote " << opt.out_file << " (" << opt.engine << ", plan: " << plan_label
              << ")\n";
    for (const auto& n : c.notes) std::cout << "note: " << n << "\n";
    return 0;
  }
  std::cout << c.text;
  for (const auto& n : c.notes) std::cerr << "note: " << n << "\n";
  return 0;
}

}  // namespace gpuadv::cli
