// Fuzzes the --catalog loader (io::LoadCatalogText, the text half of LoadCatalogFile) over a
// copy of the built-in catalog; every GPU and model entry it accepts is then estimated in a
// small scenario and the result must satisfy CheckInvariants.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "gpuadv/estimate/estimate.h"
#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/io/scenario_loader.h"

namespace {

using namespace gpuadv;

// How many entries of one document are estimated (bounds the time per input).
constexpr size_t kMaxEstimated = 4;

void EstimateOn(const catalog::Catalog& cat, const std::string& model, const std::string& gpu) {
  io::Doc doc = io::ParseDocument("training: {method: full, seq_len: 256}\n", "s.yaml");
  io::ApplyOverride(doc, "model", model);
  io::ApplyOverride(doc, "hardware.gpu", gpu);
  const workload::Scenario s = io::ParseScenario(doc, cat, "s.yaml", "/nonexistent");
  const estimate::Context ctx{&io::BuiltinEfficiency(), &cat};
  fuzz::RequireInvariants(estimate::Estimate(s, ctx));
}

std::vector<std::string> Ids(const io::Doc& doc, const char* list) {
  std::vector<std::string> ids;
  const io::Doc& entries = io::Child(doc, list);
  if (!entries.is_array()) return ids;
  for (const auto& e : entries) {
    const io::Doc& id = io::Child(e, "id");
    if (id.is_string() && ids.size() < kMaxEstimated) ids.push_back(id.get<std::string>());
  }
  return ids;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fuzz::ExpectOnlyInputError([&] {
    catalog::Catalog cat = io::BuiltinCatalog();
    io::LoadCatalogText(cat, text, "fuzz-catalog.yaml");
    // The ids the document gave (it parsed, so this re-parse succeeds).
    const io::Doc doc = io::ParseDocument(text, "fuzz-catalog.yaml");
    std::vector<std::string> gpu_ids = Ids(doc, "gpus"), model_ids = Ids(doc, "models");
    for (size_t i = 0; i < gpu_ids.size() && i < kMaxEstimated; ++i) {
      fuzz::ExpectOnlyInputError([&] { EstimateOn(cat, "gpt2", gpu_ids[i]); });
    }
    for (size_t i = 0; i < model_ids.size() && i < kMaxEstimated; ++i) {
      fuzz::ExpectOnlyInputError([&] { EstimateOn(cat, model_ids[i], "h100-sxm"); });
    }
  });
  return 0;
}
