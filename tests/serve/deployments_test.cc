// Deployments as the server applies them, through RestApi::Handle on toy bundles: routing shares
// and stickiness over 100,000 requests, feedback joined to the version that answered, shadow
// comparisons, and the rollout controller's automatic rollback and promotion.
#include "lathe/serve/deployments.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "lathe/serve/rest_api.h"
#include "lathe/serve/rollout_controller.h"
#include "lathe/serve/shadow_mirror.h"
#include "testing/temp_dir.h"
#include "testing/toy_bundle.h"

namespace lathe::serve {
namespace {

using nlohmann::json;
using testing::ToyTask;

class DeploymentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteToyBundle(tmp_ / "models/binary/1", ToyTask::kBinary, "xgboost");
    testing::WriteToyBundle(tmp_ / "models/binary/2", ToyTask::kBinary, "linear", 0.4);
    // A broken model: trained on labels shifted so far that it predicts almost only class 0.
    testing::WriteToyBundle(tmp_ / "models/binary/3", ToyTask::kBinary, "linear", 3);
    auto s = metadata::MetadataStore::Open("sqlite://" + (tmp_ / "metadata.db").string());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    deployments_ = std::make_unique<Deployments>(*store_, repository_);
    ManagerOptions o;
    o.repository = tmp_ / "models";
    o.policy = *ParseVersionPolicy("specific:1");
    o.pinned_versions = [this](const std::string& m) { return deployments_->VersionsOf(m); };
    manager_ = std::make_unique<ModelManager>(o, &metrics_);
    RestOptions ro;
    ro.deployments = deployments_.get();
    ro.shadow = &shadow_;
    api_ = std::make_unique<RestApi>(*manager_, metrics_, ro);
  }

  // Applies a change as lathe deploy does, then lets the server see it.
  void Change(const std::function<Result<Deployment>(const std::optional<Deployment>&)>& plan) {
    auto changed = deployments_->Change(
        "shop",
        [&](const std::optional<Deployment>& current) -> Result<std::optional<DeploymentUpdate>> {
          LATHE_ASSIGN_OR_RETURN(Deployment next, plan(current));
          return std::optional<DeploymentUpdate>(DeploymentUpdate{next});
        });
    ASSERT_TRUE(changed.ok()) << changed.status().ToString();
    manager_->Poll();
  }
  void Deploy(DeployRequest r) {
    r.name = "shop";
    Change(
        [&](const std::optional<Deployment>& current) { return PlanDeploy(current, r, NowMs()); });
  }
  static int64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  HttpResponse Predict(
      const std::string& user, const std::string& id = "",
      const std::string& body = R"({"instances": [{"x": 0.5, "n": 3, "city": "oslo"}]})") {
    HttpRequest r;
    r.method = "POST";
    r.target = "/v1/models/binary:predict";
    r.body = body;
    r.request_id = id.empty() ? "r" + std::to_string(++requests_) : id;
    r.header = [&user](std::string_view name) -> std::optional<std::string> {
      if (name == "X-User-Id" && !user.empty()) return user;
      return std::nullopt;
    };
    return api_->Handle(r);
  }
  static std::string Header(const HttpResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return "";
  }
  HttpResponse Post(const std::string& target, const json& body) {
    HttpRequest r;
    r.method = "POST";
    r.target = target;
    r.body = body.dump();
    return api_->Handle(r);
  }

  testing::TempDir tmp_;
  registry::ModelRepository repository_{tmp_ / "models"};
  std::unique_ptr<metadata::MetadataStore> store_;
  std::unique_ptr<Deployments> deployments_;
  ServingMetrics metrics_;
  ShadowMirror shadow_;
  std::unique_ptr<ModelManager> manager_;
  std::unique_ptr<RestApi> api_;
  int requests_ = 0;
};

