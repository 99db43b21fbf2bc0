#include "lathe/transform/transform_graph.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "lathe/data/csv.h"

namespace lathe::transform {
namespace {

data::Batch Read(const std::string& text) {
  data::Batch all;
  auto r = data::ReadCsvText(text, "t.csv", {},
                             [&](data::Batch&& b) { return data::AppendRows(all, b); });
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return all;
}

const char* kData =
    "x,y,city,when,label\n"
    "1,10,paris,2001-01-01 00:30,yes\n"
    "2,,paris,2001-01-02 13:05,no\n"
    "3,30,rome,2001-01-06 23:59,yes\n"
    "4,40,oslo,2001-01-07,no\n"
    ",50,,bad date,yes\n";

TransformGraph Fit(const nlohmann::json& spec_json, const data::Batch& b) {
  auto spec = ParseTransformSpec(spec_json);
  EXPECT_TRUE(spec.ok()) << spec.status().ToString();
  stats::DatasetStats st(b.schema);
  st.Add(b);
  auto g = TransformGraph::Analyze(*spec, b.schema, st);
  EXPECT_TRUE(g.ok()) << g.status().ToString();
  return std::move(*g);
}

nlohmann::json AllOps() {
  return nlohmann::json::parse(R"({
    "label": {"column": "label", "positive": "yes"},
    "features": [
      {"name": "x_std", "input": "x", "op": "standardize"},
      {"name": "x_mm", "input": "x", "op": "min_max", "fill": "mean"},
      {"name": "y_log", "input": "y", "op": "log", "offset": 0},
      {"name": "y_clip", "input": "y", "op": "clip", "min": 15, "max": 35},
      {"name": "y_bucket", "input": "y", "op": "bucketize", "buckets": 2},
      {"name": "city", "input": "city", "op": "vocabulary"},
      {"name": "city1h", "input": "city", "op": "vocabulary", "encoding": "one_hot", "top_k": 1},
      {"name": "hour", "input": "when", "op": "date_part", "part": "hour"},
      {"name": "weekday", "input": "when", "op": "date_part", "part": "weekday"},
      {"name": "cityhash", "input": "city", "op": "hash", "buckets": 7},
      {"name": "cross", "inputs": ["city", "x"], "op": "cross", "buckets": 5}
    ]})");
}

bool SameFloat(float a, float b) {
  return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b));
}

TEST(TransformGraphTest, EveryOpByHand) {
  auto b = Read(kData);
  auto g = Fit(AllOps(), b);
  EXPECT_EQ(g.task(), Task::kBinary);
  EXPECT_EQ(g.FeatureNames(),
            (std::vector<std::string>{"x_std", "x_mm", "y_log", "y_clip", "y_bucket", "city",
                                      "city1h=paris", "city1h=(other)", "hour", "weekday",
                                      "cityhash", "cross"}));
  FeatureMatrix m;
  ASSERT_TRUE(g.Apply(b, m).ok());
  ASSERT_EQ(m.rows, 5u);
  auto col = [&](const std::string& name) {
    size_t c = std::find(m.names.begin(), m.names.end(), name) - m.names.begin();
    std::vector<float> v;
    for (size_t r = 0; r < m.rows; ++r) v.push_back(m.at(r, c));
    return v;
  };
  // x: 1..4, mean 2.5, population stddev sqrt(1.25).
  const float sd = static_cast<float>(std::sqrt(1.25));
  EXPECT_NEAR(col("x_std")[0], (1 - 2.5) / sd, 1e-6);
  EXPECT_NEAR(col("x_std")[3], (4 - 2.5) / sd, 1e-6);
  EXPECT_TRUE(std::isnan(col("x_std")[4]));  // missing stays missing
  EXPECT_NEAR(col("x_mm")[1], 1.0 / 3, 1e-6);
  EXPECT_NEAR(col("x_mm")[4], 0.5, 1e-6);  // filled with the mean 2.5: (2.5 - 1) / 3
  EXPECT_NEAR(col("y_log")[0], std::log(10.0), 1e-6);
  EXPECT_EQ(col("y_clip")[0], 15);
  EXPECT_EQ(col("y_clip")[3], 35);
  EXPECT_TRUE(std::isnan(col("y_clip")[1]));
  // y in {10, 30, 40, 50}: the median boundary (exact quantile 0.5 = 30 or 35) splits 10 | 40, 50.
  EXPECT_EQ(col("y_bucket")[0], 0);
  EXPECT_EQ(col("y_bucket")[3], 1);
  EXPECT_EQ(col("y_bucket")[4], 1);
  // Vocabulary by count, then name: paris (2), oslo, rome.
  EXPECT_EQ(g.features()[5].vocabulary, (std::vector<std::string>{"paris", "oslo", "rome"}));
  EXPECT_EQ(col("city")[0], 0);
  EXPECT_EQ(col("city")[3], 1);
  EXPECT_EQ(col("city")[2], 2);
  EXPECT_TRUE(std::isnan(col("city")[4]));
  EXPECT_EQ(col("city1h=paris"), (std::vector<float>{1, 1, 0, 0, 0}));
  EXPECT_EQ(col("city1h=(other)"), (std::vector<float>{0, 0, 1, 1, 0}));  // missing: all zeros
  EXPECT_EQ(col("hour")[0], 0);
  EXPECT_EQ(col("hour")[1], 13);
  EXPECT_EQ(col("hour")[3], 0);  // a date without a time
  EXPECT_TRUE(std::isnan(col("hour")[4]));
  // 2001-01-01 was a Monday (0); 2001-01-06 a Saturday (5); 2001-01-07 a Sunday (6).
  EXPECT_EQ(col("weekday")[0], 0);
  EXPECT_EQ(col("weekday")[2], 5);
  EXPECT_EQ(col("weekday")[3], 6);
  EXPECT_EQ(col("cityhash")[0], col("cityhash")[1]);
  EXPECT_LT(col("cityhash")[2], 7);
  EXPECT_TRUE(std::isnan(col("cross")[4]));
  std::vector<float> labels;
  ASSERT_TRUE(g.Labels(b, labels).ok());
  EXPECT_EQ(labels, (std::vector<float>{1, 0, 1, 0, 1}));
}

