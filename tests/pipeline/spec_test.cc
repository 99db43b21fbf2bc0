// Pipeline specs: YAML parsing, validation errors with file, line and field, and the builder API.
#include "lathe/pipeline/spec.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "lathe/pipeline/builder.h"
#include "lathe/pipeline/graph.h"
#include "testing/temp_dir.h"

namespace lathe::pipeline {
namespace {

const char* kValid = R"(apiVersion: lathe/v1
kind: Pipeline
name: demo
parameters:
  count: {type: int, default: 3}
  greeting: hi
  rate: 0.5
nodes:
  - name: make
    component: command
    command: [sh, make.sh, "${count}", "${outputs.numbers}"]
    code: [make.sh]
    outputs: {numbers: Numbers}
  - name: use
    component: command
    command: [sh, -c, "cat ${inputs.numbers}/x"]
    parameters: {text: "${greeting} there", n: "${count}", rate: "${rate}", literal: "$${count}"}
    inputs: {numbers: make.numbers}
    outputs: [result]
    retries: 2
    timeout: 90s
    cache: false
    cache_max_age: 7d
    env: {MODE: "${greeting}"}
)";

class SpecTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::WriteFile(tmp_ / "make.sh", "echo hi\n"); }

  Result<PipelineGraph> Graph(const std::string& yaml,
                              std::map<std::string, std::string> overrides = {}) {
    testing::WriteFile(tmp_ / "p.yaml", yaml);
    auto spec = LoadPipelineSpec((tmp_ / "p.yaml").string());
    if (!spec.ok()) return spec.status();
    return BuildGraph(*spec, overrides);
  }

  // The error message with the temp path replaced by "p.yaml".
  std::string Error(const std::string& yaml, std::map<std::string, std::string> overrides = {}) {
    auto g = Graph(yaml, overrides);
    if (g.ok()) return "(no error)";
    EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
    std::string m = g.status().message();
    std::string path = (tmp_ / "p.yaml").string();
    if (m.rfind(path, 0) == 0) m = "p.yaml" + m.substr(path.size());
    return m;
  }

  static std::string Replace(std::string s, const std::string& from, const std::string& to) {
    size_t pos = s.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos != std::string::npos) s.replace(pos, from.size(), to);
    return s;
  }

  testing::TempDir tmp_;
};

TEST_F(SpecTest, ParsesAndResolves) {
  auto g = Graph(kValid);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->name, "demo");
  EXPECT_EQ(g->parameters["count"], 3);
  EXPECT_EQ(g->parameters["rate"], 0.5);
  ASSERT_EQ(g->nodes.size(), 2u);
  const auto& use = g->nodes[1].spec;
  EXPECT_EQ(use.parameters["text"], "hi there");
  EXPECT_EQ(use.parameters["n"], 3);  // a whole reference keeps its type
  EXPECT_EQ(use.parameters["rate"], 0.5);
  EXPECT_EQ(use.parameters["literal"], "${count}");
  EXPECT_EQ(g->nodes[0].spec.command[2], "3");
  EXPECT_EQ(g->nodes[0].spec.command[3], "${outputs.numbers}");  // left for the executor
  EXPECT_EQ(use.env.at("MODE"), "hi");
  EXPECT_EQ(use.retries, 2);
  EXPECT_EQ(use.timeout_s, 90);
  EXPECT_FALSE(use.cache);
  EXPECT_EQ(use.cache_max_age_s, 7 * 86400);
  EXPECT_EQ(use.outputs.at("result"), "File");
  EXPECT_EQ(g->nodes[1].upstream, std::vector<size_t>{0});
}

