#pragma once
// A fixed pool of std::threads that runs one indexed loop at a time (the planner's batch
// evaluation). Contract: Run is called from one thread; the calling thread works too, as
// worker 0; `fn(worker, i)` is called exactly once for each i of the batch, by a worker
// whose id is in [0, threads), and must not throw.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace gpuadv::plan {

class WorkerPool {
 public:
  using Fn = std::function<void(int worker, size_t i)>;

  WorkerPool(int threads, Fn fn);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// Calls fn for every i in [0, count) and returns when all calls have returned.
  /// Batches smaller than kMinParallelBatch run on the calling thread.
  void Run(size_t count);

  static constexpr size_t kMinParallelBatch = 64;

  /// std::thread::hardware_concurrency, at least 1.
  static unsigned HardwareThreads();

 private:
  void Drain(int worker);
  void Loop(int worker);

  Fn fn_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable start_cv_, done_cv_;
  uint64_t generation_ = 0;
  int active_ = 0;
  bool stop_ = false;
  size_t count_ = 0;
  std::atomic<size_t> next_{0};
};

}  // namespace gpuadv::plan
