#include "gpuadv/io/fields.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "gpuadv/core/embedded.h"
#include "gpuadv/core/escape.h"
#include "gpuadv/io/json_text.h"
#include "gpuadv/io/yaml_doc.h"

namespace gpuadv::io {
namespace {

constexpr int kMaxDepth = kMaxJsonDepth;  // YAML documents nest as deep as JSON ones

// Nodes CheckTree() visits at most. YAML aliases make a small text a huge or cyclic graph
// (`&a [*a, *a]` is a sequence holding itself twice), so the walk is bounded by visits,
// not only by depth; a real scenario or catalog has a few thousand nodes.
constexpr long kMaxNodes = 1 << 20;

// Where CheckTree() is: a chain of frames on the stack, turned into "gpus[2].name" only
// when an error is thrown (a 70,000-GPU catalog has millions of nodes).
struct PathFrame {
  const PathFrame* parent = nullptr;
  const std::string* key = nullptr;  // map key, or
  size_t index = 0;                  // sequence index
};

std::string PathText(const PathFrame* f, const std::string& origin) {
  std::string out;
  for (; f && f->parent; f = f->parent)
    out = (f->key ? "." + EscapeBytes(*f->key, 80) : "[" + std::to_string(f->index) + "]") + out;
  if (out.empty()) return origin;
  return origin + ": " + (out[0] == '.' ? out.substr(1) : out);
}

void CheckUtf8(const std::string& s, const PathFrame* at, const std::string& origin) {
  if (const size_t bad = InvalidUtf8At(s); bad != std::string::npos)
    throw InputError(PathText(at, origin), s, "UTF-8 text",
                     "invalid UTF-8 at byte " + std::to_string(bad) + " of");
}

// Each key of a map once (yaml-cpp keeps both and reads the first: a silent choice).
void CheckUniqueKeys(const YAML::Node& map, const PathFrame* at, const std::string& origin) {
  std::vector<std::string_view> keys;
  keys.reserve(map.size());
  for (const auto& kv : map)
    if (kv.first.IsScalar()) keys.push_back(kv.first.Scalar());
  std::sort(keys.begin(), keys.end());
  const auto dup = std::adjacent_find(keys.begin(), keys.end());
  if (dup == keys.end()) return;
  const std::string key(*dup);
  const PathFrame child{at, &key, 0};
  throw InputError(PathText(&child, origin), key, "each key once in a map", "duplicate key");
}

// Checks the parsed YAML tree: every scalar (keys included) valid UTF-8, keys unique,
// at most kMaxNodes nodes (throws InputError naming the field). Returns the depth of the
// deepest node (stops counting past kMaxDepth).
int CheckTree(const YAML::Node& n, int depth, long& budget, const PathFrame* at,
              const std::string& origin) {
  if (--budget < 0)
    throw InputError(
        origin, "more than " + std::to_string(kMaxNodes) + " nodes",
        "documents of at most " + std::to_string(kMaxNodes) + " nodes (aliases expanded)",
        "too large");
  if (depth > kMaxDepth) return depth;
  if (n.IsScalar()) CheckUtf8(n.Scalar(), at, origin);
  int best = depth;
  auto visit = [&](const YAML::Node& child, const PathFrame& frame) {
    best = std::max(best, CheckTree(child, depth + 1, budget, &frame, origin));
    return best > kMaxDepth;  // too deep already: stop (a cycle ends here)
  };
  if (n.IsMap()) {
    CheckUniqueKeys(n, at, origin);
    static const std::string kNoKey;
    for (const auto& kv : n) {
      const std::string& key = kv.first.IsScalar() ? kv.first.Scalar() : kNoKey;
      const PathFrame frame{at, &key, 0};
      if (kv.first.IsScalar()) CheckUtf8(key, &frame, origin);
      if (visit(kv.second, frame)) break;
    }
  } else if (n.IsSequence()) {
    size_t i = 0;
    for (const auto& v : n)
      if (visit(v, PathFrame{at, nullptr, i++})) break;
  }
  return best;
}

// One YAML document per file: a second one (after `---`) would be ignored silently. Found
// from the document markers: yaml-cpp's LoadAll loops forever on some malformed input (a
// lone ","; fuzz finding), so the text is loaded with Load and its markers counted: a `---`
// line after any content starts a second document.
YAML::Node LoadSingleYaml(std::string_view text, const std::string& origin) {
  bool content = false;
  int docs = 1;
  for (size_t pos = 0; pos < text.size();) {
    const size_t end = std::min(text.find('\n', pos), text.size());
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    const bool marker =
        line.starts_with("---") && (line.size() == 3 || line[3] == ' ' || line[3] == '\r');
    if (marker && content) ++docs;
    const size_t first = line.find_first_not_of(" \t\r");
    if (!marker && first != std::string_view::npos && line[first] != '#' && line[0] != '%')
      content = true;
  }
  if (docs > 1)
    throw InputError(origin, "document 2 of " + std::to_string(docs),
                     "one YAML document per file (no second `---` document)",
                     "more than one document");
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw InputError(origin, e.what(), "valid YAML", "YAML syntax error");
  }
}

bool LooksLikeJson(std::string_view text) {
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    return c == '{' || c == '[';
  }
  return false;
}

