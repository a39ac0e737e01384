#pragma once
// `gpu-advisor serve` (DESIGN.md C13): the HTTP JSON API and the embedded web page, over the
// same request functions as the CLI (src/gpuadv/api; STYLE.md principle 1). One I/O thread
// (Boost.Asio/Beast, event-driven, so slow or idle clients cost a socket, not a thread)
// answers /healthz and the files and hands estimates and searches to a worker pool; the
// HTTP library stays behind this pimpl.
#include <cstddef>
#include <iosfwd>
#include <memory>
#include <string>

#include "gpuadv/api/environment.h"
#include "tools/server/result_cache.h"

namespace gpuadv::server {

/// Contract: every limit is finite; the defaults are safe on a workstation.
struct ServerOptions {
  std::string host = "127.0.0.1";      // loopback unless told otherwise
  int port = 8080;                     // 0: any free port (Bind() returns it)
  std::string web_root;                // empty: only the embedded page
  int threads = 0;                     // compute workers; 0: sized to the machine (DefaultThreads)
  size_t max_body_bytes = 1u << 20;    // however framed (chunked too); larger bodies get 413
  size_t max_header_bytes = 8u << 10;  // request line + headers; larger get 431
  int header_timeout_ms = 5000;        // request line + headers, from the connection's start or the
                                       // previous response (so also the keep-alive idle time)
  int body_timeout_ms = 10000;         // the whole body, after the headers
  int write_timeout_ms = 10000;        // the whole response
  int max_connections = 10000;         // open at once; more are closed as they are accepted
  int max_queued = 1024;               // requests waiting for a worker; more get 503
  bool log_requests = false;           // one stderr line per request (errors always)
  CacheLimits cache;                   // computed answers kept for repeated requests
};

/// Compute workers for `threads == 0`: one per hardware thread (they never wait on the
/// network; the I/O thread does that for every connection).
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
  /// Thread-safe; makes Run() return once the workers finish the requests they are running
  /// (queued ones are dropped, their connections closed).
  void Stop();
  bool IsRunning() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The `serve` verb: raises the open-file limit to fit opt.max_connections, binds, prints
/// the address to `out`, serves until SIGINT or SIGTERM. Returns the exit code.
int Serve(const ServerOptions& opt, api::Environment env, std::ostream& out);

}  // namespace gpuadv::server
