#include "gpuadv/io/catalog_loader.h"

#include "gpuadv/core/embedded.h"
#include "gpuadv/io/efficiency_loader.h"
#include "gpuadv/io/fields.h"
#include "gpuadv/io/gpu_loader.h"
#include "gpuadv/io/model_loader.h"

namespace gpuadv::io {
namespace {

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool IsDataFile(std::string_view s) {
  return s.ends_with(".yaml") || s.ends_with(".yml") || s.ends_with(".json");
}

catalog::Catalog BuildBuiltin() {
  catalog::Catalog cat;
  for (const auto& f : EmbeddedFiles()) {
    if (!IsDataFile(f.path)) continue;
    const std::string origin = "data/" + std::string(f.path);
    if (StartsWith(f.path, "gpus/")) {
      for (auto& g : ParseGpuDocument(ParseDocument(f.content, origin), origin))
        cat.Upsert(std::move(g));
    } else if (StartsWith(f.path, "models/")) {
      for (auto& m : ParseModelDocument(ParseDocument(f.content, origin), origin))
        cat.Upsert(std::move(m));
    } else if (StartsWith(f.path, "offers/")) {
      for (auto& o : ParseOfferDocument(ParseDocument(f.content, origin), origin))
        cat.Upsert(std::move(o));
    }
  }
  return cat;
}

}  // namespace

const catalog::Catalog& BuiltinCatalog() {
  static const catalog::Catalog cat = BuildBuiltin();
  return cat;
}

const estimate::EfficiencyTable& BuiltinEfficiency() {
  // The priors with the fitted factors and ranges of data/calibration.yaml on top.
  static const estimate::EfficiencyTable table = [] {
    estimate::EfficiencyTable t = PriorEfficiency();
    if (auto text = FindEmbedded("calibration.yaml"))
      ApplyCalibrationDocument(ParseDocument(*text, "data/calibration.yaml"),
                               "data/calibration.yaml", &t);
    return t;
  }();
  return table;
}

void LoadCatalogFile(catalog::Catalog& cat, const std::string& path) {
  LoadCatalogText(cat, ReadFileBounded(path, "--catalog"), path);
}

void LoadCatalogText(catalog::Catalog& cat, std::string_view text, const std::string& origin) {
  YAML::Node doc = ParseDocument(text, origin);
  Fields root(doc, "");
  if (auto gpus = root.Raw("gpus"); gpus.IsDefined() && !gpus.IsNull()) {
    if (!gpus.IsSequence())
      throw InputError(origin + ": gpus", Printable(gpus), "a list of GPU entries",
                       "expected a list, got");
    for (size_t i = 0; i < gpus.size(); ++i) {
      Fields f(gpus[i], "gpus[" + std::to_string(i) + "]");
      const catalog::GpuSpec* base = nullptr;
      if (f.Has("id")) base = cat.FindGpu(f.Raw("id").Scalar());
      catalog::GpuSpec g = ParseGpu(f, base);
      f.Finish();
      cat.Upsert(std::move(g));
    }
  }
  if (auto models = root.Raw("models"); models.IsDefined() && !models.IsNull()) {
    for (auto& m : ParseModelDocument(doc, origin)) cat.Upsert(std::move(m));
  }
  if (auto offers = root.Raw("offers"); offers.IsDefined() && !offers.IsNull()) {
    for (auto& o : ParseOfferDocument(doc, origin)) cat.Upsert(std::move(o));
  }
  root.Finish({"gpus", "models", "offers"});
}

}  // namespace gpuadv::io
