// The advisor verbs: recommend (C6/C5/C7/C14), fit (C8) and compare. Parse, call the
// library, print (STYLE.md principle 1).
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>

#include "gpuadv/advise/compare.h"
#include "gpuadv/advise/fit.h"
#include "gpuadv/advise/guidance.h"
#include "gpuadv/advise/recommend.h"
#include "gpuadv/api/requests.h"
#include "gpuadv/core/error.h"
#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/io/cpu_loader.h"
#include "gpuadv/io/scenario_loader.h"
#include "gpuadv/io/stack_loader.h"
#include "gpuadv/report/fit_report.h"
#include "gpuadv/report/json_report.h"
#include "gpuadv/report/recommend_report.h"
#include "tools/cli/verbs.h"

namespace gpuadv::cli {
int RunRecommend(const GlobalOptions& g, const ScenarioInput& in, const RecommendOptions& opt) {
  // The request function POST /api/recommend calls too (src/gpuadv/api).
  const api::RecommendOptions ro{opt.top, opt.min_vram_gb, opt.months, opt.hours_per_month};
  const api::Environment env = LoadEnvironment(g);  // the picks point into its catalog
  const api::RecommendOutput out = api::Recommend(ToRequest(in), env, ro, "--");
  std::optional<api::LocalRecommendation> local;  // --local: the user's own GPUs beside the picks
  if (in.local) local = RecommendLocal(in, env, ro, out.result);
  const workload::Scenario& s = out.scenario;
  const advise::RecommendResult& r = out.result;
  const advise::Guidance* gp = out.guidance ? &*out.guidance : nullptr;
  if (!opt.plot_file.empty()) {
    std::ofstream f(opt.plot_file);
    if (!f) throw InputError("--plot", opt.plot_file, "a writable file path", "cannot write");
    f << report::ParetoSvg(r, "Training time vs total cost: " + s.model.id);
    if (!f) throw InputError("--plot", opt.plot_file, "a writable file path", "cannot write");
  }
  report::Document d = report::RecommendDocument(r, gp);  // JSON: api::RecommendJson(out)
  if (!env.notes.empty()) d.json["catalog_notes"] = env.notes;
  if (local) {  // "Can my machine do this?" first, then the ranking it is placed in
    const report::Document mine = api::LocalRecommendationDocument(*local);
    d.json["local"] = mine.json;
    d.blocks.insert(d.blocks.begin(), mine.blocks.begin(), mine.blocks.end());
  }
  Print(g.format, d);
  if (!opt.plot_file.empty() && g.format != report::Format::kJson &&
      g.format != report::Format::kCsv)
    std::cout << "\nplot written to " << opt.plot_file << "\n";
  return 0;
}

int RunFit(const GlobalOptions& g, const ScenarioInput& in, const FitOptions& opt) {
  // The request function POST /api/fit calls too (src/gpuadv/api).
  api::Environment env = LoadEnvironment(g);
  estimate::EfficiencyTable calibrated;  // --calibration: outlives env's pointer to it
  const api::LocalHardware local = ApplyLocalHardware(in, &env, &calibrated);
  const advise::FitResult r = api::Fit(local.request, env, api::FitOptions{opt.allow_shorter_seq});
  Print(g.format, report::FitDocument(r));
  return 0;
}

int RunCompare(const GlobalOptions& g, const std::vector<std::string>& gpu_ids,
               const ScenarioInput& in) {
  // The request function POST /api/compare calls too (src/gpuadv/api).
  const api::Environment env = LoadEnvironment(g);
  const advise::CompareResult r = api::Compare(ToRequest(in), env, gpu_ids, "compare");
  Print(g.format, report::CompareDocument(r));
  return 0;
}

}  // namespace gpuadv::cli
