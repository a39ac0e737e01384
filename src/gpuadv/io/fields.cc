#include "gpuadv/io/fields.h"

#include <sys/stat.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

namespace gpuadv::io {
namespace {

constexpr int kMaxDepth = 64;

YAML::Node FromJson(const nlohmann::json& j, int depth, const std::string& origin) {
  if (depth > kMaxDepth)
    throw InputError(origin, "nesting deeper than 64", "documents nested at most 64 levels",
                     "too deep");
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      YAML::Node n(YAML::NodeType::Map);
      for (const auto& [k, v] : j.items()) n[k] = FromJson(v, depth + 1, origin);
      return n;
    }
    case nlohmann::json::value_t::array: {
      YAML::Node n(YAML::NodeType::Sequence);
      for (const auto& v : j) n.push_back(FromJson(v, depth + 1, origin));
      return n;
    }
    case nlohmann::json::value_t::null:
      return YAML::Node(YAML::NodeType::Null);
    case nlohmann::json::value_t::string:
      return YAML::Node(j.get<std::string>());
    case nlohmann::json::value_t::boolean:
      return YAML::Node(j.get<bool>() ? "true" : "false");
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float: {
      std::string s = j.dump();
      return YAML::Node(s);
    }
    default:
      return YAML::Node(YAML::NodeType::Null);
  }
}

int Depth(const YAML::Node& n, int depth) {
  if (depth > kMaxDepth) return depth;
  int best = depth;
  if (n.IsMap()) {
    for (const auto& kv : n) best = std::max(best, Depth(kv.second, depth + 1));
  } else if (n.IsSequence()) {
    for (const auto& v : n) best = std::max(best, Depth(v, depth + 1));
  }
  return best;
}

bool LooksLikeJson(std::string_view text) {
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    return c == '{' || c == '[';
  }
  return false;
}

std::string RangeText(double min, double max) {
  std::ostringstream os;
  os << "a number from " << min << " to " << max;
  return os.str();
}

}  // namespace

std::string Printable(const YAML::Node& node) {
  std::string s;
  if (node.IsScalar()) {
    s = node.Scalar();
  } else if (node.IsMap()) {
    s = "{...}";
  } else if (node.IsSequence()) {
    s = "[...]";
  } else {
    s = "null";
  }
  std::string out;
  for (unsigned char c : s) {
    if (out.size() >= 80) {
      out += "...";
      break;
    }
    if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

YAML::Node ParseDocument(std::string_view text, const std::string& origin) {
  if (text.find('\0') != std::string_view::npos)
    throw InputError(origin, "binary data (NUL byte)", "a YAML or JSON text file",
                     "not a text document");
  YAML::Node root;
  if (LooksLikeJson(text)) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text.begin(), text.end(), nullptr, true, false);
    } catch (const nlohmann::json::parse_error& e) {
      throw InputError(origin, e.what(), "valid JSON", "JSON syntax error");
    }
    root = FromJson(j, 0, origin);
  } else {
    try {
      root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
      throw InputError(origin, e.what(), "valid YAML", "YAML syntax error");
    }
    if (Depth(root, 0) > kMaxDepth)
      throw InputError(origin, "nesting deeper than 64", "documents nested at most 64 levels",
                       "too deep");
  }
  return root;
}

std::string ReadFileBounded(const std::string& path, const std::string& field, size_t max_bytes) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw InputError(field, path, "a readable file", "cannot open file");
  if (!S_ISREG(st.st_mode)) throw InputError(field, path, "a regular file", "not a file");
  if (static_cast<unsigned long long>(st.st_size) > max_bytes)
    throw InputError(field, path, "files up to " + std::to_string(max_bytes >> 20) + " MiB",
                     "file too large");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(field, path, "a readable file", "cannot open file");
  std::string data;
  data.resize(static_cast<size_t>(st.st_size));
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<size_t>(in.gcount()));
  return data;
}

Fields::Fields(YAML::Node node, std::string path) : node_(std::move(node)), path_(std::move(path)) {
  if (!node_.IsMap() && !node_.IsNull())
    throw InputError(path_.empty() ? "document" : path_, Printable(node_), "a map of keys",
                     "expected a map, got");
}