TEST_F(SpecTest, OverridesAndTheirErrors) {
  auto g = Graph(kValid, {{"count", "7"}, {"greeting", "yo"}});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->nodes[1].spec.parameters["n"], 7);
  EXPECT_EQ(Error(kValid, {{"count", "many"}}), "--param count=many: 'many' is not a valid int");
  EXPECT_EQ(Error(kValid, {{"count", "0x1A"}}), "--param count=0x1A: '0x1A' is not a valid int");
  // A double is a finite decimal number: never NaN, an infinity or hex.
  for (const char* bad : {"nan", "inf", "1e999", "0x1p3"})
    EXPECT_EQ(Error(kValid, {{"rate", bad}}),
              fmt::format("--param rate={}: '{}' is not a valid double", bad, bad));
  auto finite = Graph(kValid, {{"rate", "2.5e-1"}});
  ASSERT_TRUE(finite.ok()) << finite.status().ToString();
  EXPECT_EQ(Error(kValid, {{"colour", "red"}}),
            "--param colour: pipeline 'demo' has no parameter 'colour' (parameters: count, "
            "greeting, rate)");
  // Parameters change the definition hash of the nodes that use them, and only those.
  auto base = Graph(kValid);
  auto changed = Graph(kValid, {{"greeting", "yo"}});
  EXPECT_EQ(base->nodes[0].definition_hash, changed->nodes[0].definition_hash);
  EXPECT_NE(base->nodes[1].definition_hash, changed->nodes[1].definition_hash);
}

TEST_F(SpecTest, ErrorsNameFileLineAndField) {
  EXPECT_EQ(Error("apiVersion: lathe/v1\nkind: Pipeline\nname: [x\n"),
            "p.yaml:4:1: malformed YAML: end of sequence flow not found");
  EXPECT_EQ(
      Error(Replace(kValid, "    retries: 2", "    retrys: 2")),
      "p.yaml:20:5: nodes[1].retrys: unknown field 'retrys' (expected one of: after, cache, "
      "cache_max_age, code, "
      "command, component, env, inputs, name, outputs, parameters, retries, shards, timeout)");
  EXPECT_EQ(Error(Replace(kValid, "    retries: 2", "    shards: 0")),
            "p.yaml:20:13: nodes[1].shards: expected a whole number from 1 to 10000");
  // Only components that split their work take shards.
  EXPECT_EQ(Error(Replace(kValid, "    retries: 2", "    shards: 2")),
            "p.yaml:20:13: nodes[1].shards: command does not split its work into shards "
            "(ExampleGen and StatisticsGen do)");
  EXPECT_EQ(Error(Replace(kValid, "component: command\n    command: [sh, make.sh",
                          "component: comand\n    command: [sh, make.sh")),
            "p.yaml:10:16: nodes[0].component: unknown component 'comand' (components: command, "
            "resolver.latest_artifact, "
            "resolver.latest_blessed_model, resolver.latest_spans)");
  EXPECT_EQ(Error(Replace(kValid, "{numbers: make.numbers}", "{numbers: maker.numbers}")),
            "p.yaml:18:23: nodes[1].inputs.numbers: input refers to unknown node 'maker'");
  EXPECT_EQ(Error(Replace(kValid, "{numbers: make.numbers}", "{numbers: make.number}")),
            "p.yaml:18:23: nodes[1].inputs.numbers: node 'make' has no output 'number' (outputs: "
            "numbers)");
  EXPECT_EQ(Error(Replace(kValid, "\"${greeting} there\"", "\"${greting} there\"")),
            "p.yaml:17:24: nodes[1].parameters.text: unknown pipeline parameter 'greting' "
            "(parameters: count, "
            "greeting, rate)");
  EXPECT_EQ(
      Error(Replace(kValid, "count: {type: int, default: 3}", "count: {type: int}")),
      "p.yaml:5:10: parameters.count: parameter 'count' has no default: pass --param count=VALUE");
  EXPECT_EQ(Error(Replace(kValid, "count: {type: int, default: 3}",
                          "count: {type: int, default: three}")),
            "p.yaml:5:31: parameters.count.default: default \"three\" is not a valid int");
  EXPECT_EQ(Error(Replace(kValid, "timeout: 90s", "timeout: soon")),
            "p.yaml:21:14: nodes[1].timeout: 'soon' is not a duration (e.g. 90s, 15m, 2h, 7d)");
  EXPECT_EQ(Error(Replace(kValid, "code: [make.sh]", "code: [missing.sh]")),
            "p.yaml:12:12: nodes[0].code[0]: code file missing.sh not found");
  EXPECT_EQ(Error(Replace(kValid, "  - name: use", "  - name: make")),
            "p.yaml:14:11: nodes[1].name: duplicate node name 'make'");
  EXPECT_EQ(Error(Replace(kValid, "kind: Pipeline", "kind: Job")),
            "p.yaml:2:7: kind: kind is 'Job', expected Pipeline");
  EXPECT_EQ(Error("apiVersion: lathe/v1\nkind: Pipeline\nnodes: []\n"),
            "p.yaml:1:1: missing field 'name'");
  EXPECT_EQ(Error(Replace(
                kValid, "    command: [sh, make.sh, \"${count}\", \"${outputs.numbers}\"]\n", "")),
            "p.yaml:9:5: nodes[0]: a command node needs `command` (the program and its arguments)");
}

