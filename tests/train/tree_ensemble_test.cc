#include "lathe/train/tree_ensemble.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>

#include "lathe/train/xgboost_model.h"
#include "testing/temp_dir.h"

namespace lathe::train {
namespace {

using lathe::testing::TempDir;
using nlohmann::json;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Four features, some missing; the label depends on all of them so trees split on each.
void Data(size_t n, uint64_t seed, Task task, FeatureMatrix& x, std::vector<float>& y) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> g(0, 1);
  x.names = {"a", "b", "c", "d"};
  x.rows = n;
  for (size_t i = 0; i < n; ++i) {
    float v[4];
    for (float& f : v) f = g(rng);
    const float score = v[0] + 0.5f * v[1] * v[2] - v[3] + 0.3f * g(rng);
    for (float& f : v)
      if (rng() % 10 == 0) f = kNaN;
    x.values.insert(x.values.end(), v, v + 4);
    y.push_back(task == Task::kBinary       ? (score > 0 ? 1 : 0)
                : task == Task::kMulticlass ? (score < -0.5  ? 0
                                               : score < 0.5 ? 1
                                                             : 2)
                                            : score * 10 + 3);
  }
}

// Predictions of one row at a time (the TreeEnsemble) and of all rows at once (XGBoost's own
// predictor: more than kEnsembleMaxRows) must agree bit for bit.
void ExpectBitEqual(const XgboostModel& m, const FeatureMatrix& x) {
  ASSERT_GT(x.rows, XgboostModel::kEnsembleMaxRows);
  auto all = m.Predict(x);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  for (size_t r = 0; r < x.rows; ++r) {
    FeatureMatrix one;
    one.names = x.names;
    one.rows = 1;
    one.values.assign(x.values.begin() + r * x.cols(), x.values.begin() + (r + 1) * x.cols());
    auto p = m.Predict(one);
    ASSERT_TRUE(p.ok());
    for (size_t c = 0; c < all->classes; ++c) {
      const double a = p->values[c], b = all->values[r * all->classes + c];
      ASSERT_EQ(std::memcmp(&a, &b, sizeof a), 0)
          << "row " << r << " class " << c << ": " << a << " vs " << b;
    }
  }
}

class TreeEnsembleTest : public ::testing::TestWithParam<Task> {};

TEST_P(TreeEnsembleTest, GivesXgboostsPredictionsBitForBit) {
  const Task task = GetParam();
  TempDir dir;
  FeatureMatrix x, test;
  std::vector<float> y, test_y;
  Data(3000, 1, task, x, y);
  Data(2000, 2, task, test, test_y);
  // Thresholds themselves, the floats either side of them, and infinities, in every feature.
  const size_t plain_rows = test.rows;
  for (size_t r = 0; r < 300; ++r) {
    for (size_t f = 0; f < 4; ++f) {
      const float base = x.values[(r * 7 + f) % x.values.size()];
      const float v = r % 5 == 0   ? std::numeric_limits<float>::infinity()
                      : r % 5 == 1 ? -std::numeric_limits<float>::infinity()
                      : r % 5 == 2 ? std::nextafter(base, 1e9f)
                                   : base;
      test.values.push_back(v);
    }
    ++test.rows;
  }
  ASSERT_GT(test.rows, plain_rows);
  XgboostParams p;
  p.rounds = 40;
  p.max_depth = 5;
  p.seed = 7;
  p.threads = 2;
  for (const std::string warm : {"", "base.json"}) {
    const std::string path = (dir / (warm.empty() ? "base.json" : "warm.json")).string();
    auto trained = TrainXgboost(x, y, nullptr, nullptr, task, 3, p,
                                warm.empty() ? "" : (dir / warm).string(), path);
    ASSERT_TRUE(trained.ok()) << trained.status().ToString();
    auto m = XgboostModel::Load(path, task, 3, 4);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    ASSERT_TRUE((*m)->uses_tree_ensemble()) << (*m)->tree_ensemble_problem();
    ExpectBitEqual(**m, test);
  }
}

INSTANTIATE_TEST_SUITE_P(Tasks, TreeEnsembleTest,
                         ::testing::Values(Task::kBinary, Task::kMulticlass, Task::kRegression),
                         [](const auto& info) { return std::string(TaskName(info.param)); });

// A dump by hand: one stump on feature 1 (threshold 0.5, missing goes right), leaves -1 and 2.
json Stump(const std::string& objective) {
  json tree = {{"tree_param", {{"num_nodes", "3"}, {"size_leaf_vector", "0"}}},
               {"left_children", {1, -1, -1}},
               {"right_children", {2, -1, -1}},
               {"split_indices", {1, 0, 0}},
               {"split_conditions", {0.5, -1.0, 2.0}},
               {"default_left", {0, 0, 0}},
               {"split_type", {0, 0, 0}}};
  return {{"learner",
           {{"objective", {{"name", objective}}},
            {"learner_model_param", {{"base_score", "5E-1"}, {"num_class", "0"}}},
            {"gradient_booster",
             {{"name", "gbtree"}, {"model", {{"trees", {tree}}, {"tree_info", {0}}}}}}}}};
}

Result<TreeEnsemble> Load(const json& dump) {
  return TreeEnsemble::FromUbjson(json::to_ubjson(dump));
}

TEST(TreeEnsembleDumpTest, PredictsAHandWrittenStump) {
  auto e = Load(Stump("reg:squarederror"));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->features_used(), 2u);
  EXPECT_EQ(e->Thresholds(1), std::vector<float>{0.5f});
  const float x[] = {9, 0.25f, 9, 0.5f, 9, kNaN};
  float out[3];
  e->Predict(x, 3, 2, out);
  EXPECT_FLOAT_EQ(out[0], 0.5f - 1);  // base_score + the left leaf
  EXPECT_FLOAT_EQ(out[1], 0.5f + 2);  // 0.5 is not < 0.5: right
  EXPECT_FLOAT_EQ(out[2], 0.5f + 2);  // missing goes right (default_left 0)

