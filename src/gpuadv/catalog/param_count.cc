// STUB: to be implemented (model catalog helper).
#include "gpuadv/catalog/param_count.h"

namespace gpuadv::catalog {

std::vector<LinearShape> LayerLinears(const ModelArch&) { return {}; }

ParamCounts CountParams(const ModelArch& m) {
  ParamCounts c;
  c.total = c.active = c.non_embedding = m.params;
  return c;
}

}  // namespace gpuadv::catalog
