#include "lathe/core/retry.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <thread>

namespace lathe {

Status RetryOnConflict(const std::function<Status()>& attempt, std::string_view what,
                       std::chrono::milliseconds budget) {
  thread_local std::minstd_rand jitter{std::random_device{}()};
  const auto deadline = std::chrono::steady_clock::now() + budget;
  int64_t ceiling_us = 1000;
  int tries = 0;
  while (true) {
    Status st = attempt();
    ++tries;
    if (st.code() != StatusCode::kAborted) return st;
    if (std::chrono::steady_clock::now() >= deadline)
      return AbortedError(fmt::format("{}: gave up after {} conflicting writes in {} s ({})", what,
                                      tries, budget.count() / 1000.0, st.message()));
    std::this_thread::sleep_for(
        std::chrono::microseconds(std::uniform_int_distribution<int64_t>(0, ceiling_us)(jitter)));
    ceiling_us = std::min<int64_t>(ceiling_us * 2, 64000);
  }
}

}  // namespace lathe
