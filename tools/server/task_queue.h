#pragma once
// The compute lane of `serve`: a fixed pool of workers with a bounded backlog. The I/O
// thread hands it the requests that search or estimate and never waits for it: a full
// backlog is a refusal (503), not a stall, so /healthz and slow clients stay on the I/O
// thread's clock whatever the searches cost.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace gpuadv::server {

class TaskQueue {
 public:
  /// `workers` >= 1 threads (0 counts as 1); at most `max_queued` jobs wait for one.
  TaskQueue(size_t workers, size_t max_queued);
  /// Runs every job already accepted, then joins the workers.
  ~TaskQueue();
  TaskQueue(const TaskQueue&) = delete;
  TaskQueue& operator=(const TaskQueue&) = delete;

  /// Queues `job` unless the backlog is full or the queue is shutting down; returns
  /// whether it was queued. Thread-safe. A job must not throw.
  bool TryPush(std::function<void()> job);
  /// Stops accepting, runs every job already accepted and joins the workers. Idempotent.
  void Shutdown();

 private:
  void Work();

  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable has_work_;
  std::deque<std::function<void()>> jobs_;
  bool shutdown_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace gpuadv::server
