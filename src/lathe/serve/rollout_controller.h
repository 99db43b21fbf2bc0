// The loop that applies rollout_policy.h to every deployment with a canary. Each Tick observes the
// canary over the interval since the last one -- its requests, error rate and p99 latency under
// the "canary" role (serving metrics), the shift of its prediction histogram from stable's, its
// largest feature drift against its training statistics, and the worst of the deployment's
// business comparisons (business_metrics.h) -- keeps the observations of the current canary, asks
// DecideCanary, and applies a rollback or a promotion through Deployments, which records it with
// its reason. Observations are per server: each server judges the traffic it answers, and the
// first to decide changes the shared state (a decision about a canary that has since changed is
// dropped).
//
// Thread-safety: Tick runs on one thread at a time (Start's, or a test's).
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "lathe/core/periodic_thread.h"
#include "lathe/serve/deployments.h"
#include "lathe/serve/metrics.h"
#include "lathe/serve/model_manager.h"
#include "lathe/serve/rollout_policy.h"

namespace lathe::serve {

// The Jensen-Shannon divergence (base 2, so 0..1) of two histograms' shapes; 0 when either is
// empty.
template <size_t N>
double JensenShannon(const std::array<uint64_t, N>& a, const std::array<uint64_t, N>& b);

// The q-quantile of a latency histogram's counts (kLatencyBuckets, +Inf last), interpolated
// within its bucket as Prometheus' histogram_quantile does, in milliseconds; 0 when empty.
double LatencyQuantileMs(const std::array<uint64_t, kLatencyBuckets.size() + 1>& counts, double q);

class RolloutController {
 public:
  // All must outlive the controller.
  RolloutController(Deployments& deployments, ServingMetrics& metrics);
  ~RolloutController() { Stop(); }

  struct Applied {
    std::string deployment;
    RolloutDecision decision;
    CanaryObservation observation;
  };
  // One pass at `now`: the decisions other than "hold" that were applied.
  std::vector<Applied> Tick(RolloutClock::time_point now);
  void Start(std::chrono::milliseconds interval);
  void Stop() { thread_.Stop(); }

 private:
  struct Track {
    int64_t experiment = 0;
    VersionMetrics::Observed canary, stable;  // at the last tick
    std::vector<CanaryObservation> history;
  };
  Deployments& deployments_;
  ServingMetrics& metrics_;
  std::map<std::string, Track> tracks_;
  PeriodicThread thread_;
};

}  // namespace lathe::serve
