#include "gpuadv/api/environment.h"

#include "gpuadv/io/catalog_loader.h"

namespace gpuadv::api {

Environment MakeEnvironment(const std::vector<std::string>& catalog_files, bool allow_model_files) {
  Environment env;
  env.catalog = io::BuiltinCatalog();
  for (const auto& f : catalog_files) io::LoadCatalogFile(env.catalog, f);
  env.efficiency = &io::BuiltinEfficiency();
  env.allow_model_files = allow_model_files;
  return env;
}

}  // namespace gpuadv::api
