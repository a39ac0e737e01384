#include "tools/server/server.h"

#include <arpa/inet.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "gpuadv/core/error.h"
#include "tools/server/routes.h"
#include "tools/server/session.h"
#include "tools/server/static_files.h"
#include "tools/server/task_queue.h"

namespace gpuadv::server {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Declared in the order they must outlive each other: the io_context destroys the sessions
// it still holds (which use ctx), and the pool's workers post into the io_context.
struct Server::Impl {
  ServerOptions opt;
  api::Environment env;
  StaticFiles files;
  Routes routes;
  std::unique_ptr<TaskQueue> pool;
  SessionContext ctx;
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  asio::steady_timer retry{ioc};
  std::atomic<bool> running{false};

  Impl(const ServerOptions& o, api::Environment e)
      : opt(o),
        env(std::move(e)),
        files(o.web_root),
        routes(env, files, IsLoopback(o.host), o.cache),
        pool(std::make_unique<TaskQueue>(
            static_cast<size_t>(o.threads > 0 ? o.threads : DefaultThreads()),
            static_cast<size_t>(o.max_queued))),
        ctx{opt, routes, *pool} {}
  ~Impl() {
    ioc.stop();
    ctx.stopping = true;
    pool->Shutdown();  // runs what it holds; their replies are posted, never run
  }

  void Accept();
};

void Server::Impl::Accept() {
  acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) {  // out of file descriptors, say: retry shortly instead of spinning
      retry.expires_after(std::chrono::milliseconds(50));
      retry.async_wait([this](boost::system::error_code wec) {
        if (!wec) Accept();
      });
      return;
    }
    if (ctx.connections.load() >= opt.max_connections) {
      socket.close(ec);  // bounded: a flood costs a refused connection, not memory
    } else {
      socket.set_option(tcp::no_delay(true), ec);  // small replies: no Nagle stalls
      StartSession(std::move(socket), ctx);
    }
    Accept();
  });
}

int DefaultThreads() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

bool IsLoopback(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr a{};
  if (inet_pton(AF_INET, host.c_str(), &a) == 1) return (ntohl(a.s_addr) >> 24) == 127;
  return false;
}

Server::Server(const ServerOptions& opt, api::Environment env) {
  if (opt.host.empty() || opt.host.size() > 255)
    throw InputError("--host", opt.host, "an IP address or host name, e.g. 127.0.0.1");
  if (opt.port < 0 || opt.port > 65535)
    throw InputError("--port", std::to_string(opt.port), "a port from 1 to 65535, or 0 for any",
                     "out of range");
  if (opt.threads < 0 || opt.threads > 1024)
    throw InputError("--threads", std::to_string(opt.threads), "0 (sized to the machine) to 1024",
                     "out of range");
  if (opt.header_timeout_ms < 1 || opt.body_timeout_ms < 1 || opt.write_timeout_ms < 1 ||
      opt.max_connections < 1 || opt.max_queued < 1 || opt.max_header_bytes < 1024)
    throw InputError("ServerOptions", "a zero limit", "positive timeouts and limits");
  impl_ = std::make_unique<Impl>(opt, std::move(env));
}

Server::~Server() = default;

int Server::Bind() {
  auto& i = *impl_;
  try {
    tcp::resolver resolver(i.ioc);
    const auto endpoint = resolver.resolve(i.opt.host, std::to_string(i.opt.port))->endpoint();
    i.acceptor.open(endpoint.protocol());
    // SO_REUSEADDR only, never SO_REUSEPORT: that would let a second server bind the same
    // port and take half of the connections.
    i.acceptor.set_option(tcp::acceptor::reuse_address(true));
    i.acceptor.bind(endpoint);
    i.acceptor.listen(asio::socket_base::max_listen_connections);
    return i.acceptor.local_endpoint().port();
  } catch (const boost::system::system_error&) {
    throw std::runtime_error("cannot listen on " + i.opt.host + ":" + std::to_string(i.opt.port) +
                             " (address in use, not local, or not permitted)");
  }
}

bool Server::Run() {
  auto& i = *impl_;
  if (!i.acceptor.is_open()) return false;
  i.Accept();
  i.running = true;
  i.ioc.run();
  i.running = false;
  i.ctx.stopping = true;  // queued requests are dropped, those running finish
  i.pool->Shutdown();
  return true;
}

void Server::Stop() { impl_->ioc.stop(); }

bool Server::IsRunning() const { return impl_->running; }

namespace {

// glibc malloc arenas the server's threads share. The default (8 per core) gives each
// thread its own arena, each keeping its own freed memory: under `wrk -c200` after a
// warm-up, RSS grew 12 -> 16 MiB with the default and stayed flat (12 -> 12 MiB) with one
// (scripts/load.sh, issue 17 "RSS flat within 10 %"). Small allocations stay lock-free in
// the per-thread caches (tcache). MALLOC_ARENA_MAX in the environment still decides.
constexpr int kMallocArenas = 1;

void LimitMallocArenas() {
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, kMallocArenas);
}

// Each connection holds a descriptor: room for opt.max_connections and some to spare.
void RaiseOpenFileLimit(const ServerOptions& opt) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  const rlim_t want = static_cast<rlim_t>(opt.max_connections) + 64;
  if (lim.rlim_cur >= want) return;
  lim.rlim_cur = std::min(want, lim.rlim_max);
  setrlimit(RLIMIT_NOFILE, &lim);
}

}  // namespace

int Serve(const ServerOptions& opt, api::Environment env, std::ostream& out) {
  // SIGINT/SIGTERM are blocked in every thread and taken by one waiter, which stops the
  // server from ordinary code (no work in a signal handler). Workers inherit the mask.
  sigset_t stop_signals, old;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, &old);
  signal(SIGPIPE, SIG_IGN);

  RaiseOpenFileLimit(opt);
  LimitMallocArenas();  // before any thread starts
  Server srv(opt, std::move(env));
  const int port = srv.Bind();
  const std::string host =
      opt.host.find(':') != std::string::npos ? "[" + opt.host + "]" : opt.host;
  out << "gpu-advisor serve: listening on http://" << host << ":" << port << "/ ("
      << (opt.threads > 0 ? opt.threads : DefaultThreads()) << " workers, "
      << (opt.web_root.empty() ? std::string("embedded page") : "web root " + opt.web_root)
      << "); Ctrl-C stops" << std::endl;
  if (!IsLoopback(opt.host))
    out << "gpu-advisor serve: warning: " << opt.host
        << " is not a loopback address; anyone who can reach it can use this server" << std::endl;

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    srv.Stop();
  });
  const bool ok = srv.Run();
  pthread_kill(waiter.native_handle(), SIGTERM);  // wakes the waiter if Run ended by itself
  waiter.join();
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  out << "gpu-advisor serve: stopped" << std::endl;
  return ok ? 0 : 1;
}

}  // namespace gpuadv::server
