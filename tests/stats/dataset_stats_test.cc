// Statistics against hand-computed values, the sketches' error bounds, and merging shards.
#include "lathe/stats/dataset_stats.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <random>
#include <thread>

namespace lathe::stats {
namespace {

using data::Batch;
using data::ColumnType;

Batch Make(const std::vector<std::optional<double>>& nums,
           const std::vector<std::optional<std::string>>& strs) {
  Batch b;
  b.schema.fields = {{"x", ColumnType::kDouble}, {"s", ColumnType::kString}};
  b.columns.emplace_back(ColumnType::kDouble);
  b.columns.emplace_back(ColumnType::kString);
  for (size_t i = 0; i < nums.size(); ++i) {
    if (nums[i])
      b.columns[0].AppendDouble(*nums[i]);
    else
      b.columns[0].AppendNull();
    if (strs[i])
      b.columns[1].AppendString(*strs[i]);
    else
      b.columns[1].AppendNull();
  }
  return b;
}

// A batch's columns are matched to the features by name: a file may hold them in another order
// and hold others (the label), as the Trainer's batches do for its bundle statistics.
TEST(DatasetStatsTest, ColumnsAreMatchedByNameNotPosition) {
  Batch b = Make({1, 2, 3}, {"a", "b", "a"});
  data::Schema features;
  features.fields = {
      {"s", ColumnType::kString}, {"missing", ColumnType::kDouble}, {"x", ColumnType::kDouble}};
  DatasetStats st(features);
  st.Add(b);
  EXPECT_EQ(st.rows(), 3);
  EXPECT_EQ(st.Find("x")->num.count, 3);
  EXPECT_DOUBLE_EQ(st.Find("x")->num.mean, 2.0);
  EXPECT_EQ(st.Find("s")->cat.count, 3);
  EXPECT_EQ(st.Find("s")->num.count, 0);
  EXPECT_EQ(st.Find("missing")->missing, 3);  // not in the batch: no value in its rows
  // Rows picked out of a batch likewise.
  DatasetStats picked(features);
  picked.Add(b, {0, 2});
  EXPECT_DOUBLE_EQ(picked.Find("x")->num.mean, 2.0);
  EXPECT_EQ(picked.Find("s")->cat.Top(1)[0], (std::pair<std::string, int64_t>{"a", 2}));
}

TEST(DatasetStatsTest, HandComputedValues) {
  Batch b = Make({1, 2, 3, 4, 100, std::nullopt}, {"a", "b", "a", "cc", "a", std::nullopt});
  DatasetStats s(b.schema);
  s.Add(b);
  EXPECT_EQ(s.rows(), 6);
  const FeatureStats& x = *s.Find("x");
  EXPECT_EQ(x.missing, 1);
  EXPECT_EQ(x.num.count, 5);
  EXPECT_DOUBLE_EQ(x.num.mean, 22.0);
  // Population variance: (21² + 20² + 19² + 18² + 78²) / 5 = 7610 / 5 = 1522.
  EXPECT_NEAR(x.num.stddev(), std::sqrt(1522.0), 1e-12);
  EXPECT_EQ(x.num.min, 1);
  EXPECT_EQ(x.num.max, 100);
  EXPECT_EQ(x.num.zeros, 0);
  EXPECT_NEAR(x.num.Quantile(0.5), 3, 3 * 0.005);  // the median, within the sketch's 0.5%
  EXPECT_NEAR(x.num.Quantile(1.0), 100, 100 * 0.005);
  EXPECT_NEAR(x.num.Quantile(0.0), 1, 0.005);
  const FeatureStats& str = *s.Find("s");
  EXPECT_EQ(str.missing, 1);
  EXPECT_EQ(str.cat.count, 5);
  EXPECT_EQ(str.cat.Unique(), 3);
  auto top = str.cat.Top(2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0], (std::pair<std::string, int64_t>{"a", 3}));
  EXPECT_EQ(top[1], (std::pair<std::string, int64_t>{"b", 1}));  // ties by value: b before cc
  EXPECT_EQ(str.cat.min_length, 1);
  EXPECT_EQ(str.cat.max_length, 2);
  EXPECT_DOUBLE_EQ(str.cat.total_length / str.cat.count, 1.2);
}

TEST(DatasetStatsTest, ZerosNegativesAndHistograms) {
  std::vector<std::optional<double>> nums;
  std::vector<std::optional<std::string>> strs;
  for (int i = -50; i < 50; ++i) {
    nums.push_back(i == 0 || i == 1 ? 0.0 : static_cast<double>(i));
    strs.push_back("v");
  }
  DatasetStats s(Make(nums, strs).schema);
  s.Add(Make(nums, strs));
  const auto& x = s.Find("x")->num;
  EXPECT_EQ(x.zeros, 2);
  EXPECT_EQ(x.min, -50);
  EXPECT_EQ(x.max, 49);
  auto hist = x.EqualWidthHistogram(4);
  ASSERT_EQ(hist.size(), 4u);
  uint64_t total = 0;
  for (const auto& [lo, c] : hist) total += c;
  EXPECT_EQ(total, 100u);
  EXPECT_DOUBLE_EQ(hist[0].first, -50);
  EXPECT_DOUBLE_EQ(hist[1].first, -25.25);
  EXPECT_NEAR(static_cast<double>(hist[0].second), 25,
              1);  // -50..-25.25: 25 values, ±1 at the edge
  auto edges = x.QuantileEdges(2);
  EXPECT_EQ(edges.front(), -50);
  EXPECT_EQ(edges.back(), 49);
  EXPECT_NEAR(edges[1], 0, 1);
}

TEST(QuantileSketchTest, RelativeErrorBound) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(0, 2);
  QuantileSketch sketch(0.01);
  std::vector<double> values;
  for (int i = 0; i < 100000; ++i) {
    double v = dist(rng) * (i % 3 == 0 ? -1 : 1);
    values.push_back(v);
    sketch.Add(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0}) {
    double exact = values[static_cast<size_t>(q * (values.size() - 1))];
    EXPECT_LE(std::fabs(sketch.Quantile(q) - exact), 0.01 * std::fabs(exact) + 1e-12) << q;
  }
}

