#pragma once
#include <map>
#include <string>
#include <vector>

#include "gpuadv/catalog/catalog.h"
#include "gpuadv/report/format.h"

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

int RunEstimate(const GlobalOptions& g, const ScenarioInput& in);
int RunGpus(const GlobalOptions& g, const std::string& action, const std::string& id,
            const std::map<std::string, std::string>& filters);
int RunModels(const GlobalOptions& g, const std::string& action, const std::string& id);
int RunValidate(const GlobalOptions& g, const std::string& cases_file, bool core_only);

}  // namespace gpuadv::cli