TEST_F(SpecTest, CycleIsReportedWithItsPath) {
  std::string cyclic = Replace(kValid, "    code: [make.sh]\n",
                               "    code: [make.sh]\n    inputs: {back: use.result}\n");
  EXPECT_EQ(Error(cyclic), "p.yaml:19:23: nodes[1].inputs.numbers: cycle: make -> use -> make");
}

TEST_F(SpecTest, BuilderGivesTheSameGraphAndCacheKeys) {
  auto yaml = Graph(kValid);
  ASSERT_TRUE(yaml.ok()) << yaml.status().ToString();
  PipelineSpec built = PipelineBuilder("demo")
                           .Parameter("count", ParamType::kInt, 3)
                           .Parameter("greeting", ParamType::kString, "hi")
                           .Parameter("rate", ParamType::kDouble, 0.5)
                           .BaseDir(tmp_.path().string())
                           .Add(NodeBuilder("make", "command")
                                    .Command({"sh", "make.sh", "${count}", "${outputs.numbers}"})
                                    .Code({"make.sh"})
                                    .Output("numbers", "Numbers"))
                           .Add(NodeBuilder("use", "command")
                                    .Command({"sh", "-c", "cat ${inputs.numbers}/x"})
                                    .Param("text", "${greeting} there")
                                    .Param("n", "${count}")
                                    .Param("rate", "${rate}")
                                    .Param("literal", "$${count}")
                                    .Input("numbers", "make.numbers")
                                    .Output("result")
                                    .Retries(2)
                                    .Timeout(90)
                                    .Cache(false)
                                    .CacheMaxAge(7 * 86400)
                                    .Env("MODE", "${greeting}"))
                           .Build();
  auto graph = BuildGraph(built, {});
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  ASSERT_EQ(graph->nodes.size(), yaml->nodes.size());
  for (size_t i = 0; i < graph->nodes.size(); ++i) {
    EXPECT_EQ(graph->nodes[i].definition_hash, yaml->nodes[i].definition_hash) << i;
    std::map<std::string, std::vector<std::string>> inputs = {{"numbers", {"xxh3-128:ab"}}};
    EXPECT_EQ(CacheKey(graph->nodes[i], inputs), CacheKey(yaml->nodes[i], inputs));
  }
  EXPECT_EQ(graph->ToJson()["nodes"], yaml->ToJson()["nodes"]);
  // Code content is part of the key.
  testing::WriteFile(tmp_ / "make.sh", "echo changed\n");
  auto edited = BuildGraph(built, {});
  EXPECT_NE(edited->nodes[0].definition_hash, graph->nodes[0].definition_hash);
  EXPECT_EQ(edited->nodes[1].definition_hash, graph->nodes[1].definition_hash);
}

TEST_F(SpecTest, RecordedGraphRoundTrips) {
  auto g = Graph(kValid);
  ASSERT_TRUE(g.ok());
  auto spec = SpecFromGraphJson(g->ToJson());
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  auto again = BuildGraph(*spec, {});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  for (size_t i = 0; i < g->nodes.size(); ++i)
    EXPECT_EQ(again->nodes[i].definition_hash, g->nodes[i].definition_hash);
}

TEST(DurationTest, Units) {
  EXPECT_EQ(*ParseDuration("90"), 90);
  EXPECT_EQ(*ParseDuration("15m"), 900);
  EXPECT_EQ(*ParseDuration("2h"), 7200);
  EXPECT_EQ(*ParseDuration("1.5s"), 1.5);
  EXPECT_FALSE(ParseDuration("-1s").ok());
  EXPECT_FALSE(ParseDuration("5y").ok());
}

}  // namespace
}  // namespace lathe::pipeline
