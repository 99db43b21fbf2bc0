#include <map>
#include <set>

#include "metadata/store_fixture.h"

namespace lathe::metadata {
namespace {

class LineageTest : public StoreTest {
 protected:
  // raw -> ingest -> examples -> stats -> statistics
  //                  examples, statistics -> train -> model
  //                  examples, model -> eval -> evaluation
  void SetUp() override {
    StoreTest::SetUp();
    for (const char* name : {"Raw", "Examples", "Statistics", "Model", "Evaluation"})
      ASSERT_OK(store_->PutType(Type{.kind = TypeKind::kArtifact, .name = name}));
    for (const char* name : {"Ingest", "Stats", "Train", "Eval"})
      ASSERT_OK(store_->PutType(Type{.kind = TypeKind::kExecution, .name = name}));
    a_["raw"] = PutArtifact(NewArtifact("Raw", "raw"));
    e_["ingest"] = Run("Ingest", {"raw"}, {{"examples", "Examples"}});
    e_["stats"] = Run("Stats", {"examples"}, {{"statistics", "Statistics"}});
    e_["train"] = Run("Train", {"examples", "statistics"}, {{"model", "Model"}});
    e_["eval"] = Run("Eval", {"examples", "model"}, {{"evaluation", "Evaluation"}});
  }

  int64_t Run(const std::string& type, std::vector<std::string> inputs,
              std::vector<std::pair<std::string, std::string>> outputs) {
    PutExecutionRequest req;
    req.execution.type = type;
    req.execution.state = ExecutionState::kComplete;
    for (const auto& in : inputs)
      req.artifacts.push_back(
          ArtifactAndEvent::Reference(a_.at(in), Event{.type = EventType::kInput}));
    for (const auto& [name, t] : outputs) {
      ArtifactAndEvent ae;
      ae.artifact = NewArtifact(t, name);
      ae.event = Event{.type = EventType::kOutput};
      req.artifacts.push_back(ae);
    }
    auto resp = store_->PutExecution(req);
    EXPECT_TRUE(resp.ok()) << resp.status().ToString();
    for (size_t i = 0; i < outputs.size(); ++i)
      a_[outputs[i].first] = resp->artifact_ids[inputs.size() + i];
    return resp->execution_id;
  }

  // {"model:0", "train:1", ...}: node names with their hop counts.
  std::set<std::string> Nodes(const LineageGraph& g) {
    std::map<int64_t, std::string> an, en;
    for (const auto& [n, id] : a_) an[id] = n;
    for (const auto& [n, id] : e_) en[id] = n;
    std::set<std::string> out;
    for (size_t i = 0; i < g.artifacts.size(); ++i)
      out.insert(an[g.artifacts[i].id] + ":" + std::to_string(g.artifact_hops[i].hops));
    for (size_t i = 0; i < g.executions.size(); ++i)
      out.insert(en[g.executions[i].id] + ":" + std::to_string(g.execution_hops[i].hops));
    return out;
  }

  LineageGraph Lineage(LineageRequest req) {
    auto g = store_->GetLineage(req);
    EXPECT_TRUE(g.ok()) << g.status().ToString();
    return g.ok() ? *g : LineageGraph{};
  }