// A YAML/JSON scalar as a number. kOverflow: a number whose magnitude no double holds
// (1e309); kNotNumber: anything else that is not a whole decimal/hex number ("12abc", "").
// Underflow (1e-400) reads as the nearest double (0 or subnormal), as strtod gives it.
enum class NumberParse { kOk, kNotNumber, kOverflow };

// One trailing multiplier is accepted (issue 12 "forgiving input"): k / K thousand, M million,
// B / G billion, T trillion ("70B", "2T", "50M"); for context lengths (Suffixes::kContext)
// k and M are binary, as "4k" / "128k" / "1M" contexts are (4096, 131072, 1048576).
NumberParse ParseDouble(const std::string& s, double* out,
                        Fields::Suffixes suffixes = Fields::Suffixes::kDecimal) {
  if (s.empty()) return NumberParse::kNotNumber;
  errno = 0;
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (end == s.c_str()) return NumberParse::kNotNumber;
  const bool context = suffixes == Fields::Suffixes::kContext;
  if (end + 1 == s.c_str() + s.size()) {
    switch (*end) {
      case 'k':
      case 'K':
        d *= context ? 1024.0 : 1e3;
        break;
      case 'M':
        d *= context ? 1048576.0 : 1e6;
        break;
      case 'B':
      case 'G':
        d *= 1e9;
        break;
      case 'T':
        d *= 1e12;
        break;
      default:
        return NumberParse::kNotNumber;
    }
  } else if (end != s.c_str() + s.size()) {
    return NumberParse::kNotNumber;
  }
  if (std::isinf(d)) return NumberParse::kOverflow;
  *out = d;
  return NumberParse::kOk;
}

// A scalar as an exact integer when it is written as one ("-12", "99999999999999999999");
// nullopt when it is not plain decimal digits. `overflow` is set when it is but does not fit.
std::optional<long long> ParseExactInteger(const std::string& s, bool* overflow) {
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (i == s.size()) return std::nullopt;
  for (size_t j = i; j < s.size(); ++j)
    if (s[j] < '0' || s[j] > '9') return std::nullopt;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), nullptr, 10);
  if (errno == ERANGE) {
    *overflow = true;
    return std::nullopt;
  }
  return v;
}

// The bit of `key` in Fields::key_bits_.
uint64_t KeyBit(std::string_view key) {
  if (key.empty()) return 1;
  const auto first = static_cast<unsigned char>(key.front());
  const auto last = static_cast<unsigned char>(key.back());
  return uint64_t{1} << ((key.size() * 131 + first * 31 + last) & 63);
}

std::string RangeText(double min, double max) {
  std::ostringstream os;
  os << "a number from " << min << " to " << max;
  return os.str();
}

}  // namespace

