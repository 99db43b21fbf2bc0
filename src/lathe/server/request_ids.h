// Request ids for the server's logs and answers: a random per-process prefix and a counter, used
// when the client did not send its own (X-Request-Id, or x-request-id gRPC metadata).
// Thread-safe.
#pragma once

#include <fmt/format.h>

#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace lathe::server {

class RequestIds {
 public:
  RequestIds() : prefix_(fmt::format("{:08x}", std::random_device{}())) {}
  std::string Next() { return fmt::format("{}-{}", prefix_, next_.fetch_add(1) + 1); }
  // The client's id when it sent a usable one (1 to 128 bytes), else a new one.
  std::string OrNext(std::string_view given) {
    return !given.empty() && given.size() <= 128 ? std::string(given) : Next();
  }

 private:
  std::string prefix_;
  std::atomic<uint64_t> next_{0};
};

}  // namespace lathe::server
