// The data components in pipelines: input patterns, deterministic splits, statistics, schema,
// validation, and stopping at anomalies.
#include "lathe/components/data_components.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "lathe/components/component_util.h"
#include "lathe/data/columnar.h"
#include "lathe/orchestrate/local_runner.h"
#include "lathe/pipeline/graph.h"
#include "lathe/stats/feature_schema.h"
#include "testing/temp_dir.h"

namespace lathe::components {
namespace {

namespace fs = std::filesystem;
using testing::WriteFile;

TEST(InputPatternTest, SpansVersionsAndDates) {
  testing::TempDir tmp;
  for (const char* f : {"data/span-1/v-1/a.csv", "data/span-2/v-1/a.csv", "data/span-2/v-3/a.csv",
                        "data/span-10/v-2/a.csv", "data/other.txt"})
    WriteFile(tmp / f, "x\n1\n");
  auto latest =
      ResolveInputPattern(tmp.path().string(), "data/span-{SPAN}/v-{VERSION}/a.csv", std::nullopt);
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  ASSERT_EQ(latest->size(), 1u);
  EXPECT_EQ(latest->at(0).span, 10);
  EXPECT_EQ(latest->at(0).version, 2);
  auto two = ResolveInputPattern(tmp.path().string(), "data/span-{SPAN}/v-{VERSION}/a.csv", 2);
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  EXPECT_EQ(two->at(0).version, 3);
  EXPECT_EQ(two->at(0).path, (tmp / "data/span-2/v-3/a.csv").string());
  EXPECT_EQ(ResolveInputPattern(tmp.path().string(), "data/span-{SPAN}/v-{VERSION}/a.csv", 7)
                .status()
                .code(),
            StatusCode::kNotFound);
  WriteFile(tmp / "days/2001-05-31.csv", "x\n");
  WriteFile(tmp / "days/2001-06-01.csv", "x\n");
  auto day = ResolveInputPattern(tmp.path().string(), "days/{YYYY}-{MM}-{DD}.csv", std::nullopt);
  ASSERT_TRUE(day.ok()) << day.status().ToString();
  EXPECT_EQ(day->at(0).span, 20010601);
  EXPECT_EQ(
      ResolveInputPattern(tmp.path().string(), "days/{WEEK}.csv", std::nullopt).status().code(),
      StatusCode::kInvalidArgument);
  // A span too long for 64 bits is an error naming the file, never an exception.
  WriteFile(tmp / "data/span-99999999999999999999/v-1/a.csv", "x\n1\n");
  auto huge =
      ResolveInputPattern(tmp.path().string(), "data/span-{SPAN}/v-{VERSION}/a.csv", std::nullopt);
  EXPECT_EQ(huge.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(huge.status().message().find("{SPAN} is 99999999999999999999, which does not fit"),
            std::string::npos)
      << huge.status().message();
}

// `*` matches within one path component; a span may be many files, given in path order, and only
// the newest span's (and version's) files are picked.
TEST(InputPatternTest, WildcardPicksEveryFileOfTheNewestSpan) {
  testing::TempDir tmp;
  for (const char* f :
       {"data/span-1/part-0.csv", "data/span-1/part-1.csv", "data/span-2/part-10.csv",
        "data/span-2/part-2.csv", "data/span-2/notes.txt", "data/span-2/sub/part-3.csv"})
    WriteFile(tmp / f, "x\n1\n");
  auto files =
      ResolveInputPattern(tmp.path().string(), "data/span-{SPAN}/part-*.csv", std::nullopt);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ(files->at(0).path, (tmp / "data/span-2/part-10.csv").string());
  EXPECT_EQ(files->at(1).path, (tmp / "data/span-2/part-2.csv").string());
  EXPECT_EQ(files->at(0).span, 2);
  auto first = ResolveInputPattern(tmp.path().string(), "data/span-{SPAN}/part-*.csv", 1);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->size(), 2u);
  // Without placeholders, `*` alone: every match, no span.
  auto plain = ResolveInputPattern(tmp.path().string(), "data/span-1/*.csv", std::nullopt);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->size(), 2u);
  EXPECT_FALSE(plain->at(0).has_span);
  EXPECT_EQ(
      ResolveInputPattern(tmp.path().string(), "data/span-1/*.json", std::nullopt).status().code(),
      StatusCode::kNotFound);
}

class DataPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string csv = "id,kind,size\n";
    for (int i = 0; i < 500; ++i)
      csv += std::to_string(i) + "," + (i % 3 ? "a" : "b") + "," + std::to_string(i % 50) + "\n";
    WriteFile(tmp_ / "train.csv", csv);
    auto s = metadata::MetadataStore::Open("sqlite://" + (tmp_ / "m.db").string());
    ASSERT_TRUE(s.ok());
    store_ = std::move(*s);
  }

  orchestrate::RunReport Run(const std::string& yaml,
                             std::map<std::string, std::string> params = {}) {
    WriteFile(tmp_ / "p.yaml", yaml);
    auto spec = pipeline::LoadPipelineSpec((tmp_ / "p.yaml").string());
    EXPECT_TRUE(spec.ok()) << spec.status().ToString();
    auto g = pipeline::BuildGraph(*spec, params, AllComponents());
    EXPECT_TRUE(g.ok()) << g.status().ToString();
    graph_ = *g;
    orchestrate::RunOptions o;
    o.artifact_root = tmp_ / "artifacts";
    auto r = orchestrate::RunPipeline(*store_, graph_, o, nullptr);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return *r;
  }

  const pipeline::NodeOutcome& Node(const orchestrate::RunReport& r, const std::string& name) {
    return r.nodes[static_cast<size_t>(graph_.Find(name))];
  }

  testing::TempDir tmp_;
  std::unique_ptr<metadata::MetadataStore> store_;
  pipeline::PipelineGraph graph_;
};

