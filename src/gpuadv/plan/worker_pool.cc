#include "gpuadv/plan/worker_pool.h"

#include <algorithm>

namespace gpuadv::plan {

WorkerPool::WorkerPool(int threads, Fn fn) : fn_(std::move(fn)) {
  for (int w = 1; w < std::max(1, threads); ++w) threads_.emplace_back([this, w] { Loop(w); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  start_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

unsigned WorkerPool::HardwareThreads() { return std::max(1u, std::thread::hardware_concurrency()); }

void WorkerPool::Drain(int worker) {
  for (size_t i = next_.fetch_add(1); i < count_; i = next_.fetch_add(1)) fn_(worker, i);
}

void WorkerPool::Loop(int worker) {
  uint64_t seen = 0;
  while (true) {
    {
      std::unique_lock<std::mutex> lk(mu_);
      start_cv_.wait(lk, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
    }
    Drain(worker);
    std::lock_guard<std::mutex> lk(mu_);
    if (--active_ == 0) done_cv_.notify_one();
  }
}

void WorkerPool::Run(size_t count) {
  // Waking the workers costs tens of microseconds; a small batch is faster inline.
  if (threads_.empty() || count < kMinParallelBatch) {
    for (size_t i = 0; i < count; ++i) fn_(0, i);
    return;
  }
  {
    std::lock_guard<std::mutex> lk(mu_);
    count_ = count;
    next_.store(0);
    active_ = static_cast<int>(threads_.size());
    ++generation_;
  }
  start_cv_.notify_all();
  Drain(0);
  std::unique_lock<std::mutex> lk(mu_);
  done_cv_.wait(lk, [&] { return active_ == 0; });
}

}  // namespace gpuadv::plan
