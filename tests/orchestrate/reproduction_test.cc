// Reproductions change nothing in production: they push nothing, no resolver, cache or partial run
// ever selects what they record, they read exactly the files the run read (naming any that
// changed), and a run whose model came from the cache and was its own baseline reproduces.
// Partial runs resolve their resolver inputs anew.
#include <gtest/gtest.h>

#include "lathe/metadata/standard_artifacts.h"
#include "lathe/pipeline/component.h"
#include "testing/model_pipeline.h"

namespace lathe::orchestrate {
namespace {

namespace fs = std::filesystem;
using testing::kPipeline;
using testing::ModelPipelineTest;
using testing::WriteFile;

class ReproductionTest : public ModelPipelineTest {
 protected:
  // What resolver.latest_blessed_model selects now (0: nothing), in the pipeline's context or
  // anywhere.
  int64_t LatestBlessedModel(bool anywhere = false) {
    const auto* resolver = components::AllComponents().Find("resolver.latest_blessed_model");
    pipeline::ExecutionRequest req;
    req.parameters = {{"type", "Model"},
                      {"blessing_type", "ModelBlessing"},
                      {"context", "toy"},
                      {"optional", true}};
    if (anywhere) req.parameters.erase("context");
    req.store = store_.get();
    pipeline::ExecutionResult result;
    EXPECT_TRUE(resolver->Execute(req, result).ok());
    const auto& ids = result.existing_outputs["result"];
    return ids.empty() ? 0 : ids.at(0);
  }

  std::vector<std::string> Versions() {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(tmp_ / "models" / "toy", ec))
      out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
};

TEST_F(ReproductionTest, PushesNothingAndChangesNoSelection) {
  // A weak first model (version 1), then a better one (version 2, the latest blessed).
  auto first = Run({{"rounds", "1"}});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->state, "COMPLETE");
  auto second = Run({{"rounds", "30"}});
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(IntProp(Node(*second, "push").outputs.at("pushed_model")[0], "version"), 2);
  const int64_t blessed = OutputId(*second, "train", "model");
  ASSERT_EQ(LatestBlessedModel(), blessed);

  // Reproducing the first run re-creates a blessing (it had no baseline) and a push decision;
  // neither may touch production.
  fs::remove_all(tmp_ / "models" / "toy" / "1");
  auto repro = Reproduce(first->run_id);
  ASSERT_TRUE(repro.ok()) << repro.status().ToString();
  EXPECT_TRUE(repro->reproducible());
  EXPECT_EQ(Versions(), (std::vector<std::string>{"2"}));  // version 1 not pushed again
  EXPECT_EQ(LatestBlessedModel(), blessed);
  EXPECT_EQ(LatestBlessedModel(/*anywhere=*/true), blessed);
  const auto& push = repro->run.nodes[static_cast<size_t>(graph_.Find("push"))];
  const auto& decision = push.outputs.at("pushed_model").at(0);
  EXPECT_EQ(IntProp(decision, metadata::standard::kPushed), 0);
  EXPECT_EQ(IntProp(decision, metadata::standard::kDryRun), 1);
  EXPECT_EQ(decision.custom_properties.at(metadata::standard::kReproductionOf).as_string(),
            first->run_id);

