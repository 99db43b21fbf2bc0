// Schema inference, the YAML form, and anomalies.
#include "lathe/stats/feature_schema.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>

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
  // The observed extremes of a sample are not bounds: no range unless asked, with a margin.
  EXPECT_FALSE(schema.features[1].min.has_value());
  EXPECT_FALSE(schema.features[1].max.has_value());
  EXPECT_EQ(schema.features[0].min_domain_mass, 0.99);
  auto ranged = InferSchema(stats, {.range_margin = 0.1});
  EXPECT_EQ(*ranged.features[1].min, 1.5 - 0.25);
  EXPECT_EQ(*ranged.features[1].max, 4 + 0.25);
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
      "max_missing_fraction, domain, min_domain_mass, min, max)");
  EXPECT_EQ(ParseFeatureSchema("features:\n  - name: a\n    type: string\n    min_domain_mass: 2\n",
                               "s.yaml")
                .status()
                .message(),
            "s.yaml:4:22: features[0].min_domain_mass: expected a fraction from 0 to 1");
  EXPECT_EQ(ParseFeatureSchema("features:\n  - name: a\n    type: double\n    min: 3\n    max: 1\n",
                               "s.yaml")
                .status()
                .message(),
            "s.yaml:4:10: features[0].min: min is above max");
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
  // A curated schema: any value outside the domain counts, and the range is a bound.
  auto schema = InferSchema(train, {.min_domain_mass = 1, .range_margin = 0});
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

// Every double written into a schema reads back as itself, and messages tell numbers apart.
TEST(FeatureSchemaTest, DataPassesTheSchemaInferredFromIt) {
  auto stats = StatsOf("x\n0.12345678901234567\n0.5\n0.98765432109876543\n");
  auto schema = InferSchema(stats, {.range_margin = 0});
  auto back = ParseFeatureSchema(schema.ToYaml(), "s.yaml");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back->features[0].min, 0.12345678901234567);
  EXPECT_EQ(*back->features[0].max, 0.98765432109876543);
  EXPECT_TRUE(Validate(stats, *back).empty());

  // The next double below the minimum: a message at 6 digits would print both as 0.123457.
  const double next = std::nextafter(0.12345678901234567, 0.0);
  auto below = StatsOf(fmt::format("x\n{}\n", next));
  auto anomalies = Validate(below, *back);
  ASSERT_EQ(anomalies.size(), 1u);
  EXPECT_EQ(anomalies[0].description, "minimum 0.1234567890123456 is below 0.1234567890123457");
}

// NaN is missing, in statistics and in validation: count + missing = rows.
TEST(FeatureSchemaTest, NaNIsMissing) {
  auto stats = StatsOf("temp\n20.5\nNaN\n22.5\nnan\n");
  const FeatureStats* f = stats.Find("temp");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->type, data::ColumnType::kDouble);
  EXPECT_EQ(f->num.count, 2);
  EXPECT_EQ(f->missing, 2);
  EXPECT_EQ(f->num.non_finite, 0);
  EXPECT_DOUBLE_EQ(f->num.mean, 21.5);
  FeatureSchema required;
  required.features.push_back({.name = "temp", .type = data::ColumnType::kDouble});
  auto anomalies = Validate(stats, required);
  ASSERT_EQ(anomalies.size(), 1u);
  EXPECT_EQ(anomalies[0].kind, "missing_values");
  EXPECT_EQ(anomalies[0].description, "2 rows lack a required feature");
}

// Infinities are counted apart (count + missing + non_finite = rows), kept out of every summary
// (nothing becomes NaN or null), and are an anomaly kind of their own.
TEST(FeatureSchemaTest, InfinitiesAreCountedApartAndAreAnAnomaly) {
  std::string csv = "x\n";
  for (int i = 0; i < 300; ++i)
    csv += i % 30 == 0 ? (i % 60 == 0 ? "inf\n" : "-inf\n") : std::to_string(i) + "\n";
  auto stats = StatsOf(csv);
  const FeatureStats* f = stats.Find("x");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->num.count, 290);
  EXPECT_EQ(f->num.non_finite, 10);
  EXPECT_EQ(f->missing, 0);
  EXPECT_TRUE(std::isfinite(f->num.mean));
  EXPECT_TRUE(std::isfinite(f->num.stddev()));
  EXPECT_EQ(f->num.min, 1);
  EXPECT_EQ(f->num.max, 299);
  // The JSON form has no nulls, and reads back (SchemaGen reads it).
  auto j = stats.ToJson();
  EXPECT_EQ(j.dump().find("null"), std::string::npos) << j.dump();
  auto back = DatasetStats::FromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->Find("x")->num.non_finite, 10);
  auto schema = InferSchema(*back);
  auto anomalies = Validate(stats, schema);
  ASSERT_EQ(anomalies.size(), 1u);
  EXPECT_EQ(anomalies[0].kind, "non_finite_values");
  EXPECT_EQ(anomalies[0].description, "10 values are infinite (+inf or -inf)");
}

// A batch of the same distribution is not anomalous: no inferred ranges, and values outside an
// inferred domain only count above their allowed share.
TEST(FeatureSchemaTest, ASecondSampleOfTheSameDataHasNoAnomalies) {
  std::string train = "x,c\n", eval = "x,c\n";
  uint64_t state = 42;
  auto next = [&] {  // a fixed-seed LCG: the test is deterministic
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) / static_cast<double>(1ULL << 53);
  };
  for (int i = 0; i < 5000; ++i)
    train += fmt::format("{},{}\n", next() * 100, next() < 0.5 ? "a" : "b");
  for (int i = 0; i < 1000; ++i)  // one row in a thousand has a value never seen before
    eval += fmt::format("{},{}\n", next() * 100, i == 500 ? "z" : next() < 0.5 ? "a" : "b");
  auto schema = InferSchema(StatsOf(train));
  EXPECT_TRUE(Validate(StatsOf(eval), schema).empty());
  std::string shifted = "x,c\n";
  for (int i = 0; i < 100; ++i) shifted += fmt::format("{},{}\n", next(), i < 5 ? "z" : "a");
  auto anomalies = Validate(StatsOf(shifted), schema);
  ASSERT_EQ(anomalies.size(), 1u);
  EXPECT_EQ(anomalies[0].kind, "out_of_domain");
  EXPECT_DOUBLE_EQ(anomalies[0].value, 0.05);
}

// A span where a numeric column is empty: missing values, not a type mismatch; its statistics
// merge with a span that has values.
TEST(FeatureSchemaTest, AnAllEmptyColumnIsMissingNotAnotherType) {
  auto train = StatsOf("x,y\n1,0.5\n2,1.5\n");
  FeatureSchema schema = InferSchema(train);
  auto empty = StatsOf("x,y\n1,\n2,\n");
  EXPECT_EQ(empty.Find("y")->type, data::ColumnType::kNull);
  auto anomalies = Validate(empty, schema);
  ASSERT_EQ(anomalies.size(), 1u);
  EXPECT_EQ(anomalies[0].kind, "missing_values");
  DatasetStats merged = empty;
  ASSERT_TRUE(merged.Merge(train).ok());
  EXPECT_EQ(merged.Find("y")->type, data::ColumnType::kDouble);
  EXPECT_EQ(merged.Find("y")->missing, 2);
  EXPECT_EQ(merged.Find("y")->num.count, 2);
  auto text = StatsOf("x,y\n1,a\n");
  EXPECT_EQ(merged.Merge(text).message(),
            "column 'y' is double in one part of the data and string in another");
}

}  // namespace
}  // namespace lathe::stats
