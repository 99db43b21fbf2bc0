#include "lathe/serve/rollout_controller.h"

#include <spdlog/spdlog.h>

#include <cmath>

namespace lathe::serve {

template <size_t N>
double JensenShannon(const std::array<uint64_t, N>& a, const std::array<uint64_t, N>& b) {
  double na = 0, nb = 0;
  for (size_t i = 0; i < N; ++i) na += double(a[i]), nb += double(b[i]);
  if (na == 0 || nb == 0) return 0;
  double js = 0;
  for (size_t i = 0; i < N; ++i) {
    const double p = double(a[i]) / na, q = double(b[i]) / nb, m = (p + q) / 2;
    if (p > 0) js += p * std::log2(p / m) / 2;
    if (q > 0) js += q * std::log2(q / m) / 2;
  }
  return std::clamp(js, 0.0, 1.0);
}
template double JensenShannon(const std::array<uint64_t, kProbabilityBuckets.size() + 1>&,
                              const std::array<uint64_t, kProbabilityBuckets.size() + 1>&);

double LatencyQuantileMs(const std::array<uint64_t, kLatencyBuckets.size() + 1>& counts, double q) {
  uint64_t total = 0;
  for (uint64_t c : counts) total += c;
  if (total == 0) return 0;
  const double rank = q * double(total);
  double below = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (below + double(counts[i]) >= rank && counts[i] > 0) {
      // Past the last bound, the last bound is all the histogram knows.
      if (i == kLatencyBuckets.size()) return kLatencyBuckets.back() * 1000;
      const double low = i == 0 ? 0 : kLatencyBuckets[i - 1], high = kLatencyBuckets[i];
      return (low + (high - low) * (rank - below) / double(counts[i])) * 1000;
    }
    below += double(counts[i]);
  }
  return kLatencyBuckets.back() * 1000;
}

namespace {

template <size_t N>
std::array<uint64_t, N> Minus(const std::array<uint64_t, N>& now,
                              const std::array<uint64_t, N>& before) {
  std::array<uint64_t, N> out{};
  for (size_t i = 0; i < N; ++i) out[i] = now[i] >= before[i] ? now[i] - before[i] : now[i];
  return out;
}

uint64_t Minus(uint64_t now, uint64_t before) {
  return now >= before ? now - before : now;
}

}  // namespace

RolloutController::RolloutController(Deployments& deployments, ServingMetrics& metrics)
    : deployments_(deployments), metrics_(metrics) {}

std::vector<RolloutController::Applied> RolloutController::Tick(RolloutClock::time_point now) {
  std::vector<Applied> applied;
  std::map<std::string, Track> tracks;
  for (const auto& d : deployments_.All()) {
    if (d->split.canary == 0) continue;
    auto canary_metrics = metrics_.ForVersion(d->model, d->split.canary);
    auto stable_metrics = metrics_.ForVersion(d->model, d->split.stable);
    const auto canary_now = canary_metrics->Observe("canary");
    const auto stable_now = stable_metrics->Observe("stable");
    Track& t = tracks[d->name];
    auto old = tracks_.find(d->name);
    if (old == tracks_.end() || old->second.experiment != d->experiment.id) {
      // A new canary: this look is the baseline of the next interval.
      t = Track{d->experiment.id, canary_now, stable_now, {}};
      continue;
    }
    t = std::move(old->second);
    CanaryObservation o;
    o.at = now;
    o.requests = Minus(canary_now.requests, t.canary.requests);
    const uint64_t errors = Minus(canary_now.errors, t.canary.errors);
    o.error_rate = o.requests > 0 ? double(errors) / double(o.requests) : 0;
    o.p99_ms = LatencyQuantileMs(Minus(canary_now.latency, t.canary.latency), 0.99);
    o.prediction_shift = JensenShannon(Minus(canary_now.probability, t.canary.probability),
                                       Minus(stable_now.probability, t.stable.probability));
    o.feature_drift = std::max(0.0, canary_now.max_drift);
    // The business metric: the one significantly worse, else the one nearest to it.
    for (const auto& c : CompareOutcomes(d->experiment)) {
      const bool worse = c.sequential.difference.high < 0;
      const bool current_worse = !o.business_metric.empty() && o.business_difference_high < 0;
      if (o.business_metric.empty() || (worse && !current_worse) ||
          (worse == current_worse && c.sequential.p_value < o.business_p_value)) {
        o.business_metric = c.outcome;
        o.business_p_value = c.sequential.p_value;
        o.business_difference_high = c.sequential.difference.high;
      }
    }
    t.canary = canary_now;
    t.stable = stable_now;
    t.history.push_back(o);
    // Enough history to cover the breach window, and no more.
    const auto keep = d->guardrails.breach_window + std::chrono::seconds(60);
    while (t.history.size() > 1 && now - t.history.front().at > keep)
      t.history.erase(t.history.begin());
    const auto started = RolloutClock::time_point(std::chrono::milliseconds(d->experiment.id));
    const RolloutDecision decision = DecideCanary(d->guardrails, t.history, started, now);
    if (decision.action == RolloutAction::kHold) continue;
    const int64_t canary = d->split.canary, experiment = d->experiment.id;
    const bool rollback = decision.action == RolloutAction::kRollback;
    auto changed = deployments_.Change(
        d->name,
        [&](const std::optional<Deployment>& current) -> Result<std::optional<DeploymentUpdate>> {
          // Decided about a canary that has changed since: nothing to do.
          if (!current || current->split.canary != canary || current->experiment.id != experiment)
            return std::optional<DeploymentUpdate>();
          const int64_t now_ms =
              std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
          auto next = rollback ? PlanRollback(*current, "auto-rollback", decision.reason, now_ms)
                               : PlanPromote(*current, "auto-promote", decision.reason, now_ms);
          if (!next.ok()) return next.status();
          return std::optional<DeploymentUpdate>(DeploymentUpdate{std::move(*next), true});
        });
    if (!changed.ok()) {
      spdlog::error("deployment {}: could not apply {} of canary v{}: {}", d->name,
                    RolloutActionName(decision.action), canary, changed.status().message());
      continue;
    }
    spdlog::warn("deployment {}: canary v{} {}: {}", d->name, canary,
                 rollback ? "rolled back automatically" : "promoted automatically",
                 decision.reason);
    applied.push_back({d->name, decision, o});
    tracks.erase(d->name);
  }
  tracks_ = std::move(tracks);
  return applied;
}

void RolloutController::Start(std::chrono::milliseconds interval) {
  thread_.Start(interval, [this] { Tick(RolloutClock::now()); });
}

}  // namespace lathe::serve
