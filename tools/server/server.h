#pragma once
// `gpu-advisor serve` (DESIGN.md C13): the HTTP JSON API and the embedded web page, over the
// same request functions as the CLI (src/gpuadv/api; STYLE.md principle 1). cpp-httplib
// stays behind this pimpl.
#include <cstddef>
#include <iosfwd>
#include <memory>
#include <string>

#include "gpuadv/api/environment.h"

namespace gpuadv::server {

/// Contract: every limit is finite; the defaults are safe on a workstation.
struct ServerOptions {
  std::string host = "127.0.0.1";    // loopback unless told otherwise
  int port = 8080;                   // 0: any free port (Bind() returns it)
  std::string web_root;              // empty: only the embedded page
  int threads = 0;                   // 0: sized to the machine (DefaultThreads)
  size_t max_body_bytes = 1u << 20;  // larger bodies get 413
  int read_timeout_s = 5;            // per read; header lines are capped at 8 KiB
  int write_timeout_s = 5;
  int keep_alive_timeout_s = 2;  // idle keep-alive connections give their worker back
  int keep_alive_max_requests = 100;
  bool log_requests = false;  // one stderr line per request (errors always)
};

/// Workers for `threads == 0`: twice the hardware threads, at least 8 (a worker serves one
/// keep-alive connection at a time, so it waits on the network as often as it computes).
int DefaultThreads();

/// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopback(const std::string& host);

class Server {
 public:
  /// Throws InputError for a bad option (field "--host", "--port", "--web-root", ...).
  Server(const ServerOptions& opt, api::Environment env);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds the listening socket; returns the port. Throws std::runtime_error when the
  /// address cannot be bound.
  int Bind();
  /// Serves until Stop(); call after Bind(). Returns false if the accept loop failed.
  bool Run();
  /// Thread-safe; makes Run() return once the workers finish their current requests.
  void Stop();
  bool IsRunning() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The `serve` verb: binds, prints the address to `out`, serves until SIGINT or SIGTERM.
/// Returns the exit code.
int Serve(const ServerOptions& opt, api::Environment env, std::ostream& out);

}  // namespace gpuadv::server
