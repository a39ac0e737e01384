// Offline lookup in the Hugging Face hub cache (huggingface_hub file_download.py layout:
// repo folder "models--" + id with '/' -> "--", refs/<branch> holding a commit hash,
// snapshots/<hash>/<files>).
#include "gpuadv/io/hf_cache.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace gpuadv::io {
namespace {

namespace fs = std::filesystem;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

bool IsFile(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

// The commit hash refs/main names (first line, trimmed), or "".
std::string MainRevision(const fs::path& repo) {
  std::ifstream in(repo / "refs" / "main");
  std::string rev;
  if (!in || !std::getline(in, rev)) return "";
  while (!rev.empty() && (rev.back() == '\r' || rev.back() == ' ')) rev.pop_back();
  if (rev.find('/') != std::string::npos || rev.find("..") != std::string::npos) return "";
  return rev;
}

std::optional<std::string> SnapshotConfig(const fs::path& repo) {
  const std::string rev = MainRevision(repo);
  if (!rev.empty() && IsFile(repo / "snapshots" / rev / "config.json"))
    return (repo / "snapshots" / rev / "config.json").string();
  std::error_code ec;
  std::vector<fs::path> snapshots;
  for (fs::directory_iterator it(repo / "snapshots", ec), end; !ec && it != end; it.increment(ec))
    snapshots.push_back(it->path());
  std::sort(snapshots.begin(), snapshots.end());
  for (const auto& s : snapshots)
    if (IsFile(s / "config.json")) return (s / "config.json").string();
  return std::nullopt;
}

}  // namespace

bool LooksLikeHubId(const std::string& ref) {
  const auto slash = ref.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 >= ref.size()) return false;
  if (ref.find('/', slash + 1) != std::string::npos) return false;
  if (ref.ends_with(".json") || ref.front() == '.' || ref.front() == '~') return false;
  return ref.find("..") == std::string::npos;
}

std::vector<std::string> HubCacheDirs() {
  if (std::string hub = Env("HF_HUB_CACHE"); !hub.empty()) return {hub};
  if (std::string home = Env("HF_HOME"); !home.empty()) return {(fs::path(home) / "hub").string()};
  const std::string user = Env("HOME");
  if (user.empty()) return {};
  return {(fs::path(user) / ".cache" / "huggingface" / "hub").string()};
}

std::string HubRepoFolder(const std::string& repo_id) {
  std::string folder = "models--" + repo_id;
  for (size_t at = folder.find('/'); at != std::string::npos; at = folder.find('/', at))
    folder.replace(at, 1, "--");
  return folder;
}

std::optional<std::string> FindCachedConfig(const std::string& repo_id,
                                            const std::vector<std::string>& dirs) {
  const std::string folder = HubRepoFolder(repo_id);
  for (const auto& dir : dirs)
    if (auto found = SnapshotConfig(fs::path(dir) / folder)) return found;
  return std::nullopt;
}

}  // namespace gpuadv::io
