#pragma once
// The accepted keys of each launch engine, extracted from its source at a pinned commit
// (tests/data/engine_keys/*.txt; tools/engine_keys/extract_keys.py regenerates them): the one
// source of accepted keys for the export tests.
#include <fstream>
#include <map>
#include <set>
#include <string>

namespace gpuadv::launch::testing {

struct KeyList {
  std::string commit;  // from the first header line naming one
  std::set<std::string> keys;
};

inline KeyList LoadKeyList(const std::string& name) {
  std::ifstream in(std::string(GPUADV_SOURCE_DIR) + "/tests/data/engine_keys/" + name);
  KeyList out;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    if (line[0] != '#') {
      out.keys.insert(line);
    } else if (out.commit.empty() && line.find(" commit ") != std::string::npos) {
      const std::string rest = line.substr(line.find(" commit ") + 8);
      out.commit = rest.substr(0, rest.find_first_of(" ,"));
    }
  }
  return out;
}

/// tests/data/engine_keys/<name>, read once.
inline const KeyList& EngineKeyList(const std::string& name) {
  static std::map<std::string, KeyList> cache;
  auto it = cache.find(name);
  if (it == cache.end()) it = cache.emplace(name, LoadKeyList(name)).first;
  return it->second;
}

inline const std::set<std::string>& EngineKeys(const std::string& name) {
  return EngineKeyList(name).keys;
}

}  // namespace gpuadv::launch::testing