const char* kDataPipeline = R"(apiVersion: lathe/v1
kind: Pipeline
name: data
parameters: {input: train.csv, stop: false}
nodes:
  - name: ingest
    component: ExampleGen
    parameters: {input: "${input}", splits: {train: 3, eval: 1}, split_key: id}
  - name: statistics
    component: StatisticsGen
    inputs: {examples: ingest.examples}
  - name: schema
    component: SchemaGen
    inputs: {statistics: statistics.statistics}
  - name: validate
    component: ExampleValidator
    parameters: {stop_on_anomalies: "${stop}"}
    inputs: {statistics: statistics.statistics, schema: schema.schema}
  - name: after
    component: command
    command: [sh, -c, "cat ${inputs.anomalies}/anomalies.json > ${outputs.out}/copy.json"]
    inputs: {anomalies: validate.anomalies}
    outputs: [out]
)";

TEST_F(DataPipelineTest, IngestSplitDescribeAndValidate) {
  auto r = Run(kDataPipeline);
  ASSERT_EQ(r.state, "COMPLETE");
  const auto& examples = Node(r, "ingest").outputs.at("examples")[0];
  EXPECT_EQ(examples.type, "Examples");
  int64_t train = examples.custom_properties.at("rows_train").as_int();
  int64_t eval = examples.custom_properties.at("rows_eval").as_int();
  EXPECT_EQ(train + eval, 500);
  EXPECT_NEAR(static_cast<double>(eval) / 500, 0.25, 0.06);  // hash buckets 3:1
  EXPECT_EQ(examples.custom_properties.at("splits").as_string(), "eval,train");
  EXPECT_TRUE(fs::exists(fs::path(examples.uri) / "train.lcol"));
  // The schema comes from the train split: every id seen in training.
  auto schema =
      stats::LoadFeatureSchema(Node(r, "schema").outputs.at("schema")[0].uri + "/schema.yaml");
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  EXPECT_EQ(schema->Find("kind")->domain, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(schema->Find("size")->max.has_value());  // no ranges from a sample
  EXPECT_EQ(Node(r, "validate").outputs.at("anomalies")[0].custom_properties.at("count").as_int(),
            0);
  // Splits are deterministic: the same data gives the same Examples (a cache hit downstream too).
  auto again = Run(kDataPipeline);
  EXPECT_EQ(Node(again, "ingest").state, pipeline::NodeState::kCached);
}

// `n` rows with ids from `first` (enough for both hash splits to get some).
std::string Rows(int first, int n, int size) {
  std::string csv = "id,kind,size\n";
  for (int i = first; i < first + n; ++i)
    csv += fmt::format("{},{},{}\n", i, i % 2 ? "a" : "b", size);
  return csv;
}

TEST_F(DataPipelineTest, NewSpansAndChangedFilesAreIngestedAgain) {
  WriteFile(tmp_ / "spans/span-1.csv", Rows(1, 40, 1));
  auto first = Run(kDataPipeline, {{"input", "spans/span-{SPAN}.csv"}});
  ASSERT_EQ(first.state, "COMPLETE");
  EXPECT_EQ(Node(first, "ingest").outputs.at("examples")[0].custom_properties.at("span").as_int(),
            1);
  EXPECT_EQ(Node(Run(kDataPipeline, {{"input", "spans/span-{SPAN}.csv"}}), "ingest").state,
            pipeline::NodeState::kCached);
  // A new span: the pattern picks it, and its content is part of the cache key.
  WriteFile(tmp_ / "spans/span-2.csv", Rows(41, 40, 3));
  auto second = Run(kDataPipeline, {{"input", "spans/span-{SPAN}.csv"}});
  EXPECT_EQ(Node(second, "ingest").state, pipeline::NodeState::kComplete);
  const auto& examples = Node(second, "ingest").outputs.at("examples")[0];
  EXPECT_EQ(examples.custom_properties.at("span").as_int(), 2);
  // The statistics carry the span on (for resolvers that pick by span).
  EXPECT_EQ(
      Node(second, "statistics").outputs.at("statistics")[0].custom_properties.at("span").as_int(),
      2);
  // The same file, changed in place.
  WriteFile(tmp_ / "spans/span-2.csv", Rows(41, 40, 4));
  EXPECT_EQ(Node(Run(kDataPipeline, {{"input", "spans/span-{SPAN}.csv"}}), "ingest").state,
            pipeline::NodeState::kComplete);
}

TEST_F(DataPipelineTest, AnomaliesWarnOrStopThePipeline) {
  Run(kDataPipeline);
  std::string odd = "id,kind,size\n1,a,5\n2,z,500\n3,b,7\n4,b,\n";
  WriteFile(tmp_ / "odd.csv", odd);
  // A curated schema from the first data, then new data with a new value and an outlier.
  auto first = Run(kDataPipeline);
  std::string schema_dir = Node(first, "schema").outputs.at("schema")[0].uri;
  fs::copy_file(schema_dir + "/schema.yaml", tmp_ / "schema.yaml");
  std::string curated = std::string(kDataPipeline);
  curated.replace(
      curated.find("inputs: {statistics: statistics.statistics}\n  - name: validate"),
      std::string("inputs: {statistics: statistics.statistics}\n  - name: validate").size(),
      "inputs: {statistics: statistics.statistics}\n    parameters: {schema_file: schema.yaml}\n  "
      "- name: validate");
  auto warned = Run(curated, {{"input", "odd.csv"}});
  EXPECT_EQ(warned.state, "COMPLETE");
  EXPECT_GE(
      Node(warned, "validate").outputs.at("anomalies")[0].custom_properties.at("count").as_int(),
      2);
  auto stopped = Run(curated, {{"input", "odd.csv"}, {"stop", "true"}});
  EXPECT_EQ(stopped.state, "FAILED");
  EXPECT_EQ(Node(stopped, "validate").state, pipeline::NodeState::kFailed);
  EXPECT_NE(Node(stopped, "validate").error.find("anomalies (first: "), std::string::npos)
      << Node(stopped, "validate").error;
  EXPECT_EQ(Node(stopped, "after").state, pipeline::NodeState::kSkipped);
}

TEST_F(DataPipelineTest, SplitsByFeatureRange) {
  std::string ranged = kDataPipeline;
  std::string from = "splits: {train: 3, eval: 1}, split_key: id}";
  ranged.replace(
      ranged.find(from), from.size(),
      "split_ranges: {feature: id, ranges: {train: {to: 300}, eval: {from: 300, to: 450}}}}");
  auto r = Run(ranged);
  ASSERT_EQ(r.state, "COMPLETE") << Node(r, "ingest").error;
  const auto& props = Node(r, "ingest").outputs.at("examples")[0].custom_properties;
  EXPECT_EQ(props.at("rows_train").as_int(), 300);
  EXPECT_EQ(props.at("rows_eval").as_int(), 150);
  EXPECT_EQ(props.at("rows_outside_ranges").as_int(), 50);
  std::string bad = kDataPipeline;
  bad.replace(bad.find(from), from.size(),
              "split_ranges: {feature: id, ranges: {train: {upto: 3}}}}");
  WriteFile(tmp_ / "p.yaml", bad);
  auto spec = pipeline::LoadPipelineSpec((tmp_ / "p.yaml").string());
  auto g = pipeline::BuildGraph(*spec, {}, AllComponents());
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find(
                "nodes[0].parameters.split_ranges.ranges.train: expected {from: VALUE, to: VALUE}"),
            std::string::npos)
      << g.status().message();
}

