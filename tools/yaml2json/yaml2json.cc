// Build-time tool: converts a YAML data file to the tree every loader reads (io::YamlToDoc:
// scalars as their YAML text, null as null) and writes it as MessagePack for embedding
// (cmake/embed.cmake: decoded without text parsing) or, with --json, as JSON
// (scripts/startup_bench.sh). The YAML files stay the sources of truth.
//   --index OUT.idx  also writes the entry index of a catalog or stacks file
//   (io/embedded_catalog.h):
//                    one line per id, alias and offer GPU with the byte range of its entry's
//                    MessagePack, so a lookup decodes that entry alone.
//   --copies N       adds N-1 copies of every GPU, model and offer under ids ending in
//                    "-copy", "-copy2", ... (no aliases): the start-up bench's "twice the
//                    catalog" build (GPUADV_CATALOG_COPIES).
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gpuadv/io/yaml_doc.h"

namespace {

using Json = nlohmann::json;
using Bytes = std::vector<std::uint8_t>;

constexpr const char* kLists[] = {"gpus", "models", "offers"};  // the catalog: copied
constexpr const char* kIndexed[] = {"gpus", "models", "offers", "stacks"};

bool IsList(const std::string& key) {
  for (const char* k : kIndexed)
    if (key == k) return true;
  return false;
}

// A MessagePack map or array header of n elements (fix, 16- or 32-bit form).
void Header(Bytes& out, std::size_t n, std::uint8_t fix, std::uint8_t b16, std::uint8_t b32) {
  if (n < 16) {
    out.push_back(static_cast<std::uint8_t>(fix | n));
  } else if (n <= 0xffff) {
    out.push_back(b16);
    for (int s : {8, 0}) out.push_back(static_cast<std::uint8_t>(n >> s));
  } else {
    out.push_back(b32);
    for (int s : {24, 16, 8, 0}) out.push_back(static_cast<std::uint8_t>(n >> s));
  }
}

void Append(Bytes& out, const Json& j) {
  const Bytes b = Json::to_msgpack(j);
  out.insert(out.end(), b.begin(), b.end());
}

std::string Text(const Json& j) { return j.is_string() ? j.get<std::string>() : std::string(); }

// Index lines of one entry: its id, its aliases, and an offer's GPU.
void IndexEntry(std::string& idx, const std::string& list, std::size_t i, std::size_t begin,
                std::size_t end, const Json& e) {
  auto line = [&](const char* role, const std::string& key) {
    if (key.empty() || key.find_first_of("\t\n") != std::string::npos) return;
    idx += list + "\t" + role + "\t" + std::to_string(i) + "\t" + std::to_string(begin) + "\t" +
           std::to_string(end) + "\t" + key + "\n";
  };
  if (!e.is_object()) return;
  if (e.contains("id")) line("id", Text(e["id"]));
  if (e.contains("aliases") && e["aliases"].is_array())
    for (const auto& a : e["aliases"]) line("alias", Text(a));
  if (list == "offers" && e.contains("gpu")) line("gpu", Text(e["gpu"]));
}

// The MessagePack of `doc` written key by key (as nlohmann writes it: a map's keys in
// order), recording each catalog entry's byte range in `idx`.
Bytes Encode(const Json& doc, std::string& idx) {
  Bytes out;
  if (!doc.is_object()) return Json::to_msgpack(doc);
  Header(out, doc.size(), 0x80, 0xde, 0xdf);
  for (const auto& [key, value] : doc.items()) {
    Append(out, Json(key));
    if (!IsList(key) || !value.is_array()) {
      Append(out, value);
      continue;
    }
    Header(out, value.size(), 0x90, 0xdc, 0xdd);
    for (std::size_t i = 0; i < value.size(); ++i) {
      const std::size_t begin = out.size();
      Append(out, value[i]);
      IndexEntry(idx, key, i, begin, out.size(), value[i]);
    }
  }
  return out;
}

// Appends copies - 1 copies of every catalog entry under new ids, without aliases.
void AddCopies(Json& doc, int copies) {
  if (!doc.is_object()) return;
  for (const char* list : kLists) {
    if (!doc.contains(list) || !doc[list].is_array()) continue;
    const Json originals = doc[list];
    for (int c = 2; c <= copies; ++c)
      for (Json e : originals) {
        if (!e.is_object() || !e.contains("id")) continue;
        e["id"] = Text(e["id"]) + "-copy" + (c == 2 ? "" : std::to_string(c - 1));
        e.erase("aliases");
        doc[list].push_back(std::move(e));
      }
  }
}

struct Args {
  bool json = false;
  int copies = 1;
  std::string index, in, out;
};

bool ParseArgs(int argc, char** argv, Args& a) {
  std::vector<std::string> rest;
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    if (s == "--json") {
      a.json = true;
    } else if (s == "--index" && i + 1 < argc) {
      a.index = argv[++i];
    } else if (s == "--copies" && i + 1 < argc) {
      a.copies = std::atoi(argv[++i]);
      if (a.copies < 1) return false;
    } else {
      rest.push_back(s);
    }
  }
  if (rest.size() != 2) return false;
  a.in = rest[0];
  a.out = rest[1];
  return true;
}

bool Write(const std::string& path, const char* data, std::size_t n) {
  std::ofstream out(path, std::ios::binary);
  out.write(data, static_cast<std::streamsize>(n));
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (!ParseArgs(argc, argv, a)) {
    std::cerr << "usage: yaml2json [--json] [--copies N] [--index OUT.idx] IN.yaml OUT\n";
    return 2;
  }
  try {
    Json doc = gpuadv::io::YamlToDoc(YAML::LoadFile(a.in));
    AddCopies(doc, a.copies);
    if (a.json) {
      const std::string text = doc.dump();
      return Write(a.out, text.data(), text.size()) ? 0 : 1;
    }
    std::string idx;
    const Bytes bytes = Encode(doc, idx);
    if (bytes != Json::to_msgpack(doc)) {
      std::cerr << a.in << ": the indexed MessagePack differs from nlohmann's\n";
      return 1;
    }
    if (!a.index.empty() && !Write(a.index, idx.data(), idx.size())) return 1;
    return Write(a.out, reinterpret_cast<const char*>(bytes.data()), bytes.size()) ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << a.in << ": " << e.what() << "\n";
    return 1;
  }
}
