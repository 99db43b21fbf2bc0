// How many threads a parallel piece of work gets: every pool in Lathe (readers, row groups,
// XGBoost, the runner) asks ThreadCount, so one budget governs them all.
//
// A caller that hands out shares of the machine (the pipeline runner gives each node its share)
// installs a ScopedThreadBudget on the thread that does the work; pools created on that thread
// while it lives default to the share instead of one thread per core. The budget is
// thread-local: a pool's own workers do not inherit it (they do not create pools of their own).
#pragma once

#include <algorithm>
#include <thread>

namespace lathe {

// Cores of this machine (at least 1).
inline int CoreCount() {
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

namespace detail {
inline thread_local int thread_budget = 0;  // 0: none installed
}  // namespace detail

// `requested` when positive (an explicit ask is honoured), else the calling thread's budget, else
// one per core.
inline int ThreadCount(int requested) {
  if (requested > 0) return requested;
  return detail::thread_budget > 0 ? detail::thread_budget : CoreCount();
}

// Sets the calling thread's budget for its lifetime (`threads` <= 0 leaves it unchanged); scopes
// nest and restore the outer budget.
class ScopedThreadBudget {
 public:
  explicit ScopedThreadBudget(int threads) : saved_(detail::thread_budget) {
    if (threads > 0) detail::thread_budget = threads;
  }
  ~ScopedThreadBudget() { detail::thread_budget = saved_; }
  ScopedThreadBudget(const ScopedThreadBudget&) = delete;
  ScopedThreadBudget& operator=(const ScopedThreadBudget&) = delete;

 private:
  int saved_;
};

}  // namespace lathe
