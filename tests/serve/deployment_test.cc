// Deployments in the metadata store: the plans of deploy, promote and rollback, the record of
// each change (an execution linked to the Model artifacts and the Deployment context), optimistic
// concurrency, and the business comparison written on the model artifacts.
#include "lathe/serve/deployment.h"

#include <gtest/gtest.h>

#include <thread>

#include "testing/temp_dir.h"

namespace lathe::serve {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

TEST(DeploymentPlanTest, SharesParseAsPercentages) {
  EXPECT_DOUBLE_EQ(*ParseShare("10%"), 0.10);
  EXPECT_DOUBLE_EQ(*ParseShare("100"), 1.0);
  EXPECT_DOUBLE_EQ(*ParseShare(" 0.5% "), 0.005);
  for (const char* bad : {"", "%", "-1%", "101%", "ten", "nan%", "1e400"})
    EXPECT_EQ(ParseShare(bad).status().code(), StatusCode::kInvalidArgument) << bad;
}

TEST(DeploymentPlanTest, DeployCanaryShadowPromoteAndRollBack) {
  DeployRequest r{.name = "shop", .model = "offers", .version = 1};
  auto d = PlanDeploy(std::nullopt, r, 1000);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->model, "offers");
  EXPECT_EQ(d->split.stable, 1);
  EXPECT_EQ(d->experiment.id, 1000);
  // A canary needs a stable version first.
  EXPECT_EQ(PlanDeploy(std::nullopt, {.name = "x", .version = 2, .canary = 0.1}, 0).status().code(),
            StatusCode::kFailedPrecondition);

  auto canary = PlanDeploy(*d, {.name = "shop", .version = 2, .canary = 0.25}, 2000);
  ASSERT_TRUE(canary.ok());
  EXPECT_EQ(canary->split.canary, 2);
  EXPECT_DOUBLE_EQ(canary->split.canary_share, 0.25);
  EXPECT_EQ(canary->experiment.id, 2000);
  EXPECT_EQ(canary->experiment.canary, 2);
  EXPECT_EQ(canary->last_action, "deploy");
  EXPECT_EQ(canary->last_reason, "v2 canary at 25%");
  // Ramping the same canary keeps its experiment (its outcomes stay comparable).
  auto ramp = PlanDeploy(*canary, {.name = "shop", .version = 2, .canary = 0.5}, 3000);
  ASSERT_TRUE(ramp.ok());
  EXPECT_EQ(ramp->experiment.id, 2000);
  EXPECT_EQ(PlanDeploy(*canary, {.name = "shop", .version = 1, .canary = 0.5}, 0).status().code(),
            StatusCode::kFailedPrecondition);  // the stable version
  EXPECT_EQ(PlanDeploy(*canary, {.name = "shop", .version = 2, .canary = 0.0}, 0).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      PlanDeploy(*canary, {.name = "shop", .model = "other", .version = 3}, 0).status().code(),
      StatusCode::kInvalidArgument);

  auto shadow = PlanDeploy(*ramp, {.name = "shop", .version = 3, .shadow = 1.0}, 4000);
  ASSERT_TRUE(shadow.ok());
  EXPECT_EQ(shadow->split.shadow, 3);
  EXPECT_EQ(shadow->split.canary, 2);
  EXPECT_EQ(shadow->experiment.id, 2000);  // a shadow answers nobody: same experiment

  auto promoted = PlanPromote(*shadow, "promote", "", 5000);
  ASSERT_TRUE(promoted.ok());
  EXPECT_EQ(promoted->split.stable, 2);
  EXPECT_EQ(promoted->split.canary, 0);
  EXPECT_EQ(promoted->previous_stable, 1);
  EXPECT_EQ(promoted->split.shadow, 3);
  EXPECT_EQ(promoted->experiment.id, 5000);
  EXPECT_EQ(promoted->experiment.stable, 2);
  EXPECT_EQ(PlanPromote(*promoted, "promote", "", 0).status().code(),
            StatusCode::kFailedPrecondition);

