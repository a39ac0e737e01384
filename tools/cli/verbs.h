#pragma once
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gpuadv/api/environment.h"
#include "gpuadv/api/local_hardware.h"
#include "gpuadv/api/owned.h"
#include "gpuadv/api/requests.h"
#include "gpuadv/api/scenario_request.h"
#include "gpuadv/catalog/catalog.h"
#include "gpuadv/report/document.h"
#include "gpuadv/report/format.h"
#include "gpuadv/report/json_report.h"
#include "gpuadv/workload/scenario.h"

namespace gpuadv::cli {

/// Prints a verb's result document in the chosen format (report::Render).
inline void Print(report::Format f, const report::Document& d) {
  std::cout << report::Render(d, f);
}

/// The command line (tools/cli/main.cc): parses argv, runs the verb, prints; returns the
/// exit code (0 ok, 1 runtime failure, 2 bad input).
int Main(int argc, const char* const* argv);

/// Options shared by every verb.
struct GlobalOptions {
  report::Format format = report::Format::kTable;
  std::vector<std::string> catalog_files;  // --catalog FILE (repeatable)
  std::string prices_date;                 // --prices-date YYYY-MM-DD
  bool explain = false;
};

/// Scenario inputs of a verb: the file (or the embedded default) and flag overrides as
/// dotted scenario keys ("training.seq_len" -> "4096"), applied in order.
struct ScenarioInput {
  std::string file;  // empty = embedded default
  std::vector<std::pair<std::string, std::string>> overrides;
  bool local = false;              // --local: the detected GPUs, their free memory as capacity
  std::string calibration_file;    // --calibration FILE: a probe result (tools/probe)
  bool force_calibration = false;  // --force-calibration: also a probe of another GPU model
};

/// The catalog with the --catalog files applied.
catalog::Catalog LoadCatalog(const GlobalOptions& g);

/// The request layer's view of the global options and of a verb's scenario (src/gpuadv/api:
/// the same functions the server calls). LoadEnvironment prints the catalog notes
/// (Environment::notes) on stderr.
api::Environment LoadEnvironment(const GlobalOptions& g);
api::ScenarioRequest ToRequest(const ScenarioInput& in);

/// The scenario of a verb: the file (or the embedded default) with the flag overrides
/// applied, resolved in `cat`. Throws InputError naming the field.
workload::Scenario BuildScenario(const ScenarioInput& in, const catalog::Catalog& cat);

int RunEstimate(const GlobalOptions& g, const ScenarioInput& in);
int RunGpus(const GlobalOptions& g, const std::string& action, const std::string& id,
            const std::map<std::string, std::string>& filters);
int RunModels(const GlobalOptions& g, const std::string& action, const std::string& id);
/// Options of `validate`.
struct ValidateCliOptions {
  std::string cases_file;  // --cases FILE (default: the embedded cases)
  bool core_only = false;  // --core
  std::string cv;          // --cv source: leave-one-source-out cross-validation
};
int RunValidate(const GlobalOptions& g, const ValidateCliOptions& opt);
/// `calibrate`: fits the efficiency factors and ranges; writes data/calibration.yaml's text
/// to `out_file` (empty: stdout).
int RunCalibrate(const GlobalOptions& g, const std::string& cases_file,
                 const std::string& out_file);

/// Options of `recommend` beside the scenario (tools/cli/advise_verbs.cc).
struct RecommendOptions {
  int top = 5;                        // --top N
  std::string plot_file;              // --plot FILE.svg
  std::optional<double> min_vram_gb;  // --min-vram GB
  double months = 36;                 // --months: ownership horizon of the break-even
  double hours_per_month = 120;       // --hours-per-month: expected use when owning
};

/// Options of `fit` beside the scenario (its GPU comes from --gpu or the scenario).
struct FitOptions {
  bool allow_shorter_seq = false;  // --allow-shorter-seq
};

int RunRecommend(const GlobalOptions& g, const ScenarioInput& in, const RecommendOptions& opt);
int RunFit(const GlobalOptions& g, const ScenarioInput& in, const FitOptions& opt);
/// `compare ID ID ...`: `in` is the scenario estimated on each GPU (--scenario FILE).
int RunCompare(const GlobalOptions& g, const std::vector<std::string>& gpu_ids,
               const ScenarioInput& in);

/// Options of `plan` beside the scenario (tools/cli/plan_verbs.cc).
struct PlanCliOptions {
  int gpus = 0;                     // --gpus N
  int top = 5;                      // --top K
  std::string strategy = "pruned";  // --strategy exhaustive|pruned
  int threads = 0;                  // --threads (0 = all cores)
  bool safe = false;                // --safe: exclude plans with out-of-memory risk
  bool prefer_tight = false;        // --prefer-tight: rank tight plans by speed alone
};

/// Options of `export` beside the scenario.
struct ExportCliOptions {
  std::string engine;       // --engine: a launch::kEngines name
  std::optional<int> gpus;  // --gpus N: plan for N GPUs (else the scenario's layout or GPUs)
  std::string out_file;     // --out FILE
  bool force = false;       // --force: export a pinned layout that does not fit
};

int RunPlan(const GlobalOptions& g, const ScenarioInput& in, const PlanCliOptions& opt);
int RunExport(const GlobalOptions& g, const ScenarioInput& in, const ExportCliOptions& opt);

/// Options of `serve` (tools/cli/serve_verb.cc; built with GPUADV_BUILD_SERVER).
struct ServeCliOptions {
  std::string host = "127.0.0.1";  // --host: loopback unless told otherwise
  int port = 8080;                 // --port (0: any free port, printed)
  std::string web_root;            // --web-root DIR: serve the page from disk (development)
  int threads = 0;                 // --threads: workers (0: sized to the machine)
  bool log = false;                // --log: one line per request on stderr
};

int RunServe(const GlobalOptions& g, const ServeCliOptions& opt);

/// `detect` (tools/cli/detect_verbs.cc): local GPUs matched to the catalog; no GPU is a
/// message and exit 0.
int RunDetect(const GlobalOptions& g);

/// Options of `probe`.
struct ProbeCliOptions {
  std::string out_file;       // --out FILE (default gpu-advisor-probe.json)
  std::string from_file;      // --from FILE: compare a saved result instead of running
  bool quick = false;         // --quick
  std::optional<int> device;  // --device N
};
/// `probe`: runs gpu-advisor-probe found next to this binary (or says how to build it),
/// then prints measured vs catalog peak.
int RunProbe(const GlobalOptions& g, const ProbeCliOptions& opt);

/// --local / --calibration of a verb's inputs, applied by api::ApplyLocalHardware to the
/// verb's request (`storage` must outlive `env`); its log goes to stderr.
api::LocalHardware ApplyLocalHardware(const ScenarioInput& in, api::Environment* env,
                                      estimate::EfficiencyTable* storage);

/// `recommend --local`: api::RecommendLocal for the verb's inputs; its log goes to stderr.
api::LocalRecommendation RecommendLocal(const ScenarioInput& in, const api::Environment& env,
                                        const api::RecommendOptions& opt,
                                        const advise::RecommendResult& ranking);

}  // namespace gpuadv::cli
