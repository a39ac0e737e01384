#include "tools/cli/verbs.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <utility>

#include "gpuadv/api/catalog_requests.h"
#include "gpuadv/api/requests.h"
#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/io/efficiency_loader.h"
#include "gpuadv/io/fields.h"
#include "gpuadv/report/gpu_report.h"
#include "gpuadv/report/json_report.h"
#include "gpuadv/report/model_report.h"
#include "gpuadv/report/table_report.h"
#include "gpuadv/validate/calibrate.h"
#include "gpuadv/validate/validate.h"
#include "gpuadv/validate/validate_report.h"

namespace gpuadv::cli {

api::ScenarioRequest ToRequest(const ScenarioInput& in) {
  api::ScenarioRequest req = api::ScenarioFromFile(in.file);
  req.overrides = in.overrides;
  const bool job_flags = std::any_of(in.overrides.begin(), in.overrides.end(), [](const auto& kv) {
    return kv.first.starts_with("training.") || kv.first.starts_with("parallelism.");
  });
  static bool noted = false;  // once per process: a verb may build its request twice
  if (req.source == api::ScenarioRequest::Source::kDefault && !req.NamesModel() && job_flags &&
      !std::exchange(noted, true))
    std::cerr << "note: no --model: the flags modify the example job (data/scenarios/"
                 "default.yaml: llama-3.1-8b QLoRA); give --model for a job of your own\n";
  return req;
}

api::Environment LoadEnvironment(const GlobalOptions& g) {
  api::Environment env = api::MakeEnvironment(g.catalog_files, true, g.prices_date);
  for (const auto& n : env.notes) std::cerr << "note: " << n << "\n";
  return env;
}

workload::Scenario BuildScenario(const ScenarioInput& in, const catalog::Catalog& cat) {
  return api::BuildScenario(ToRequest(in), cat, /*allow_model_files=*/true);
}

catalog::Catalog LoadCatalog(const GlobalOptions& g) { return LoadEnvironment(g).catalog; }

int RunEstimate(const GlobalOptions& g, const ScenarioInput& scenario_in) {
  api::Environment env = LoadEnvironment(g);
  estimate::EfficiencyTable calibrated;  // --calibration: outlives env's pointer to it
  const api::LocalHardware local = ApplyLocalHardware(scenario_in, &env, &calibrated);
  const api::EstimateOptions opt{g.explain};
  // api::Estimate is what POST /api/estimate calls too (src/gpuadv/api).
  report::Document d = report::EstimateDocument(api::Estimate(local.request, env, opt));
  for (const auto& w : local.warnings) d.json["warnings"].push_back(w);
  Print(g.format, d);
  return 0;
}

int RunGpus(const GlobalOptions& g, const std::string& action, const std::string& id,
            const std::map<std::string, std::string>& filters) {
  const api::Environment env = LoadEnvironment(g);
  if (action == "show") {
    if (id.empty())
      throw InputError("gpus show", "(none)", "a GPU id, e.g. h100-sxm", "missing id");
    const catalog::GpuSpec& gpu = api::ShowGpu(env, id, "gpus show");
    Print(g.format, report::GpuShowDocument(gpu, env.catalog.OffersFor(gpu.id),
                                            &env.efficiency->For(gpu.architecture)));
    return 0;
  }
  auto get = [&](const char* k) {
    auto it = filters.find(k);
    return it == filters.end() ? std::string() : it->second;
  };
  const api::GpuQuery q{get("vendor"), get("segment"), get("min_memory_gb")};
  Print(g.format, report::GpuListDocument(api::ListGpus(env, q, "--")));
  return 0;
}

int RunModels(const GlobalOptions& g, const std::string& action, const std::string& id) {
  const api::Environment env = LoadEnvironment(g);
  if (action == "show") {
    if (id.empty())
      throw InputError("models show", "(none)", "a model id, e.g. llama-3.1-8b", "missing id");
    Print(g.format, report::ModelShowDocument(api::ShowModel(env, id, "models show")));
    return 0;
  }
  Print(g.format, report::ModelListDocument(api::ListModels(env)));
  return 0;
}

namespace {

// The cases text of --cases FILE, else the embedded cases; `origin` names it in errors.
std::string CasesText(const std::string& cases_file, std::string* origin) {
  if (cases_file.empty()) {
    *origin = "validation/cases.jsonl";
    const std::string& text = validate::EmbeddedCases();
    if (text.empty()) throw std::runtime_error("validation/cases.jsonl is not embedded");
    return text;
  }
  *origin = cases_file;
  return io::ReadFileBounded(cases_file, "--cases");  // bounded: 16 MiB
}

}  // namespace

int RunValidate(const GlobalOptions& g, const ValidateCliOptions& opt) {
  validate::ValidateOptions vo;
  const std::string text = CasesText(opt.cases_file, &vo.origin);
  vo.core_only = opt.core_only;
  if (!opt.cv.empty()) {
    if (opt.cv != "source") throw InputError("--cv", opt.cv, "source (leave one source group out)");
    vo.cv_priors = &io::PriorEfficiency();
  }
  const catalog::Catalog cat = LoadCatalog(g);
  const auto rep = validate::RunValidation(text, cat, io::BuiltinEfficiency(), vo);
  if (rep.cases.empty() && !opt.core_only)
    throw InputError("--cases", vo.origin, "a JSON Lines file with one case per line",
                     "no cases in");
  Print(g.format, validate::ValidationDocument(rep));
  return 0;
}

int RunCalibrate(const GlobalOptions& g, const std::string& cases_file,
                 const std::string& out_file) {
  std::string origin;
  const std::string text = CasesText(cases_file, &origin);
  const catalog::Catalog cat = LoadCatalog(g);
  const auto cases = validate::PrepareCases(text, cat, /*core_only=*/false, origin);
  if (cases.empty())
    throw InputError("--cases", origin, "a JSON Lines file with one case per line", "no cases in");
  const std::string yaml = validate::CalibrationYaml(
      validate::Calibrate(cases, io::PriorEfficiency(), {.scan_prior_weight = true}));
  if (out_file.empty()) {
    std::cout << yaml;
    return 0;
  }
  std::ofstream f(out_file, std::ios::binary);
  if (!(f << yaml)) throw InputError("--out", out_file, "a writable file path", "cannot write");
  return 0;
}

}  // namespace gpuadv::cli
