#pragma once
// One HTTP/1.1 connection of `serve` on Boost.Beast (RFC 9112 framing: Content-Length and
// chunked bodies, bad or conflicting lengths refused by its parser). Requests are read
// one at a time, so pipelined ones wait in the buffer and are answered in order.
#include <atomic>
#include <boost/asio/ip/tcp.hpp>

#include "tools/server/routes.h"
#include "tools/server/server.h"
#include "tools/server/task_queue.h"

namespace gpuadv::server {

/// What every connection shares. Contract: outlives every session (server.cc keeps it
/// beside the io_context that runs them).
struct SessionContext {
  const ServerOptions& opt;
  const Routes& routes;
  TaskQueue& pool;
  std::atomic<int> connections{0};    // open sessions
  std::atomic<bool> stopping{false};  // set once the I/O thread stops: queued work is dropped
};

/// Serves `socket` until the client closes, a deadline passes or a request asks to close.
/// Contract: called on the I/O thread; the session lives on in its pending operations.
///  - the request line and headers (at most opt.max_header_bytes, else 431) must arrive
///    within opt.header_timeout_ms of the connection's start or the previous response,
///    the body (at most opt.max_body_bytes however framed, else 413 before more is kept)
///    within opt.body_timeout_ms after them; a connection past either is closed;
///  - light routes run on the I/O thread, heavy ones on ctx.pool (503 when it is full);
///  - a refused request (400, 413, 431) is answered and the connection closed.
void StartSession(boost::asio::ip::tcp::socket socket, SessionContext& ctx);

}  // namespace gpuadv::server
