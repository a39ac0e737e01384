#include "tools/server/http.h"

#include <unistd.h>

#include <cstdio>
#include <mutex>

#include "gpuadv/core/escape.h"

namespace gpuadv::server {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX escapes decoded (a malformed one stays as it is); '+' is a space when `plus_is_space`.
std::string PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = HexDigit(s[i + 1]), lo = HexDigit(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += plus_is_space && s[i] == '+' ? ' ' : s[i];
  }
  return out;
}

const std::string* Find(const KeyValues& kv, std::string_view key, bool ignore_case) {
  for (const auto& [k, v] : kv)
    if (ignore_case ? EqualsIgnoreCase(k, key) : k == key) return &v;
  return nullptr;
}

}  // namespace

std::string Request::Param(std::string_view name) const {
  const std::string* v = Find(params, name, false);
  return v ? *v : std::string();
}

size_t Request::ParamCount(std::string_view name) const {
  size_t n = 0;
  for (const auto& kv : params) n += kv.first == name;
  return n;
}

std::string Request::Header(std::string_view name) const {
  const std::string* v = Find(headers, name, true);
  return v ? *v : std::string();
}

void Response::SetHeader(std::string name, std::string value) {
  for (auto& [k, v] : headers)
    if (EqualsIgnoreCase(k, name)) {
      v = std::move(value);
      return;
    }
  headers.emplace_back(std::move(name), std::move(value));
}

void Response::SetContent(std::string content, std::string type) {
  body = std::move(content);
  content_type = std::move(type);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool ParseTarget(std::string_view target, std::string& path, KeyValues& params) {
  if (target.empty() || target.front() != '/') return false;
  const size_t q = target.find('?');
  path = PercentDecode(target.substr(0, q), false);
  params.clear();
  if (q == std::string_view::npos) return true;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      const size_t eq = pair.find('=');
      params.emplace_back(
          PercentDecode(pair.substr(0, eq), true),
          eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1), true));
    }
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
  }
  return true;
}

bool HostIsLoopback(const KeyValues& headers) {
  const std::string* value = Find(headers, "Host", true);
  if (!value || value->empty()) return true;  // HTTP/1.0 clients
  std::string_view host = *value;
  for (const unsigned char c : host)
    if (c < 0x20 || c == 0x7f) return false;
  if (!host.empty() && host.front() == '[') {
    host = host.substr(0, host.find(']') + 1);  // npos + 1 == 0: the whole "[" is no host
  } else {
    host = host.substr(0, host.find(':'));
  }
  return host == "127.0.0.1" || EqualsIgnoreCase(host, "localhost") || host == "[::1]";
}

std::string EscapeForLog(std::string_view s, size_t max_bytes) {
  return EscapeBytes(s, max_bytes, /*escape_backslash=*/true);
}

void LogLine(std::string line) {
  static std::mutex mu;
  line += '\n';
  std::lock_guard<std::mutex> lock(mu);
  size_t done = 0;
  while (done < line.size()) {  // one write unless a signal or a full pipe splits it
    const ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

}  // namespace gpuadv::server
