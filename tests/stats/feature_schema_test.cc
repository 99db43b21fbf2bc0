// Schema inference, the YAML form, and anomalies.
#include "lathe/stats/feature_schema.h"

#include <gtest/gtest.h>

#include "lathe/data/csv.h"

namespace lathe::stats {
namespace {

DatasetStats StatsOf(const std::string& csv) {
  DatasetStats s;
  bool started = false;
  auto r = data::ReadCsvText(csv, "t.csv", {}, [&](data::Batch&& b) {
    if (!started) s = DatasetStats(b.schema);
    started = true;
    s.Add(b);
    return Status::Ok();
  });
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return s;
}

TEST(FeatureSchemaTest, InferWriteAndReadBack) {
  auto stats = StatsOf("kind,size,note\na,1.5,x\nb,2.5,\na,4,y\n");
  auto schema = InferSchema(stats, {.max_domain_size = 2});
  ASSERT_EQ(schema.features.size(), 3u);
  EXPECT_EQ(schema.features[0].domain, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(schema.features[0].required);
  EXPECT_EQ(*schema.features[1].min, 1.5);
  EXPECT_EQ(*schema.features[1].max, 4);
  EXPECT_FALSE(schema.features[2].required);  // one row lacks it
  EXPECT_EQ(schema.features[2].domain, (std::vector<std::string>{"x", "y"}));
  auto wide = InferSchema(stats, {.max_domain_size = 1});
  EXPECT_TRUE(wide.features[0].domain.empty());  // 2 values > 1: no domain

  std::string yaml = schema.ToYaml();
  EXPECT_NE(yaml.find("domain: [a, b]"), std::string::npos) << yaml;
  auto back = ParseFeatureSchema(yaml, "s.yaml");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ToJson(), schema.ToJson());
}

TEST(FeatureSchemaTest, ParseErrorsSayWhere) {
  EXPECT_EQ(
      ParseFeatureSchema("features:\n  - name: a\n    type: text\n", "s.yaml").status().message(),
      "s.yaml:3:11: features[0].type: unknown column type 'text' (expected int64, double, bool or "
      "string)");
  EXPECT_EQ(
      ParseFeatureSchema("features:\n  - name: a\n    type: int64\n    colour: red\n", "s.yaml")
          .status()
          .message(),
      "s.yaml:4:5: features[0].colour: unknown field (expected name, type, required, "
      "max_missing_fraction, "
      "domain, min, max)");
  EXPECT_EQ(
      ParseFeatureSchema("features:\n  - name: a\n    type: int64\n    min: low\n", "s.yaml")
          .status()
          .message(),
      "s.yaml:4:10: value of the wrong type (required: true/false; fractions, min, max: numbers)");
  EXPECT_EQ(ParseFeatureSchema("[1, 2]", "s.yaml").status().message(),
            "s.yaml: a schema is a mapping with a list `features`");
}

TEST(FeatureSchemaTest, Anomalies) {
  auto train = StatsOf("kind,size,note\na,1.5,x\nb,2.5,x\na,4,y\n");
  auto schema = InferSchema(train);
  schema.features[2].required = false;
  schema.features[2].max_missing_fraction = 0.25;
  auto serving = StatsOf("kind,size,extra\na,1.5,1\nc,9,2\nd,2,3\nc,2,4\n");
  auto anomalies = Validate(serving, schema);
  std::vector<std::string> got;
  for (const auto& a : anomalies) got.push_back(a.feature + ":" + a.kind + ":" + a.description);
  EXPECT_EQ(got, (std::vector<std::string>{
                     "kind:out_of_domain:unexpected values: 'c' (2), 'd' (1)",
                     "size:out_of_range:maximum 9 is above 4",
                     "note:missing_feature:the feature is in the schema but not in the data",
                     "extra:new_feature:the feature is in the data but not in the schema",
                 }));
  EXPECT_DOUBLE_EQ(anomalies[0].value, 0.75);  // 3 of 4 rows
  EXPECT_DOUBLE_EQ(anomalies[1].value, 9);
  EXPECT_DOUBLE_EQ(anomalies[1].threshold, 4);

  auto gaps = StatsOf("kind,size,note\na,,x\nb,2.5,\na,3.5,\n");
  auto more = Validate(gaps, schema);
  ASSERT_EQ(more.size(), 2u);
  EXPECT_EQ(more[0].feature, "size");
  EXPECT_EQ(more[0].kind, "missing_values");  // required
  EXPECT_EQ(more[1].feature, "note");
  EXPECT_NEAR(more[1].value, 2.0 / 3, 1e-12);
  EXPECT_EQ(more[1].threshold, 0.25);
  auto typed = StatsOf("kind,size,note\n1,2,x\n");
  EXPECT_EQ(Validate(typed, schema)[0].kind, "type_mismatch");
}

}  // namespace
}  // namespace lathe::stats
