#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gpuadv/catalog/catalog.h"
#include "gpuadv/report/format.h"
#include "gpuadv/workload/scenario.h"

namespace gpuadv::cli {

/// Options shared by every verb.
struct GlobalOptions {
  report::Format format = report::Format::kTable;
  std::vector<std::string> catalog_files;  // --catalog FILE (repeatable)
  bool explain = false;
};

/// Scenario inputs of a verb: the file (or the embedded default) and flag overrides as
/// dotted scenario keys ("training.seq_len" -> "4096"), applied in order.
struct ScenarioInput {
  std::string file;  // empty = embedded default
  std::vector<std::pair<std::string, std::string>> overrides;
};

/// The catalog with the --catalog files applied.
catalog::Catalog LoadCatalog(const GlobalOptions& g);

/// The scenario of a verb: the file (or the embedded default) with the flag overrides
/// applied, resolved in `cat`. Throws InputError naming the field.
workload::Scenario BuildScenario(const ScenarioInput& in, const catalog::Catalog& cat);

int RunEstimate(const GlobalOptions& g, const ScenarioInput& in);
int RunGpus(const GlobalOptions& g, const std::string& action, const std::string& id,
            const std::map<std::string, std::string>& filters);
int RunModels(const GlobalOptions& g, const std::string& action, const std::string& id);
int RunValidate(const GlobalOptions& g, const std::string& cases_file, bool core_only);

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

}  // namespace gpuadv::cli