size_t InvalidUtf8At(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    // Lead byte: length and the range of the first continuation byte (RFC 3629 table:
    // no overlongs, no surrogates, nothing above U+10FFFF).
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if (d < (k == 1 ? lo : 0x80) || d > (k == 1 ? hi : 0xBF)) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

std::string ScalarText(const Doc& d) {
  if (d.is_string()) return d.get_ref<const std::string&>();
  if (d.is_boolean()) return d.get<bool>() ? "true" : "false";
  return d.dump();
}

const Doc& Child(const Doc& d, std::string_view key) {
  if (!d.is_object()) return Missing();
  const auto it = d.find(key);
  return it == d.end() ? Missing() : *it;
}

const Doc& Missing() {
  static const Doc missing(nlohmann::json::value_t::discarded);
  return missing;
}

std::string Printable(const Doc& node) {
  std::string s;
  if (node.is_object()) {
    s = "{...}";
  } else if (node.is_array()) {
    s = "[...]";
  } else if (Absent(node)) {
    s = "null";
  } else {
    s = ScalarText(node);
  }
  return EscapeBytes(s, 80);
}

std::optional<Doc> EmbeddedDoc(std::string_view path) {
  const auto bytes = FindEmbedded(path);
  if (!bytes) return std::nullopt;
  return DecodeEmbedded(*bytes);
}

std::string CatalogEntryField(std::string_view origin, std::string_view list, size_t i) {
  return std::string(origin) + ": " + std::string(list) + "[" + std::to_string(i) + "]";
}

// Through the SAX interface: Doc::from_msgpack returns `res ? result : discarded`, which
// copies the whole decoded tree once more (nlohmann 3.11; issue 16 item 6).
Doc DecodeEmbedded(std::string_view bytes) {
  Doc out;
  nlohmann::detail::json_sax_dom_parser<Doc> sax(out);
  Doc::sax_parse(bytes.begin(), bytes.end(), &sax, nlohmann::json::input_format_t::msgpack);
  return out;
}

Doc ParseDocument(std::string_view text, const std::string& origin) {
  if (text.find('\0') != std::string_view::npos)
    throw InputError(origin, "binary data (NUL byte)", "a YAML or JSON text file",
                     "not a text document");
  if (LooksLikeJson(text)) return ParseJsonText(text, origin, "", "valid JSON");
  return ParseYaml(text, origin);
}

Doc ParseYaml(std::string_view text, const std::string& origin) {
  const YAML::Node root = LoadSingleYaml(text, origin);
  long budget = kMaxNodes;
  const PathFrame top;
  if (CheckTree(root, 0, budget, &top, origin) > kMaxDepth)
    throw InputError(origin, "nesting deeper than 64", "documents nested at most 64 levels",
                     "too deep");
  return YamlToDoc(root);
}

std::string ReadFileBounded(const std::string& path, const std::string& field, size_t max_bytes) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw InputError(field, path, "a readable file", "cannot open file");
  if (!S_ISREG(st.st_mode)) throw InputError(field, path, "a regular file", "not a file");
  if (static_cast<unsigned long long>(st.st_size) > max_bytes)
    throw InputError(field, path,
                     "files up to " + (max_bytes >= (1u << 20) && max_bytes % (1u << 20) == 0
                                           ? std::to_string(max_bytes >> 20) + " MiB"
                                           : std::to_string(max_bytes) + " bytes"),
                     "file too large");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(field, path, "a readable file", "cannot open file");
  std::string data;
  data.resize(static_cast<size_t>(st.st_size));
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<size_t>(in.gcount()));
  return data;
}

Fields::Fields(const Doc& node, std::string path) : node_(&node), path_(std::move(path)) {
  if (!node.is_object() && !Absent(node))
    throw InputError(path_.empty() ? "document" : path_, Printable(node), "a map of keys",
                     "expected a map, got");
  if (node.is_object())
    for (const auto& kv : node.items()) key_bits_ |= KeyBit(kv.key());
}

const Doc* Fields::Find(std::string_view key) const {
  if (!(key_bits_ & KeyBit(key))) return nullptr;  // no key of the map has its bit
  const auto it = node_->find(key);
  return it == node_->end() ? nullptr : &*it;
}

const Doc* Fields::Use(std::string_view key) {
  used_names_.append(key);
  used_names_.push_back('\0');
  const Doc* v = Find(key);
  if (v) used_values_.push_back(v);
  return v;
}

const Doc* Fields::Value(std::string_view key) {
  const Doc* v = Use(key);
  return v && !Absent(*v) ? v : nullptr;
}

bool Fields::Given(std::string_view key) const { return Find(key) != nullptr; }

