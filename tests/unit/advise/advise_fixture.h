#pragma once
// Shared helpers for the advisor tests: scenarios parsed from YAML against the built-in
// catalog, and the built-in inputs.
#include <string>

#include "gpuadv/advise/recommend.h"
#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/io/cpu_loader.h"
#include "gpuadv/io/scenario_loader.h"
#include "gpuadv/io/stack_loader.h"

namespace gpuadv::advise::testing {

inline workload::Scenario Scenario(const std::string& yaml) {
  return io::ParseScenario(io::ParseDocument(yaml, "test.yaml"), io::BuiltinCatalog(), "test.yaml");
}

inline Inputs BuiltinInputs() {
  return {&io::BuiltinCatalog(), &io::BuiltinEfficiency(), &io::BuiltinPlatforms(),
          &io::RestackDefault};
}

inline estimate::Context BuiltinContext() {
  return {&io::BuiltinEfficiency(), &io::BuiltinCatalog()};
}

/// Options with a fixed "today" so stale-price warnings do not depend on the clock.
inline RecommendOptions Options(int top_n = 100) {
  RecommendOptions o;
  o.top_n = top_n;
  o.cost.today = "2026-11-27";
  return o;
}

}  // namespace gpuadv::advise::testing
