// STUB: to be implemented (model catalog helper).
#include "gpuadv/io/model_loader.h"

namespace gpuadv::io {

catalog::ModelArch ParseModel(Fields& f) {
  catalog::ModelArch m;
  if (auto v = f.Number("params", 1, 1e15)) m.params = *v;
  return m;
}

std::vector<catalog::ModelArch> ParseModelDocument(const YAML::Node&, const std::string&) { return {}; }

}  // namespace gpuadv::io
