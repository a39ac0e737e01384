#include "tools/server/static_files.h"

#include <filesystem>
#include <system_error>

#include "gpuadv/core/error.h"
#include "gpuadv/io/fields.h"
#include "tools/server/web_assets.h"

namespace gpuadv::server {
namespace {

constexpr size_t kMaxPathBytes = 1024;
constexpr size_t kMaxFileBytes = 16u << 20;

// A relative path of plain segments, or nullopt: no "..", no hidden files, no
// backslashes, no empty segments, no characters outside [A-Za-z0-9._-].
std::optional<std::string> SafeRelativePath(std::string_view request_path) {
  if (request_path.empty() || request_path.front() != '/' || request_path.size() > kMaxPathBytes)
    return std::nullopt;
  std::string rel(request_path.substr(1));
  if (rel.empty() || rel.back() == '/') rel += "index.html";
  size_t start = 0;
  while (start <= rel.size()) {
    size_t end = rel.find('/', start);
    if (end == std::string::npos) end = rel.size();
    if (end == start || rel[start] == '.') return std::nullopt;
    for (size_t i = start; i < end; ++i) {
      const char c = rel[i];
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
      if (!ok) return std::nullopt;
    }
    start = end + 1;
  }
  return rel;
}

}  // namespace

StaticFiles::StaticFiles(const std::string& web_root) {
  if (web_root.empty()) return;
  std::error_code ec;
  const auto canon = std::filesystem::canonical(web_root, ec);
  if (ec || !std::filesystem::is_directory(canon, ec))
    throw InputError("--web-root", web_root, "an existing directory (e.g. web)", "not a directory");
  root_ = canon.string();
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

std::optional<StaticFile> StaticFiles::Find(std::string_view request_path) const {
  const auto rel = SafeRelativePath(request_path);
  if (!rel) return std::nullopt;
  if (!root_.empty()) {
    std::error_code ec;
    const auto canon = std::filesystem::canonical(std::filesystem::path(root_) / *rel, ec);
    const std::string prefix = root_ == "/" ? root_ : root_ + "/";
    if (!ec && canon.string().starts_with(prefix) && std::filesystem::is_regular_file(canon, ec)) {
      try {
        return StaticFile{io::ReadFileBounded(canon.string(), "--web-root", kMaxFileBytes),
                          ContentType(*rel)};
      } catch (const InputError&) {
        return std::nullopt;  // vanished or grew past the bound: not served
      }
    }
  }
  for (const auto& f : WebAssets())
    if (f.path == *rel) return StaticFile{std::string(f.content), ContentType(*rel)};
  return std::nullopt;
}

std::string StaticFiles::ContentType(std::string_view name) {
  struct Type {
    std::string_view ext, type;
  };
  static constexpr Type kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
      {".md", "text/plain; charset=utf-8"},
  };
  for (const auto& t : kTypes)
    if (name.ends_with(t.ext)) return std::string(t.type);
  return "application/octet-stream";
}

}  // namespace gpuadv::server