std::string Fields::Field(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

bool Fields::Has(std::string_view key) const {
  const Doc* v = Find(key);
  return v && !Absent(*v);
}

const Doc& Fields::Raw(std::string_view key) {
  const Doc* v = Use(key);
  return v ? *v : Missing();
}

std::optional<double> Fields::Number(std::string_view key, double min, double max) {
  const Doc* found = Value(key);
  if (!found) return std::nullopt;
  const Doc& v = *found;
  if (!v.is_primitive())
    throw InputError(Field(key), Printable(v), RangeText(min, max), "expected a number, got");
  double d = 0;
  // A JSON number is its double already (its text would parse back to the same value);
  // YAML scalars are text.
  const NumberParse parsed =
      v.is_number() ? (d = v.get<double>(), NumberParse::kOk) : ParseDouble(ScalarText(v), &d);
  switch (parsed) {
    case NumberParse::kNotNumber:
      throw InputError(Field(key), Printable(v), RangeText(min, max), "expected a number, got");
    case NumberParse::kOverflow:
      throw InputError(Field(key), Printable(v), RangeText(min, max), "out of range");
    case NumberParse::kOk:
      break;
  }
  if (!std::isfinite(d) || d < min || d > max)
    throw InputError(Field(key), Printable(v), RangeText(min, max), "out of range");
  return d;
}

std::optional<long long> Fields::Integer(std::string_view key, long long min, long long max,
                                         Suffixes suffixes) {
  const Doc* found = Value(key);
  if (!found) return std::nullopt;
  const Doc& v = *found;
  const std::string accepted =
      "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  if (!v.is_primitive())
    throw InputError(Field(key), Printable(v), accepted, "expected a whole number, got");
  const std::string s = ScalarText(v);
  // Plain digits are read exactly (no rounding through double past 2^53).
  bool overflow = false;
  if (auto exact = ParseExactInteger(s, &overflow)) {
    if (*exact < min || *exact > max)
      throw InputError(Field(key), Printable(v), accepted, "out of range");
    return *exact;
  }
  if (overflow) throw InputError(Field(key), Printable(v), accepted, "out of range");
  // Otherwise a whole number written as a float or with a multiplier ("7e9", "4096.0", "4k").
  double d = 0;
  const NumberParse parsed = ParseDouble(s, &d, suffixes);
  if (parsed == NumberParse::kOverflow)
    throw InputError(Field(key), Printable(v), accepted, "out of range");
  if (parsed != NumberParse::kOk || !std::isfinite(d) || d != std::floor(d))
    throw InputError(Field(key), Printable(v), accepted, "expected a whole number, got");
  // Compared in double, then cast: both bounds are inside long long's range, and a double
  // within [min, max] converts exactly (the comparison rejects 2^63 when max = LLONG_MAX).
  if (!(d >= static_cast<double>(min) && d < 9223372036854775808.0 &&
        d <= static_cast<double>(max)))
    throw InputError(Field(key), Printable(v), accepted, "out of range");
  const long long out = static_cast<long long>(d);
  if (out < min || out > max) throw InputError(Field(key), Printable(v), accepted, "out of range");
  return out;
}

std::optional<bool> Fields::Bool(std::string_view key) {
  const Doc* found = Value(key);
  if (!found) return std::nullopt;
  const Doc& v = *found;
  if (v.is_primitive()) {
    const std::string s = ScalarText(v);
    if (s == "true" || s == "True" || s == "yes") return true;
    if (s == "false" || s == "False" || s == "no") return false;
  }
  throw InputError(Field(key), Printable(v), "true | false", "expected a boolean, got");
}

std::optional<std::string> Fields::String(std::string_view key, size_t max_len) {
  const Doc* found = Value(key);
  if (!found) return std::nullopt;
  const Doc& v = *found;
  if (!v.is_primitive())
    throw InputError(Field(key), Printable(v), "a string", "expected a string, got");
  std::string s = ScalarText(v);
  if (s.size() > max_len)
    throw InputError(Field(key), Printable(v),
                     "a string of at most " + std::to_string(max_len) + " characters", "too long");
  return s;
}

std::optional<std::vector<std::string>> Fields::StringList(std::string_view key) {
  const Doc* found = Value(key);
  if (!found) return std::nullopt;
  const Doc& v = *found;
  std::vector<std::string> out;
  if (v.is_primitive()) {
    out.push_back(ScalarText(v));
    return out;
  }
  if (!v.is_array())
    throw InputError(Field(key), Printable(v), "a list of strings", "expected a list, got");
  if (v.size() > 4096)
    throw InputError(Field(key), "[...]", "at most 4096 entries", "too many entries");
  for (const auto& e : v) {
    if (!e.is_primitive())
      throw InputError(Field(key), Printable(e), "a list of strings", "expected a string, got");
    std::string s = ScalarText(e);
    if (s.size() > 4096)
      throw InputError(Field(key), Printable(e), "strings of at most 4096 characters", "too long");
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<Fields> Fields::Map(std::string_view key) {
  const Doc* found = Value(key);
  if (!found) return std::nullopt;
  const Doc& v = *found;
  if (!v.is_object())
    throw InputError(Field(key), Printable(v), "a map of keys", "expected a map, got");
  return Fields(v, Field(key));
}

std::vector<std::string> Fields::NamesRead() const {
  std::vector<std::string> names;
  for (size_t pos = 0; pos < used_names_.size();) {
    const size_t end = used_names_.find('\0', pos);
    names.emplace_back(used_names_, pos, end - pos);
    pos = end + 1;
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

void Fields::Finish(const std::vector<std::string>& known) const {
  if (!node_->is_object()) return;
  std::vector<const Doc*> read = used_values_;
  std::sort(read.begin(), read.end());
  for (const auto& kv : node_->items()) {
    if (std::binary_search(read.begin(), read.end(), &kv.value())) continue;
    const std::string& key = kv.key();
    const std::vector<std::string> cands = known.empty() ? NamesRead() : known;
    std::string accepted;
    for (const auto& c : cands) accepted += (accepted.empty() ? "" : ", ") + c;
    std::string hint = DidYouMean(key, cands);
    if (!hint.empty()) accepted += " (" + hint + ")";
    throw InputError(Field(key), key, accepted, "unknown key");
  }
}

}  // namespace gpuadv::io
