// A/B statistics against SciPy (Debian's /usr/bin/python3 with python3-scipy, installed by
// scripts/test.sh) on fixed data, and the sequential test's defining properties.
#include "lathe/stats/ab_test.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace lathe::stats {
namespace {

Moments Of(const std::vector<double>& xs) {
  Moments m;
  for (double x : xs) m.Add(x);
  return m;
}

// Runs a Python program with /usr/bin/python3; its standard output, parsed as JSON.
nlohmann::json Python(const std::string& program) {
  const std::string path = ::testing::TempDir() + "/ab_test_scipy.py";
  std::FILE* f = std::fopen(path.c_str(), "w");
  EXPECT_NE(f, nullptr);
  std::fputs(program.c_str(), f);
  std::fclose(f);
  std::FILE* p = popen(("/usr/bin/python3 " + path).c_str(), "r");
  EXPECT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  EXPECT_EQ(pclose(p), 0) << out;
  return nlohmann::json::parse(out, nullptr, false);
}

std::string PyList(const std::vector<double>& xs) {
  return fmt::format("[{}]", fmt::join(xs, ", "));
}

TEST(AbTestTest, MomentsMergeAsIfAddedTogether) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> g(5, 2);
  Moments all, a, b;
  for (int i = 0; i < 1000; ++i) {
    const double x = g(rng);
    all.Add(x);
    (i % 3 == 0 ? a : b).Add(x);
  }
  a.Merge(b);
  EXPECT_EQ(a.n, all.n);
  EXPECT_NEAR(a.mean, all.mean, 1e-12);
  EXPECT_NEAR(a.variance(), all.variance(), 1e-9);
  Moments empty;
  empty.Merge(all);
  EXPECT_EQ(empty.n, all.n);
}

TEST(AbTestTest, IntervalsAndWelchsTestMatchScipy) {
  // Revenue-like values, and conversions (0/1) of unequal arms.
  std::mt19937_64 rng(11);
  std::gamma_distribution<double> revenue(2.0, 6.0);
  std::bernoulli_distribution converts_a(0.041), converts_b(0.048);
  std::vector<double> ra, rb, ca, cb;
  for (int i = 0; i < 60; ++i) ra.push_back(std::round(revenue(rng) * 100) / 100);
  for (int i = 0; i < 45; ++i) rb.push_back(std::round(revenue(rng) * 110) / 100);
  for (int i = 0; i < 3000; ++i) ca.push_back(converts_a(rng) ? 1 : 0);
  for (int i = 0; i < 2500; ++i) cb.push_back(converts_b(rng) ? 1 : 0);
  const auto expected = Python(fmt::format(R"(
import json
from scipy import stats
import numpy as np
out = []
for a, b in [({}, {}), ({}, {})]:
    a, b = np.array(a), np.array(b)
    t = stats.ttest_ind(b, a, equal_var=False)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    half = stats.t.ppf(0.975, df) * np.sqrt(va + vb)
    d = b.mean() - a.mean()
    ci = stats.t.interval(0.95, len(a) - 1, loc=a.mean(), scale=stats.sem(a))
    out.append({{"t": t.statistic, "p": t.pvalue, "df": df, "low": d - half, "high": d + half,
                "mean_low": ci[0], "mean_high": ci[1]}})
print(json.dumps(out))
)",
                                           PyList(ra), PyList(rb), PyList(ca), PyList(cb)));
  ASSERT_TRUE(expected.is_array() && expected.size() == 2) << expected.dump();
  const std::vector<std::pair<Moments, Moments>> cases = {{Of(ra), Of(rb)}, {Of(ca), Of(cb)}};
  // Within 1e-9 of the value's size: Boost and SciPy compute t quantiles to about 1e-10.
  auto near = [](double got, const nlohmann::json& want, const char* what, size_t i) {
    EXPECT_NEAR(got, want.get<double>(), 1e-9 * std::max(1.0, std::abs(want.get<double>())))
        << what << " of case " << i;
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& e = expected[i];
    const auto w = WelchTest(cases[i].first, cases[i].second, 0.95);
    near(w.t, e["t"], "t", i);
    near(w.p_value, e["p"], "p-value", i);
    near(w.df, e["df"], "degrees of freedom", i);
    near(w.difference_interval.low, e["low"], "difference, low", i);
    near(w.difference_interval.high, e["high"], "difference, high", i);
    const auto mean = MeanInterval(cases[i].first, 0.95);
    near(mean.low, e["mean_low"], "mean, low", i);
    near(mean.high, e["mean_high"], "mean, high", i);
  }
}

