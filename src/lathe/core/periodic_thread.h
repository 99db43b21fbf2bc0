// A thread that runs a function at once and then every interval until stopped: the model
// manager's repository polling and the drift monitor.
//
// Start and Stop are called from one controlling thread; `fn` runs on the periodic thread only.
// Stop wakes the thread out of its wait and joins it; a run in progress finishes first.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace lathe {

class PeriodicThread {
 public:
  PeriodicThread() = default;
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;
  ~PeriodicThread() { Stop(); }

  // Stops a running thread first, then runs `fn` now and every `interval`.
  void Start(std::chrono::milliseconds interval, std::function<void()> fn) {
    Stop();
    stopping_ = false;
    thread_ = std::thread([this, interval, fn = std::move(fn)] {
      std::unique_lock lock(mu_);
      while (!stopping_) {
        lock.unlock();
        fn();
        lock.lock();
        wake_.wait_for(lock, interval, [this] { return stopping_; });
      }
    });
  }

  // Safe to call when not started, and more than once.
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace lathe
