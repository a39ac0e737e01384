// `plan` (C9) and `export` (C10): parse, call the library, print.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "gpuadv/api/export_request.h"
#include "gpuadv/api/requests.h"
#include "gpuadv/core/error.h"
#include "gpuadv/export/launch.h"
#include "gpuadv/plan/planner.h"
#include "gpuadv/report/json_report.h"
#include "gpuadv/report/plan_report.h"
#include "tools/cli/verbs.h"

namespace gpuadv::cli {
int RunPlan(const GlobalOptions& g, const ScenarioInput& in, const PlanCliOptions& opt) {
  // The request function POST /api/plan calls too (src/gpuadv/api).
  const api::PlanRequestOptions o{opt.gpus,    opt.top,  opt.strategy,
                                  opt.threads, opt.safe, opt.prefer_tight};
  const api::Environment env = LoadEnvironment(g);
  Print(g.format, report::PlanDocument(api::Plan(ToRequest(in), env, o, "--")));
  return 0;
}

namespace {

// Writes each file of `c`: the main one to `path`, the others beside it under their names.
void WriteFiles(const launch::LaunchConfig& c, const std::filesystem::path& path) {
  for (const auto& f : c.files) {
    const std::filesystem::path to = &f == &c.Main() ? path : path.parent_path() / f.name;
    std::ofstream out(to, std::ios::binary);
    if (!out) throw InputError("--out", to.string(), "a writable file path", "cannot write");
    out << f.text;
    if (!out.flush()) throw std::runtime_error("writing " + to.string() + " failed");
    std::cout << "wrote " << to.string() << "\n";
  }
}

}  // namespace

int RunExport(const GlobalOptions& g, const ScenarioInput& in, const ExportCliOptions& opt) {
  // The request function POST /api/export calls too (src/gpuadv/api).
  const api::ExportOptions o{opt.engine, opt.gpus, opt.force};
  const api::ExportOutput out = api::Export(ToRequest(in), LoadEnvironment(g), o, "--");
  const launch::LaunchConfig& c = out.config;
  if (g.format == report::Format::kJson && opt.out_file.empty()) {
    std::cout << report::JsonText(api::ExportJson(out)) << "\n";
    return 0;
  }
  std::ostream& notes = opt.out_file.empty() ? std::cerr : std::cout;
  if (!opt.out_file.empty()) {
    WriteFiles(c, opt.out_file);
  } else {
    for (const auto& f : c.files)
      std::cout << (c.files.size() > 1 ? "# ---- " + f.name + " ----\n" : "") << f.text;
  }
  notes << "plan (" << out.layout_source << "): " << out.plan_label << "\n";
  notes << "launch: " << c.launch << "\n";
  for (const auto& n : c.notes) notes << "note: " << n << "\n";
  return 0;
}

}  // namespace gpuadv::cli