// Buckets are kept densely: values arriving in any order, descending included, give the same
// sketch; the text and binary forms restore it exactly; damaged forms are refused, never trusted.
TEST(QuantileSketchTest, OrderFormsAndDamage) {
  std::vector<double> values;
  for (int i = 0; i < 20000; ++i)
    values.push_back(std::exp((i % 4000) / 100.0 - 20) * (i % 5 ? 1 : -1));
  QuantileSketch up, down;
  for (double v : values) up.Add(v);
  for (auto it = values.rbegin(); it != values.rend(); ++it) down.Add(*it);
  EXPECT_EQ(up.ToJson(), down.ToJson());
  for (bool binary : {false, true}) {
    auto restored = QuantileSketch::FromJson(
        nlohmann::json::from_cbor(nlohmann::json::to_cbor(up.ToJson(binary))));
    ASSERT_TRUE(restored.ok()) << restored.status().ToString();
    EXPECT_EQ(restored->ToJson(), up.ToJson());
    EXPECT_EQ(restored->count(), up.count());
  }
  auto far = up.ToJson();
  far["positive"].push_back({2000000000, 1});
  EXPECT_EQ(QuantileSketch::FromJson(far).status().code(), StatusCode::kInvalidArgument);
  auto alpha = up.ToJson();
  alpha["alpha"] = 1e-12;
  EXPECT_EQ(QuantileSketch::FromJson(alpha).status().code(), StatusCode::kInvalidArgument);
  auto bytes = up.ToJson(true);
  bytes["positive"]["counts"] = nlohmann::json::binary({1, 2, 3});
  EXPECT_EQ(QuantileSketch::FromJson(bytes).status().code(), StatusCode::kInvalidArgument);
}