TEST_F(DeploymentsTest, SharesHoldWithinOnePointOver100kRequestsAndEveryKeySticks) {
  manager_->Poll();
  // Without a deployment, the newest served version answers and no routing header is set.
  auto plain = Predict("u1");
  ASSERT_EQ(plain.status, 200) << plain.body;
  EXPECT_EQ(Header(plain, "X-Lathe-Model-Version"), "");

  Deploy({.model = "binary", .version = 1, .key = StickyKey{"X-User-Id", ""}});
  Deploy({.version = 2, .canary = 0.3});
  ASSERT_TRUE(manager_->Find("binary", 2, "").ok()) << "the canary is loaded";
  std::map<std::string, std::string> seen;  // key -> version
  std::map<std::string, int> answered;
  for (int i = 0; i < 100000; ++i) {
    const std::string user = "user-" + std::to_string(i % 50000);
    auto r = Predict(user);
    ASSERT_EQ(r.status, 200) << r.body;
    const std::string v = Header(r, "X-Lathe-Model-Version");
    ++answered[v];
    auto [it, inserted] = seen.emplace(user, v);
    ASSERT_EQ(it->second, v) << user << " moved between versions";
    EXPECT_EQ(Header(r, "X-Lathe-Deployment"), v == "2" ? "shop canary" : "shop stable");
  }
  EXPECT_NEAR(answered["2"] / 100000.0, 0.3, 0.01) << answered["2"];
  EXPECT_EQ(answered["1"] + answered["2"], 100000);
  // Requests without a key go at random in the same shares.
  int canary = 0;
  for (int i = 0; i < 100000; ++i) canary += Header(Predict(""), "X-Lathe-Model-Version") == "2";
  EXPECT_NEAR(canary / 100000.0, 0.3, 0.01) << canary;
  // Asking for a version or label bypasses the deployment.
  HttpRequest r;
  r.method = "POST";
  r.target = "/v1/models/binary/versions/1:predict";
  r.body = R"({"instances": [{"x": 0.5}]})";
  EXPECT_EQ(Header(api_->Handle(r), "X-Lathe-Model-Version"), "");
  // The metrics split each version's requests by role.
  const std::string text = api_->Handle({.method = "GET", .target = "/metrics"}).body;
  EXPECT_NE(
      text.find("lathe_serve_requests_total{model=\"binary\",version=\"2\",label=\"canary\"}"),
      std::string::npos);
  EXPECT_NE(
      text.find("lathe_deployment_version{deployment=\"shop\",model=\"binary\",role=\"canary\","
                "version=\"2\",share=\"0.3\"} 1"),
      std::string::npos)
      << text;
}

