// Shadow traffic: requests mirrored to a deployment's shadow version after their answer, predicted
// there on a background thread, and compared with the answer the client got (the shadow's own
// answer is never returned). The comparison (class disagreements, score differences) and the
// shadow's requests, errors and latency go to the shadow version's metrics; sampled rows go to the
// request log with the label "shadow".
//
// The queue is bounded: when the shadow falls behind, mirrored requests are dropped and counted
// (dropped()), never delaying the requests being answered. One thread, idle while the queue is
// empty.
//
// Thread-safety: Submit may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "lathe/serve/request_log.h"
#include "lathe/serve/servable.h"
#include "lathe/train/model.h"

namespace lathe::serve {

class ShadowMirror {
 public:
  explicit ShadowMirror(size_t capacity = 1024);
  ~ShadowMirror();  // finishes what is queued
  ShadowMirror(const ShadowMirror&) = delete;
  ShadowMirror& operator=(const ShadowMirror&) = delete;

  // Queues `instances` (a JSON list of raw input objects, as a request sent them) for `shadow`,
  // to be compared with `answered` (the predictions returned). False when the queue is full.
  bool Submit(ServableHandle shadow, nlohmann::json instances, train::Predictions answered,
              std::string request_id, RequestLog* log);
  // Waits until everything queued so far is done (for tests).
  void Drain();
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  struct Task {
    ServableHandle shadow;
    nlohmann::json instances;
    train::Predictions answered;
    std::string request_id;
    RequestLog* log;
  };
  void Run();
  static void Mirror(Task& task);

  const size_t capacity_;
  std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::deque<Task> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::atomic<uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace lathe::serve
