// Resolvers, as nodes and as input options: they select existing artifacts and are recorded.
#include <gtest/gtest.h>

#include "lathe/orchestrate/local_runner.h"
#include "lathe/pipeline/builder.h"
#include "lathe/pipeline/graph.h"
#include "testing/temp_dir.h"

namespace lathe::orchestrate {
namespace {

using metadata::Artifact;
using metadata::ArtifactState;
using metadata::MetadataStore;
using metadata::PropertyType;
using metadata::Type;
using metadata::TypeKind;
using pipeline::NodeBuilder;
using pipeline::NodeState;
using pipeline::PipelineBuilder;

class ResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = MetadataStore::Open("sqlite://" + (tmp_ / "metadata.db").string());
    ASSERT_TRUE(s.ok());
    store_ = std::move(*s);
    for (const char* t : {"Model", "ModelBlessing"})
      ASSERT_TRUE(store_->PutType(Type{.kind = TypeKind::kArtifact, .name = t}).ok());
    ASSERT_TRUE(store_
                    ->PutType(Type{.kind = TypeKind::kArtifact,
                                   .name = "Examples",
                                   .properties = {{"span", PropertyType::kInt}}})
                    .ok());
  }

  int64_t Put(const std::string& type, const std::string& name, metadata::Properties custom = {},
              metadata::Properties props = {}) {
    testing::WriteFile(tmp_ / "data" / name, name + "\n");
    Artifact a;
    a.type = type;
    a.name = name;
    a.uri = (tmp_ / "data" / name).string();
    a.state = ArtifactState::kLive;
    a.custom_properties = std::move(custom);
    a.properties = std::move(props);
    auto ids = store_->PutArtifacts({a});
    EXPECT_TRUE(ids.ok()) << ids.status().ToString();
    return ids.ok() ? ids->at(0) : 0;
  }

  RunReport Run(const pipeline::PipelineSpec& spec) {
    auto g = pipeline::BuildGraph(spec, {});
    EXPECT_TRUE(g.ok()) << g.status().ToString();
    graph_ = *g;
    RunOptions o;
    o.artifact_root = tmp_ / "artifacts";
    auto r = RunPipeline(*store_, graph_, o, nullptr);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return *r;
  }

  std::string Output(const RunReport& r, const std::string& node) {
    const auto& n = r.nodes[graph_.Find(node)];
    return n.outputs.count("out") ? testing::ReadFile(n.outputs.at("out")[0].uri + "/v")
                                  : "(" + n.error + ")";
  }

  testing::TempDir tmp_;
  std::unique_ptr<MetadataStore> store_;
  pipeline::PipelineGraph graph_;
};

TEST_F(ResolverTest, LatestBlessedModelAsAnInputOption) {
  int64_t m1 = Put("Model", "m1");
  int64_t m2 = Put("Model", "m2");
  int64_t m3 = Put("Model", "m3");
  Put("ModelBlessing", "b1", {{"blessed", 1}, {"current_model_id", m1}});
  Put("ModelBlessing", "b2", {{"blessed", 1}, {"current_model_id", m2}});
  Put("ModelBlessing", "b3", {{"blessed", 0}, {"current_model_id", m3}});
  auto spec = PipelineBuilder("warm")
                  .BaseDir(tmp_.path().string())
                  .Add(NodeBuilder("train", "command")
                           .Command({"sh", "-c", "cat ${inputs.base} > ${outputs.out}/v"})
                           .ResolverInput("base", "latest_blessed_model")
                           .Output("out"))
                  .Build();
  auto r = Run(spec);
  EXPECT_EQ(r.state, "COMPLETE");
  EXPECT_EQ(Output(r, "train"), "m2\n");
  // The resolver is a recorded execution of its own, linked to what it chose.
  const auto& resolver = r.nodes[graph_.Find("train-base")];
  EXPECT_EQ(resolver.state, NodeState::kComplete);
  auto events = store_->GetEventsByExecutionIds({resolver.execution_id});
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->at(0).artifact_id, m2);
  // Resolvers run every time; a newly blessed model is picked up.
  int64_t m4 = Put("Model", "m4");
  Put("ModelBlessing", "b4", {{"blessed", 1}, {"current_model_id", m4}});
  auto again = Run(spec);
  EXPECT_EQ(Output(again, "train"), "m4\n");
  EXPECT_EQ(again.nodes[graph_.Find("train")].state, NodeState::kComplete);  // its input changed
}

