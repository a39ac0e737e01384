#include "gpuadv/core/escape.h"

#include <cstdio>

namespace gpuadv {

std::string EscapeBytes(std::string_view s, size_t max_bytes, bool escape_backslash) {
  std::string out;
  out.reserve(s.size() < max_bytes ? s.size() : max_bytes);
  for (const unsigned char c : s) {
    if (out.size() >= max_bytes) {
      out += "...";
      break;
    }
    if (c < 0x20 || c >= 0x7f || (escape_backslash && c == '\\')) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace gpuadv
