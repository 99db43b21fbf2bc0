// The UI's JSON API over a small store: every endpoint answers what the CLI's --json does (the
// same library functions), and bad ids, filters, parameters, paths and methods get a 4xx that
// says what is wrong.
#include "lathe/server/ui_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "lathe/metadata/describe.h"
#include "lathe/pipeline/run_record.h"
#include "testing/temp_dir.h"

namespace lathe::server {
namespace {

using testing::TempDir;

using metadata::Artifact;
using metadata::ArtifactAndEvent;
using metadata::Event;
using metadata::EventType;
using metadata::Execution;
using metadata::Value;

class UiApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = metadata::MetadataStore::Open("sqlite://" + (tmp_ / "metadata.db").string());
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(*s);
    ASSERT_TRUE(pipeline::RegisterRunTypes(*store_).ok());
    ASSERT_TRUE(pipeline::RegisterExecutionType(*store_, "ExampleGen").ok());
    ASSERT_TRUE(pipeline::RegisterExecutionType(*store_, "Trainer").ok());
    ASSERT_TRUE(pipeline::RegisterArtifactType(*store_, "Examples").ok());
    ASSERT_TRUE(pipeline::RegisterArtifactType(*store_, "Model").ok());
    // Two runs of pipeline "p": ingest -> examples -> train -> model; the second reuses ingest.
    for (int run = 1; run <= 2; ++run) {
      metadata::Context ctx;
      ctx.type = pipeline::kRunContextType;
      ctx.name = "p-" + std::to_string(run);
      ctx.properties["pipeline"] = Value(std::string("p"));
      ctx.properties["state"] = Value(std::string("COMPLETE"));
      ctx.properties["start_time_ms"] = Value(int64_t{1000 * run});
      auto c = store_->PutContexts({ctx});
      ASSERT_TRUE(c.ok()) << c.status().message();
      run_ids_.push_back(c->at(0));
    }
    examples_ = Put("ExampleGen", "ingest", run_ids_[0], {}, "Examples", 0);
    model_ = Put("Trainer", "train", run_ids_[0], {examples_}, "Model", 0);
    Put("ExampleGen", "ingest", run_ids_[1], {}, "", /*cached_from=*/1, /*reused=*/examples_);
    model2_ = Put("Trainer", "train", run_ids_[1], {examples_}, "Model", 0);
    api_ = std::make_unique<UiApi>(*store_, UiApiOptions{.store_uri = "sqlite://x"});
  }

  // An execution of `type` (node `node`) in run context `run`, reading `inputs` and writing one
  // artifact of `output_type` (none when empty), or, for a cache hit, the output `reused` of an
  // earlier execution. Returns the new output's id.
  int64_t Put(const std::string& type, const std::string& node, int64_t run,
              const std::vector<int64_t>& inputs, const std::string& output_type,
              int64_t cached_from, int64_t reused = 0) {
    metadata::PutExecutionRequest req;
    req.execution.type = type;
    req.execution.state =
        cached_from ? metadata::ExecutionState::kCached : metadata::ExecutionState::kComplete;
    req.execution.properties["node"] = Value(node);
    req.execution.properties["duration_ms"] = Value(int64_t{25});
    req.execution.properties["attempts"] = Value(int64_t{1});
    if (cached_from) req.execution.properties["cached_from"] = Value(cached_from);
    for (int64_t in : inputs)
      req.artifacts.push_back(ArtifactAndEvent::Reference(
          in, Event{.type = EventType::kInput, .path = {std::string("examples"), int64_t{0}}}));
    if (reused)
      req.artifacts.push_back(ArtifactAndEvent::Reference(
          reused,
          Event{.type = EventType::kOutput, .path = {std::string("examples"), int64_t{0}}}));
    if (!output_type.empty()) {
      ArtifactAndEvent out;
      out.artifact.type = output_type;
      out.artifact.uri = "/artifacts/" + node;
      out.artifact.state = metadata::ArtifactState::kLive;
      out.event =
          Event{.type = EventType::kOutput,
                .path = {output_type == "Model" ? std::string("model") : std::string("examples"),
                         int64_t{0}}};
      req.artifacts.push_back(out);
    }
    auto ctx = store_->GetContext(run);
    EXPECT_TRUE(ctx.ok());
    req.contexts.push_back(*ctx);
    auto r = store_->PutExecution(req);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return output_type.empty() ? 0 : r->artifact_ids.back();
  }