TEST_F(ResolverTest, LatestSpansWindowAndLatestArtifactNode) {
  Put("Examples", "s1", {}, {{"span", 1}});
  Put("Examples", "s3", {}, {{"span", 3}});
  Put("Examples", "s2", {}, {{"span", 2}});
  Put("Examples", "s2-v2", {}, {{"span", 2}});
  auto spec = PipelineBuilder("spans")
                  .BaseDir(tmp_.path().string())
                  .Add(NodeBuilder("window", "resolver.latest_spans")
                           .Param("type", "Examples")
                           .Param("n", 2))
                  .Add(NodeBuilder("newest", "resolver.latest_artifact").Param("type", "Examples"))
                  .Add(NodeBuilder("join", "command")
                           .Command({"sh", "-c",
                                     "for f in $(echo ${inputs.w} | tr : ' '); do cat $f; done > "
                                     "${outputs.out}/v; "
                                     "cat ${inputs.n} >> ${outputs.out}/v"})
                           .Input("w", "window.result")
                           .Input("n", "newest.result")
                           .Output("out"))
                  .Build();
  auto r = Run(spec);
  EXPECT_EQ(r.state, "COMPLETE");
  EXPECT_EQ(Output(r, "join"), "s2-v2\ns3\ns2-v2\n");
}

TEST_F(ResolverTest, SkipCustomSpansOptionalAndLateResolution) {
  // Spans recorded as custom properties (as components record them); skip: 1 is the span before
  // the newest.
  ASSERT_TRUE(store_->PutType(Type{.kind = TypeKind::kArtifact, .name = "Stats"}).ok());
  Put("Stats", "t1", {{"span", 1}});
  Put("Stats", "t2", {{"span", 2}});
  // The resolver input of `use` resolves after make (use's other upstream node), and `after`
  // orders a resolver node after it too.
  auto spec = PipelineBuilder("late")
                  .BaseDir(tmp_.path().string())
                  .Add(NodeBuilder("make", "command")
                           .Command({"sh", "-c", "echo t3 > ${outputs.out}/v"})
                           .Output("out", "Stats"))
                  .Add(NodeBuilder("previous", "resolver.latest_spans")
                           .After("make")
                           .Param("type", "Stats")
                           .Param("skip", 1))
                  .Add(NodeBuilder("use", "command")
                           .Command({"sh", "-c", "cat ${inputs.p} ${inputs.w} > ${outputs.out}/v"})
                           .Input("p", "previous.result")
                           .ResolverInput("w", "latest_spans", {{"type", "Stats"}})
                           .Input("m", "make.out")
                           .Output("out"))
                  .Build();
  auto g = pipeline::BuildGraph(spec, {});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  // make's output has no span, so the newest span stays 2: the window sees t2, skip: 1 sees t1.
  auto r = Run(spec);
  ASSERT_EQ(r.state, "COMPLETE") << r.nodes[graph_.Find("use")].error;
  EXPECT_EQ(Output(r, "use"), "t1\nt2\n");
  // The resolver input runs after `make`, the resolver node with `after` too.
  auto order = [&](const std::string& n) { return graph_.Find(n); };
  EXPECT_LT(order("make"), order("use-w"));
  EXPECT_LT(order("make"), order("previous"));
  // Nothing below the newest: optional resolvers complete empty, others fail.
  auto none =
      PipelineBuilder("none")
          .Add(NodeBuilder("p", "resolver.latest_spans")
                   .Param("type", "Nothing")
                   .Param("optional", true))
          .Add(NodeBuilder("q", "resolver.latest_spans").Param("type", "Stats").Param("skip", 5))
          .Build();
  auto r2 = Run(none);
  EXPECT_EQ(r2.nodes[graph_.Find("p")].state, NodeState::kComplete);
  EXPECT_TRUE(r2.nodes[graph_.Find("p")].outputs["result"].empty());
  EXPECT_EQ(r2.nodes[graph_.Find("q")].error,
            "resolver found no 'Stats' artifact with a span below the newest 5");
  // Unknown `after` nodes and cycles through `after` are spec errors.
  auto bad =
      PipelineBuilder("bad").Add(NodeBuilder("a", "command").Command({"true"}).After("b")).Build();
  EXPECT_EQ(pipeline::BuildGraph(bad, {}).status().message(),
            "(builder): nodes[0].after[0]: unknown node 'b'");
  auto cycle = PipelineBuilder("cycle")
                   .Add(NodeBuilder("a", "command").Command({"true"}).After("b"))
                   .Add(NodeBuilder("b", "command").Command({"true"}).After("a"))
                   .Build();
  EXPECT_EQ(pipeline::BuildGraph(cycle, {}).status().message(),
            "(builder): nodes[1].after: cycle: a -> b -> a");
}