  auto logistic = Load(Stump("binary:logistic"));
  ASSERT_TRUE(logistic.ok());
  logistic->Predict(x, 1, 2, out);
  EXPECT_NEAR(out[0], 1 / (1 + std::exp(1.0)), 1e-7);  // base margin logit(0.5) = 0
}

TEST(TreeEnsembleDumpTest, SaysWhatItDoesNotEvaluateAndWhatIsMalformed) {
  auto expect = [](const json& dump, StatusCode code, const std::string& words) {
    auto e = Load(dump);
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.status().code(), code) << e.status().ToString();
    EXPECT_NE(e.status().message().find(words), std::string::npos) << e.status().ToString();
  };
  expect(Stump("rank:pairwise"), StatusCode::kUnimplemented, "objective");
  json dart = Stump("reg:squarederror");
  dart["learner"]["gradient_booster"]["name"] = "dart";
  expect(dart, StatusCode::kUnimplemented, "dart");
  json categorical = Stump("reg:squarederror");
  categorical["learner"]["gradient_booster"]["model"]["trees"][0]["split_type"][0] = 1;
  expect(categorical, StatusCode::kUnimplemented, "categorical");
  json out_of_range = Stump("reg:squarederror");
  out_of_range["learner"]["gradient_booster"]["model"]["trees"][0]["right_children"][0] = 7;
  expect(out_of_range, StatusCode::kInvalidArgument, "out of range");
  json cycle = Stump("reg:squarederror");
  cycle["learner"]["gradient_booster"]["model"]["trees"][0]["left_children"][0] = 0;
  expect(cycle, StatusCode::kInvalidArgument, "reached twice");
  json short_array = Stump("reg:squarederror");
  short_array["learner"]["gradient_booster"]["model"]["trees"][0]["split_conditions"] = {0.5};
  expect(short_array, StatusCode::kInvalidArgument, "split_conditions");
  json bad_group = Stump("reg:squarederror");
  bad_group["learner"]["gradient_booster"]["model"]["tree_info"][0] = 1;
  expect(bad_group, StatusCode::kInvalidArgument, "tree_info");
  expect(json::object(), StatusCode::kInvalidArgument, "learner");
  auto garbage = TreeEnsemble::FromUbjson({'{', 'x'});
  EXPECT_EQ(garbage.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lathe::train
