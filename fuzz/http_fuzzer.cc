// Fuzzes HTTP request handling through the server `gpu-advisor serve` runs
// (tools/server: Boost.Beast + the same routes), started once on a free loopback port.
// Input: the first line is "METHOD TARGET" ("POST /api/estimate?explain=true"), the rest
// the body; the harness adds Host, Content-Type and Content-Length, and sends it on one
// keep-alive connection (reopened whenever the server closes it).
// Malformed request lines are skipped: parsing them is Beast's job, not ours.
// A finding: no response within 10 s (crash or hang) or a 500 (an exception other than
// InputError reached the route guard). /api/recommend and /api/plan are skipped: they
// search many GPUs or layouts and would make this target slow.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>

#include "fuzz/fuzz_check.h"
#include "gpuadv/api/environment.h"
#include "tools/server/server.h"

namespace {

int port = 0;
int conn = -1;  // one keep-alive connection, reopened when the server closes it

int Connect() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) gpuadv::fuzz::Fail("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    gpuadv::fuzz::Fail("cannot connect to the server (did it crash?)");
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void Disconnect() {
  if (conn >= 0) ::close(conn);
  conn = -1;
}

// Reads more of the response into `response`; false on close, error or 10 s of silence.
bool ReadMore(std::string& response) {
  char buf[65536];
  pollfd p{conn, POLLIN, 0};
  if (::poll(&p, 1, 10000) <= 0) return false;
  const ssize_t n = ::recv(conn, buf, sizeof buf, 0);
  if (n <= 0) return false;
  response.append(buf, static_cast<size_t>(n));
  return true;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Sends `request` on the keep-alive connection and returns one whole response (headers and
// Content-Length bytes of body; "" if none came in time). Closes the connection when the
// server asks to, or when the response has no length (read to the close instead).
std::string RoundTrip(const std::string& request, bool head_request) {
  if (conn < 0) conn = Connect();
  for (size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(conn, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer (413) and close before reading everything
    sent += static_cast<size_t>(n);
  }
  std::string response;
  size_t header_end;
  while ((header_end = response.find("\r\n\r\n")) == std::string::npos) {
    if (!ReadMore(response)) {
      Disconnect();
      return response;
    }
  }
  header_end += 4;
  const std::string headers = Lower(std::string_view(response).substr(0, header_end));
  const size_t cl = headers.find("\r\ncontent-length:");
  if (head_request || cl != std::string::npos) {
    const size_t length = head_request ? 0 : std::strtoull(headers.c_str() + cl + 17, nullptr, 10);
    while (response.size() < header_end + length)
      if (!ReadMore(response)) break;
    if (headers.find("\r\nconnection: close") != std::string::npos ||
        response.size() != header_end + length)
      Disconnect();
  } else {
    while (ReadMore(response)) {
    }
    Disconnect();
  }
  return response;
}

// "METHOD /target": a common method, one space, a target of visible ASCII.
bool WellFormedHead(std::string_view head) {
  const size_t space = head.find(' ');
  if (space == std::string_view::npos) return false;
  const std::string_view method = head.substr(0, space);
  bool known = false;
  for (std::string_view m : {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"})
    known = known || method == m;
  if (!known) return false;
  const std::string_view target = head.substr(space + 1);
  if (target.empty() || target[0] != '/') return false;
  for (char c : target)
    if (c <= ' ' || c > '~') return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  gpuadv::server::ServerOptions opt;
  opt.port = 0;
  opt.threads = 4;
  opt.header_timeout_ms = 30000;  // also the keep-alive idle time between inputs
  opt.body_timeout_ms = 2000;
  opt.write_timeout_ms = 2000;
  // Never destroyed: its accept loop runs on a detached thread until the process exits.
  static auto* server = new gpuadv::server::Server(opt, gpuadv::api::MakeEnvironment({}, false));
  port = server->Bind();
  std::thread([] { server->Run(); }).detach();
  while (!server->IsRunning()) std::this_thread::yield();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const size_t eol = text.find('\n');
  const std::string_view head = text.substr(0, eol);
  const std::string_view body = eol == std::string_view::npos ? "" : text.substr(eol + 1);
  if (!WellFormedHead(head) || head.find("/api/recommend") != std::string_view::npos ||
      head.find("/api/plan") != std::string_view::npos)
    return 0;
  const std::string request =
      std::string(head) + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n\r\n" + std::string(body);
  const bool head_request = head.substr(0, 5) == "HEAD ";
  std::string response = RoundTrip(request, head_request);
  // A kept-alive connection the server has since closed answers nothing: retry once afresh.
  if (response.empty()) response = RoundTrip(request, head_request);
  if (response.empty()) gpuadv::fuzz::Fail("no response within 10 s");
  if (response.rfind("HTTP/1.1 500", 0) == 0) gpuadv::fuzz::Fail("500: " + response);
  return 0;
}
