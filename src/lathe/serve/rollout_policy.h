// What to do with a canary, as a pure function of what was observed of it (as version policies are
// of the versions on disk): roll it back, hold it, or promote it. The loop that gathers the
// observations and applies the decision lives elsewhere; this part has no clock, no state and no
// side effects, so every rule is tested on its own.
//
// A guardrail is breached by one observation; the canary is rolled back only when a guardrail has
// been breached by every observation for `breach_window` (one bad interval is noise, a held breach
// is not). A canary is promoted when promotion is on, it has run for `promote_after` with at least
// `promote_min_requests` requests, and its newest observation breaches nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace lathe::serve {

using RolloutClock = std::chrono::system_clock;

// The limits of one deployment. A limit of 0 is off.
struct Guardrails {
  double max_error_rate = 0.05;         // the canary's share of failed requests in an interval
  uint64_t min_interval_requests = 20;  // fewer requests in an interval: its rates say nothing
  double max_p99_ms = 0;                // the canary's p99 latency
  double max_prediction_shift = 0;      // Jensen-Shannon divergence of its predictions vs stable's
  double max_feature_drift = 0;  // the largest feature drift (JS) against training statistics
  // A business metric significantly worse than stable's: its anytime-valid p-value at most this
  // and its confidence sequence for (canary - stable) wholly below 0. 0: off.
  double business_alpha = 0.05;
  std::chrono::seconds breach_window{60};
  std::chrono::seconds promote_after{0};  // 0: never promote automatically
  uint64_t promote_min_requests = 1000;
};

// What the serving side saw of a canary over one interval, ending at `at`.
struct CanaryObservation {
  RolloutClock::time_point at;
  uint64_t requests = 0;  // in the interval
  double error_rate = 0;
  double p99_ms = 0;
  double prediction_shift = 0;
  double feature_drift = 0;
  // The business metric judged worst for the canary: its name, anytime-valid p-value and the
  // upper end of its confidence sequence for (canary - stable). Empty name: no metric yet.
  std::string business_metric;
  double business_p_value = 1;
  double business_difference_high = 0;
};

enum class RolloutAction { kHold, kRollback, kPromote };
std::string_view RolloutActionName(RolloutAction a);  // "hold", "rollback", "promote"

struct RolloutDecision {
  RolloutAction action = RolloutAction::kHold;
  std::string reason;  // for the record and the operator, e.g. "error rate 12% > 5% for 60 s"
};

// Which guardrails one observation breaches, described ("p99 41 ms > 25 ms"); empty when none.
std::vector<std::string> Breaches(const Guardrails& g, const CanaryObservation& o);

// The decision at `now` for a canary started at `started`, from its observations (oldest first).
RolloutDecision DecideCanary(const Guardrails& g, const std::vector<CanaryObservation>& history,
                             RolloutClock::time_point started, RolloutClock::time_point now);

}  // namespace lathe::serve
