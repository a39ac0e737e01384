#include "gpuadv/detect/smi_parse.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "gpuadv/core/strings.h"

namespace gpuadv::detect {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;  // nvidia-smi's "MiB" (nounits)

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string line = Trim(text.substr(start, nl - start));
    if (!line.empty()) out.push_back(line);
    start = nl + 1;
  }
  return out;
}

std::vector<std::string> SplitCsv(std::string_view line) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t comma = line.find(',', start);
    out.push_back(Trim(line.substr(start, comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

bool Unknown(const std::string& v) {
  const std::string l = Lower(v);
  return l.empty() || l == "[n/a]" || l == "n/a" || l == "[not supported]" ||
         l == "[unknown error]" || l == "[insufficient permissions]";
}

// A finite non-negative number, or nullopt for the tool's "unknown" spellings. `ok` turns
// false on text that is neither (malformed output).
std::optional<double> Number(const std::string& v, bool* ok) {
  if (Unknown(v)) return std::nullopt;
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (end == v.c_str() || *end != '\0' || !std::isfinite(d) || d < 0) {
    *ok = false;
    return std::nullopt;
  }
  return d;
}

std::optional<int> Int(const std::string& v, bool* ok) {
  auto d = Number(v, ok);
  if (!d) return std::nullopt;
  return static_cast<int>(*d);
}

}  // namespace

bool IsNvidiaSmiDriverFailure(std::string_view text) {
  return text.find("NVIDIA-SMI has failed") != std::string_view::npos ||
         text.find("No devices were found") != std::string_view::npos;
}

QueryResult ParseNvidiaSmiCsv(std::string_view text) {
  QueryResult r;
  r.status = QueryResult::Status::kOk;
  for (const std::string& line : SplitLines(text)) {
    const auto f = SplitCsv(line);
    bool ok = f.size() == 8 || f.size() == 9;
    DetectedGpu g;
    g.vendor = "nvidia";
    g.source = "nvidia-smi";
    if (ok) {
      auto idx = Int(f[0], &ok);
      g.index = idx.value_or(-1);
      if (!idx) ok = false;
      g.name = f[1];
      if (g.name.empty()) ok = false;
      if (auto mib = Number(f[2], &ok)) g.memory_total_bytes = std::llround(*mib * kMiB);
      if (auto mib = Number(f[3], &ok)) g.memory_free_bytes = std::llround(*mib * kMiB);
      g.power_limit_w = Number(f[4], &ok);
      g.pcie_gen = Int(f[5], &ok);
      g.pcie_width = Int(f[6], &ok);
      if (!Unknown(f[7])) g.driver = f[7];
    }
    if (!ok) {
      r.status = QueryResult::Status::kFailed;
      r.gpus.clear();
      r.message = "nvidia-smi: unexpected output line '" + line.substr(0, 120) + "'";
      return r;
    }
    if (f.size() == 9 && Lower(f[8]) == "enabled") g.mig_enabled = true;
    r.gpus.push_back(std::move(g));
  }
  return r;
}

std::string ParseCudaVersion(std::string_view banner) {
  const std::string_view key = "CUDA Version:";
  const size_t at = banner.find(key);
  if (at == std::string_view::npos) return "";
  size_t b = at + key.size();
  while (b < banner.size() && banner[b] == ' ') ++b;
  size_t e = b;
  while (e < banner.size() &&
         (std::isdigit(static_cast<unsigned char>(banner[e])) || banner[e] == '.'))
    ++e;
  return std::string(banner.substr(b, e - b));
}

std::vector<DetectedGpu> ParseNvidiaSmiList(std::string_view text,
                                            const std::vector<DetectedGpu>& parents) {
  std::vector<DetectedGpu> out;
  const DetectedGpu* parent = nullptr;
  for (const std::string& line : SplitLines(text)) {
    if (line.rfind("GPU ", 0) == 0) {
      const int idx = std::atoi(line.c_str() + 4);
      parent = nullptr;
      for (const auto& p : parents)
        if (p.index == idx) parent = &p;
      continue;
    }
    if (line.rfind("MIG ", 0) != 0 || parent == nullptr) continue;
    // "MIG 3g.40gb     Device  0: (UUID: MIG-...)"
    size_t b = 4;
    size_t e = line.find(' ', b);
    DetectedGpu g = *parent;
    g.mig_profile = line.substr(b, e - b);
    const size_t dot = g.mig_profile.find('.');
    const std::string mem = dot == std::string::npos ? "" : g.mig_profile.substr(dot + 1);
    // Profile memory is in GB as NVIDIA names it ("10gb" on an 80 GB H100 is ~9.75 GiB);
    // take it as GiB-sized, like catalog capacities, and leave free memory unknown.
    const double gb = std::atof(mem.c_str());
    g.memory_total_bytes.reset();
    if (gb > 0) g.memory_total_bytes = std::llround(gb * 1024.0 * kMiB);
    g.memory_free_bytes.reset();
    g.name = parent->name + " MIG " + g.mig_profile;
    out.push_back(std::move(g));
  }
  return out;
}

QueryResult ParseRocmSmiCsv(std::string_view text) {
  QueryResult r;
  const auto lines = SplitLines(text);
  int name_col = -1, total_col = -1, used_col = -1, dev_col = -1;
  size_t header = lines.size();
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto h = SplitCsv(lines[i]);
    for (size_t c = 0; c < h.size(); ++c) {
      const std::string l = Lower(h[c]);
      if (l == "device") dev_col = static_cast<int>(c);
      if (l == "card series") name_col = static_cast<int>(c);
      if (l == "vram total memory (b)") total_col = static_cast<int>(c);
      if (l == "vram total used memory (b)") used_col = static_cast<int>(c);
    }
    if (name_col >= 0 || total_col >= 0) {
      header = i;
      break;
    }
  }
  if (header == lines.size() || name_col < 0) {
    r.status = QueryResult::Status::kFailed;
    r.message = "rocm-smi: no 'Card series' column in its CSV output";
    return r;
  }
  r.status = QueryResult::Status::kOk;
  for (size_t i = header + 1; i < lines.size(); ++i) {
    const auto f = SplitCsv(lines[i]);
    if (f.size() <= static_cast<size_t>(name_col)) continue;  // trailer lines
    DetectedGpu g;
    g.vendor = "amd";
    g.source = "rocm-smi";
    g.name = f[name_col];
    bool ok = !g.name.empty();
    g.index = static_cast<int>(r.gpus.size());
    if (dev_col >= 0 && static_cast<size_t>(dev_col) < f.size()) {
      std::string d = f[dev_col];  // "card0"
      const size_t digit = d.find_first_of("0123456789");
      if (digit != std::string::npos) g.index = std::atoi(d.c_str() + digit);
    }
    std::optional<double> total, used;
    if (total_col >= 0 && static_cast<size_t>(total_col) < f.size())
      total = Number(f[total_col], &ok);
    if (used_col >= 0 && static_cast<size_t>(used_col) < f.size()) used = Number(f[used_col], &ok);
    if (!ok) {
      r.status = QueryResult::Status::kFailed;
      r.gpus.clear();
      r.message = "rocm-smi: unexpected output line '" + lines[i].substr(0, 120) + "'";
      return r;
    }
    if (total) g.memory_total_bytes = static_cast<std::uint64_t>(*total);
    if (total && used && *used <= *total)
      g.memory_free_bytes = static_cast<std::uint64_t>(*total - *used);
    r.gpus.push_back(std::move(g));
  }
  return r;
}

}  // namespace gpuadv::detect
