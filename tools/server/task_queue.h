#pragma once
// A fixed pool of workers with a bounded backlog for cpp-httplib (its own ThreadPool queues
// without limit). When the backlog is full, enqueue() waits, so the accept loop stops
// accepting and further connections wait in the kernel's listen backlog instead of memory.
#include <httplib.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace gpuadv::server {

class BoundedTaskQueue : public httplib::TaskQueue {
 public:
  /// `workers` >= 1 threads; at most `max_queued` connections wait for one.
  BoundedTaskQueue(size_t workers, size_t max_queued);
  ~BoundedTaskQueue() override;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

 private:
  void Work();

  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable has_work_;
  std::condition_variable has_room_;
  std::deque<std::function<void()>> jobs_;
  bool shutdown_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace gpuadv::server
