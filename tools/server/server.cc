#include "tools/server/server.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "gpuadv/core/error.h"
#include "tools/server/routes.h"
#include "tools/server/static_files.h"
#include "tools/server/task_queue.h"

namespace gpuadv::server {

struct Server::Impl {
  ServerOptions opt;
  api::Environment env;
  StaticFiles files;
  httplib::Server http;
  int port = -1;

  Impl(const ServerOptions& o, api::Environment e) : opt(o), env(std::move(e)), files(o.web_root) {}
};

int DefaultThreads() {
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  return static_cast<int>(std::max(8u, 2 * hw));
}

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
  impl_ = std::make_unique<Impl>(opt, std::move(env));
  auto& http = impl_->http;
  const size_t workers = static_cast<size_t>(opt.threads > 0 ? opt.threads : DefaultThreads());
  http.new_task_queue = [workers] { return new BoundedTaskQueue(workers, 4 * workers); };
  // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, which lets a second server
  // bind the same port and take half of its connections.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  http.set_tcp_nodelay(true);  // small JSON replies: no 40 ms Nagle / delayed-ACK stalls
  http.set_payload_max_length(opt.max_body_bytes);
  http.set_read_timeout(opt.read_timeout_s, 0);
  http.set_write_timeout(opt.write_timeout_s, 0);
  http.set_keep_alive_timeout(opt.keep_alive_timeout_s);
  http.set_keep_alive_max_count(static_cast<size_t>(opt.keep_alive_max_requests));
  if (opt.log_requests) {
    http.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      std::cerr << "serve: " << res.status << " " << req.method << " " << req.path << "\n";
    });
  }
  InstallRoutes(http, impl_->env, impl_->files, IsLoopback(opt.host));
}

Server::~Server() {
  if (impl_) impl_->http.stop();
}

int Server::Bind() {
  auto& i = *impl_;
  if (i.opt.port == 0) {
    i.port = i.http.bind_to_any_port(i.opt.host);
  } else {
    i.port = i.http.bind_to_port(i.opt.host, i.opt.port) ? i.opt.port : -1;
  }
  if (i.port < 0)
    throw std::runtime_error("cannot listen on " + i.opt.host + ":" + std::to_string(i.opt.port) +
                             " (address in use, not local, or not permitted)");
  return i.port;
}

bool Server::Run() { return impl_->http.listen_after_bind(); }

void Server::Stop() { impl_->http.stop(); }

bool Server::IsRunning() const { return impl_->http.is_running(); }

int Serve(const ServerOptions& opt, api::Environment env, std::ostream& out) {
  // SIGINT/SIGTERM are blocked in every thread and taken by one waiter, which stops the
  // server from ordinary code (no work in a signal handler). Workers inherit the mask.
  sigset_t stop_signals, old;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, &old);
  signal(SIGPIPE, SIG_IGN);

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