TEST_F(DataPipelineTest, JsonLinesInput) {
  std::string jsonl;
  for (int i = 0; i < 40; ++i)
    jsonl += "{\"id\": " + std::to_string(i) + ", \"kind\": \"" + (i % 2 ? "a" : "b") +
             "\", \"size\": " + std::to_string(i) + "}\n";
  WriteFile(tmp_ / "data.jsonl", jsonl);
  auto r = Run(kDataPipeline, {{"input", "data.jsonl"}});
  ASSERT_EQ(r.state, "COMPLETE") << Node(r, "ingest").error;
  const auto& props = Node(r, "ingest").outputs.at("examples")[0].custom_properties;
  EXPECT_EQ(props.at("rows_train").as_int() + props.at("rows_eval").as_int(), 40);
}

TEST_F(DataPipelineTest, BadInputNamesFileAndLine) {
  WriteFile(tmp_ / "broken.csv", "id,kind,size\n1,a,5\n2,b\n");
  auto r = Run(kDataPipeline, {{"input", "broken.csv"}});
  EXPECT_EQ(r.state, "FAILED");
  EXPECT_NE(Node(r, "ingest").error.find("broken.csv:3:1: expected 3 fields, found 2"),
            std::string::npos)
      << Node(r, "ingest").error;
  // Nothing half-written became LIVE.
  metadata::ListOptions o;
  o.filter = "type = 'Examples' AND state = 'LIVE'";
  EXPECT_TRUE(store_->ListArtifacts(o)->items.empty());
}

