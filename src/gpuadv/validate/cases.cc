#include "gpuadv/validate/cases.h"

#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

#include "gpuadv/core/error.h"

namespace gpuadv::validate {
namespace {

using nlohmann::json;

constexpr size_t kMaxStringBytes = 64u << 10;

const std::vector<std::string> kCaseKeys = {"id",       "source",   "quality",     "core_subset",
                                            "scenario", "measured", "assumptions", "skip"};
const std::vector<std::string> kMeasuredKeys = {
    "memory_bytes",   "memory_metric", "outcome",         "tokens_per_s_per_gpu", "mfu",
    "mfu_convention", "step_time_s",   "allocated_bytes", "reserved_bytes",       "nvml_bytes"};
// The `measured` keys whose value is a string (the others are numbers).
const std::set<std::string, std::less<>> kMeasuredStringKeys = {"memory_metric", "outcome",
                                                                "mfu_convention"};
// In `measured`, an unknown key within this edit distance of a known key, holding a value
// of that key's type, is a misspelling and an error; other extra keys are the measuring
// script's provenance (lists of step times, loss, notes) and are not read.
constexpr int kTypoDistance = 2;

std::string Shown(const json& v) {
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

// Whether `v` could be a misspelt `measured` key `name`: close name, same value type.
bool LooksLikeMeasuredKey(std::string_view key, const json& v, const std::string& name) {
  if (EditDistance(key, name) > kTypoDistance) return false;
  const bool wants_string = kMeasuredStringKeys.contains(name);
  return v.is_null() || (wants_string ? v.is_string() : v.is_number());
}

// Rejects keys outside `known` (STYLE principle 3: no aliases, no silently ignored keys).
// With `allow_extra` (the `measured` object), only likely misspellings are rejected.
void CheckKeys(const json& obj, const std::vector<std::string>& known, const std::string& path,
               bool allow_extra = false) {
  for (const auto& [k, v] : obj.items()) {
    bool found = false, misspelt = false;
    for (const auto& name : known) {
      found = found || name == k;
      misspelt = misspelt || (allow_extra && LooksLikeMeasuredKey(k, v, name));
    }
    if (found || (allow_extra && !misspelt)) continue;
    std::string accepted;
    for (const auto& name : known) accepted += (accepted.empty() ? "" : " | ") + name;
    const std::string hint = DidYouMean(k, known);
    if (!hint.empty()) accepted += " (" + hint + ")";
    throw InputError(path.empty() ? k : path + "." + k, k, accepted, "unknown key");
  }
}

// A string field; nullopt when absent or null.
std::optional<std::string> OptString(const json& obj, const char* key, const std::string& field) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw InputError(field, Shown(*it), "a string", "expected a string, got");
  std::string s = it->get<std::string>();
  if (s.size() > kMaxStringBytes)
    throw InputError(field, s.substr(0, 40) + "...", "at most 65536 bytes", "too long");
  return s;
}

// A finite number in [min, max]; nullopt when absent or null.
std::optional<double> OptNumber(const json& obj, const char* key, const std::string& field,
                                double min, double max, const char* accepted) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) throw InputError(field, Shown(*it), accepted, "expected a number, got");
  const double v = it->get<double>();
  if (!(v >= min && v <= max)) throw InputError(field, Shown(*it), accepted, "out of range");
  return v;
}

template <typename E, size_t N>
std::optional<E> OptEnum(const json& obj, const char* key, const std::string& field,
                         const EnumEntry<E> (&table)[N]) {
  auto s = OptString(obj, key, field);
  if (!s) return std::nullopt;
  if (auto v = ParseEnum(table, *s)) return v;
  throw InputError(field, *s, AcceptedNames(table));
}

std::string OneOf(const json& obj, const char* key, const std::set<std::string>& allowed,
                  const char* accepted) {
  auto s = OptString(obj, key, key);
  if (!s) return "";
  if (!allowed.contains(*s)) throw InputError(key, *s, accepted);
  return *s;
}

Measured ReadMeasured(const json& m) {
  if (!m.is_object())
    throw InputError("measured", Shown(m), "an object", "expected an object, got");
  CheckKeys(m, kMeasuredKeys, "measured", /*allow_extra=*/true);
  Measured out;
  constexpr const char* kBytes = "bytes per GPU, from 1 to 1e14";
  out.memory_bytes = OptNumber(m, "memory_bytes", "measured.memory_bytes", 1, 1e14, kBytes);
  out.allocated_bytes =
      OptNumber(m, "allocated_bytes", "measured.allocated_bytes", 1, 1e14, kBytes);
  out.reserved_bytes = OptNumber(m, "reserved_bytes", "measured.reserved_bytes", 1, 1e14, kBytes);
  out.nvml_bytes = OptNumber(m, "nvml_bytes", "measured.nvml_bytes", 1, 1e14, kBytes);
  out.memory_metric = OptEnum(m, "memory_metric", "measured.memory_metric", kMemoryMetrics);
  out.outcome = OptEnum(m, "outcome", "measured.outcome", kOutcomes).value_or(Outcome::kOk);
  out.tokens_per_s_per_gpu = OptNumber(m, "tokens_per_s_per_gpu", "measured.tokens_per_s_per_gpu",
                                       1e-6, 1e9, "tokens/s per GPU, above 0 and at most 1e9");
  out.mfu = OptNumber(m, "mfu", "measured.mfu", 1e-6, 1.0, "a fraction above 0 and at most 1");
  out.mfu_convention = OptString(m, "mfu_convention", "measured.mfu_convention").value_or("");
  out.step_time_s = OptNumber(m, "step_time_s", "measured.step_time_s", 1e-9, 1e7,
                              "seconds, above 0 and at most 1e7");
  if (out.memory_bytes && !out.memory_metric)
    throw InputError("measured.memory_metric", "null", AcceptedNames(kMemoryMetrics),
                     "required with memory_bytes, got");
  if (out.outcome == Outcome::kOk && out.memory_metric == MemoryMetric::kCapacity)
    throw InputError("measured.outcome", "ok", "oom | fits_under | max_seq_len",
                     "a capacity threshold needs a bound outcome, got");
  return out;
}

