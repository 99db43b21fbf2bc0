// Retries of optimistic-concurrency conflicts: a read-modify-write that lost a race (ABORTED) is
// tried again after a random pause that grows with each loss (1 ms doubling to 64 ms, full
// jitter), so that writers contending for one record spread out instead of colliding in step, and
// it gives up only after a time budget, not after a fixed number of tries (a slow machine or a
// sanitizer build loses more races in a row).
//
// Thread-safe (the jitter's generator is per thread).
#pragma once

#include <chrono>
#include <functional>
#include <string_view>

#include "lathe/core/status.h"

namespace lathe {

// Calls `attempt` until it returns anything but ABORTED, or until `budget` has passed; then
// returns ABORTED naming `what` and the last conflict.
Status RetryOnConflict(const std::function<Status()>& attempt, std::string_view what,
                       std::chrono::milliseconds budget = std::chrono::seconds(30));

}  // namespace lathe
