#pragma once
// Typed, validated reading of YAML/JSON maps: the one place field errors are phrased
// (STYLE.md principles 2, 3, 5). Every loader in io/ reads through this class.
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gpuadv/core/enum_table.h"
#include "gpuadv/core/error.h"
#include "gpuadv/io/yaml_doc.h"

namespace gpuadv::io {

/// The document tree every loader reads: YAML and JSON both become nlohmann::json (one
/// reading and validation path, Fields). YAML scalars stay strings holding their text;
/// YAML null is null. Read-only; a missing key reads as Missing().
using Doc = nlohmann::json;

/// Parses YAML or JSON text into a Doc. `origin` names the file in errors. Throws
/// InputError on syntax errors (with line), on a duplicate key in a map, on a string (key
/// or value) that is not valid UTF-8 (both naming the field: "origin: gpus[2].name") and
/// on a second YAML document.
Doc ParseDocument(std::string_view text, const std::string& origin);

/// ParseDocument for YAML text only (also JSON, which YAML reads).
Doc ParseYaml(std::string_view text, const std::string& origin);

/// An embedded data/ YAML file (cmake/embed.cmake stores it as MessagePack of its
/// YamlToDoc tree, read without text parsing); nullopt when `path` is not embedded.
std::optional<Doc> EmbeddedDoc(std::string_view path);
/// The Doc of one embedded YAML file's bytes (EmbeddedFile::content).
Doc DecodeEmbedded(std::string_view bytes);

/// The field of entry `i` of a catalog list: "<origin>: <list>[<i>]" (e.g. "data/gpus/amd.yaml:
/// gpus[2]"), the path errors in that entry name.
std::string CatalogEntryField(std::string_view origin, std::string_view list, size_t i);

/// The value Fields::Raw gives for an absent key (a discarded json): not null, not a map.
const Doc& Missing();
/// The value of `key` in the map `d`; Missing() when `d` is no map or lacks it (never the
/// const operator[] of nlohmann, undefined for a missing key).
const Doc& Child(const Doc& d, std::string_view key);
/// Absent or null.
inline bool Absent(const Doc& d) { return d.is_discarded() || d.is_null(); }
/// Text of a scalar (string, number, boolean) as YAML would hold it ("12", "true").
std::string ScalarText(const Doc& d);

/// Reads a whole file with a size bound; throws InputError(field, path) when unreadable,
/// not a regular file, or over `max_bytes`.
std::string ReadFileBounded(const std::string& path, const std::string& field,
                            size_t max_bytes = 16u << 20);

/// A map node at a dotted path ("training", "hardware.gpu"). Reading a key marks it
/// used; Finish() rejects keys never read ("unknown key", did you mean).
/// Contract: every accessor throws InputError naming "<path>.<key>", the value and the
/// accepted range / names on a wrong type or value; absent or null keys give nullopt.
class Fields {
 public:
  /// `node` must outlive the Fields (and every Fields that Map() gives).
  Fields(const Doc& node, std::string path);
  Fields(Doc&&, std::string) = delete;

  const std::string& path() const { return path_; }
  std::string Field(std::string_view key) const;  // "<path>.<key>" (or "key" at root)
  bool Has(std::string_view key) const;
  bool Given(std::string_view key) const;  // present, even as null
  const Doc& Raw(std::string_view key);    // marks used; Missing() when absent

  std::optional<double> Number(std::string_view key, double min, double max);
  /// How a trailing multiplier reads: k = 1000 (kDecimal) or 1024 (kContext: sequence
  /// lengths, where "4k" means 4096).
  enum class Suffixes { kDecimal, kContext };
  std::optional<long long> Integer(std::string_view key, long long min, long long max,
                                   Suffixes suffixes = Suffixes::kDecimal);
  std::optional<bool> Bool(std::string_view key);
  std::optional<std::string> String(std::string_view key, size_t max_len = 4096);
  std::optional<std::vector<std::string>> StringList(std::string_view key);
  /// A nested map; nullopt if absent. Throws if present but not a map.
  std::optional<Fields> Map(std::string_view key);

  /// Names are matched case-insensitively ("QLoRA", "BF16-mixed").
  template <typename E, size_t N>
  std::optional<E> Enum(std::string_view key, const EnumEntry<E> (&table)[N]) {
    auto s = String(key, 256);
    if (!s) return std::nullopt;
    if (auto v = ParseEnum(table, *s)) return v;
    std::string low = *s;
    for (char& c : low) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (auto v = ParseEnum(table, low)) return v;
    std::vector<std::string> names;
    for (const auto& e : table) names.emplace_back(e.name);
    std::string accepted = AcceptedNames(table);
    std::string hint = DidYouMean(*s, names);
    if (!hint.empty()) accepted += " (" + hint + ")";
    throw InputError(Field(key), *s, accepted);
  }

  /// Enum with a table of aliases (names users type for a canonical value); the canonical
  /// names are tried first, then the aliases, both case-insensitively.
  template <typename E, size_t N, size_t M>
  std::optional<E> Enum(std::string_view key, const EnumEntry<E> (&table)[N],
                        const EnumEntry<E> (&aliases)[M]) {
    auto s = String(key, 256);
    if (!s) return std::nullopt;
    std::string low = *s;
    for (char& c : low) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (auto v = ParseEnum(table, low)) return v;
    if (auto v = ParseEnum(aliases, low)) return v;
    std::vector<std::string> names;
    for (const auto& e : table) names.emplace_back(e.name);
    for (const auto& e : aliases) names.emplace_back(e.name);
    std::string accepted = AcceptedNames(table) + "; aliases " + AcceptedNames(aliases);
    std::string hint = DidYouMean(*s, names);
    if (!hint.empty()) accepted += " (" + hint + ")";
    throw InputError(Field(key), *s, accepted);
  }

  /// Throws InputError for any key not read, with "did you mean" among `known`.
  void Finish(const std::vector<std::string>& known = {}) const;

 private:
  // The value of `key`, or nullptr.
  const Doc* Find(std::string_view key) const;
  // Find, marking the key used.
  const Doc* Use(std::string_view key);
  // Find, marking the key used; nullptr when absent or null.
  const Doc* Value(std::string_view key);
  // The names of the keys read (present or not), sorted, each once.
  std::vector<std::string> NamesRead() const;

  const Doc* node_;
  std::string path_;
  // One bit per key of the map, set at construction (a 64-bit Bloom filter of length, first
  // and last byte): a loader asks for ~50 keys of an entry that holds ~10, and most absent
  // keys are answered without a map lookup (issue 17 item 8).
  uint64_t key_bits_ = 0;
  // What Finish() needs, kept without an allocation per key read (a loader reads a few
  // dozen keys per entry and a 70,000-GPU catalog reads millions; issue 17 item 8): the
  // values of the keys read that are present (Finish sorts these pointers and looks each
  // key of the map up among them), and the names of all keys read, present or not, each
  // ended by '\0' (the "did you mean" candidates; read only on an error).
  std::vector<const Doc*> used_values_;
  std::string used_names_;
};

/// Offset of the first byte of `s` that does not start a valid UTF-8 sequence (RFC 3629:
/// no overlong forms, surrogates or code points above U+10FFFF); npos when all are valid.
size_t InvalidUtf8At(std::string_view s);

/// Printable form of a scalar node for error messages (truncated to 80 chars).
std::string Printable(const Doc& node);

}  // namespace gpuadv::io
