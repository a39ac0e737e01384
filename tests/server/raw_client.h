#pragma once
// Raw TCP for the server tests: hostile clients need bytes no HTTP client library sends.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>

namespace gpuadv::server::testing_raw {

/// A connected loopback socket, or -1.
inline int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/// Sends all of `bytes`; false when the peer stopped taking them.
inline bool SendAll(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

/// Appends what arrives within `timeout_ms`; false on close, error or silence.
inline bool ReadSome(int fd, std::string& out, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return false;
  char buf[65536];
  const ssize_t n = recv(fd, buf, sizeof buf, 0);
  if (n <= 0) return false;
  out.append(buf, static_cast<size_t>(n));
  return true;
}

/// True when the peer closes (or resets) the connection within `timeout_ms`, having sent
/// nothing.
inline bool ClosedByPeer(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return false;
  char c;
  return recv(fd, &c, 1, 0) <= 0;
}

/// Reads until the peer closes or `timeout_ms` of silence.
inline std::string ReadToClose(int fd, int timeout_ms) {
  std::string out;
  while (ReadSome(fd, out, timeout_ms)) {
  }
  return out;
}

/// One whole response with a Content-Length (headers and body), "" on timeout.
inline std::string ReadResponse(int fd, int timeout_ms, std::string& pending) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const size_t end = pending.find("\r\n\r\n");
    if (end != std::string::npos) {
      const size_t cl = pending.find("Content-Length: ");
      const size_t length = cl < end ? std::strtoull(pending.c_str() + cl + 16, nullptr, 10) : 0;
      if (pending.size() >= end + 4 + length) {
        std::string one = pending.substr(0, end + 4 + length);
        pending.erase(0, one.size());
        return one;
      }
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0 || !ReadSome(fd, pending, static_cast<int>(left))) return "";
  }
}

/// Sends `bytes` on a new connection and returns whatever comes back before the server
/// closes or `timeout_ms` of silence.
inline std::string Raw(int port, const std::string& bytes, int timeout_ms = 3000) {
  const int fd = Connect(port);
  if (fd < 0) return "(connect failed)";
  SendAll(fd, bytes);
  std::string out = ReadToClose(fd, timeout_ms);
  close(fd);
  return out;
}

}  // namespace gpuadv::server::testing_raw
