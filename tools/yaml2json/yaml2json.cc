// Build-time tool: converts a YAML data file to the tree every loader reads (io::YamlToDoc:
// scalars as their YAML text, null as null) and writes it as MessagePack for embedding
// (cmake/embed.cmake: decoded at start-up without text parsing) or, with --json, as JSON
// (scripts/startup_bench.sh). The YAML files stay the sources of truth.
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "gpuadv/io/yaml_doc.h"

int main(int argc, char** argv) {
  const bool json = argc == 4 && std::string(argv[1]) == "--json";
  if (argc != 3 && !json) {
    std::cerr << "usage: yaml2json [--json] IN.yaml OUT\n";
    return 2;
  }
  const char* in = argv[argc - 2];
  const char* out_path = argv[argc - 1];
  try {
    const nlohmann::json doc = gpuadv::io::YamlToDoc(YAML::LoadFile(in));
    std::ofstream out(out_path, std::ios::binary);
    if (json) {
      out << doc.dump();
    } else {
      const std::vector<std::uint8_t> bytes = nlohmann::json::to_msgpack(doc);
      out.write(reinterpret_cast<const char*>(bytes.data()),
                static_cast<std::streamsize>(bytes.size()));
    }
    return out ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << in << ": " << e.what() << "\n";
    return 1;
  }
}
