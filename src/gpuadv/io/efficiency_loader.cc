// STUB: to be implemented (throughput helper).
#include "gpuadv/io/efficiency_loader.h"

namespace gpuadv::io {

estimate::EfficiencyTable ParseEfficiencyDocument(const YAML::Node&, const std::string&) {
  return {};
}

}  // namespace gpuadv::io