  // The next real run is judged against the latest blessed model, and reuses nothing the
  // reproduction made (its executions are no cache entries).
  auto third = Run({{"rounds", "1"}});
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(IntProp(Node(*third, "evaluate").outputs.at("blessing")[0], "baseline_model_id"),
            blessed);
  EXPECT_EQ(IntProp(Node(*third, "evaluate").outputs.at("blessing")[0], "blessed"), 0);
  for (const auto& node : third->nodes)
    for (const auto& [name, list] : node.outputs)
      for (const auto& a : list)
        EXPECT_EQ(a.custom_properties.count(metadata::standard::kReproductionOf), 0u)
            << name << " " << a.id;
}

TEST_F(ReproductionTest, ACachedRunWhoseModelWasItsOwnBaselineReproduces) {
  ASSERT_TRUE(Run().ok());
  // The same run again: every step is a cache hit except the evaluation, whose baseline is now
  // the (cached) model itself.
  auto second = Run();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(Node(*second, "train").state, pipeline::NodeState::kCached);
  EXPECT_EQ(OutputId(*second, "baseline", "result"), OutputId(*second, "train", "model"));
  auto repro = Reproduce(second->run_id);
  ASSERT_TRUE(repro.ok()) << repro.status().ToString();
  for (const auto& c : repro->outputs)
    EXPECT_TRUE(c.match()) << c.node << "." << c.output << " " << c.original << " vs "
                           << c.reproduced;
  EXPECT_TRUE(repro->reproducible());
}

TEST_F(ReproductionTest, NamesAChangedOrMissingInputFileAndRunsNothing) {
  auto first = Run();
  ASSERT_TRUE(first.ok());
  auto runs_before = store_->ListContexts({.filter = "type = 'PipelineRun'"});
  ASSERT_TRUE(runs_before.ok());
  const std::string before = testing::ReadFile(tmp_ / "data.csv");
  WriteFile(tmp_ / "data.csv", before + "0.5,0.5,oslo,yes\n");
  auto repro = Reproduce(first->run_id);
  ASSERT_TRUE(repro.ok()) << repro.status().ToString();
  EXPECT_FALSE(repro->reproducible());
  ASSERT_EQ(repro->changed_inputs.size(), 1u);
  const auto& c = repro->changed_inputs[0];
  EXPECT_EQ(c.node, "ingest");
  EXPECT_EQ(fs::path(c.path), fs::absolute(tmp_ / "data.csv").lexically_normal());
  EXPECT_EQ(c.what, "the content changed");
  EXPECT_NE(c.fingerprint_then, c.fingerprint_now);
  EXPECT_EQ(c.fingerprint_now.rfind("xxh3-128:", 0), 0u);
  auto runs_after = store_->ListContexts({.filter = "type = 'PipelineRun'"});
  EXPECT_EQ(runs_after->items.size(), runs_before->items.size());  // nothing ran

  fs::remove(tmp_ / "data.csv");
  repro = Reproduce(first->run_id);
  ASSERT_TRUE(repro.ok());
  ASSERT_EQ(repro->changed_inputs.size(), 1u);
  EXPECT_EQ(repro->changed_inputs[0].what, "the file is gone");

  // Put back as it was, the run reproduces.
  WriteFile(tmp_ / "data.csv", before);
  repro = Reproduce(first->run_id);
  ASSERT_TRUE(repro.ok());
  EXPECT_TRUE(repro->reproducible());
}

TEST_F(ReproductionTest, APartialRunResolvesItsBaselineAnew) {
  auto first = Run({{"rounds", "1"}});
  ASSERT_TRUE(first.ok());
  auto second = Run({{"rounds", "30"}});  // better: blessed against the first, version 2
  ASSERT_TRUE(second.ok());
  const int64_t newest = OutputId(*second, "train", "model");
  ASSERT_EQ(IntProp(Node(*second, "push").outputs.at("pushed_model")[0], "version"), 2);
  // From train on, with a worse model: it must be judged against the newest blessed model, not
  // against the baseline an earlier run selected.
  RunOptions o;
  o.from = "train";
  auto partial = Run({{"rounds", "1"}, {"min_improvement", "0.0"}}, kPipeline, o);
  ASSERT_TRUE(partial.ok()) << partial.status().ToString();
  ASSERT_EQ(partial->state, "COMPLETE");
  EXPECT_EQ(Node(*partial, "baseline").state, pipeline::NodeState::kComplete);  // ran again
  EXPECT_EQ(Node(*partial, "ingest").state, pipeline::NodeState::kReused);
  const auto& blessing = Node(*partial, "evaluate").outputs.at("blessing").at(0);
  EXPECT_EQ(IntProp(blessing, "baseline_model_id"), newest);
  EXPECT_EQ(IntProp(blessing, "blessed"), 0);
  EXPECT_EQ(Versions(), (std::vector<std::string>{"1", "2"}));
}

TEST_F(ReproductionTest, LineageOfAPushedModelReachesTheCsvThroughRealHistory) {
  auto first = Run();
  ASSERT_TRUE(first.ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Run().ok());  // cache hits
  metadata::LineageRequest req;
  req.artifact_ids = {OutputId(*first, "push", "pushed_model")};
  auto g = store_->GetLineage(req);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  bool csv = false;
  for (const auto& a : g->artifacts)
    if (a.type == metadata::standard::kExternalArtifact)
      csv = csv || fs::path(a.uri) == fs::absolute(tmp_ / "data.csv").lexically_normal();
  EXPECT_TRUE(csv);
  // One producer per artifact: no cache hit and no resolver shows up as a producer.
  std::map<std::string, int> by_type;
  for (size_t i = 0; i < g->executions.size(); ++i) {
    by_type[g->executions[i].type]++;
    EXPECT_NE(g->executions[i].state, metadata::ExecutionState::kCached);
    if (g->executions[i].type == "Trainer") {
      EXPECT_EQ(g->cache_hits[i], 3);
    }
  }
  EXPECT_EQ(by_type["Trainer"], 1);
  EXPECT_EQ(by_type["ExampleGen"], 1);
  EXPECT_EQ(by_type.count("resolver.latest_blessed_model"), 0u);
  // Asked for, every cache hit is a node of its own.
  req.include_cache_hits = true;
  auto raw = store_->GetLineage(req);
  ASSERT_TRUE(raw.ok());
  EXPECT_GT(raw->executions.size(), g->executions.size());
}

}  // namespace
}  // namespace lathe::orchestrate