// No data rows, or a split that gets none, fail ExampleGen with the file and what to do, instead
// of a LIVE empty artifact whose failure surfaces later as a label error.
TEST_F(DataPipelineTest, ExampleGenRefusesNoRowsAndEmptySplits) {
  WriteFile(tmp_ / "header.csv", "id,kind,size\n");
  auto r = Run(kDataPipeline, {{"input", "header.csv"}});
  EXPECT_EQ(r.state, "FAILED");
  EXPECT_EQ(Node(r, "ingest").state, pipeline::NodeState::kFailed);
  EXPECT_NE(Node(r, "ingest").error.find("header.csv: no data rows (only a header)"),
            std::string::npos)
      << Node(r, "ingest").error;
  WriteFile(tmp_ / "one.csv", "id,kind,size\n1,a,2\n");
  auto one = Run(kDataPipeline, {{"input", "one.csv"}});
  EXPECT_EQ(Node(one, "ingest").state, pipeline::NodeState::kFailed);
  EXPECT_NE(Node(one, "ingest").error.find("has no rows of the 1 read"), std::string::npos)
      << Node(one, "ingest").error;
}

// Components that read a split say first that it is empty.
TEST(SplitTest, AnEmptySplitIsNamed) {
  testing::TempDir tmp;
  fs::create_directories(tmp / "examples");
  data::Schema schema;
  schema.fields = {{"x", data::ColumnType::kDouble}};
  auto w = data::ColumnarWriter::Create((tmp / "examples" / "train.lcol").string(), schema);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Close().ok());
  auto read = ReadSplit({tmp / "examples"}, "train");
  EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(read.status().message().find("the train split has 0 rows"), std::string::npos)
      << read.status().message();
}

}  // namespace
}  // namespace lathe::components
