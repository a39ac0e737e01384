#include "tools/server/task_queue.h"

namespace gpuadv::server {

BoundedTaskQueue::BoundedTaskQueue(size_t workers, size_t max_queued)
    : max_queued_(max_queued < 1 ? 1 : max_queued) {
  if (workers < 1) workers = 1;
  threads_.reserve(workers);
  for (size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { Work(); });
}

BoundedTaskQueue::~BoundedTaskQueue() { shutdown(); }

void BoundedTaskQueue::enqueue(std::function<void()> fn) {
  std::unique_lock<std::mutex> lock(mu_);
  has_room_.wait(lock, [this] { return shutdown_ || jobs_.size() < max_queued_; });
  // After shutdown the job still runs: it owns the accepted socket and closes it.
  jobs_.push_back(std::move(fn));
  lock.unlock();
  has_work_.notify_one();
}

void BoundedTaskQueue::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutdown_ && threads_.empty()) return;
    shutdown_ = true;
  }
  has_work_.notify_all();
  has_room_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  // Jobs left behind (none once the workers drained the queue) would leak their sockets.
  std::deque<std::function<void()>> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    left.swap(jobs_);
  }
  for (auto& fn : left) fn();
}

void BoundedTaskQueue::Work() {
  for (;;) {
    std::function<void()> fn;
    {
      std::unique_lock<std::mutex> lock(mu_);
      has_work_.wait(lock, [this] { return shutdown_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // shut down and drained
      fn = std::move(jobs_.front());
      jobs_.pop_front();
    }
    has_room_.notify_one();
    try {
      fn();
    } catch (...) {
      // httplib handles its own errors; nothing may take a worker down with it.
    }
  }
}

}  // namespace gpuadv::server
