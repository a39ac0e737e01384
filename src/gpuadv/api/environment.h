#pragma once
// What every request reads besides its own input: the catalog (built-in data plus
// --catalog files) and the efficiency table. The advisor's platform data (hosts, CPUs) is
// read by recommend alone, on first use (io::BuiltinPlatforms): an estimate never parses it.
#include <string>
#include <vector>

#include "gpuadv/advise/platform.h"
#include "gpuadv/catalog/catalog.h"
#include "gpuadv/estimate/efficiency.h"

namespace gpuadv::api {

/// Contract: built once (the CLI per run, the server at start-up), read-only afterwards,
/// so requests on many threads may share one Environment.
struct Environment {
  catalog::Catalog catalog;                               // built-in + --catalog files
  const estimate::EfficiencyTable* efficiency = nullptr;  // embedded data/efficiency.yaml
  /// A scenario's `model` may name a config.json on disk. The CLI allows it; the server
  /// does not (a request must never make it read a file).
  bool allow_model_files = true;
  /// What loading the --catalog files has to tell the user (a gpuhunt CSV's mapped and
  /// unmapped rows, the date its prices got): the CLI prints them on stderr.
  std::vector<std::string> notes;
};

/// The built-in catalog with `catalog_files` applied in order (io::LoadCatalogFile; their
/// prices dated `prices_date`, else each file's modification date). Throws InputError
/// naming the file and field.
Environment MakeEnvironment(const std::vector<std::string>& catalog_files,
                            bool allow_model_files = true, const std::string& prices_date = "");

}  // namespace gpuadv::api
