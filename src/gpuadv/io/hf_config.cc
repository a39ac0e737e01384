// STUB: to be implemented (model catalog helper).
#include "gpuadv/io/model_loader.h"

namespace gpuadv::io {

catalog::ModelArch ModelFromHfConfig(std::string_view, const std::string& origin) {
  throw InputError("model", origin, "a config.json", "not implemented yet");
}

}  // namespace gpuadv::io
