#pragma once
// JSON text -> nlohmann::json for the io/ loaders (scenario/catalog documents, HF
// config.json); io/ internal.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace gpuadv::io {

/// Containers nest at most this deep below the top-level value (as for YAML documents).
inline constexpr int kMaxJsonDepth = 64;

/// Parses JSON (no comments). Throws InputError on any parse failure:
///  - a number no double holds (1e309) is "out of range", naming the key being read:
///    `key_prefix` + its path ("training.seq_len", "gpus[2].memory_gb");
///  - a container nested deeper than kMaxJsonDepth is "too deep", found while parsing
///    (nothing past it is read or built);
///  - a duplicate key in an object is "duplicate key", a string that is not UTF-8 "invalid
///    UTF-8", both naming "<origin>: <path>";
///  - other syntax errors are "JSON syntax error" naming `origin`, `accepted` telling what
///    was expected.
nlohmann::json ParseJsonText(std::string_view text, const std::string& origin,
                             const std::string& key_prefix, const std::string& accepted);

}  // namespace gpuadv::io
