// The request log: a sampled, append-only record of served predictions, one JSON line per
// predicted row, rotated by size. Each line holds the row's raw input values at the top level --
// so the statistics tools read the log as serving data (`lathe stats compare TRAIN requests.jsonl`
// measures training/serving skew) -- and the request's details under the reserved key "lathe":
//
//   {"x": 0.5, "city": "oslo", "lathe": {"request_id": "...", "row": 0, "time": "2026-...Z",
//    "model": "toy", "version": 3, "label": "canary", "prediction": {...}, "latency_ms": 0.21}}
//
// Writes never wait for the disk on the request path: Record formats the lines and appends them to
// a buffer; a background thread writes the buffer out every 100 ms. When the writer falls more
// than 16 MiB behind, lines are dropped and counted (dropped()). Rotation: when the file passes
// max_bytes it becomes PATH.1 (PATH.1 becomes PATH.2, ...; `keep` files are kept).
//
// Thread-safe: Record and Sample may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "lathe/core/status.h"

namespace lathe::serve {

struct RequestLogOptions {
  std::filesystem::path path;
  double sample_rate = 1.0;          // the share of requests logged, 0..1
  uint64_t max_bytes = 64ull << 20;  // rotate past this size
  int keep = 5;                      // rotated files kept
};

struct LoggedRequest {
  std::string request_id;
  std::string model;
  int64_t version = 0;
  std::string label;
  const nlohmann::json* instances = nullptr;  // the rows' raw values (a list of objects)
  // Column form of the outputs (inference.h): name -> one value per row.
  const std::vector<std::pair<std::string, nlohmann::json>>* outputs = nullptr;
  double latency_ms = 0;
};

class RequestLog {
 public:
  // Opens (appending) or creates the log. INVALID_ARGUMENT for a sample rate outside 0..1 or a
  // size below 4 KiB; INTERNAL naming the path when it cannot be opened.
  static Result<std::unique_ptr<RequestLog>> Open(const RequestLogOptions& options);
  ~RequestLog();  // writes what is buffered
  RequestLog(const RequestLog&) = delete;
  RequestLog& operator=(const RequestLog&) = delete;

  // Whether to log the next request (a fair coin with the sample rate).
  bool Sample() const;
  void Record(const LoggedRequest& request);
  // Writes everything buffered now (for tests and shutdown).
  void Flush();
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  explicit RequestLog(const RequestLogOptions& options);
  Status OpenFile();
  void WriteOut(const std::string& text);  // on the writer thread
  void Rotate();

  const RequestLogOptions options_;
  int fd_ = -1;
  uint64_t size_ = 0;
  std::mutex mu_;  // guards buffer_, stopping_
  std::condition_variable wake_;
  std::string buffer_;
  bool stopping_ = false;
  std::mutex write_mu_;  // one writer at a time (the thread, or Flush)
  std::atomic<uint64_t> dropped_{0};
  std::thread writer_;
};

}  // namespace lathe::serve