  std::pair<int, nlohmann::json> Get(const std::string& target, const std::string& method = "GET") {
    serve::HttpRequest req;
    req.method = method;
    req.target = target;
    serve::HttpResponse r = api_->Handle(req);
    EXPECT_EQ(r.content_type, "application/json");
    return {r.status, nlohmann::json::parse(r.body)};
  }

  std::string Error(const std::string& target, int expected_status) {
    auto [status, body] = Get(target);
    EXPECT_EQ(status, expected_status) << target << ": " << body.dump();
    return body.value("error", "");
  }

  TempDir tmp_;
  std::unique_ptr<metadata::MetadataStore> store_;
  std::unique_ptr<UiApi> api_;
  std::vector<int64_t> run_ids_;
  int64_t examples_ = 0, model_ = 0, model2_ = 0;
};

TEST_F(UiApiTest, InfoNamesTheStoreAndSaysItIsReadOnly) {
  auto [status, body] = Get("/api/v1/info");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body["store"], "sqlite://x");
  EXPECT_EQ(body["writable"], false);
}

TEST_F(UiApiTest, RunsAreListedNewestFirstAndFilteredByPipeline) {
  auto [status, body] = Get("/api/v1/runs");
  ASSERT_EQ(status, 200);
  ASSERT_EQ(body["items"].size(), 2u);
  EXPECT_EQ(body["items"][0]["name"], "p-2");
  EXPECT_EQ(body["items"][1]["name"], "p-1");
  EXPECT_EQ(Get("/api/v1/runs?pipeline=p").second["items"].size(), 2u);
  EXPECT_EQ(Get("/api/v1/runs?pipeline=other").second["items"].size(), 0u);
  // Pages: one run a page, the token leads to the next.
  auto first = Get("/api/v1/runs?page_size=1").second;
  ASSERT_EQ(first["items"].size(), 1u);
  ASSERT_FALSE(first["next_page_token"].get<std::string>().empty());
  auto second =
      Get("/api/v1/runs?page_size=1&page_token=" + first["next_page_token"].get<std::string>())
          .second;
  ASSERT_EQ(second["items"].size(), 1u);
  EXPECT_EQ(second["items"][0]["name"], "p-1");
}

TEST_F(UiApiTest, ARunIsWhatDescribeRunGives) {
  auto [status, body] = Get("/api/v1/runs/p-2");
  ASSERT_EQ(status, 200);
  auto expected = pipeline::DescribeRun(*store_, "p-2");
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(body, *expected);
  ASSERT_EQ(body["nodes"].size(), 2u);
  EXPECT_EQ(body["nodes"][0]["node"], "ingest");
  EXPECT_EQ(body["nodes"][0]["cached_from"], 1);
  EXPECT_EQ(body["nodes"][1]["inputs"][0]["artifact_id"], examples_);
  EXPECT_EQ(body["nodes"][1]["outputs"][0]["artifact_id"], model2_);
  EXPECT_NE(Error("/api/v1/runs/nope", 404).find("no run 'nope'"), std::string::npos);
}

TEST_F(UiApiTest, ArtifactsAndExecutionsAreListedByFilterAndDescribed) {
  auto [status, body] = Get("/api/v1/artifacts?filter=type%20%3D%20'Model'");
  ASSERT_EQ(status, 200);
  ASSERT_EQ(body["items"].size(), 2u);
  EXPECT_EQ(body["items"][0]["id"], model_);
  EXPECT_EQ(Get("/api/v1/artifacts?filter=type+%3D+'Model'&desc=true").second["items"][0]["id"],
            model2_);
  EXPECT_EQ(Get("/api/v1/executions?filter=properties.node%20%3D%20'train'").second["items"].size(),
            2u);
  EXPECT_EQ(Get("/api/v1/contexts").second["items"].size(), 2u);

  auto artifact = Get("/api/v1/artifacts/" + std::to_string(model_));
  ASSERT_EQ(artifact.first, 200);
  EXPECT_EQ(artifact.second, *metadata::DescribeArtifact(*store_, model_));
  EXPECT_EQ(artifact.second["events"][0]["type"], "OUTPUT");
  EXPECT_EQ(artifact.second["contexts"][0]["name"], "p-1");
  auto execution = Get("/api/v1/executions/1");
  ASSERT_EQ(execution.first, 200);
  EXPECT_EQ(execution.second, *metadata::DescribeExecution(*store_, 1));
  auto context = Get("/api/v1/contexts/" + std::to_string(run_ids_[0]));
  ASSERT_EQ(context.first, 200);
  EXPECT_EQ(context.second, *metadata::DescribeContext(*store_, run_ids_[0]));
}