TEST_F(DeploymentsTest, FeatureKeysRouteByTheFirstRowsValue) {
  Deploy({.model = "binary", .version = 1, .key = StickyKey{"", "city"}});
  Deploy({.version = 2, .canary = 0.5});
  std::map<std::string, std::set<std::string>> versions;  // city -> versions that answered
  for (int i = 0; i < 400; ++i) {
    const std::string city = "c" + std::to_string(i % 40);
    auto r = Predict("", "", json{{"instances", {{{"x", 0.5}, {"city", city}}}}}.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    versions[city].insert(Header(r, "X-Lathe-Model-Version"));
  }
  std::set<std::string> all;
  for (const auto& [city, v] : versions) {
    EXPECT_EQ(v.size(), 1u) << city;
    all.insert(v.begin(), v.end());
  }
  EXPECT_EQ(all, (std::set<std::string>{"1", "2"}));
}

TEST_F(DeploymentsTest, FeedbackJoinsTheVersionThatAnsweredAndReachesTheStore) {
  Deploy({.model = "binary", .version = 1, .key = StickyKey{"X-User-Id", ""}});
  Deploy({.version = 2, .canary = 0.5});
  std::map<std::string, std::string> version_of;
  for (int i = 0; i < 400; ++i) {
    const std::string user = "u" + std::to_string(i);
    version_of[user] = Header(Predict(user, "req-" + user), "X-Lathe-Model-Version");
  }
  // By request id: the canary converts every time, stable half the time.
  for (int i = 0; i < 200; ++i) {
    const std::string user = "u" + std::to_string(i);
    const double converted = version_of[user] == "2" ? 1 : i % 2;
    auto r = Post("/lathe/v1/deployments/shop/feedback",
                  {{"request_id", "req-" + user}, {"outcomes", {{"converted", converted}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body)["results"][0]["version"].get<int>(), std::stoi(version_of[user]));
  }
  // By sticky key, in one batch, with revenue too.
  json batch = json::array();
  for (int i = 200; i < 400; ++i) {
    const std::string user = "u" + std::to_string(i);
    batch.push_back(
        {{"key", user},
         {"outcomes", {{"converted", version_of[user] == "2" ? 1 : i % 2}, {"revenue", 10.0}}}});
  }
  batch.push_back({{"key", "never-seen-but-keyed"}, {"outcomes", {{"converted", 1}}}});
  batch.push_back({{"outcomes", {{"converted", 1}}}});
  auto r = Post("/lathe/v1/deployments/shop/feedback", {{"feedback", batch}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json answer = json::parse(r.body);
  // A key routes the same on any server, so even an unseen key joins its version.
  EXPECT_EQ(answer["joined"], 201);
  EXPECT_EQ(answer["unmatched"], 1);
  EXPECT_EQ(answer["results"][201]["error"], "feedback needs a \"request_id\" or a \"key\"");

  // Errors say what and where.
  EXPECT_EQ(Post("/lathe/v1/deployments/shop/feedback",
                 {{"request_id", "nope"}, {"outcomes", {{"converted", 1}}}})
                .status,
            404);
  auto bad = Post("/lathe/v1/deployments/shop/feedback",
                  {{"feedback", {{{"key", "u1"}, {"outcomes", {{"converted", "yes"}}}}}}});
  EXPECT_EQ(json::parse(bad.body)["results"][0]["error"],
            "feedback[0].outcomes.converted: expected a number");
  EXPECT_EQ(Post("/lathe/v1/deployments/shop/feedback", {{"key", "u1"}, {"outcome", 1}}).status,
            400);
  EXPECT_EQ(Post("/lathe/v1/deployments/nope/feedback", {{"key", "u1"}}).status, 404);

  ASSERT_TRUE(deployments_->Refresh().ok());
  auto d = GetDeployment(*store_, "shop");
  ASSERT_TRUE(d.ok() && *d);
  const auto& arms = (*d)->experiment.arms;
  uint64_t n = 0;
  for (const auto& [version, totals] : arms) n += totals.at("converted").moments.n;
  EXPECT_EQ(n, 401u);
  EXPECT_DOUBLE_EQ(arms.at(2).at("converted").moments.mean, 1.0);
  EXPECT_EQ(arms.at(1).at("revenue").moments.mean, 10.0);
  auto comparisons = CompareOutcomes((*d)->experiment);
  ASSERT_EQ(comparisons.size(), 2u);
  EXPECT_EQ(comparisons[0].outcome, "converted");
  EXPECT_GT(comparisons[0].test.lift, 0.5);
  // The API shows the same.
  HttpRequest get{.method = "GET", .target = "/lathe/v1/deployments/shop"};
  const json shown = json::parse(api_->Handle(get).body);
  EXPECT_EQ(shown["comparisons"][0]["outcome"], "converted");
  EXPECT_EQ(shown["canary"], 2);
}

TEST_F(DeploymentsTest, AShadowAnswersNobodyAndIsComparedWithTheAnswer) {
  Deploy({.model = "binary", .version = 1});
  Deploy({.version = 3, .shadow = 1.0});
  for (int i = 0; i < 50; ++i) {
    auto r = Predict(
        "", "", json{{"instances", {{{"x", 2.0 + i * 0.01}, {"n", 5}, {"city", "oslo"}}}}}.dump());
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(Header(r, "X-Lathe-Model-Version"), "1");
  }
  shadow_.Drain();
  const std::string text = api_->Handle({.method = "GET", .target = "/metrics"}).body;
  EXPECT_NE(text.find("lathe_serve_shadow_requests_total{model=\"binary\",version=\"3\"} 50"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("lathe_serve_shadow_rows_total{model=\"binary\",version=\"3\"} 50"),
            std::string::npos);
  EXPECT_NE(
      text.find("lathe_serve_requests_total{model=\"binary\",version=\"3\",label=\"shadow\"} 50"),
      std::string::npos);
  // Version 1 says class 1 for these rows, the broken version 3 mostly 0.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      text, m,
      std::regex(
          "lathe_serve_shadow_disagreements_total\\{model=\"binary\",version=\"3\"\\} ([0-9]+)")));
  EXPECT_GT(std::stoi(m[1]), 25);
}

TEST_F(DeploymentsTest, TheControllerRollsBackABrokenCanaryAndSaysWhy) {
  Guardrails g;
  g.max_prediction_shift = 0.2;
  g.min_interval_requests = 20;
  g.breach_window = std::chrono::seconds(2);
  Deploy({.model = "binary", .version = 1, .guardrails = g});
  Deploy({.version = 3, .canary = 0.5});
  RolloutController controller(*deployments_, metrics_);
  auto t = RolloutClock::now();
  auto traffic = [&] {
    for (int i = 0; i < 200; ++i)
      ASSERT_EQ(
          Predict("", "", json{{"instances", {{{"x", 2.0 + (i % 10) * 0.1}, {"n", 5}}}}}.dump())
              .status,
          200);
  };
  EXPECT_TRUE(controller.Tick(t).empty());  // the first look is the baseline
  traffic();
  // Breached over (t, t+1]: held for 1 s of the 2 s window.
  EXPECT_TRUE(controller.Tick(t + std::chrono::seconds(1)).empty());
  traffic();
  auto applied = controller.Tick(t + std::chrono::seconds(2));
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(applied[0].decision.action, RolloutAction::kRollback);
  EXPECT_NE(applied[0].decision.reason.find("prediction shift against stable"), std::string::npos)
      << applied[0].decision.reason;
  auto d = GetDeployment(*store_, "shop");
  ASSERT_TRUE(d.ok() && *d);
  EXPECT_EQ((*d)->split.canary, 0);
  EXPECT_EQ((*d)->last_action, "auto-rollback");
  EXPECT_EQ((*d)->last_reason, applied[0].decision.reason);
  EXPECT_EQ(DeploymentHistory(*store_, **d)->front().properties.at("action").as_string(),
            "auto-rollback");
  // Every request now goes to stable.
  EXPECT_EQ(Header(Predict(""), "X-Lathe-Model-Version"), "1");
}

TEST_F(DeploymentsTest, TheControllerPromotesACanaryThatHeld) {
  Guardrails g;
  g.promote_after = std::chrono::seconds(1);
  g.promote_min_requests = 50;
  g.min_interval_requests = 10;
  Deploy({.model = "binary", .version = 1, .guardrails = g});
  Deploy({.version = 2, .canary = 0.5});
  RolloutController controller(*deployments_, metrics_);
  const auto t = RolloutClock::now() + std::chrono::seconds(5);
  EXPECT_TRUE(controller.Tick(t).empty());
  for (int i = 0; i < 400; ++i) ASSERT_EQ(Predict("").status, 200);
  auto applied = controller.Tick(t + std::chrono::seconds(1));
  ASSERT_EQ(applied.size(), 1u) << "no decision";
  EXPECT_EQ(applied[0].decision.action, RolloutAction::kPromote);
  EXPECT_EQ(deployments_->Named("shop")->split.stable, 2);
  EXPECT_EQ(deployments_->Named("shop")->last_action, "auto-promote");
}

}  // namespace
}  // namespace lathe::serve
