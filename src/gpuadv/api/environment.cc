#include "gpuadv/api/environment.h"

#include "gpuadv/io/catalog_loader.h"

namespace gpuadv::api {

Environment MakeEnvironment(const std::vector<std::string>& catalog_files, bool allow_model_files,
                            const std::string& prices_date) {
  Environment env;
  env.catalog = io::BuiltinCatalog();
  for (const auto& f : catalog_files)
    for (auto& note : io::LoadCatalogFile(env.catalog, f, prices_date))
      env.notes.push_back(std::move(note));
  env.efficiency = &io::BuiltinEfficiency();
  env.allow_model_files = allow_model_files;
  return env;
}

}  // namespace gpuadv::api
