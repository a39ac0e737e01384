#pragma once
// Scenario loading helpers shared by the io/ tests: a YAML text through the real loader and
// the built-in catalog, and the InputError text it raises.
#include <string>

#include "gpuadv/core/error.h"
#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/io/scenario_loader.h"

namespace gpuadv::io::testing {

inline workload::Scenario Load(const std::string& yaml) {
  return ParseScenario(ParseDocument(yaml, "test.yaml"), BuiltinCatalog(), "test.yaml");
}

/// The message of the InputError `yaml` raises, or "(no error)".
inline std::string ErrorOf(const std::string& yaml) {
  try {
    Load(yaml);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace gpuadv::io::testing