TEST_F(ResolverTest, OutputsBelongToThePipelineBeforeAnyoneReadsThem) {
  // A resolver scoped to the pipeline must see a node's output as soon as the node is done,
  // even when nothing has read the output yet.
  auto spec = PipelineBuilder("own")
                  .BaseDir(tmp_.path().string())
                  .Add(NodeBuilder("make", "command")
                           .Command({"sh", "-c", "echo x > ${outputs.out}/v"})
                           .Output("out", "Thing"))
                  .Add(NodeBuilder("pick", "resolver.latest_artifact")
                           .After("make")
                           .Param("type", "Thing")
                           .Param("context", "own"))
                  .Build();
  auto r = Run(spec);
  ASSERT_EQ(r.state, "COMPLETE") << r.nodes[graph_.Find("pick")].error;
  const auto& made = r.nodes[graph_.Find("make")].outputs.at("out").at(0);
  EXPECT_EQ(r.nodes[graph_.Find("pick")].outputs.at("result").at(0).id, made.id);
  auto contexts = store_->GetContextsByArtifact(made.id);
  ASSERT_TRUE(contexts.ok());
  EXPECT_EQ(contexts->size(), 2u);  // the pipeline and the run
}

TEST_F(ResolverTest, NothingToResolveFailsTheNode) {
  auto spec = PipelineBuilder("none")
                  .BaseDir(tmp_.path().string())
                  .Add(NodeBuilder("use", "command")
                           .Command({"true"})
                           .ResolverInput("base", "latest_blessed_model")
                           .Output("out"))
                  .Build();
  auto r = Run(spec);
  EXPECT_EQ(r.state, "FAILED");
  EXPECT_EQ(r.nodes[graph_.Find("use-base")].error,
            "resolver found no blessed model of type 'Model'");
  EXPECT_EQ(r.nodes[graph_.Find("use")].state, NodeState::kSkipped);
}

TEST_F(ResolverTest, BadResolverParameters) {
  auto spec =
      PipelineBuilder("bad")
          .Add(
              NodeBuilder("w", "resolver.latest_spans").Param("type", "Examples").Param("n", "two"))
          .Build();
  auto g = pipeline::BuildGraph(spec, {});
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().message(),
            "(builder): nodes[0].parameters.n: expected a positive whole number, got \"two\"");
  auto unknown = PipelineBuilder("bad")
                     .Add(NodeBuilder("w", "resolver.latest_artifact").Param("kind", "X"))
                     .Build();
  EXPECT_NE(pipeline::BuildGraph(unknown, {}).status().message().find("has no parameter 'kind'"),
            std::string::npos);
  auto nores = PipelineBuilder("bad")
                   .Add(NodeBuilder("u", "command").Command({"true"}).ResolverInput("x", "nope"))
                   .Build();
  EXPECT_NE(
      pipeline::BuildGraph(nores, {}).status().message().find("unknown component 'resolver.nope'"),
      std::string::npos);
}

}  // namespace
}  // namespace lathe::orchestrate