  std::map<std::string, int64_t> a_, e_;
};

TEST_P(LineageTest, UpstreamOfModel) {
  auto g = Lineage({.artifact_ids = {a_["model"]}});
  EXPECT_EQ(Nodes(g), (std::set<std::string>{"model:0", "train:1", "examples:2", "statistics:2",
                                             "ingest:3", "stats:3", "raw:4"}));
  EXPECT_FALSE(g.truncated);
  // Edges: raw->ingest->examples, examples->stats->statistics, examples,statistics->train->model.
  EXPECT_EQ(g.events.size(), 7u);
  // The nearest node comes first.
  EXPECT_EQ(g.artifacts.front().id, a_["model"]);
}

TEST_P(LineageTest, HopLimit) {
  EXPECT_EQ(Nodes(Lineage({.artifact_ids = {a_["model"]}, .max_hops = 0})),
            (std::set<std::string>{"model:0"}));
  EXPECT_EQ(Nodes(Lineage({.artifact_ids = {a_["model"]}, .max_hops = 1})),
            (std::set<std::string>{"model:0", "train:1"}));
  EXPECT_EQ(Nodes(Lineage({.artifact_ids = {a_["model"]}, .max_hops = 2})),
            (std::set<std::string>{"model:0", "train:1", "examples:2", "statistics:2"}));
  auto g = Lineage({.artifact_ids = {a_["model"]}, .max_hops = 3});
  EXPECT_EQ(Nodes(g).size(), 6u);
  // Only edges between returned nodes: raw is beyond the limit.
  for (const auto& e : g.events) EXPECT_NE(e.artifact_id, a_["raw"]);
}

TEST_P(LineageTest, DownstreamAndBoth) {
  EXPECT_EQ(Nodes(Lineage(
                {.artifact_ids = {a_["examples"]}, .direction = LineageDirection::kDownstream})),
            (std::set<std::string>{"examples:0", "stats:1", "train:1", "eval:1", "statistics:2",
                                   "model:2", "evaluation:2"}));
  EXPECT_EQ(Nodes(Lineage({.artifact_ids = {a_["statistics"]},
                           .direction = LineageDirection::kBoth,
                           .max_hops = 2})),
            (std::set<std::string>{"statistics:0", "stats:1", "examples:2", "train:1", "model:2"}));
}

TEST_P(LineageTest, FromExecution) {
  EXPECT_EQ(Nodes(Lineage({.execution_ids = {e_["train"]}, .max_hops = 3})),
            (std::set<std::string>{"train:0", "examples:1", "statistics:1", "ingest:2", "stats:2",
                                   "raw:3"}));
}

TEST_P(LineageTest, NodeFiltersKeepSeeds) {
  auto g = Lineage({.artifact_ids = {a_["model"]},
                    .artifact_filter = "type = 'Raw'",
                    .execution_filter = "type IN ('Train', 'Ingest')"});
  EXPECT_EQ(Nodes(g), (std::set<std::string>{"model:0", "raw:4", "train:1", "ingest:3"}));
  for (const auto& e : g.events) {
    EXPECT_TRUE(e.artifact_id == a_["model"] || e.artifact_id == a_["raw"]);
  }
  auto bad = store_->GetLineage({.artifact_ids = {a_["model"]}, .artifact_filter = "type = "});
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST_P(LineageTest, MaxNodesTruncatesNearestFirst) {
  auto g = Lineage({.artifact_ids = {a_["model"]}, .max_nodes = 4});
  EXPECT_TRUE(g.truncated);
  EXPECT_EQ(Nodes(g), (std::set<std::string>{"model:0", "train:1", "examples:2", "statistics:2"}));
}

TEST_P(LineageTest, BadRequests) {
  EXPECT_EQ(store_->GetLineage({}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetLineage({.artifact_ids = {99999}}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetLineage({.artifact_ids = {a_["model"]}, .max_hops = -1}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(LineageTest, LongChainWithFanIn) {
  // Warm-started models: each training reads the previous model and a new dataset.
  std::string prev = "model";
  for (int i = 0; i < 30; ++i) {
    std::string data = "d" + std::to_string(i), model = "m" + std::to_string(i);
    a_[data] = PutArtifact(NewArtifact("Examples", data));
    e_["t" + std::to_string(i)] = Run("Train", {prev, data}, {{model, "Model"}});
    prev = model;
  }
  auto g = Lineage({.artifact_ids = {a_["m29"]}, .max_hops = 10});
  // 5 generations back: 5 trainings, and per generation the previous model and a dataset.
  EXPECT_EQ(g.executions.size(), 5u);
  EXPECT_EQ(g.artifacts.size(), 11u);
  auto all = Lineage({.artifact_ids = {a_["m29"]}, .max_hops = 1000});
  EXPECT_EQ(all.executions.size(), 30u + 3u);  // + train, stats, ingest of the first model
}

TEST_P(LineageTest, CacheHitsAndSelectionsAreNotProducers) {
  // Three cache hits of the training (CACHED executions reading the same inputs and pointing at
  // the model), and a selection of the model by a later execution (a resolver).
  ASSERT_OK(store_->PutType(Type{.kind = TypeKind::kExecution, .name = "Resolver"}));
  for (int i = 0; i < 3; ++i) {
    PutExecutionRequest hit;
    hit.execution.type = "Train";
    hit.execution.state = ExecutionState::kCached;
    for (const char* in : {"examples", "statistics"})
      hit.artifacts.push_back(
          ArtifactAndEvent::Reference(a_.at(in), Event{.type = EventType::kInput}));
    hit.artifacts.push_back(
        ArtifactAndEvent::Reference(a_.at("model"), Event{.type = EventType::kOutput}));
    auto r = store_->PutExecution(hit);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    e_["hit" + std::to_string(i)] = r->execution_id;
  }
  PutExecutionRequest select;
  select.execution.type = "Resolver";
  select.execution.state = ExecutionState::kComplete;
  select.artifacts.push_back(
      ArtifactAndEvent::Reference(a_.at("model"), Event{.type = EventType::kOutput}));
  auto r = store_->PutExecution(select);
  ASSERT_TRUE(r.ok());
  e_["resolver"] = r->execution_id;

  // Up from the model: one producer with its three cache hits, as before they happened.
  auto g = Lineage({.artifact_ids = {a_["model"]}, .max_hops = 2});
  EXPECT_EQ(Nodes(g), (std::set<std::string>{"model:0", "train:1", "examples:2", "statistics:2"}));
  ASSERT_EQ(g.cache_hits.size(), 1u);
  EXPECT_EQ(g.cache_hits[0], 3);
  // Down from the examples: real consumers only.
  auto down = Lineage({.artifact_ids = {a_["examples"]},
                       .direction = LineageDirection::kDownstream,
                       .max_hops = 2});
  EXPECT_EQ(Nodes(down), (std::set<std::string>{"examples:0", "stats:1", "train:1", "eval:1",
                                                "statistics:2", "model:2", "evaluation:2"}));
  // Every event, when asked.
  auto raw = Lineage({.artifact_ids = {a_["model"]}, .max_hops = 1, .include_cache_hits = true});
  EXPECT_EQ(Nodes(raw), (std::set<std::string>{"model:0", "train:1", "hit0:1", "hit1:1", "hit2:1",
                                               "resolver:1"}));
}

INSTANTIATE_TEST_SUITE_P(Backends, LineageTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lathe::metadata
