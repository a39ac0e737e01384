// Fuzzes the Hugging Face config.json reader (io::ModelFromHfConfig); a model it accepts is
// estimated (full fine-tune on one H100) and the result must satisfy CheckInvariants.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "gpuadv/estimate/estimate.h"
#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/io/model_loader.h"
#include "gpuadv/io/scenario_loader.h"

namespace {

const gpuadv::workload::Scenario& BaseScenario() {
  static const gpuadv::workload::Scenario s = gpuadv::io::ParseScenario(
      gpuadv::io::ParseDocument("model: gpt2\ntraining: {method: full, seq_len: 512}\n"
                                "hardware: {gpu: h100-sxm}\n",
                                "base.yaml"),
      gpuadv::io::BuiltinCatalog(), "base.yaml");
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gpuadv;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fuzz::ExpectOnlyInputError([&] {
    workload::Scenario s = BaseScenario();
    s.model = io::ModelFromHfConfig(text, "config.json");
    s.model_ref = "config.json";
    io::ValidateScenario(s);
    const estimate::Context ctx{&io::BuiltinEfficiency(), &io::BuiltinCatalog()};
    fuzz::RequireInvariants(estimate::Estimate(s, ctx));
  });
  return 0;
}
