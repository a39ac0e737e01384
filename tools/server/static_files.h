#pragma once
// The web page's files: the embedded assets, or a --web-root folder for development
// (llama.cpp's public_path; STYLE.md principle 9).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gpuadv::server {

struct StaticFile {
  std::string content;
  std::string content_type;
  std::string gzip;  // the content gzip-compressed once at start (embedded files), or ""
  std::string etag;  // "\"<hash>\"" of the content (embedded files), or ""
};

/// Contract: serves only (a) embedded assets by exact name and (b) regular files inside
/// `web_root` (canonical, symlinks resolved, so nothing outside it) whose request path is
/// made of plain segments ([A-Za-z0-9._-], none starting with '.'). A file found under
/// `web_root` wins over the embedded one of the same name, so a development folder without
/// the charting bundle still gets the embedded bundle. Anything else is nullopt (404).
class StaticFiles {
 public:
  /// `web_root` empty: embedded only. Throws InputError("--web-root") unless a directory.
  explicit StaticFiles(const std::string& web_root);

  /// `request_path` as decoded from the URL ("/", "/app.js"); "/" and ".../" mean index.html.
  std::optional<StaticFile> Find(std::string_view request_path) const;

  /// "text/html; charset=utf-8", ... by extension; application/octet-stream otherwise.
  static std::string ContentType(std::string_view name);

 private:
  std::string root_;  // canonical, without a trailing slash; empty = none
  std::vector<std::pair<std::string, StaticFile>> embedded_;  // compressed once, here
};

/// `data` gzip-compressed (zlib, best compression): what a client sending
/// Accept-Encoding: gzip gets for a static file.
std::string Gzip(std::string_view data);

}  // namespace gpuadv::server