TEST(TransformGraphTest, SingleRowsEqualTheBatchRowByRow) {
  auto b = Read(kData);
  auto g = Fit(AllOps(), b);
  FeatureMatrix whole;
  ASSERT_TRUE(g.Apply(b, whole).ok());
  for (size_t r = 0; r < b.rows(); ++r) {
    nlohmann::json inst = nlohmann::json::object();
    for (size_t c = 0; c < b.columns.size(); ++c) {
      const auto& col = b.columns[c];
      if (col.is_null(r)) continue;
      if (col.type() == data::ColumnType::kInt64)
        inst[b.schema.fields[c].name] = col.int_at(r);
      else
        inst[b.schema.fields[c].name] = col.ToText(r);
    }
    auto one = g.BatchFromInstances(nlohmann::json::array({inst}));
    ASSERT_TRUE(one.ok()) << one.status().ToString();
    FeatureMatrix m;
    ASSERT_TRUE(g.Apply(*one, m).ok());
    ASSERT_EQ(m.rows, 1u);
    for (size_t c = 0; c < m.cols(); ++c)
      EXPECT_TRUE(SameFloat(m.at(0, c), whole.at(r, c))) << "row " << r << " " << m.names[c];
  }
}

TEST(TransformGraphTest, JsonRoundTripAppliesIdentically) {
  auto b = Read(kData);
  auto g = Fit(AllOps(), b);
  auto back = TransformGraph::FromJson(nlohmann::json::parse(g.ToJson().dump()));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ToJson(), g.ToJson());
  FeatureMatrix a, c;
  ASSERT_TRUE(g.Apply(b, a).ok());
  ASSERT_TRUE(back->Apply(b, c).ok());
  ASSERT_EQ(a.values.size(), c.values.size());
  for (size_t i = 0; i < a.values.size(); ++i) EXPECT_TRUE(SameFloat(a.values[i], c.values[i]));
}

TEST(TransformGraphTest, TasksFromTheLabel) {
  auto b = Read(kData);
  auto multi = Fit({{"label", {{"column", "city"}}}, {"features", {{{"input", "x"}}}}}, b);
  EXPECT_EQ(multi.task(), Task::kMulticlass);
  EXPECT_EQ(multi.classes(), (std::vector<std::string>{"oslo", "paris", "rome"}));
  std::vector<float> labels;
  ASSERT_TRUE(multi.Labels(b, labels).ok());
  EXPECT_EQ(labels[0], 1);
  EXPECT_TRUE(std::isnan(labels[4]));
  auto reg = Fit({{"label", {{"column", "y"}}}, {"features", {{{"input", "x"}}}}}, b);
  EXPECT_EQ(reg.task(), Task::kRegression);
  auto over = Fit(
      {{"label", {{"column", "y"}, {"greater_than", 25}}}, {"features", {{{"input", "x"}}}}}, b);
  labels.clear();
  ASSERT_TRUE(over.Labels(b, labels).ok());
  EXPECT_EQ(labels[0], 0);
  EXPECT_TRUE(std::isnan(labels[1]));
  EXPECT_EQ(labels[2], 1);
}