void ReadCase(const json& j, Case& c) {
  if (!j.is_object())
    throw InputError("case", Shown(j), "one JSON object per line", "expected an object, got");
  if (auto id = OptString(j, "id", "id"); id && !id->empty()) {
    c.id = *id;
  } else {
    throw InputError("id", id ? "" : "null", "a non-empty string", "required key");
  }
  CheckKeys(j, kCaseKeys, "");
  c.source = OptString(j, "source", "source").value_or("");
  c.group = SourceGroup(c.source);
  c.quality = OneOf(j, "quality", {"good", "medium", "vague"}, "good | medium | vague");
  c.core_subset = OneOf(j, "core_subset", {"Y", "N"}, "Y | N");
  c.assumptions = OptString(j, "assumptions", "assumptions").value_or("");
  c.skip = OptString(j, "skip", "skip");
  auto m = j.find("measured");
  if (m == j.end() || m->is_null())
    throw InputError("measured", "missing", "an object with the measured values", "required key");
  c.measured = ReadMeasured(*m);
  auto s = j.find("scenario");
  if (s != j.end() && !s->is_null()) {
    if (!s->is_object())
      throw InputError("scenario", Shown(*s), "a scenario object", "expected an object, got");
    c.scenario_json = s->dump();
  } else if (!c.skip) {
    throw InputError("scenario", "missing", "a scenario object (or `skip` with a reason)",
                     "required key");
  }
}

// nlohmann messages start with "[json.exception.parse_error.101] ": keep the rest.
std::string JsonMessage(const std::exception& e) {
  std::string s = e.what();
  if (s.starts_with("[json.exception.")) {
    auto close = s.find("] ");
    if (close != std::string::npos) s = s.substr(close + 2);
  }
  return s;
}

Case ParseLine(std::string_view text, int line, std::string_view origin) {
  Case c;
  c.line = line;
  c.id = "line " + std::to_string(line);
  const std::string where = std::string(origin) + ":" + std::to_string(line) + ": ";
  try {
    if (text.size() > kMaxCaseLineBytes)
      throw InputError("case", std::to_string(text.size()) + " bytes", "lines of at most 1 MiB",
                       "line too long:");
    ReadCase(json::parse(text), c);
  } catch (const json::exception& e) {
    c.parse_error = where + "malformed JSON: " + JsonMessage(e);
  } catch (const InputError& e) {
    c.parse_error = where + e.what();
  }
  return c;
}

bool IsRepoChar(char ch) {
  return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::vector<Case> ParseCases(std::string_view jsonl, std::string_view origin) {
  std::vector<Case> cases;
  int line = 0;
  while (!jsonl.empty()) {
    ++line;
    const size_t nl = jsonl.find('\n');
    std::string_view text = jsonl.substr(0, nl);
    jsonl.remove_prefix(nl == std::string_view::npos ? jsonl.size() : nl + 1);
    if (Trim(text).empty()) continue;
    cases.push_back(ParseLine(text, line, origin));
  }
  return cases;
}

std::string SourceGroup(std::string_view source) {
  std::string_view s = Trim(source);
  // A URL -> its host.
  for (std::string_view scheme : {"https://", "http://"}) {
    if (!s.starts_with(scheme)) continue;
    s.remove_prefix(scheme.size());
    std::string_view host = s.substr(0, s.find_first_of("/ "));
    return host.empty() ? "unknown" : std::string(host);
  }
  // "owner/repo:path@commit" or "owner/repo docs: ..." -> "repo".
  size_t i = 0;
  while (i < s.size() && IsRepoChar(s[i])) ++i;
  if (i > 0 && i < s.size() && s[i] == '/') {
    size_t j = i + 1;
    while (j < s.size() && IsRepoChar(s[j])) ++j;
    if (j > i + 1) return std::string(s.substr(i + 1, j - i - 1));
  }
  // "Narayanan et al. 2021 (arXiv ...)" -> "Narayanan et al. 2021".
  if (size_t p = s.find(" et al"); p != std::string_view::npos && p < 40) {
    size_t k = p + 6;
    while (k < s.size() && (s[k] == '.' || s[k] == ' ')) ++k;
    size_t digits = k;
    while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
    return std::string(Trim(s.substr(0, digits)));
  }
  const size_t cut = s.find_first_of(":;(");
  std::string_view head = Trim(s.substr(0, cut));
  if (head.size() > 40) head = Trim(head.substr(0, 40));
  return head.empty() ? "unknown" : std::string(head);
}

}  // namespace gpuadv::validate