// A part's state passes between processes as CBOR and merges exactly as the part itself would.
TEST(DatasetStatsTest, StateJsonRestoresWhatMerges) {
  data::Schema schema{{{"x", ColumnType::kDouble}, {"k", ColumnType::kString}}};
  std::mt19937_64 rng(3);
  std::vector<SlicedStats> parts;
  for (int p = 0; p < 3; ++p) {
    Batch b;
    b.schema = schema;
    b.columns.emplace_back(ColumnType::kDouble);
    b.columns.emplace_back(ColumnType::kString);
    for (int i = 0; i < 6000; ++i) {
      b.columns[0].AppendDouble(std::normal_distribution<double>(0, 1)(rng));
      b.columns[1].AppendString("k" + std::to_string(rng() % 7));
    }
    SlicedStats s(schema, "k");
    ASSERT_TRUE(s.Add(b).ok());
    parts.push_back(std::move(s));
  }
  std::vector<SlicedStats> copies;
  for (const auto& p : parts) {
    auto restored = SlicedStats::FromJson(
        nlohmann::json::from_cbor(nlohmann::json::to_cbor(p.ToJson(/*state_only=*/true))));
    ASSERT_TRUE(restored.ok()) << restored.status().ToString();
    copies.push_back(std::move(*restored));
  }
  auto a = FoldParts(std::move(parts), SlicedStats(schema, "k"));
  auto b = FoldParts(std::move(copies), SlicedStats(schema, "k"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->ToJson().dump(), b->ToJson().dump());
  EXPECT_EQ(a->all().rows(), 18000);
  EXPECT_EQ(a->slices().size(), 7u);
}

TEST(DistinctSketchTest, EstimateWithinThreePercent) {
  DistinctSketch a, b;
  for (int i = 0; i < 150000; ++i) a.Add("value-" + std::to_string(i));
  for (int i = 100000; i < 250000; ++i) b.Add("value-" + std::to_string(i));
  a.Merge(b);
  EXPECT_NEAR(a.Estimate(), 250000, 250000 * 0.03);
  DistinctSketch small;
  for (int i = 0; i < 100; ++i) small.Add(std::to_string(i % 37));
  EXPECT_NEAR(small.Estimate(), 37, 1);
}

TEST(DatasetStatsTest, ManyDistinctValuesFallBackToTheSketch) {
  NumericStats a, b;
  std::vector<double> all;
  for (int i = 1; i <= 6000; ++i) {
    double v = i * 1.5;
    (i % 2 ? a : b).Add(v);
    all.push_back(v);
  }
  EXPECT_TRUE(a.exact);  // 3000 distinct each
  ASSERT_TRUE(a.Merge(b).ok());
  EXPECT_FALSE(a.exact);  // 6000 together
  EXPECT_TRUE(a.values.empty());
  for (double q : {0.0, 0.25, 0.5, 0.9, 1.0}) {
    double exact = all[static_cast<size_t>(q * (all.size() - 1))];
    EXPECT_LE(std::fabs(a.Quantile(q) - exact), 0.005 * exact) << q;
  }
  EXPECT_EQ(a.Quantile(1.0), 9000);  // clamped to the true maximum
}

// Quantiles of exactly counted values interpolate between ranks (numpy's and pandas' default).
TEST(DatasetStatsTest, MedianInterpolates) {
  NumericStats two;
  two.Add(1);
  two.Add(3);
  EXPECT_EQ(two.Quantile(0.5), 2);
  NumericStats ints;
  for (double v : {1, 2, 3, 4}) ints.Add(v);
  EXPECT_EQ(ints.Quantile(0.5), 2.5);  // integer data may have a fractional median
  EXPECT_EQ(ints.Quantile(0.25), 1.75);
  NumericStats ties;
  for (double v : {5, 5, 5, 7}) ties.Add(v);
  EXPECT_EQ(ties.Quantile(0.5), 5);
  EXPECT_EQ(ties.Quantile(1), 7);
}

// String lengths count characters, not bytes.
TEST(DatasetStatsTest, LengthsAreInCharacters) {
  Batch b = Make({1, 2}, {"naïve", "東京"});
  DatasetStats s(b.schema);
  s.Add(b);
  EXPECT_EQ(s.Find("s")->cat.min_length, 2);
  EXPECT_EQ(s.Find("s")->cat.max_length, 5);
}

// Past the exact limit, frequent values are found wherever they occur (not only values seen
// first), with counts short by at most the stated error, also across merged shards.
TEST(DatasetStatsTest, HeavyHittersPastTheExactLimit) {
  const int n = static_cast<int>(CategoricalStats::kExactLimit) + 50000;
  CategoricalStats one, left, right;
  int64_t hot = 0, warm = 0;
  for (int i = 0; i < n; ++i) {
    std::string v = "id" + std::to_string(i);  // unique IDs first, then
    if (i > 120000 && i % 7 == 0) {
      v = "hot";  // a value that shows up only late
      ++hot;
    } else if (i > 120000 && i % 11 == 0) {
      v = "warm";
      ++warm;
    }
    one.Add(v);
    (i % 2 ? left : right).Add(v);
  }
  left.Merge(right);
  for (const CategoricalStats* c : {&one, &left}) {
    EXPECT_FALSE(c->exact);
    EXPECT_LE(c->counts.size(), CategoricalStats::kExactLimit);
    EXPECT_LE(c->count_error, c->count / static_cast<int64_t>(CategoricalStats::kExactLimit));
    auto top = c->Top(2);
    ASSERT_EQ(top.size(), 2u);
    EXPECT_EQ(top[0].first, "hot");
    EXPECT_EQ(top[1].first, "warm");
    EXPECT_LE(top[0].second, hot);
    EXPECT_GE(top[0].second, hot - c->count_error);
    EXPECT_LE(top[1].second, warm);
    EXPECT_GE(top[1].second, warm - c->count_error);
  }
}

// Runs of equal values (sorted data) are counted at once: the same counts, error bound and
// distinct estimate as adding the values one by one, also past the exact limit.
TEST(DatasetStatsTest, RunsCountLikeSingleValues) {
  Batch b = Make({}, {});
  CategoricalStats single;
  std::mt19937 rng(3);
  for (int v = 0; v < static_cast<int>(CategoricalStats::kExactLimit) + 40000; ++v) {
    const std::string text = "2001-01-01 " + std::to_string(v);  // sorted, repeated 1-4 times
    for (int k = static_cast<int>(rng() % 4); k >= 0; --k) {
      b.columns[0].AppendNull();
      b.columns[1].AppendString(text);
      single.Add(text);
    }
  }
  DatasetStats runs(b.schema);
  runs.Add(b);
  const CategoricalStats& c = runs.Find("s")->cat;
  EXPECT_FALSE(c.exact);
  EXPECT_EQ(c.count, single.count);
  EXPECT_EQ(c.counts, single.counts);
  EXPECT_EQ(c.count_error, single.count_error);
  EXPECT_EQ(c.Unique(), single.Unique());
  EXPECT_EQ(c.total_length, single.total_length);
}

// Parts merged in order by several threads, whatever order they arrive in: the statistics of
// merging them one after another, to the last bit.
TEST(DatasetStatsTest, OrderedMergeIsTheSameForAnyArrivalOrder) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> dist(0, 1e6);
  std::vector<Batch> parts;
  for (int p = 0; p < 24; ++p) {
    std::vector<std::optional<double>> nums;
    std::vector<std::optional<std::string>> strs;
    for (int i = 0; i < 500; ++i) {
      nums.push_back(dist(rng));
      strs.push_back("v" + std::to_string(rng() % 5000));
    }
    parts.push_back(Make(nums, strs));
  }
  DatasetStats serial;
  for (const auto& b : parts) {
    DatasetStats part(b.schema);
    part.Add(b);
    ASSERT_TRUE(serial.Merge(std::move(part)).ok());
  }
  std::vector<int64_t> order(parts.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
  for (int trial = 0; trial < 3; ++trial) {
    std::shuffle(order.begin(), order.end(), rng);
    OrderedMerge merged;
    std::vector<std::thread> threads;
    std::atomic<size_t> next{0};
    for (int t = 0; t < 3; ++t)
      threads.emplace_back([&] {
        for (size_t i = next++; i < order.size(); i = next++) {
          const Batch& b = parts[static_cast<size_t>(order[i])];
          DatasetStats part(b.schema);
          part.Add(b);
          EXPECT_TRUE(merged.Put(order[i], std::move(part)).ok());
        }
      });
    for (auto& t : threads) t.join();
    EXPECT_EQ(merged.Take().ToJson().dump(), serial.ToJson().dump()) << "trial " << trial;
  }
}

TEST(SlicedStatsTest, PerValueAndPooled) {
  Batch b = Make({1, 2, 3, 10, 20, std::nullopt}, {"a", "a", "a", "b", "c", std::nullopt});
  SlicedStats s(b.schema, "s", /*max_slices=*/2);
  ASSERT_TRUE(s.Add(b).ok());
  EXPECT_EQ(s.all().rows(), 6);
  ASSERT_EQ(s.slices().size(), 4u);  // a and b, then c pooled as (other), and (missing)
  EXPECT_EQ(s.slices().at("a").rows(), 3);
  EXPECT_DOUBLE_EQ(s.slices().at("a").Find("x")->num.mean, 2.0);
  EXPECT_EQ(s.slices().at("b").rows(), 1);
  EXPECT_DOUBLE_EQ(s.slices().at("(other)").Find("x")->num.mean, 20.0);
  EXPECT_EQ(s.slices().at("(missing)").rows(), 1);
  SlicedStats bad(b.schema, "nope");
  EXPECT_EQ(bad.Add(b).code(), StatusCode::kInvalidArgument);
}

// Shards computed apart and merged give the statistics of one pass.
TEST(DatasetStatsTest, MergedShardsEqualOnePass) {
  std::mt19937_64 rng(42);
  std::normal_distribution<double> dist(10, 3);
  std::vector<Batch> shards;
  Batch all = Make({}, {});
  for (int s = 0; s < 3; ++s) {
    std::vector<std::optional<double>> nums;
    std::vector<std::optional<std::string>> strs;
    for (int i = 0; i < 1000 + 100 * s; ++i) {
      bool miss = i % 17 == 0;
      nums.push_back(miss ? std::nullopt
                          : std::optional<double>(std::round(dist(rng) * 100) / 100));
      strs.push_back(miss ? std::nullopt
                          : std::optional<std::string>("k" + std::to_string(i % 13)));
    }
    shards.push_back(Make(nums, strs));
  }
  DatasetStats one(all.schema), merged(all.schema);
  for (const auto& b : shards) one.Add(b);
  for (const auto& b : shards) {
    DatasetStats part(b.schema);
    part.Add(b);
    ASSERT_TRUE(merged.Merge(part).ok());
  }
  EXPECT_EQ(merged.rows(), one.rows());
  const auto& a = one.Find("x")->num;
  const auto& m = merged.Find("x")->num;
  EXPECT_EQ(m.count, a.count);
  EXPECT_NEAR(m.mean, a.mean, 1e-12 * std::fabs(a.mean));
  EXPECT_NEAR(m.stddev(), a.stddev(), 1e-9 * a.stddev());
  EXPECT_EQ(m.min, a.min);
  EXPECT_EQ(m.max, a.max);
  for (double q : {0.1, 0.5, 0.9}) EXPECT_EQ(m.Quantile(q), a.Quantile(q));
  EXPECT_EQ(merged.Find("s")->cat.counts, one.Find("s")->cat.counts);
  EXPECT_EQ(merged.Find("s")->missing, one.Find("s")->missing);
  // And through JSON, as statistics artifacts are stored.
  auto restored = DatasetStats::FromJson(one.ToJson());
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(restored->ToJson(), one.ToJson());
  DatasetStats other;
  other = DatasetStats(data::Schema{{{"y", ColumnType::kDouble}}});
  EXPECT_EQ(one.Merge(other).code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace lathe::stats
