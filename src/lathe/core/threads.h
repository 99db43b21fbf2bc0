// How many threads a pool gets when the user leaves it to Lathe. Thread-safe.
#pragma once

#include <algorithm>
#include <thread>

namespace lathe {

// `requested` when positive, else one per core (at least one).
inline int ThreadCount(int requested) {
  return requested > 0 ? requested
                       : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace lathe
