#include "lathe/eval/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "lathe/eval/blessing.h"
#include "lathe/eval/evaluation.h"

namespace lathe::eval {
namespace {

ScoredRows Binary(std::vector<float> y, std::vector<double> p) {
  ScoredRows r;
  r.labels = std::move(y);
  r.scores = std::move(p);
  PrepareBinary(r);
  return r;
}

TEST(MetricsTest, BinaryByHandWithTies) {
  // Positives score 0.9 and 0.5, negatives 0.9 and 0.1. Pairs: (0.9, 0.9) a tie = 1/2,
  // (0.9, 0.1) = 1, (0.5, 0.9) = 0, (0.5, 0.1) = 1: AUC = 2.5 / 4.
  nlohmann::json details;
  auto m = BinaryMetrics(Binary({1, 0, 1, 0}, {0.9, 0.9, 0.5, 0.1}), nullptr, 0.5, &details);
  EXPECT_DOUBLE_EQ(m["auc"], 0.625);
  // Average precision over tie groups: 0.5 * (1/2) + 0.5 * (2/3).
  EXPECT_NEAR(m["auc_pr"], 0.25 + 1.0 / 3, 1e-12);
  // At 0.5: tp 2, fp 1, tn 1, fn 0.
  EXPECT_DOUBLE_EQ(m["accuracy"], 0.75);
  EXPECT_DOUBLE_EQ(m["precision"], 2.0 / 3);
  EXPECT_DOUBLE_EQ(m["recall"], 1);
  EXPECT_DOUBLE_EQ(m["f1"], 0.8);
  EXPECT_NEAR(m["log_loss"], -(std::log(0.9) + std::log(0.1) + std::log(0.5) + std::log(0.9)) / 4,
              1e-12);
  EXPECT_DOUBLE_EQ(m["calibration"], 2.4 / 2);
  EXPECT_DOUBLE_EQ(m["count"], 4);
  EXPECT_EQ(details["confusion_matrix"]["fp"], 1);
  EXPECT_EQ(details["calibration_bins"][9]["count"], 2);  // the two 0.9s
  // All scores tied: AUC one half.
  EXPECT_DOUBLE_EQ(BinaryMetrics(Binary({1, 0, 1, 0}, {0.3, 0.3, 0.3, 0.3}), nullptr, 0.5)["auc"],
                   0.5);
  // Weights (per prepared row: by descending score) count rows that many times: weight 2 on
  // the positive row (second by score) equals that row twice.
  std::vector<double> w = {1, 2, 1};
  auto weighted = BinaryMetrics(Binary({1, 0, 0}, {0.2, 0.4, 0.1}), &w, 0.5);
  auto doubled = BinaryMetrics(Binary({1, 1, 0, 0}, {0.2, 0.2, 0.4, 0.1}), nullptr, 0.5);
  EXPECT_DOUBLE_EQ(weighted["auc"], doubled["auc"]);
  EXPECT_DOUBLE_EQ(weighted["log_loss"], doubled["log_loss"]);
}

TEST(MetricsTest, UndefinedWithoutPositivesOrPredictions) {
  auto m = BinaryMetrics(Binary({0, 0}, {0.1, 0.2}), nullptr, 0.5);
  EXPECT_TRUE(std::isnan(m["auc"]));
  EXPECT_TRUE(std::isnan(m["auc_pr"]));
  EXPECT_TRUE(std::isnan(m["precision"]));  // nothing predicted positive
  EXPECT_TRUE(std::isnan(m["recall"]));     // no positives
  EXPECT_TRUE(std::isnan(m["f1"]));         // no positive at all, true or predicted
  // Positives exist but none is found: F1 is 0, not undefined.
  EXPECT_DOUBLE_EQ(BinaryMetrics(Binary({1, 0}, {0.1, 0.2}), nullptr, 0.5)["f1"], 0);
  EXPECT_DOUBLE_EQ(m["accuracy"], 1);
  auto empty = BinaryMetrics(Binary({}, {}), nullptr, 0.5);
  EXPECT_TRUE(std::isnan(empty["accuracy"]));
  EXPECT_EQ(empty["count"], 0);
}

TEST(MetricsTest, RegressionByHand) {
  ScoredRows r;
  r.labels = {1, 2, 3};
  r.scores = {2, 2, 2};
  auto m = RegressionMetrics(r, nullptr);
  EXPECT_DOUBLE_EQ(m["rmse"], std::sqrt(2.0 / 3));
  EXPECT_DOUBLE_EQ(m["mae"], 2.0 / 3);
  EXPECT_DOUBLE_EQ(m["r2"], 0);  // as good as predicting the mean
  EXPECT_NEAR(m["mape"], 100 * (1.0 + 0 + 1.0 / 3) / 3, 1e-12);
  r.labels = {0, 2};
  r.scores = {1, 3};
  EXPECT_DOUBLE_EQ(RegressionMetrics(r, nullptr)["mape"], 50);  // label 0 left out
}

TEST(MetricsTest, MulticlassByHand) {
  ScoredRows r;
  r.classes = 3;
  r.labels = {0, 1, 2, 2};
  r.scores = {0.7, 0.2, 0.1,   // 0 -> 0
              0.1, 0.8, 0.1,   // 1 -> 1
              0.5, 0.1, 0.4,   // 2 -> 0 (wrong)
              0.2, 0.2, 0.6};  // 2 -> 2
  PrepareMulticlass(r);
  nlohmann::json details;
  auto m = MulticlassMetrics(r, nullptr, &details);
  EXPECT_DOUBLE_EQ(m["accuracy"], 0.75);
  EXPECT_NEAR(m["log_loss"], -(std::log(0.7) + std::log(0.8) + std::log(0.4) + std::log(0.6)) / 4,
              1e-12);
  // Precision: class 0 1/2, class 1 1, class 2 1 -> 5/6. Recall: 1, 1, 1/2 -> 5/6.
  EXPECT_DOUBLE_EQ(m["precision"], 2.5 / 3);
  EXPECT_DOUBLE_EQ(m["recall"], 2.5 / 3);
  EXPECT_EQ(details["confusion_matrix"][2], (std::vector<double>{1, 0, 1}));
  // F1 per class: 2/3, 1, 2/3.
  EXPECT_DOUBLE_EQ(m["f1"], (2.0 / 3 + 1 + 2.0 / 3) / 3);
  // Balanced classes, the first always right, the other two swapped: macro F1 is 1/3 (not 1).
  ScoredRows swapped;
  swapped.classes = 3;
  swapped.labels = {0, 1, 2};
  swapped.scores = {0.9, 0.05, 0.05, 0.1, 0.1, 0.8, 0.1, 0.8, 0.1};
  auto sm = MulticlassMetrics(swapped, nullptr);
  EXPECT_DOUBLE_EQ(sm["f1"], 1.0 / 3);
  EXPECT_DOUBLE_EQ(sm["precision"], 1.0 / 3);
  // One-vs-rest AUC: class 0: pos 0.7 vs negs 0.1, 0.5, 0.2 -> 1; class 1: 0.8 vs 0.2, 0.1, 0.2
  // -> 1; class 2: pos 0.4, 0.6 vs negs 0.1, 0.1 -> 1.
  EXPECT_DOUBLE_EQ(m["auc"], 1);
}

TEST(EvaluationTest, SlicesMinimumSizeAndBootstrap) {
  data::Batch raw;
  raw.schema.fields = {{"city", data::ColumnType::kString}, {"big", data::ColumnType::kBool}};
  raw.columns = {data::Column(data::ColumnType::kString), data::Column(data::ColumnType::kBool)};
  std::vector<float> labels;
  train::Predictions p;
  for (int i = 0; i < 200; ++i) {
    raw.columns[0].AppendString(i < 190 ? (i % 2 ? "a" : "b") : "c");
    if (i == 5)
      raw.columns[1].AppendNull();
    else
      raw.columns[1].AppendBool(i % 3 == 0);
    labels.push_back(i % 4 == 0 ? 1 : 0);
    p.values.push_back(i % 4 == 0 ? 0.6 + (i % 7) * 0.05 : 0.2 + (i % 11) * 0.05);
  }
  labels[7] = NAN;
  EvalConfig config;
  config.slices = {{"city"}, {"city", "big"}};
  config.min_slice_size = 20;
  config.bootstrap = 50;
  config.seed = 7;
  auto m = Evaluate(config, transform::Task::kBinary, raw, labels, p);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->rows_without_label, 1);
  ASSERT_NE(m->Find("overall"), nullptr);
  EXPECT_EQ(m->Find("overall")->rows, 199);
  EXPECT_EQ(m->Find("city=a")->rows, 94);  // odd i below 190, without row 7
  EXPECT_TRUE(m->Find("city=c")->skipped);
  EXPECT_TRUE(m->Find("city=c")->metrics.empty());
  EXPECT_NE(m->Find("city=a,big=(missing)"), nullptr);
  const auto& overall = *m->Find("overall");
  auto [lo, hi] = overall.intervals.at("auc");
  EXPECT_LE(lo, overall.metrics.at("auc"));
  EXPECT_GE(hi, overall.metrics.at("auc"));
  EXPECT_LT(lo, hi);
  auto again = Evaluate(config, transform::Task::kBinary, raw, labels, p);
  EXPECT_EQ(again->ToJson(), m->ToJson());  // the bootstrap is seeded
  auto back = ModelMetrics::FromJson(nlohmann::json::parse(m->ToJson().dump()));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->ToJson(), m->ToJson());
  // Only the largest slice of each spec.
  config.max_slices = 1;
  auto top = Evaluate(config, transform::Task::kBinary, raw, labels, p);
  ASSERT_TRUE(top.ok());
  EXPECT_EQ(top->slices.size(), 3u);  // overall, city=b (95 rows), city=b,big=false
  EXPECT_NE(top->Find("city=b"), nullptr);
  EXPECT_EQ(top->slices_omitted, 2 + 6);
  config.max_slices = 0;
  config.slices = {{"nope"}};
  EXPECT_EQ(Evaluate(config, transform::Task::kBinary, raw, labels, p).status().message(),
            "slice: the data has no column 'nope'");
}

