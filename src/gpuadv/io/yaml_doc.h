#pragma once
// YAML tree to json tree, shared by the io loaders (fields.h) and the build-time converter
// of the embedded data (tools/yaml2json): depends on yaml-cpp and nlohmann only.
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

namespace gpuadv::io {

/// A parsed YAML tree as json: every scalar a string holding its YAML text, YAML null as
/// null, a non-scalar map key as "{...}" / "[...]". Recursive: only for trees whose size
/// and depth were checked (io::ParseDocument) or trusted (the data/ files at build time).
nlohmann::json YamlToDoc(const YAML::Node& node);

}  // namespace gpuadv::io