  // Rollback drops the canary and shadow; then, with neither, returns to the earlier stable.
  auto dropped = PlanRollback(*promoted, "rollback", "", 6000);
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(dropped->split.shadow, 0);
  EXPECT_EQ(dropped->split.stable, 2);
  auto back = PlanRollback(*dropped, "rollback", "bad week", 7000);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->split.stable, 1);
  EXPECT_EQ(back->last_reason, "bad week");
  EXPECT_EQ(PlanRollback(*back, "rollback", "", 0).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST(DeploymentPlanTest, StateRoundTripsThroughJson) {
  auto d =
      PlanDeploy(std::nullopt, {.name = "shop", .version = 1, .key = StickyKey{"X-User", ""}}, 10);
  ASSERT_TRUE(d.ok());
  d = PlanDeploy(*d, {.name = "shop", .version = 2, .canary = 0.1}, 20);
  ASSERT_TRUE(d.ok());
  OutcomeTotals stable, canary;
  stable["converted"].Add(1);
  stable["converted"].Add(0);
  canary["revenue"].Add(12.5);
  AddOutcomes(d->experiment, {{1, stable}, {2, canary}});
  auto back = DeploymentFromJson(DeploymentToJson(*d));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(DeploymentToJson(*back), DeploymentToJson(*d));
  EXPECT_EQ(back->key.header, "X-User");
  EXPECT_EQ(back->experiment.arms.at(1).at("converted").moments.n, 2u);
  EXPECT_FALSE(back->experiment.arms.at(2).at("revenue").binary);
  auto bad = DeploymentToJson(*d);
  bad.erase("stable");
  EXPECT_EQ(DeploymentFromJson(bad).status().code(), StatusCode::kDataLoss);
}

TEST(BusinessMetricsTest, TheUpliftLineSaysRatesLiftItsIntervalAndTheAlwaysValidP) {
  Experiment e{.id = 1, .stable = 6, .canary = 7};
  // 4.1% against 4.8% over 20,000 users each, fed back in 20 batches (20 looks).
  for (int look = 0; look < 20; ++look) {
    OutcomeTotals s, c;
    for (int i = 0; i < 1000; ++i) {
      s["converted"].Add(i < 41 ? 1 : 0);
      c["converted"].Add(i < 48 ? 1 : 0);
    }
    AddOutcomes(e, {{6, s}, {7, c}});
  }
  auto comparisons = CompareOutcomes(e);
  ASSERT_EQ(comparisons.size(), 1u);
  const auto& c = comparisons[0];
  EXPECT_TRUE(c.binary);
  EXPECT_EQ(c.stable.n, 20000u);
  EXPECT_NEAR(c.test.lift, 0.048 / 0.041 - 1, 1e-12);
  EXPECT_EQ(c.sequential.looks, 20u);
  EXPECT_LT(c.sequential.p_value, 0.05);
  EXPECT_GT(c.sequential.difference.low, 0);
  const std::string line = UpliftLine(e, c);
  EXPECT_EQ(line.rfind("canary v7: converted 4.8% vs 4.1% stable v6, +17% (95% CI +", 0), 0u)
      << line;
  EXPECT_NE(line.find("always-valid p "), std::string::npos) << line;
  EXPECT_NE(line.find("(n 20000 vs 20000)"), std::string::npos) << line;
  // Without a canary, nothing is compared; each version's outcomes still show.
  Experiment alone{.id = 1, .stable = 6};
  AddOutcomes(alone, {{6, {{"revenue", OutcomeMetric{}}}}});
  EXPECT_TRUE(CompareOutcomes(alone).empty());
  auto lines = OutcomeLines(e, 6, "stable");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].rfind("stable v6: converted 4.1% (95% CI ", 0), 0u) << lines[0];
}

class DeploymentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = metadata::MetadataStore::Open("sqlite://" + (tmp_ / "metadata.db").string());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    ASSERT_TRUE(store_->PutType({.kind = metadata::TypeKind::kArtifact, .name = "Model"}).ok());
    // Versions 1 and 2 of "offers" were pushed from Model artifacts; version 3 by hand.
    for (int v = 1; v <= 3; ++v) {
      fs::create_directories(tmp_ / "models/offers" / std::to_string(v));
      if (v == 3) continue;
      metadata::Artifact a;
      a.type = "Model";
      a.uri = "/models/" + std::to_string(v);
      auto ids = store_->PutArtifacts({a});
      ASSERT_TRUE(ids.ok());
      model_ids_.push_back((*ids)[0]);
      testing::WriteFile(tmp_ / "models/offers" / std::to_string(v) / "lathe-push.json",
                         json{{"model_artifact_id", (*ids)[0]}}.dump());
    }
  }

  Result<std::optional<Deployment>> Deploy(const DeployRequest& r) {
    return UpdateDeployment(
        *store_, repository_, r.name,
        [&](const std::optional<Deployment>& current) -> Result<std::optional<DeploymentUpdate>> {
          LATHE_ASSIGN_OR_RETURN(Deployment next, PlanDeploy(current, r, 1));
          return std::optional<DeploymentUpdate>(DeploymentUpdate{next});
        });
  }

  testing::TempDir tmp_;
  registry::ModelRepository repository_{tmp_ / "models"};
  std::unique_ptr<metadata::MetadataStore> store_;
  std::vector<int64_t> model_ids_;
};

TEST_F(DeploymentStoreTest, EachChangeIsAnExecutionLinkedToTheModelsAndTheContext) {
  EXPECT_TRUE(ListDeployments(*store_)->empty());  // no Deployment type yet: none
  ASSERT_TRUE(Deploy({.name = "shop", .model = "offers", .version = 1}).ok());
  auto canary = Deploy({.name = "shop", .version = 2, .canary = 0.1});
  ASSERT_TRUE(canary.ok()) << canary.status().ToString();
  ASSERT_TRUE(Deploy({.name = "shop", .version = 3, .shadow = 0.5}).ok());

  auto d = GetDeployment(*store_, "shop");
  ASSERT_TRUE(d.ok() && *d);
  EXPECT_EQ((*d)->split.stable, 1);
  EXPECT_EQ((*d)->split.canary, 2);
  EXPECT_EQ((*d)->split.shadow, 3);
  auto history = DeploymentHistory(*store_, **d);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].properties.at("reason").as_string(), "v3 shadow of 50%");
  EXPECT_EQ((*history)[2].properties.at("action").as_string(), "deploy");
  // The newest change read both Model artifacts (version 3 has no push marker): lineage runs
  // model -> deployment.
  auto events = store_->GetEventsByExecutionIds({(*history)[0].id});
  ASSERT_TRUE(events.ok());
  std::map<std::string, int64_t> inputs;
  for (const auto& e : *events) {
    EXPECT_EQ(e.type, metadata::EventType::kInput);
    inputs[std::get<std::string>(e.path.at(0))] = e.artifact_id;
  }
  EXPECT_EQ(inputs,
            (std::map<std::string, int64_t>{{"stable", model_ids_[0]}, {"canary", model_ids_[1]}}));
  auto contexts = store_->GetContextsByExecution((*history)[0].id);
  ASSERT_TRUE(contexts.ok());
  ASSERT_EQ(contexts->size(), 1u);
  EXPECT_EQ((*contexts)[0].type, kDeploymentContext);
  EXPECT_EQ((*contexts)[0].name, "shop");
  auto check = store_->Check();
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok()) << check->problems.front();

  // The state survives reopening the store.
  store_.reset();
  auto reopened = metadata::MetadataStore::Open("sqlite://" + (tmp_ / "metadata.db").string());
  ASSERT_TRUE(reopened.ok());
  auto again = GetDeployment(**reopened, "shop");
  ASSERT_TRUE(again.ok() && *again);
  EXPECT_EQ(DeploymentToJson(**again), DeploymentToJson(**d));
}

