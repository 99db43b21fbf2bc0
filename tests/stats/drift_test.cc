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
  // Bins: below the baseline minimum 0, then at the deciles (rank floor(q * 999) of 0..99 each ten
  // times) 9, 19, ..., 89, up to just above the maximum 99, and above it. The baseline fills them
  // with 0, 9%, 10% x 8, 11%, 0; the shifted values 50..149 with 9% in [49, 59), 10% in each of the
  // next three, 11% in [89, 99] and 50% above 99.
  std::vector<double> expected = {0, 0.09, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.11, 0};
  std::vector<double> actual = {0, 0, 0, 0, 0, 0, 0.09, 0.1, 0.1, 0.1, 0.11, 0.5};
  EXPECT_NEAR(moved[0].value, JensenShannonDivergence(expected, actual), 1e-12);
  EXPECT_NEAR(moved[1].value, PopulationStabilityIndex(expected, actual), 1e-12);

  DriftOptions lenient;
  lenient.feature_thresholds = {{"c.linf", 0.3}};
  EXPECT_FALSE(CompareStats(a, c, lenient)[2].exceeded());
}

}  // namespace
}  // namespace lathe::stats
