// Sharded data work end to end: ExampleGen over many input files and StatisticsGen over row groups,
// split into shard tasks run as separate `lathe shard run` processes, give the same bytes as one
// process.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "cli/cli_fixture.h"
#include "testing/temp_dir.h"

namespace lathe::cli {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::WriteFile;

class ShardCliTest : public CliTest {
 protected:
  // Four files of a span whose types disagree: `x` is int64 in all but one (double there),
  // `maybe` has no values in the first two; plus high-cardinality text and many distinct numbers
  // (beyond the exact-count limits of the statistics).
  void WriteData() {
    std::mt19937 rng(7);
    for (int f = 0; f < 4; ++f) {
      std::string csv = "id,x,y,cat,maybe\n";
      for (int i = 0; i < 9000; ++i) {
        std::string x =
            f == 2 ? fmt::format("{:.3f}", (rng() % 100000) / 7.0) : std::to_string(rng() % 100000);
        std::string maybe = f < 2 ? "" : std::to_string(rng() % 5);
        csv += fmt::format("{},{},{:.6f},c{},{}\n", f * 9000 + i, x, (rng() % 1000000) / 1e3,
                           rng() % 5000, maybe);
      }
      WriteFile(tmp_ / fmt::format("data/span-1/part-{}.csv", f), csv);
    }
  }

  void WriteSpec(const std::string& name, int shards) {
    WriteFile(tmp_ / name, fmt::format(R"(apiVersion: lathe/v1
kind: Pipeline
name: sharded
nodes:
  - name: examples
    component: ExampleGen
    parameters: {{input: "data/span-{{SPAN}}/part-*.csv"}}
    shards: {0}
  - name: statistics
    component: StatisticsGen
    inputs: {{examples: examples.examples}}
    parameters: {{slice_by: maybe}}
    shards: {0}
)",
                                       shards));
  }

  // Every file of each node's output in a run, by "node/file".
  std::map<std::string, std::string> Outputs(const nlohmann::json& run) {
    std::map<std::string, std::string> files;
    for (const auto& node : run["nodes"])
      for (const auto& [output, list] : node["outputs"].items())
        for (const auto& entry : fs::directory_iterator(list[0]["uri"].get<std::string>()))
          files[node["node"].get<std::string>() + "/" + entry.path().filename().string()] =
              ReadFile(entry.path());
    return files;
  }
};

TEST_F(ShardCliTest, ShardedExamplesAndStatisticsAreTheBytesOfOneProcess) {
  WriteData();
  WriteSpec("one.yaml", 1);
  WriteSpec("three.yaml", 3);
  WriteSpec("many.yaml", 9);  // more shards than files: one file each
  auto one = Json("run one.yaml --no-cache");
  ASSERT_EQ(one["state"], "COMPLETE") << one.dump();
  auto reference = Outputs(one);
  EXPECT_EQ(reference.size(), 6u);  // train/eval: examples, statistics, slices
  EXPECT_TRUE(reference.count("statistics/train.slices"));
  for (const char* spec : {"three.yaml", "many.yaml"}) {
    auto sharded = Json(std::string("run ") + spec + " --no-cache --threads-per-node 2");
    ASSERT_EQ(sharded["state"], "COMPLETE") << sharded.dump();
    auto files = Outputs(sharded);
    ASSERT_EQ(files.size(), reference.size());
    for (const auto& [name, bytes] : reference)
      EXPECT_TRUE(files[name] == bytes) << spec << ": " << name << " differs";
  }
  // The shard tasks ran as processes, their logs beside the node's.
  auto last = Json("run many.yaml --no-cache --threads-per-node 2");
  const fs::path logs = fs::path(last["nodes"][0]["log"].get<std::string>()).parent_path();
  EXPECT_NE(ReadFile(logs / "examples.log").find("ExampleGen: 4 shard tasks (local)"),
            std::string::npos)
      << ReadFile(logs / "examples.log");
  EXPECT_TRUE(fs::exists(logs / "examples.shards/round-1/shard-3.log"));
  // `x` was read as double in one file: the others were read again with the joined types.
  EXPECT_TRUE(fs::exists(logs / "examples.shards/round-2"));
  EXPECT_TRUE(fs::exists(logs / "statistics.shards/row-groups/shard-1.log"));

  // The Examples say where they came from; the statistics have every row and the joined types.
  auto examples = Json("artifacts list --type Examples")["items"][0];
  auto shown = Json("artifacts show " + std::to_string(examples["id"].get<int64_t>()));
  EXPECT_EQ(shown["artifact"]["custom_properties"]["files"], 4);
  EXPECT_EQ(shown["artifact"]["custom_properties"]["span"], 1);
  auto stats = nlohmann::json::parse(reference["statistics/train.json"]);
  auto eval = nlohmann::json::parse(reference["statistics/eval.json"]);
  EXPECT_EQ(stats["rows"].get<int64_t>() + eval["rows"].get<int64_t>(), 36000);
  for (const auto& f : stats["features"]) {
    if (f["name"] == "x") {
      EXPECT_EQ(f["type"], "double");
    }
    if (f["name"] == "maybe") {
      EXPECT_GT(f["missing"].get<int64_t>(), 0);
    }
  }

  // The shard count is not part of the cache key: the same data and parameters are cached.
  auto cached = Json("run three.yaml");
  EXPECT_EQ(cached["nodes"][0]["state"], "cached");
  EXPECT_EQ(cached["nodes"][1]["state"], "cached");
}

TEST_F(ShardCliTest, AFailedShardFailsTheNodeSayingWhyAndFilesMustAgree) {
  WriteData();
  WriteSpec("three.yaml", 3);
  // A row with too many fields in the third file.
  WriteFile(tmp_ / "data/span-1/part-2.csv",
            ReadFile(tmp_ / "data/span-1/part-2.csv") + "1,2,3,c4,1,extra\n");
  auto r = Lathe("--json run three.yaml --no-cache");
  EXPECT_EQ(r.exit_code, 1);
  auto failed = nlohmann::json::parse(r.out);
  EXPECT_EQ(failed["state"], "FAILED");
  const std::string error = failed["nodes"][0]["error"].get<std::string>();
  EXPECT_NE(error.find("of 3: lathe: error: "), std::string::npos) << error;
  EXPECT_EQ(error.find("shard task "), 0u) << error;
  EXPECT_NE(error.find("part-2.csv:9002"), std::string::npos) << error;
  EXPECT_TRUE(failed["nodes"][0]["outputs"].empty());  // nothing published

  // Files of one span with other columns are refused, naming the file.
  WriteData();
  WriteFile(tmp_ / "data/span-1/part-3.csv", "id,x,y,category,maybe\n1,2,3,c,1\n");
  r = Lathe("--json run three.yaml --no-cache");
  EXPECT_EQ(r.exit_code, 1);
  failed = nlohmann::json::parse(r.out);
  EXPECT_NE(failed["nodes"][0]["error"].get<std::string>().find(
                "part-3.csv: its columns (id,x,y,category,maybe) differ from those of"),
            std::string::npos)
      << failed["nodes"][0]["error"];

  // The task entry point checks what it is given.
  auto bad = Lathe("shard run three.yaml 0");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("three.yaml"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace lathe::cli