TEST_F(DeploymentStoreTest, ConcurrentWritersLoseNoChange) {
  ASSERT_TRUE(Deploy({.name = "shop", .model = "offers", .version = 1}).ok());
  ASSERT_TRUE(Deploy({.name = "shop", .version = 2, .canary = 0.5}).ok());
  // Four writers, each from its own connection, add outcomes 50 times.
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w)
    writers.emplace_back([&, w] {
      auto s = metadata::MetadataStore::Open("sqlite://" + (tmp_ / "metadata.db").string());
      ASSERT_TRUE(s.ok());
      for (int i = 0; i < 50; ++i) {
        auto written = UpdateDeployment(**s, repository_, "shop",
                                        [&](const std::optional<Deployment>& current)
                                            -> Result<std::optional<DeploymentUpdate>> {
                                          DeploymentUpdate u{*current, false};
                                          OutcomeTotals t;
                                          t["converted"].Add(w % 2);
                                          AddOutcomes(u.next.experiment, {{w < 2 ? 1 : 2, t}});
                                          return std::optional<DeploymentUpdate>(u);
                                        });
        ASSERT_TRUE(written.ok()) << written.status().ToString();
      }
    });
  for (auto& t : writers) t.join();
  auto d = GetDeployment(*store_, "shop");
  ASSERT_TRUE(d.ok() && *d);
  EXPECT_EQ((*d)->experiment.arms.at(1).at("converted").moments.n, 100u);
  EXPECT_EQ((*d)->experiment.arms.at(2).at("converted").moments.n, 100u);
  EXPECT_NEAR((*d)->experiment.arms.at(2).at("converted").moments.mean, 0.5, 1e-12);
  // Outcome updates are not changes: still two executions.
  EXPECT_EQ(DeploymentHistory(*store_, **d)->size(), 2u);

  ASSERT_TRUE(WriteBusinessMetrics(*store_, repository_, **d).ok());
  auto model = store_->GetArtifact(model_ids_[1]);
  ASSERT_TRUE(model.ok());
  const json figures = model->custom_properties.at("business_metrics").as_struct();
  ASSERT_EQ(figures.size(), 1u);
  const json& shop = figures.begin().value();
  EXPECT_EQ(figures.begin().key(), "shop/" + std::to_string((*d)->experiment.id));
  EXPECT_EQ(shop["role"], "canary");
  EXPECT_EQ(shop["comparisons"][0]["outcome"], "converted");
  EXPECT_EQ(shop["comparisons"][0]["canary"]["n"], 100);
}

TEST_F(DeploymentStoreTest, OneDeploymentIsCreatedOnceUnderRacingCreators) {
  std::vector<std::thread> creators;
  std::atomic<int> ok{0};
  for (int w = 0; w < 4; ++w)
    creators.emplace_back([&] {
      auto s = metadata::MetadataStore::Open("sqlite://" + (tmp_ / "metadata.db").string());
      ASSERT_TRUE(s.ok());
      auto r = UpdateDeployment(
          **s, repository_, "shop",
          [&](const std::optional<Deployment>& current) -> Result<std::optional<DeploymentUpdate>> {
            if (current) return std::optional<DeploymentUpdate>();
            LATHE_ASSIGN_OR_RETURN(Deployment next,
                                   PlanDeploy(current, {.name = "shop", .version = 1}, 1));
            return std::optional<DeploymentUpdate>(DeploymentUpdate{next});
          });
      if (r.ok()) ++ok;
    });
  for (auto& t : creators) t.join();
  EXPECT_EQ(ok, 4);
  auto all = ListDeployments(*store_);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(DeploymentHistory(*store_, (*all)[0])->size(), 1u);
}

}  // namespace
}  // namespace lathe::serve
