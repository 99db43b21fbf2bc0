#include "lathe/serve/rollout_policy.h"

#include <gtest/gtest.h>

namespace lathe::serve {
namespace {

using std::chrono::seconds;
const RolloutClock::time_point kStart{seconds(1'000'000)};

// One observation per 10 s from the start: `error_rates[i]` for the interval ending at 10 (i + 1).
std::vector<CanaryObservation> Every10s(const std::vector<double>& error_rates,
                                        uint64_t requests = 100) {
  std::vector<CanaryObservation> h;
  for (size_t i = 0; i < error_rates.size(); ++i) {
    CanaryObservation o;
    o.at = kStart + seconds(10 * (i + 1));
    o.requests = requests;
    o.error_rate = error_rates[i];
    h.push_back(o);
  }
  return h;
}

TEST(RolloutPolicyTest, ABreachHeldForTheWindowRollsBackAndOneGoodIntervalResetsIt) {
  Guardrails g;  // 5% errors, 60 s window
  EXPECT_EQ(DecideCanary(g, {}, kStart, kStart).action, RolloutAction::kHold);
  auto h = Every10s({0, 0, 0.2, 0.2, 0.2});  // breaching since 20 s
  auto d = DecideCanary(g, h, kStart, kStart + seconds(50));
  EXPECT_EQ(d.action, RolloutAction::kHold);
  EXPECT_EQ(d.reason, "error rate 20% > 5% (for 30 s of 60 s)");
  h = Every10s({0, 0, 0.2, 0.2, 0.2, 0.2, 0.2, 0.3});
  d = DecideCanary(g, h, kStart, kStart + seconds(80));
  EXPECT_EQ(d.action, RolloutAction::kRollback);
  EXPECT_EQ(d.reason, "error rate 30% > 5% for 60 s");
  // A good interval in the run: the breach starts again after it.
  h = Every10s({0.2, 0.2, 0.2, 0.2, 0.01, 0.2, 0.2, 0.2});
  EXPECT_EQ(DecideCanary(g, h, kStart, kStart + seconds(80)).action, RolloutAction::kHold);
  // Breaching from the first interval counts from the start.
  h = Every10s({0.2, 0.2, 0.2, 0.2, 0.2, 0.2});
  EXPECT_EQ(DecideCanary(g, h, kStart, kStart + seconds(60)).action, RolloutAction::kRollback);
}

TEST(RolloutPolicyTest, IntervalsWithTooFewRequestsNeitherBreakNorStartABreach) {
  Guardrails g;
  auto h = Every10s({0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2});
  h[3].requests = 3;
  h[3].error_rate = 0;  // three good requests say nothing
  EXPECT_EQ(DecideCanary(g, h, kStart, kStart + seconds(70)).action, RolloutAction::kRollback);
  auto quiet = Every10s({1, 1, 1, 1, 1, 1, 1, 1}, 5);  // every request fails, but 5 a time
  EXPECT_EQ(DecideCanary(g, quiet, kStart, kStart + seconds(80)).action, RolloutAction::kHold);
}

TEST(RolloutPolicyTest, EachGuardrailIsDescribedAndALimitOfZeroIsOff) {
  Guardrails g;
  g.max_p99_ms = 25;
  g.max_prediction_shift = 0.1;
  g.max_feature_drift = 0.2;
  CanaryObservation o;
  o.requests = 100;
  o.error_rate = 0.5;
  o.p99_ms = 41;
  o.prediction_shift = 0.3;
  o.feature_drift = 0.25;
  o.business_metric = "converted";
  o.business_p_value = 0.003;
  o.business_difference_high = -0.002;
  EXPECT_EQ(Breaches(g, o),
            (std::vector<std::string>{
                "error rate 50% > 5%", "p99 41 ms > 25 ms",
                "prediction shift against stable 0.3 > 0.1", "feature drift 0.25 > 0.2",
                "converted significantly worse than stable (always-valid p 0.003)"}));
  Guardrails off;
  off.max_error_rate = 0;
  off.business_alpha = 0;
  EXPECT_TRUE(Breaches(off, o).empty());
  // Better, or not significant: no breach.
  o.business_difference_high = 0.01;
  o.error_rate = 0;
  EXPECT_TRUE(Breaches(Guardrails{}, o).empty());
  o.business_difference_high = -0.01;
  o.business_p_value = 0.2;
  EXPECT_TRUE(Breaches(Guardrails{}, o).empty());
}

TEST(RolloutPolicyTest, ASignificantlyWorseBusinessMetricRollsBackAfterTheWindow) {
  Guardrails g;
  g.breach_window = seconds(0);  // anytime-valid: one look is enough
  auto h = Every10s({0, 0});
  h[1].business_metric = "converted";
  h[1].business_p_value = 0.01;
  h[1].business_difference_high = -0.001;
  const auto d = DecideCanary(g, h, kStart, kStart + seconds(20));
  EXPECT_EQ(d.action, RolloutAction::kRollback);
  EXPECT_EQ(d.reason, "converted significantly worse than stable (always-valid p 0.01) for 10 s");
}

TEST(RolloutPolicyTest, PromotionNeedsTimeTrafficAndNoBreach) {
  Guardrails g;
  auto h = Every10s(std::vector<double>(30, 0.0));  // 300 s, 3,000 requests, no errors
  EXPECT_EQ(DecideCanary(g, h, kStart, kStart + seconds(300)).action, RolloutAction::kHold)
      << "promotion is off by default";
  g.promote_after = seconds(300);
  auto d = DecideCanary(g, h, kStart, kStart + seconds(300));
  EXPECT_EQ(d.action, RolloutAction::kPromote);
  EXPECT_EQ(d.reason, "within every guardrail for 300 s and 3000 requests");
  EXPECT_EQ(DecideCanary(g, h, kStart, kStart + seconds(290)).action, RolloutAction::kHold);
  g.promote_min_requests = 5000;
  EXPECT_EQ(DecideCanary(g, h, kStart, kStart + seconds(300)).action, RolloutAction::kHold);
  g.promote_min_requests = 1000;
  h.back().error_rate = 0.5;  // breaching now, though not for long
  d = DecideCanary(g, h, kStart, kStart + seconds(300));
  EXPECT_EQ(d.action, RolloutAction::kHold);
  EXPECT_EQ(d.reason, "error rate 50% > 5% (for 10 s of 60 s)");
  EXPECT_EQ(RolloutActionName(RolloutAction::kRollback), "rollback");
}

}  // namespace
}  // namespace lathe::serve
