// STUB: to be implemented (GPU catalog helper).
#include "gpuadv/io/gpu_loader.h"

namespace gpuadv::io {

catalog::GpuSpec ParseGpu(Fields& f, const catalog::GpuSpec* base) {
  catalog::GpuSpec g = base ? *base : catalog::GpuSpec{};
  if (auto v = f.String("id")) g.id = *v;
  if (auto v = f.Number("memory_gb", 0, 1e5)) g.memory_gb = *v;
  return g;
}

std::vector<catalog::GpuSpec> ParseGpuDocument(const YAML::Node&, const std::string&) { return {}; }
catalog::Offer ParseOffer(Fields&) { return {}; }
std::vector<catalog::Offer> ParseOfferDocument(const YAML::Node&, const std::string&) { return {}; }

}  // namespace gpuadv::io