ModelMetrics Metrics(double auc, double rmse_b) {
  ModelMetrics m;
  m.slices.push_back({"overall", 100, false, {{"auc", auc}, {"rmse", 1.0}}, {}, {}});
  m.slices.push_back({"island=B", 50, false, {{"auc", NAN}, {"rmse", rmse_b}}, {}, {}});
  m.slices.push_back({"island=C", 3, true, {}, {}, {}});
  return m;
}

TEST(BlessingTest, ValueAndChangeThresholds) {
  auto th = ParseThresholds(nlohmann::json::parse(R"([
      {"metric": "auc", "lower": 0.8},
      {"metric": "rmse", "slice": "island=B", "upper": 2},
      {"metric": "auc", "min_improvement": 0}])"));
  ASSERT_TRUE(th.ok()) << th.status().ToString();
  // First model: value thresholds only.
  auto first = Decide(Metrics(0.85, 1.5), nullptr, *th);
  EXPECT_TRUE(first.blessed);
  EXPECT_FALSE(first.had_baseline);
  // Worse than the baseline.
  auto better_baseline = Metrics(0.9, 1.0);
  auto worse = Decide(Metrics(0.85, 1.5), &better_baseline, *th);
  EXPECT_FALSE(worse.blessed);
  ASSERT_EQ(worse.Reasons().size(), 1u);
  EXPECT_EQ(worse.Reasons()[0], "overall auc 0.85 vs baseline 0.9: improvement -0.05 >= 0");
  // Better and within bounds.
  auto base = Metrics(0.82, 1.0);
  EXPECT_TRUE(Decide(Metrics(0.85, 1.5), &base, *th).blessed);
  // A value bound fails.
  auto low = Decide(Metrics(0.7, 2.5), nullptr, *th);
  EXPECT_FALSE(low.blessed);
  EXPECT_EQ(low.Reasons().size(), 2u);
  // Lower is better for rmse: relative improvement of 0.5 -> 0.4 is +20%.
  auto rel = ParseThresholds(nlohmann::json::parse(
      R"([{"metric": "rmse", "slice": "island=B", "min_relative_improvement": 0.1}])"));
  auto b2 = Metrics(0.9, 0.5);
  EXPECT_TRUE(Decide(Metrics(0.9, 0.4), &b2, *rel).blessed);
  EXPECT_FALSE(Decide(Metrics(0.9, 0.48), &b2, *rel).blessed);
  // Undefined metrics and small slices fail the thresholds that name them.
  auto undefined = ParseThresholds(nlohmann::json::parse(
      R"([{"metric": "auc", "slice": "island=B", "lower": 0.5},
          {"metric": "auc", "slice": "island=C", "lower": 0.5}])"));
  auto d = Decide(Metrics(0.9, 1), nullptr, *undefined);
  EXPECT_FALSE(d.blessed);
  EXPECT_EQ(d.Reasons(), (std::vector<std::string>{"island=B auc: undefined on this slice",
                                                   "island=C auc: slice too small (3 rows)"}));
  EXPECT_TRUE(Decide(Metrics(0.1, 9), nullptr, {}).blessed);  // no thresholds
}

TEST(BlessingTest, ParseErrorsNameTheItem) {
  std::string path;
  EXPECT_FALSE(
      ParseThresholds(nlohmann::json::parse(R"([{"metric": "auc", "lowr": 1}])"), &path).ok());
  EXPECT_EQ(path, "thresholds[0].lowr");
  EXPECT_FALSE(ParseThresholds(nlohmann::json::parse(R"([{"metric": "auc"}])"), &path).ok());
  EXPECT_EQ(path, "thresholds[0]");
  auto r = ParseThresholds(
      nlohmann::json::parse(R"([{"metric": "calibration", "min_improvement": 0}])"), &path);
  EXPECT_EQ(path, "thresholds[0].higher_is_better");
}

}  // namespace
}  // namespace lathe::eval
