// Build-time tool: converts a YAML data file to JSON for embedding (cmake/embed.cmake).
// yaml-cpp's scanner takes ~15 ms for the catalogs at every start; nlohmann reads the same
// data as JSON in a third of that. Every scalar becomes a JSON string holding the YAML
// scalar text, so io::ParseDocument rebuilds exactly the node tree the YAML gives
// (null stays null). The YAML files stay the sources of truth.
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

namespace {

nlohmann::json ToJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json j = nlohmann::json::object();
      for (const auto& kv : n) j[kv.first.Scalar()] = ToJson(kv.second);
      return j;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& v : n) j.push_back(ToJson(v));
      return j;
    }
    case YAML::NodeType::Scalar:
      return n.Scalar();
    default:
      return nullptr;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: yaml2json IN.yaml OUT.json\n";
    return 2;
  }
  try {
    const YAML::Node doc = YAML::LoadFile(argv[1]);
    std::ofstream out(argv[2], std::ios::binary);
    out << ToJson(doc).dump();
    return out ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << argv[1] << ": " << e.what() << "\n";
    return 1;
  }
}
