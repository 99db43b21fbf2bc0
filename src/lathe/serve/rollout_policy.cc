#include "lathe/serve/rollout_policy.h"

#include <fmt/format.h>

#include <optional>

namespace lathe::serve {

namespace {

enum Guardrail { kErrors, kLatency, kPredictionShift, kFeatureDrift, kBusiness, kGuardrails };

// Whether guardrail `k` says anything of `o`: rates of an interval with too few requests do not.
bool Informative(const Guardrails& g, const CanaryObservation& o, int k) {
  const bool per_request = k == kErrors || k == kLatency || k == kPredictionShift;
  return !per_request || o.requests >= g.min_interval_requests;
}

// The breach of guardrail `k` by `o`, described; nullopt when it holds (or is off).
std::optional<std::string> Breach(const Guardrails& g, const CanaryObservation& o, int k) {
  if (!Informative(g, o, k)) return std::nullopt;
  switch (k) {
    case kErrors:
      if (g.max_error_rate > 0 && o.error_rate > g.max_error_rate)
        return fmt::format("error rate {:.3g}% > {:.3g}%", o.error_rate * 100,
                           g.max_error_rate * 100);
      break;
    case kLatency:
      if (g.max_p99_ms > 0 && o.p99_ms > g.max_p99_ms)
        return fmt::format("p99 {:.3g} ms > {:.3g} ms", o.p99_ms, g.max_p99_ms);
      break;
    case kPredictionShift:
      if (g.max_prediction_shift > 0 && o.prediction_shift > g.max_prediction_shift)
        return fmt::format("prediction shift against stable {:.3g} > {:.3g}", o.prediction_shift,
                           g.max_prediction_shift);
      break;
    case kFeatureDrift:
      if (g.max_feature_drift > 0 && o.feature_drift > g.max_feature_drift)
        return fmt::format("feature drift {:.3g} > {:.3g}", o.feature_drift, g.max_feature_drift);
      break;
    case kBusiness:
      if (g.business_alpha > 0 && !o.business_metric.empty() &&
          o.business_p_value <= g.business_alpha && o.business_difference_high < 0)
        return fmt::format("{} significantly worse than stable (always-valid p {:.3g})",
                           o.business_metric, o.business_p_value);
      break;
  }
  return std::nullopt;
}

long long Seconds(RolloutClock::duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

}  // namespace

std::string_view RolloutActionName(RolloutAction a) {
  switch (a) {
    case RolloutAction::kHold:
      return "hold";
    case RolloutAction::kRollback:
      return "rollback";
    case RolloutAction::kPromote:
      return "promote";
  }
  return "hold";
}

std::vector<std::string> Breaches(const Guardrails& g, const CanaryObservation& o) {
  std::vector<std::string> out;
  for (int k = 0; k < kGuardrails; ++k)
    if (auto b = Breach(g, o, k)) out.push_back(std::move(*b));
  return out;
}

RolloutDecision DecideCanary(const Guardrails& g, const std::vector<CanaryObservation>& history,
                             RolloutClock::time_point started, RolloutClock::time_point now) {
  if (history.empty()) return {RolloutAction::kHold, "no observations yet"};
  // Per guardrail, when its current breach began (the start of the earliest interval of the
  // newest run of breaching observations; uninformative intervals neither break nor extend it),
  // and the newest breach's description.
  std::string breaching;
  for (int k = 0; k < kGuardrails; ++k) {
    std::optional<RolloutClock::time_point> since;
    std::string what;
    for (size_t i = history.size(); i-- > 0;) {
      if (!Informative(g, history[i], k)) continue;
      auto breach = Breach(g, history[i], k);
      if (!breach) break;
      if (what.empty()) what = std::move(*breach);
      since = i == 0 ? started : history[i - 1].at;
    }
    if (!since) continue;
    const auto held = now - *since;
    if (held >= g.breach_window)
      return {RolloutAction::kRollback, fmt::format("{} for {} s", what, Seconds(held))};
    breaching += fmt::format("{}{} (for {} s of {} s)", breaching.empty() ? "" : "; ", what,
                             Seconds(held), g.breach_window.count());
  }
  if (!breaching.empty()) return {RolloutAction::kHold, breaching};
  // No guardrail is breached now (else `breaching` would say so).
  uint64_t requests = 0;
  for (const auto& o : history) requests += o.requests;
  if (g.promote_after.count() > 0 && now - started >= g.promote_after &&
      requests >= g.promote_min_requests)
    return {RolloutAction::kPromote, fmt::format("within every guardrail for {} s and {} requests",
                                                 Seconds(now - started), requests)};
  return {RolloutAction::kHold, "within every guardrail"};
}

}  // namespace lathe::serve
