#pragma once
// A `serve` server on a free loopback port, serving on its own thread until destroyed.
#include <chrono>
#include <memory>
#include <thread>

#include "tools/server/server.h"

namespace gpuadv::server {

class Running {
 public:
  explicit Running(ServerOptions opt) {
    opt.host = "127.0.0.1";
    opt.port = 0;
    server_ = std::make_unique<Server>(opt, api::MakeEnvironment({}, false));
    port_ = server_->Bind();
    thread_ = std::thread([this] { server_->Run(); });
    for (int i = 0; i < 500 && !server_->IsRunning(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ~Running() {
    server_->Stop();
    thread_.join();
  }
  Running(const Running&) = delete;
  Running& operator=(const Running&) = delete;
  int port() const { return port_; }

 private:
  std::unique_ptr<Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace gpuadv::server
