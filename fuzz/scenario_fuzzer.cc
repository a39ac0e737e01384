// Fuzzes the scenario parser: YAML or JSON text -> io::ParseDocument -> io::ParseScenario
// (built-in catalog) -> estimate::Estimate, whose result must satisfy CheckInvariants.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "gpuadv/estimate/estimate.h"
#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/io/scenario_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gpuadv;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const catalog::Catalog& cat = io::BuiltinCatalog();
  fuzz::ExpectOnlyInputError([&] {
    // base_dir names no real directory: relative model paths resolve to nothing.
    const workload::Scenario s =
        io::ParseScenario(io::ParseDocument(text, "fuzz.yaml"), cat, "fuzz.yaml", "/nonexistent");
    const estimate::Context ctx{&io::BuiltinEfficiency(), &cat};
    fuzz::RequireInvariants(estimate::Estimate(s, ctx));
  });
  return 0;
}
