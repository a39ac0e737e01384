#include "gpuadv/core/error.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace gpuadv {
namespace {

// Field and value come from user input: in messages (terminal, JSON error envelope) they
// are shown printable ASCII, control and non-ASCII bytes as \xNN, cut at kMaxShown bytes.
constexpr size_t kMaxShown = 200;
std::string Shown(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (out.size() >= kMaxShown) {
      out += "...";
      break;
    }
    if (c < 0x20 || c >= 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string Compose(const std::string& field, const std::string& value, const std::string& accepted,
                    const std::string& problem) {
  std::string msg = field + ": " + problem + " '" + value + "'";
  if (!accepted.empty()) msg += "; accepted: " + accepted;
  return msg;
}
char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }
std::string LowerStr(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}
}  // namespace

InputError::InputError(std::string field, std::string value, std::string accepted,
                       std::string problem)
    : std::runtime_error(Compose(Shown(field), Shown(value), accepted, problem)),
      field_(Shown(field)),
      value_(Shown(value)),
      accepted_(std::move(accepted)),
      problem_(std::move(problem)) {}

int EditDistance(std::string_view a, std::string_view b) {
  std::vector<int> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      int sub = prev[j - 1] + (Lower(a[i - 1]) == Lower(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::vector<std::string> Suggest(std::string_view name, const std::vector<std::string>& candidates,
                                 size_t max) {
  // Names are ids of at most a few dozen characters: a longer one is not a typo of any,
  // and the quadratic edit distance of a megabyte-long name would take minutes.
  constexpr size_t kMaxName = 256;
  if (name.size() > kMaxName) return {};
  const std::string lname = LowerStr(name);
  const int limit = std::max<int>(2, static_cast<int>(name.size()) / 3);
  std::vector<std::pair<int, std::string>> scored;
  for (const auto& c : candidates) {
    const int length_gap = std::abs(static_cast<int>(name.size()) - static_cast<int>(c.size()));
    const bool substring = lname.size() >= 3 && LowerStr(c).find(lname) != std::string::npos;
    if (length_gap > limit && !substring) continue;  // the distance is at least the gap
    int d = EditDistance(name, c);
    if (substring) d = std::min(d, 1);
    if (d <= limit) scored.emplace_back(d, c);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (const auto& [d, c] : scored) {
    if (out.size() >= max) break;
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  return out;
}

std::string DidYouMean(std::string_view name, const std::vector<std::string>& candidates) {
  auto s = Suggest(name, candidates);
  if (s.empty()) return "";
  std::string out = "did you mean ";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out.append(", ");
    out.append("'").append(s[i]).append("'");
  }
  return out + "?";
}

}  // namespace gpuadv
