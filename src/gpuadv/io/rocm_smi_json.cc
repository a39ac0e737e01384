#include "gpuadv/io/rocm_smi_json.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace gpuadv::io {
namespace {

using detect::QueryResult;
using nlohmann::json;

// The card number of a top-level key ("card3" -> 3), or -1 for other keys ("system").
int CardNumber(const std::string& key) {
  if (key.size() <= 4 || key.compare(0, 4, "card") != 0) return -1;
  int n = 0;
  for (size_t i = 4; i < key.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(key[i])) || n > 100000) return -1;
    n = n * 10 + (key[i] - '0');
  }
  return n;
}

// A value as text: rocm-smi prints strings; a number (other tools, later versions) is
// accepted too. nullopt when the key is absent or holds something else.
std::optional<std::string> Text(const json& card, const char* key) {
  const auto it = card.find(key);
  if (it == card.end()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  return std::nullopt;
}

// A figure of `key`: nullopt when absent or "N/A" ("N/A (Secondary die)" on the second die
// of an MI250X). Sets `*bad` to a reason for text that is not a non-negative number.
std::optional<double> Figure(const json& card, const char* key, const std::string& card_name,
                             std::string* bad) {
  const auto t = Text(card, key);
  if (!t || t->empty() || t->rfind("N/A", 0) == 0) return std::nullopt;
  char* end = nullptr;
  const double d = std::strtod(t->c_str(), &end);
  if (end == t->c_str() || *end != '\0' || !std::isfinite(d) || d < 0) {
    if (bad->empty()) *bad = card_name + " '" + key + "' is '" + t->substr(0, 40) + "'";
    return std::nullopt;
  }
  return d;
}

QueryResult Failed(std::string why) {
  QueryResult r;
  r.status = QueryResult::Status::kFailed;
  r.message = "rocm-smi: " + std::move(why);
  return r;
}

}  // namespace

detect::QueryResult ParseRocmSmiJson(std::string_view text) {
  // rocm-smi logs warnings on the same streams; the document is the first '{' to the last '}'.
  const size_t open = text.find('{');
  const size_t close = text.rfind('}');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open)
    return Failed("no JSON object in its --json output");
  const json root = json::parse(text.substr(open, close - open + 1), nullptr,
                                /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object())
    return Failed("unreadable JSON in its --json output");

  std::string driver;
  if (const auto sys = root.find("system"); sys != root.end() && sys->is_object())
    driver = Text(*sys, "Driver version").value_or("");

  QueryResult r;
  r.status = QueryResult::Status::kOk;
  for (const auto& [key, card] : root.items()) {
    const int number = CardNumber(key);
    if (number < 0) continue;
    if (!card.is_object()) return Failed(key + " is not an object");
    detect::DetectedGpu g;
    g.index = number;
    g.vendor = "amd";
    g.source = "rocm-smi";
    g.driver = driver;
    for (const char* name_key : {"Card Series", "Card series", "Device Name"}) {
      g.name = Text(card, name_key).value_or("");
      if (!g.name.empty() && g.name.rfind("N/A", 0) != 0) break;
      g.name.clear();
    }
    if (g.name.empty()) return Failed(key + " has no 'Card Series'");
    std::string bad;
    const auto total = Figure(card, "VRAM Total Memory (B)", key, &bad);
    const auto used = Figure(card, "VRAM Total Used Memory (B)", key, &bad);
    g.power_limit_w = Figure(card, "Max Graphics Package Power (W)", key, &bad);
    if (!bad.empty()) return Failed(bad);
    if (total) g.memory_total_bytes = static_cast<std::uint64_t>(*total);
    if (total && used && *used <= *total)
      g.memory_free_bytes = static_cast<std::uint64_t>(*total - *used);
    r.gpus.push_back(std::move(g));
  }
  if (r.gpus.empty()) r.message = "rocm-smi: no card in its --json output";  // ran, found none
  // Object keys sort as text ("card10" < "card2"); list cards by number.
  std::sort(r.gpus.begin(), r.gpus.end(),
            [](const auto& a, const auto& b) { return a.index < b.index; });
  return r;
}

}  // namespace gpuadv::io