TEST(AbTestTest, LiftIsTheRelativeDifferenceWithADeltaMethodInterval) {
  Moments c, t;
  for (int i = 0; i < 10000; ++i) {
    c.Add(i % 25 == 0 ? 1 : 0);  // 4%
    t.Add(i % 20 == 0 ? 1 : 0);  // 5%
  }
  const auto w = WelchTest(c, t, 0.95);
  EXPECT_NEAR(w.lift, 0.25, 1e-12);
  // By hand: vt / mc^2 + mt^2 vc / mc^4, with the sample variances.
  const double vc = c.variance() / 1e4, vt = t.variance() / 1e4;
  const double se = std::sqrt(vt / (0.04 * 0.04) + 0.05 * 0.05 * vc / std::pow(0.04, 4));
  EXPECT_NEAR(w.lift_interval.high - w.lift, 1.959963984540054 * se, 1e-9);
  EXPECT_NEAR(w.lift - w.lift_interval.low, 1.959963984540054 * se, 1e-9);
  // Degenerate arms: no test, point estimates only.
  const auto none = WelchTest(Of({1}), Of({2, 2}), 0.95);
  EXPECT_EQ(none.p_value, 1);
  EXPECT_EQ(none.difference_interval.low, 1);
}

TEST(AbTestTest, TheMixtureSprtAgreesWithItsClosedFormAndItsInterval) {
  Moments c = Of({0, 1, 0, 0, 1, 0, 0, 0, 1, 0}), t = Of({1, 1, 0, 1, 1, 0, 1, 0, 1, 1});
  const double tau = 0.2, alpha = 0.05;
  const auto look = MixtureSprt(c, t, tau, alpha, 5);
  const double s2 = c.variance() / 10 + t.variance() / 10, d = 0.4;
  const double llr =
      0.5 * std::log(s2 / (s2 + tau * tau)) + tau * tau * d * d / (2 * s2 * (s2 + tau * tau));
  EXPECT_NEAR(look.log_likelihood_ratio, llr, 1e-12);
  EXPECT_NEAR(look.p_value, std::min(1.0, std::exp(-llr)), 1e-12);
  // At the interval's ends the ratio against that difference is exactly 1 / alpha.
  for (double end : {look.difference.low, look.difference.high}) {
    const double e = d - end;
    const double at =
        0.5 * std::log(s2 / (s2 + tau * tau)) + tau * tau * e * e / (2 * s2 * (s2 + tau * tau));
    EXPECT_NEAR(at, std::log(1 / alpha), 1e-9);
  }
  // Too few values: the look says nothing.
  const auto early = MixtureSprt(c, t, tau, alpha, 100);
  EXPECT_EQ(early.p_value, 1);
  EXPECT_LT(early.difference.low, -1e300);
  // The state keeps the smallest p-value and the tightest interval.
  SequentialState s;
  s.Update(look);
  s.Update(early);
  EXPECT_EQ(s.looks, 2u);
  EXPECT_EQ(s.p_value, look.p_value);
  EXPECT_EQ(s.difference.low, look.difference.low);
}

// The property the issue asks for, small enough for a test: repeated looks at A/A experiments
// make the naive test find differences far above its level, the sequential one stays under it.
TEST(AbTestTest, PeekingInflatesTheNaiveTestButNotTheSequentialOne) {
  std::mt19937_64 rng(7);
  std::bernoulli_distribution converts(0.1);
  int naive = 0, sequential = 0;
  const int experiments = 200;
  for (int e = 0; e < experiments; ++e) {
    Moments a, b;
    SequentialState state;
    bool naive_hit = false;
    for (int i = 1; i <= 20000; ++i) {
      (i % 2 ? a : b).Add(converts(rng) ? 1 : 0);
      if (i % 100 != 0) continue;
      if (WelchTest(a, b, 0.95).p_value <= 0.05) naive_hit = true;
      state.Update(MixtureSprt(a, b, MixtureScale(a.mean, 0.1), 0.05));
    }
    naive += naive_hit;
    sequential += state.p_value <= 0.05;
  }
  EXPECT_GT(naive, experiments * 0.2);        // 200 looks: far above 5%
  EXPECT_LE(sequential, experiments * 0.07);  // 5% + simulation error
}

}  // namespace
}  // namespace lathe::stats