TEST_F(UiApiTest, LineageGoesUpAndDownAndCollapsesCacheHits) {
  auto up = Get("/api/v1/lineage/artifacts/" + std::to_string(model2_) + "?direction=up");
  ASSERT_EQ(up.first, 200);
  // model2 <- train(run 2) <- examples <- ingest(run 1); the cached ingest of run 2 is a count.
  EXPECT_EQ(up.second["nodes"].size(), 4u);
  EXPECT_EQ(up.second["edges"].size(), 3u);
  bool counted = false;
  for (const auto& n : up.second["nodes"])
    if (n["kind"] == "execution" && n["cache_hits"].get<int>() == 1) counted = true;
  EXPECT_TRUE(counted) << up.second.dump();
  auto with_hits = Get("/api/v1/lineage/artifacts/" + std::to_string(model2_) +
                       "?direction=up&include_cache_hits=true");
  EXPECT_GE(with_hits.second["nodes"].size(), 4u);
  auto down =
      Get("/api/v1/lineage/artifacts/" + std::to_string(examples_) + "?direction=down&hops=2");
  ASSERT_EQ(down.first, 200);
  EXPECT_EQ(down.second["nodes"].size(), 5u);  // examples, two trainings, two models
  auto one_hop =
      Get("/api/v1/lineage/artifacts/" + std::to_string(examples_) + "?direction=down&hops=1");
  EXPECT_EQ(one_hop.second["nodes"].size(), 3u);
  auto from_execution = Get("/api/v1/lineage/executions/2?direction=both");
  ASSERT_EQ(from_execution.first, 200);
  EXPECT_GE(from_execution.second["nodes"].size(), 3u);
}

TEST_F(UiApiTest, BadRequestsSayWhatIsWrong) {
  EXPECT_EQ(Error("/api/v1/artifacts/abc", 400),
            "artifact id 'abc' is not a positive whole number");
  EXPECT_EQ(Error("/api/v1/executions/-3", 400),
            "execution id '-3' is not a positive whole number");
  EXPECT_NE(Error("/api/v1/artifacts/424242", 404).find("424242"), std::string::npos);
  EXPECT_NE(Error("/api/v1/contexts/424242", 404).find("424242"), std::string::npos);
  EXPECT_NE(Error("/api/v1/artifacts?filter=type%20%3D", 400).find("column"), std::string::npos);
  EXPECT_NE(Error("/api/v1/artifacts?filter=nosuchfield%20%3D%201", 400).find("nosuchfield"),
            std::string::npos);
  EXPECT_NE(Error("/api/v1/runs?filter=(", 400).find("filter"), std::string::npos);
  EXPECT_NE(Error("/api/v1/artifacts?page_token=garbage", 400).find("token"), std::string::npos);
  EXPECT_EQ(Error("/api/v1/artifacts?page_size=0", 400),
            "parameter page_size must be a whole number in 1..1000, not '0'");
  EXPECT_EQ(Error("/api/v1/artifacts?order_by=name", 400),
            "parameter order_by must be id, create_time or update_time, not 'name'");
  EXPECT_EQ(Error("/api/v1/artifacts?desc=maybe", 400),
            "parameter desc must be true or false, not 'maybe'");
  EXPECT_EQ(Error("/api/v1/artifacts?filter=%zz", 400),
            "query parameter 'filter' has a malformed percent escape");
  EXPECT_EQ(Error("/api/v1/lineage/artifacts/1?direction=sideways", 400),
            "parameter direction must be up, down or both, not 'sideways'");
  EXPECT_EQ(Error("/api/v1/lineage/artifacts/1?hops=-1", 400),
            "parameter hops must be a whole number in 0..1000, not '-1'");
  EXPECT_NE(Error("/api/v1/lineage/artifacts/99999", 404).find("99999"), std::string::npos);
  EXPECT_NE(Error("/api/v1/lineage/models/1", 404).find("unknown API path"), std::string::npos);
  EXPECT_NE(Error("/api/v1/nothing", 404).find("unknown API path"), std::string::npos);
  EXPECT_NE(Error("/api/v2/runs", 404).find("unknown API path"), std::string::npos);
  auto [status, body] = Get("/api/v1/runs", "DELETE");
  EXPECT_EQ(status, 405);
  EXPECT_EQ(body["error"], "DELETE is not allowed here; use GET");
}

}  // namespace
}  // namespace lathe::server