TEST(TransformGraphTest, ErrorsNameTheField) {
  std::string path;
  auto bad = ParseTransformSpec(
      {{"label", {{"column", "y"}}}, {"features", {{{"input", "x"}, {"op", "scale"}}}}}, &path);
  EXPECT_EQ(path, "features[0].op");
  EXPECT_NE(bad.status().message().find("unknown op 'scale'"), std::string::npos);
  EXPECT_FALSE(
      ParseTransformSpec(
          {{"label", {{"column", "y"}}}, {"features", {{{"input", "x"}, {"bukets", 3}}}}}, &path)
          .ok());
  EXPECT_EQ(path, "features[0].bukets");
  auto b = Read(kData);
  stats::DatasetStats st(b.schema);
  st.Add(b);
  auto spec =
      ParseTransformSpec({{"label", {{"column", "label"}}}, {"features", {{{"input", "nope"}}}}});
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(TransformGraph::Analyze(*spec, b.schema, st).status().message(),
            "feature 'nope': column 'nope' is not in the data");
  spec = ParseTransformSpec({{"label", {{"column", "label"}}},
                             {"features", {{{"input", "city"}, {"op", "standardize"}}}}});
  EXPECT_NE(TransformGraph::Analyze(*spec, b.schema, st).status().message().find("needs numbers"),
            std::string::npos);
  EXPECT_FALSE(
      ParseTransformSpec(
          {{"label", {{"column", "y"}}},
           {"features", {{{"input", "x"}, {"op", "hash"}, {"buckets", int64_t{1} << 32}}}}},
          &path)
          .ok());
  EXPECT_EQ(path, "features[0].buckets");  // too many buckets: refused, never wrapped to 0
  // A numeric binary label must hold only 0 and 1.
  spec = ParseTransformSpec(
      {{"label", {{"column", "y"}, {"task", "binary"}}}, {"features", {{{"input", "x"}}}}});
  ASSERT_TRUE(spec.ok());
  EXPECT_NE(TransformGraph::Analyze(*spec, b.schema, st)
                .status()
                .message()
                .find("a binary label must hold 0 and 1"),
            std::string::npos);
  // A positive value that never occurs names the column and the values it has.
  spec = ParseTransformSpec(
      {{"label", {{"column", "label"}, {"positive", "Yes"}}}, {"features", {{{"input", "x"}}}}});
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(TransformGraph::Analyze(*spec, b.schema, st).status().message(),
            "label: positive value 'Yes' never occurs in column 'label' of the training data; its "
            "values: 'yes' (3), 'no' (2)");
  spec = ParseTransformSpec(
      {{"label", {{"column", "x"}, {"positive", "7"}}}, {"features", {{{"input", "y"}}}}});
  ASSERT_TRUE(spec.ok());
  EXPECT_NE(TransformGraph::Analyze(*spec, b.schema, st)
                .status()
                .message()
                .find("positive value '7' never occurs in column 'x'"),
            std::string::npos);
  auto g = Fit(AllOps(), b);
  EXPECT_EQ(g.BatchFromInstances(nlohmann::json::parse(R"([{"x": 1e300}])")).status().message(),
            "instances[0].x: expected a whole number, got 1e+300");
  EXPECT_EQ(g.BatchFromInstances(nlohmann::json::parse(R"([{"x": "one"}])")).status().message(),
            "instances[0].x: expected a whole number, got \"one\"");
}

TEST(TransformGraphTest, OptionsOfAnotherOpAreRefusedWithTheirPath) {
  std::string path;
  auto bad = ParseTransformSpec({{"label", {{"column", "y"}}},
                                 {"features",
                                  {{{"input", "x"}, {"op", "hash"}},
                                   {{"input", "z"}, {"op", "standardize"}, {"buckets", 4}}}}},
                                &path);
  EXPECT_EQ(path, "features[1].buckets");
  EXPECT_EQ(
      bad.status().message(),
      "features[1].buckets: unknown option 'buckets' (options: name, input, inputs, op, fill)");
  bad = ParseTransformSpec(
      {{"label", {{"column", "y"}}},
       {"features", {{{"input", "city"}, {"op", "hash"}, {"encoding", "one_hot"}}}}},
      &path);
  EXPECT_EQ(path, "features[0].encoding");
  EXPECT_EQ(bad.status().message(),
            "features[0].encoding: unknown option 'encoding' (options: name, input, inputs, op, "
            "fill, buckets)");
  // The op's own options still parse; an unknown op lists the ops in their order.
  EXPECT_TRUE(
      ParseTransformSpec({{"label", {{"column", "y"}}},
                          {"features", {{{"input", "city"}, {"op", "hash"}, {"buckets", 4}}}}})
          .ok());
  EXPECT_EQ(ParseTransformSpec(
                {{"label", {{"column", "y"}}}, {"features", {{{"input", "x"}, {"op", "scale"}}}}})
                .status()
                .message(),
            "features[0].op: unknown op 'scale' (ops: identity, standardize, min_max, log, clip, "
            "bucketize, vocabulary, hash, date_part, cross)");
  ASSERT_NE(FeatureOpRegistry::Builtin().Find("cross"), nullptr);
  EXPECT_TRUE(FeatureOpRegistry::Builtin().Find("cross")->several_inputs());
  // A transform graph stored by an earlier Lathe kept such options in its spec: it still loads.
  auto b = Read(kData);
  auto g = Fit({{"label", {{"column", "label"}, {"positive", "yes"}}},
                {"features", {{{"input", "x"}, {"op", "standardize"}}}}},
               b);
  nlohmann::json stored = g.ToJson();
  stored["spec"]["features"][0]["min"] = 0;
  auto loaded = TransformGraph::FromJson(stored);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->FeatureNames(), g.FeatureNames());
}

}  // namespace
}  // namespace lathe::transform
