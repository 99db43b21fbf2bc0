// Drift measures against hand-computed values.
#include "lathe/stats/drift.h"

#include <gtest/gtest.h>

#include <cmath>

namespace lathe::stats {
namespace {

TEST(DriftTest, LInfinity) {
  // a: x 3/4, y 1/4; b: x 1/4, y 1/4, z 1/2 -> max(|.75-.25|, 0, |0-.5|) = 0.5
  EXPECT_DOUBLE_EQ(LInfinityDistance({{"x", 3}, {"y", 1}}, {{"x", 1}, {"y", 1}, {"z", 2}}), 0.5);
  EXPECT_DOUBLE_EQ(LInfinityDistance({{"x", 2}}, {{"x", 7}}), 0.0);
}

TEST(DriftTest, JensenShannon) {
  EXPECT_DOUBLE_EQ(JensenShannonDivergence({1, 0}, {0, 1}), 1.0);
  EXPECT_DOUBLE_EQ(JensenShannonDivergence({2, 2}, {5, 5}), 0.0);
  // P = (.5, .5), Q = (1, 0), M = (.75, .25):
  // KL(P||M) = .5 log2(.5/.75) + .5 log2(.5/.25) = 0.2075187; KL(Q||M) = log2(1/.75) = 0.4150375
  EXPECT_NEAR(JensenShannonDivergence({1, 1}, {1, 0}), 0.5 * (0.2075187496 + 0.4150374993), 1e-9);
}

TEST(DriftTest, PopulationStabilityIndex) {
  // (.25 - .5) ln(.25/.5) + (.75 - .5) ln(.75/.5) = 0.1732868 + 0.1013663
  EXPECT_NEAR(PopulationStabilityIndex({1, 1}, {1, 3}), 0.1732867951 + 0.1013662770, 1e-9);
  EXPECT_DOUBLE_EQ(PopulationStabilityIndex({3, 5}, {6, 10}), 0.0);
}

data::Batch Column(const std::vector<double>& nums, const std::vector<std::string>& cats) {
  data::Batch b;
  b.schema.fields = {{"x", data::ColumnType::kDouble}, {"c", data::ColumnType::kString}};
  b.columns.emplace_back(data::ColumnType::kDouble);
  b.columns.emplace_back(data::ColumnType::kString);
  for (size_t i = 0; i < nums.size(); ++i) {
    b.columns[0].AppendDouble(nums[i]);
    b.columns[1].AppendString(cats[i]);
  }
  return b;
}

TEST(DriftTest, CompareStatsFlagsWhatMoved) {
  std::vector<double> base, same, shifted;
  std::vector<std::string> cats_base, cats_new;
  for (int i = 0; i < 1000; ++i) {
    base.push_back(i % 100);
    same.push_back((i * 7) % 100);
    shifted.push_back(50 + i % 100);
    cats_base.push_back(i % 4 == 0 ? "a" : "b");  // a 25%, b 75%
    cats_new.push_back(i % 2 == 0 ? "a" : "b");   // a 50%, b 50%
  }
  DatasetStats a(Column(base, cats_base).schema), b(Column(same, cats_base).schema),
      c(Column(shifted, cats_new).schema);
  a.Add(Column(base, cats_base));
  b.Add(Column(same, cats_base));
  c.Add(Column(shifted, cats_new));

  auto none = CompareStats(a, b);
  ASSERT_EQ(none.size(), 3u);  // x: js, psi; c: linf
  for (const auto& d : none)
    EXPECT_FALSE(d.exceeded()) << d.feature << " " << d.measure << " " << d.value;

  auto moved = CompareStats(a, c);
  ASSERT_EQ(moved.size(), 3u);
  EXPECT_EQ(moved[0].feature, "x");
  EXPECT_EQ(moved[0].measure, "js");
  EXPECT_TRUE(moved[0].exceeded());
  EXPECT_EQ(moved[1].measure, "psi");
  EXPECT_TRUE(moved[1].exceeded());
  EXPECT_EQ(moved[2].feature, "c");
  EXPECT_DOUBLE_EQ(moved[2].value, 0.25);  // |.25 - .5|
  EXPECT_DOUBLE_EQ(moved[2].threshold, 0.1);
  EXPECT_TRUE(moved[2].exceeded());
  // Bins: below the baseline minimum 0, then at the deciles (interpolated at q * 999 among 0..99
  // each ten times: 9.9, 19.8, ..., 89.1), up to just above the maximum 99, and above it. The
  // baseline fills them with 0, 10% x 10, 0; the shifted values 50..149 with 10% in each of
  // [49.5, 59.4) .. [89.1, 99] and 50% above 99.
  std::vector<double> expected = {0, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0};
  std::vector<double> actual = {0, 0, 0, 0, 0, 0, 0.1, 0.1, 0.1, 0.1, 0.1, 0.5};
  EXPECT_NEAR(moved[0].value, JensenShannonDivergence(expected, actual), 1e-12);
  EXPECT_NEAR(moved[1].value, PopulationStabilityIndex(expected, actual), 1e-12);

  DriftOptions lenient;
  lenient.feature_thresholds = {{"c.linf", 0.3}};
  EXPECT_FALSE(CompareStats(a, c, lenient)[2].exceeded());
}

TEST(DriftTest, PValues) {
  // n = m = 100, D = 0.2: lambda = (sqrt(50) + 0.12 + 0.11 / sqrt(50)) * 0.2 = 1.441336;
  // Q = 2 (e^(-2 lambda^2) - e^(-8 lambda^2) + ...) = 0.031382
  EXPECT_NEAR(KolmogorovSmirnovPValue(0.2, 100, 100), 0.031382, 2e-5);
  EXPECT_DOUBLE_EQ(KolmogorovSmirnovPValue(0, 100, 100), 1);
  EXPECT_NEAR(ChiSquarePValue(3.841459, 1), 0.05, 1e-6);
  EXPECT_NEAR(ChiSquarePValue(5.991465, 2), 0.05, 1e-6);
  EXPECT_DOUBLE_EQ(ChiSquarePValue(0, 3), 1);
}

// Standard normal samples from a fixed-seed generator (Box-Muller), so the test is deterministic.
std::vector<double> Normal(int n, uint64_t seed, double shift = 0) {
  std::vector<double> out;
  auto uniform = [&] {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (static_cast<double>(seed >> 11) + 0.5) / static_cast<double>(1ULL << 53);
  };
  for (int i = 0; i < n; ++i)
    out.push_back(shift + std::sqrt(-2 * std::log(uniform())) * std::cos(2 * M_PI * uniform()));
  return out;
}

DatasetStats StatsOf(const std::vector<double>& x) {
  auto b = Column(x, std::vector<std::string>(x.size(), "a"));
  DatasetStats s(b.schema);
  s.Add(b);
  return s;
}

// Ten rows from the baseline's own distribution are too few to measure, not drift; with enough
// rows the test's p-value tells noise (same distribution) from change (shifted by 0.5 sd).
TEST(DriftTest, SmallSamplesAreNotDriftAndPValuesTellNoiseFromChange) {
  auto base = StatsOf(Normal(1000, 1));
  auto few = CompareStats(base, StatsOf(Normal(10, 2)));
  ASSERT_EQ(few.size(), 2u);  // x and c, each once
  for (const auto& d : few) {
    EXPECT_EQ(d.status, DriftStatus::kTooFewRows) << d.feature;
    EXPECT_FALSE(d.exceeded());
    EXPECT_EQ(d.current_values, 10);
  }
  DriftOptions lenient;
  lenient.min_rows = 5;
  auto measured = CompareStats(base, StatsOf(Normal(10, 2)), lenient);
  EXPECT_EQ(measured[0].status, DriftStatus::kMeasured);
  EXPECT_GT(measured[0].p_value, 0.05);  // large distances, but no evidence of change

  auto same = CompareStats(base, StatsOf(Normal(1000, 3)));
  EXPECT_EQ(same[0].test, "ks");
  EXPECT_GT(same[0].p_value, 0.01);
  auto shifted = CompareStats(base, StatsOf(Normal(1000, 3, 0.5)));
  EXPECT_LT(shifted[0].p_value, 1e-6);
  EXPECT_GT(shifted[0].statistic, 0.15);
}

TEST(DriftTest, FeaturesWithValuesOnOneSideAreReported) {
  auto base = StatsOf(Normal(100, 1));
  data::Batch empty;
  empty.schema.fields = {{"x", data::ColumnType::kDouble}, {"c", data::ColumnType::kString}};
  empty.columns.emplace_back(data::ColumnType::kDouble);
  empty.columns.emplace_back(data::ColumnType::kString);
  for (int i = 0; i < 100; ++i) {
    empty.columns[0].AppendNull();
    empty.columns[1].AppendString(i % 2 ? "a" : "b");
  }
  DatasetStats current(empty.schema);
  current.Add(empty);
  auto drift = CompareStats(base, current);
  ASSERT_EQ(drift[0].feature, "x");
  EXPECT_EQ(drift[0].status, DriftStatus::kOnlyInBaseline);
  EXPECT_TRUE(drift[0].one_sided());
  auto anomalies = DriftAnomalies(drift);
  ASSERT_EQ(anomalies.size(), 2u);
  EXPECT_EQ(anomalies[0].description, "no values, where the baseline has 100");
  EXPECT_EQ(anomalies[1].feature, "c");  // a 100% -> 50%: chi-square agrees
  EXPECT_EQ(drift[1].test, "chi2");
  EXPECT_LT(drift[1].p_value, 1e-6);
  EXPECT_EQ(CompareStats(current, base)[0].status, DriftStatus::kOnlyInCurrent);
}

}  // namespace
}  // namespace lathe::stats
