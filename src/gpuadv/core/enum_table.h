#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gpuadv/core/error.h"

namespace gpuadv {

/// One row of an explicit registry table (STYLE.md principle 4): the canonical
/// DESIGN.md name, the value, and a one-line help text.
template <typename E>
struct EnumEntry {
  std::string_view name;
  E value;
  std::string_view help;
};

/// Value for `name` in `table`, or nullopt. Exact match on the canonical name.
template <typename E, size_t N>
constexpr std::optional<E> ParseEnum(const EnumEntry<E> (&table)[N], std::string_view name) {
  for (const auto& e : table)
    if (e.name == name) return e.value;
  return std::nullopt;
}

/// Canonical name of `value` ("?" if absent, which is a programming error).
template <typename E, size_t N>
constexpr std::string_view EnumName(const EnumEntry<E> (&table)[N], E value) {
  for (const auto& e : table)
    if (e.value == value) return e.name;
  return "?";
}

/// "a | b | c": the accepted names, for error messages and --help.
template <typename E, size_t N>
std::string AcceptedNames(const EnumEntry<E> (&table)[N]) {
  std::string out;
  for (const auto& e : table) {
    if (!out.empty()) out += " | ";
    out += e.name;
  }
  return out;
}

/// Value for `name` in `table`; otherwise throws InputError naming `field`, with the accepted
/// names and a "did you mean" hint (one shape for every enum-valued option).
template <typename E, size_t N>
E ParseEnumOrThrow(const EnumEntry<E> (&table)[N], const std::string& field,
                   const std::string& name) {
  if (auto e = ParseEnum(table, name)) return *e;
  std::vector<std::string> names;
  for (const auto& t : table) names.emplace_back(t.name);
  const std::string hint = DidYouMean(name, names);
  throw InputError(field, name, AcceptedNames(table) + (hint.empty() ? "" : "; " + hint),
                   "unknown value");
}

}  // namespace gpuadv
