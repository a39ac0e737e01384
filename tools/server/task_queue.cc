#include "tools/server/task_queue.h"

namespace gpuadv::server {

TaskQueue::TaskQueue(size_t workers, size_t max_queued)
    : max_queued_(max_queued < 1 ? 1 : max_queued) {
  if (workers < 1) workers = 1;
  threads_.reserve(workers);
  for (size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { Work(); });
}

TaskQueue::~TaskQueue() { Shutdown(); }

bool TaskQueue::TryPush(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutdown_ || jobs_.size() >= max_queued_) return false;
    jobs_.push_back(std::move(job));
  }
  has_work_.notify_one();
  return true;
}

void TaskQueue::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
  }
  has_work_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void TaskQueue::Work() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      has_work_.wait(lock, [this] { return shutdown_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // shut down and drained
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

}  // namespace gpuadv::server
