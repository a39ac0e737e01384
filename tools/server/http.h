#pragma once
// A request and a response as the routes see them: plain data, no HTTP library behind it
// (session.cc fills them from Boost.Beast's parser, which checks the framing). Also the
// request target's decoding, the Host check and the escaping of log lines.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gpuadv::server {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;                // "GET", "POST", ...
  std::string path;                  // percent-decoded, without the query
  KeyValues params;                  // the query, decoded, in order ("?flag" has value "")
  KeyValues headers;                 // as sent
  std::string body;                  // bounded by ServerOptions::max_body_bytes
  std::vector<std::string> matches;  // the route pattern's captures; [0] is the whole path

  /// The first value of query parameter `name`, "" when absent.
  std::string Param(std::string_view name) const;
  size_t ParamCount(std::string_view name) const;
  bool HasParam(std::string_view name) const { return ParamCount(name) > 0; }
  /// The first value of header `name` (names compare case-insensitively), "" when absent.
  std::string Header(std::string_view name) const;
};

struct Response {
  int status = 200;
  KeyValues headers;  // besides Content-Type and Content-Length
  std::string body;
  std::string content_type;

  /// Sets header `name` (case-insensitive), replacing a value already set.
  void SetHeader(std::string name, std::string value);
  void SetContent(std::string content, std::string type);
};

using Handler = std::function<void(const Request&, Response&)>;

/// ASCII case-insensitive equality (header names, "chunked", "localhost").
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

/// Splits an origin-form request target ("/api/plan?gpus=8") into its percent-decoded
/// path and query parameters ('+' is a space in the query only). False when the target
/// is not origin-form ("*", "http://...").
bool ParseTarget(std::string_view target, std::string& path, KeyValues& params);

/// The Host header's name part is a loopback name: 127.0.0.1, localhost (any case),
/// [::1], with an optional port. A Host holding a control byte or NUL is never allowed;
/// no Host at all (HTTP/1.0) is.
bool HostIsLoopback(const KeyValues& headers);

/// `s` for a log line: bytes below 0x20, 0x7f and above, and '\' become \xNN, so a
/// request cannot forge a line or reach the terminal; cut at `max_bytes` with "...".
std::string EscapeForLog(std::string_view s, size_t max_bytes = 512);

/// Writes `line` and a newline to stderr in one write(2) under a process-wide mutex, so
/// lines of parallel requests never interleave.
void LogLine(std::string line);

}  // namespace gpuadv::server