std::string Fields::Field(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

bool Fields::Has(std::string_view key) const {
  if (!node_.IsMap()) return false;
  const YAML::Node v = node_[std::string(key)];
  return v.IsDefined() && !v.IsNull();
}

YAML::Node Fields::Raw(std::string_view key) {
  used_.insert(std::string(key));
  if (!node_.IsMap()) return YAML::Node();
  return node_[std::string(key)];
}

std::optional<double> Fields::Number(std::string_view key, double min, double max) {
  YAML::Node v = Raw(key);
  if (!v.IsDefined() || v.IsNull()) return std::nullopt;
  if (!v.IsScalar()) throw InputError(Field(key), Printable(v), RangeText(min, max), "expected a number, got");
  const std::string& s = v.Scalar();
  double d = 0;
  size_t pos = 0;
  try {
    d = std::stod(s, &pos);
  } catch (...) {
    pos = 0;
  }
  if (pos == 0 || pos != s.size())
    throw InputError(Field(key), Printable(v), RangeText(min, max), "expected a number, got");
  if (!std::isfinite(d) || d < min || d > max)
    throw InputError(Field(key), Printable(v), RangeText(min, max), "out of range");
  return d;
}

std::optional<long long> Fields::Integer(std::string_view key, long long min, long long max) {
  YAML::Node v = Raw(key);
  if (!v.IsDefined() || v.IsNull()) return std::nullopt;
  const std::string accepted =
      "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  if (!v.IsScalar()) throw InputError(Field(key), Printable(v), accepted, "expected a whole number, got");
  const std::string& s = v.Scalar();
  double d = 0;
  size_t pos = 0;
  try {
    d = std::stod(s, &pos);
  } catch (...) {
    pos = 0;
  }
  if (pos == 0 || pos != s.size() || !std::isfinite(d) || d != std::floor(d))
    throw InputError(Field(key), Printable(v), accepted, "expected a whole number, got");
  if (d < static_cast<double>(min) || d > static_cast<double>(max))
    throw InputError(Field(key), Printable(v), accepted, "out of range");
  return static_cast<long long>(d);
}

std::optional<bool> Fields::Bool(std::string_view key) {
  YAML::Node v = Raw(key);
  if (!v.IsDefined() || v.IsNull()) return std::nullopt;
  if (v.IsScalar()) {
    const std::string& s = v.Scalar();
    if (s == "true" || s == "True" || s == "yes") return true;
    if (s == "false" || s == "False" || s == "no") return false;
  }
  throw InputError(Field(key), Printable(v), "true | false", "expected a boolean, got");
}

std::optional<std::string> Fields::String(std::string_view key, size_t max_len) {
  YAML::Node v = Raw(key);
  if (!v.IsDefined() || v.IsNull()) return std::nullopt;
  if (!v.IsScalar()) throw InputError(Field(key), Printable(v), "a string", "expected a string, got");
  if (v.Scalar().size() > max_len)
    throw InputError(Field(key), Printable(v),
                     "a string of at most " + std::to_string(max_len) + " characters", "too long");
  return v.Scalar();
}

std::optional<std::vector<std::string>> Fields::StringList(std::string_view key) {
  YAML::Node v = Raw(key);
  if (!v.IsDefined() || v.IsNull()) return std::nullopt;
  std::vector<std::string> out;
  if (v.IsScalar()) {
    out.push_back(v.Scalar());
    return out;
  }
  if (!v.IsSequence()) throw InputError(Field(key), Printable(v), "a list of strings", "expected a list, got");
  if (v.size() > 4096) throw InputError(Field(key), "[...]", "at most 4096 entries", "too many entries");
  for (const auto& e : v) {
    if (!e.IsScalar()) throw InputError(Field(key), Printable(e), "a list of strings", "expected a string, got");
    if (e.Scalar().size() > 4096) throw InputError(Field(key), Printable(e), "strings of at most 4096 characters", "too long");
    out.push_back(e.Scalar());
  }
  return out;
}

std::optional<Fields> Fields::Map(std::string_view key) {
  YAML::Node v = Raw(key);
  if (!v.IsDefined() || v.IsNull()) return std::nullopt;
  if (!v.IsMap()) throw InputError(Field(key), Printable(v), "a map of keys", "expected a map, got");
  return Fields(v, Field(key));
}

void Fields::Finish(const std::vector<std::string>& known) const {
  if (!node_.IsMap()) return;
  for (const auto& kv : node_) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : Printable(kv.first);
    if (used_.count(key)) continue;
    std::vector<std::string> cands = known.empty()
                                         ? std::vector<std::string>(used_.begin(), used_.end())
                                         : known;
    std::string accepted;
    for (const auto& c : cands) accepted += (accepted.empty() ? "" : ", ") + c;
    std::string hint = DidYouMean(key, cands);
    if (!hint.empty()) accepted += " (" + hint + ")";
    throw InputError(Field(key), key, accepted, "unknown key");
  }
}

}  // namespace gpuadv::io
