#pragma once
// Bytes made safe to print (error messages, log lines): control bytes and non-ASCII as
// \xNN, cut after `max_bytes` with "...".
#include <cstddef>
#include <string>
#include <string_view>

namespace gpuadv {

/// `escape_backslash`: also writes '\' as \x5c, so an escaped line cannot be mistaken for
/// one that was escaped already (log lines).
std::string EscapeBytes(std::string_view s, size_t max_bytes, bool escape_backslash = false);

}  // namespace gpuadv
