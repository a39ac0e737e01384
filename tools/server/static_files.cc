#include "tools/server/static_files.h"

#include <zlib.h>

#include <cstdint>
#include <cstdio>
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

// A strong validator of `content`: 64-bit FNV-1a and the length.
std::string Etag(std::string_view content) {
  constexpr uint64_t kFnvOffset = 14695981039346656037ull, kFnvPrime = 1099511628211ull;
  uint64_t h = kFnvOffset;
  for (unsigned char c : content) h = (h ^ c) * kFnvPrime;
  char buf[48];
  std::snprintf(buf, sizeof buf, "\"%016llx-%zx\"", static_cast<unsigned long long>(h),
                content.size());
  return buf;
}

}  // namespace

std::string Gzip(std::string_view data) {
  constexpr int kGzipWindowBits = 15 + 16;  // zlib: 15-bit window, gzip wrapper
  constexpr int kMemLevel = 8;              // zlib's default
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, kGzipWindowBits, kMemLevel,
                   Z_DEFAULT_STRATEGY) != Z_OK)
    return "";
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END ? out : "";
}

StaticFiles::StaticFiles(const std::string& web_root) {
  for (const auto& f : WebAssets()) {
    const std::string path(f.path);
    embedded_.emplace_back(path, StaticFile{std::string(f.content), ContentType(path),
                                            Gzip(f.content), Etag(f.content)});
  }
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
                          ContentType(*rel), "", ""};
      } catch (const InputError&) {
        return std::nullopt;  // vanished or grew past the bound: not served
      }
    }
  }
  for (const auto& [path, file] : embedded_)
    if (path == *rel) return file;
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
