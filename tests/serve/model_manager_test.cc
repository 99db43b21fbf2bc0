#include "lathe/serve/model_manager.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <thread>

#include "lathe/registry/model_labels.h"
#include "lathe/serve/request_log.h"
#include "testing/temp_dir.h"
#include "testing/toy_bundle.h"

namespace lathe::serve {
namespace {

namespace fs = std::filesystem;
using testing::ToyTask;

class ModelManagerTest : public ::testing::Test {
 protected:
  fs::path Version(const std::string& name, int64_t v) { return repo_ / name / std::to_string(v); }
  void AddVersion(const std::string& name, int64_t v, double shift = 0) {
    testing::WriteToyBundle(Version(name, v), ToyTask::kBinary, "linear", shift);
  }
  std::map<int64_t, VersionState> States(const ModelManager& m, const std::string& name) {
    std::map<int64_t, VersionState> out;
    auto s = m.Statuses(name);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    if (s.ok())
      for (const auto& v : *s) out[v.version] = v.state;
    return out;
  }
  ManagerOptions Options(const std::string& policy = "latest") {
    ManagerOptions o;
    o.repository = repo_;
    o.policy = *ParseVersionPolicy(policy);
    return o;
  }

  testing::TempDir tmp_;
  fs::path repo_ = tmp_ / "models";
};

TEST_F(ModelManagerTest, ServesTheNewestAndSwapsWhenAVersionArrives) {
  ServingMetrics metrics;
  ModelManager m(Options(), &metrics);
  m.Poll();
  EXPECT_FALSE(m.Ready());  // nothing to serve yet
  EXPECT_EQ(m.Find("toy", std::nullopt, "").status().code(), StatusCode::kNotFound);

  AddVersion("toy", 1);
  m.Poll();
  EXPECT_TRUE(m.Ready());
  auto v1 = m.Find("toy", std::nullopt, "");
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_EQ((*v1)->version, 1);

  AddVersion("toy", 2, 0.5);
  m.Poll();
  auto v2 = m.Find("toy", std::nullopt, "");
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ((*v2)->version, 2);
  EXPECT_EQ(m.Find("toy", 1, "").status().code(), StatusCode::kNotFound);
  // A request still holding version 1 keeps it loaded; it unloads when the request lets go.
  std::weak_ptr<const ServableVersion> weak = *v1;
  EXPECT_EQ(States(m, "toy")[1], VersionState::kUnloading);
  auto p = (*v1)->model->PredictInstances(nlohmann::json::parse(R"([{"x": 1, "n": 2}])"));
  EXPECT_TRUE(p.ok());
  v1 = Status(StatusCode::kCancelled, "released");
  EXPECT_TRUE(weak.expired());
  EXPECT_EQ(States(m, "toy")[1], VersionState::kEnd);
  EXPECT_EQ(States(m, "toy")[2], VersionState::kAvailable);
  EXPECT_EQ(m.Loaded(), (std::vector<std::pair<std::string, int64_t>>{{"toy", 2}}));
  EXPECT_NE(metrics.Render(m.Loaded()).find("lathe_serve_loads_total{model=\"toy\"} 2"),
            std::string::npos);
}

TEST_F(ModelManagerTest, ABrokenVersionIsNeverServedAndThePreviousOneKeepsServing) {
  ServingMetrics metrics;
  ModelManager m(Options(), &metrics);
  AddVersion("toy", 1);
  m.Poll();
  // Version 2's model file is damaged: it fails to load.
  AddVersion("toy", 2);
  testing::WriteFile(Version("toy", 2) / "linear.json", "{\"weights\": [1, 2");
  m.Poll();
  auto served = m.Find("toy", std::nullopt, "");
  ASSERT_TRUE(served.ok());
  EXPECT_EQ((*served)->version, 1);
  auto statuses = m.Statuses("toy");
  ASSERT_TRUE(statuses.ok());
  ASSERT_EQ(statuses->size(), 2u);
  EXPECT_EQ((*statuses)[1].state, VersionState::kEnd);
  EXPECT_FALSE((*statuses)[1].status.ok());
  EXPECT_NE((*statuses)[1].status.message().find("linear.json"), std::string::npos)
      << (*statuses)[1].status.message();
  m.Poll();  // not retried, and version 1 still serves
  EXPECT_EQ((*m.Find("toy", std::nullopt, ""))->version, 1);
  EXPECT_NE(metrics.Render(m.Loaded()).find("lathe_serve_load_failures_total{model=\"toy\"} 1\n"),
            std::string::npos);

  // A bundle whose warm-up request fails is not served either.
  AddVersion("toy", 3);
  testing::WriteFile(Version("toy", 3) / "warmup.jsonl", "{\"x\": 1}\n{\"x\": \"many\"}\n");
  m.Poll();
  EXPECT_EQ((*m.Find("toy", std::nullopt, ""))->version, 1);
  auto s3 = m.Statuses("toy");
  EXPECT_NE(s3->back().status.message().find("warm-up request 2"), std::string::npos)
      << s3->back().status.message();
}

TEST_F(ModelManagerTest, LabelsKeepTheirVersionsLoadedAndRouteRequests) {
  AddVersion("toy", 1);
  AddVersion("toy", 2, 0.5);
  const registry::ModelRepository repository(repo_);
  ModelManager m(Options("latest"));
  m.Poll();
  EXPECT_EQ(m.Find("toy", std::nullopt, "stable").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(registry::SetLabel(repository, "toy", "stable", 1).ok());
  ASSERT_TRUE(registry::SetLabel(repository, "toy", "canary", 2).ok());
  m.Poll();
  EXPECT_EQ((*m.Find("toy", std::nullopt, "stable"))->version, 1);  // loaded for its label
  EXPECT_EQ((*m.Find("toy", std::nullopt, "canary"))->version, 2);
  EXPECT_EQ((*m.Find("toy", std::nullopt, ""))->version, 2);
  auto unknown = m.Find("toy", std::nullopt, "blue");
  EXPECT_EQ(unknown.status().message(), "model 'toy' has no label 'blue' (labels: canary, stable)");
  ASSERT_TRUE(registry::RemoveLabel(repository, "toy", "stable").ok());
  m.Poll();
  EXPECT_EQ(m.Find("toy", 1, "").status().code(), StatusCode::kNotFound);  // policy: latest
}

TEST_F(ModelManagerTest, PoliciesPerModelAndRequestsDuringPolls) {
  AddVersion("a", 1);
  AddVersion("a", 2);
  AddVersion("b", 1);
  AddVersion("b", 2);
  auto o = Options("all");
  o.policies["b"] = *ParseVersionPolicy("specific:1");
  ModelManager m(o);
  m.Poll();
  EXPECT_EQ(m.Loaded(),
            (std::vector<std::pair<std::string, int64_t>>{{"a", 1}, {"a", 2}, {"b", 1}}));
  // Finds from other threads while versions come and go never fail for a served model.
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::thread reader([&] {
    while (!stop)
      if (!m.Find("a", std::nullopt, "").ok()) ++failures;
  });
  for (int v = 3; v <= 5; ++v) {
    AddVersion("a", v);
    m.Poll();
  }
  stop = true;
  reader.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(m.Loaded().size(), 6u);
}

TEST(ModelLabelsTest, ConcurrentWritersLoseNothingAndBadNamesAreRefused) {
  testing::TempDir tmp;
  const registry::ModelRepository repository(tmp / "models");
  testing::WriteToyBundle(tmp / "models/toy/1", ToyTask::kRegression);
  testing::WriteToyBundle(tmp / "models/toy/2", ToyTask::kRegression);
  std::vector<std::thread> writers;
  for (int t = 0; t < 8; ++t)
    writers.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i)
        ASSERT_TRUE(
            registry::SetLabel(repository, "toy", fmt::format("l{}-{}", t, i), 1 + (i % 2)).ok());
    });
  for (auto& w : writers) w.join();
  auto labels = registry::ReadLabels(repository, "toy");
  ASSERT_TRUE(labels.ok());
  EXPECT_EQ(labels->size(), 40u);
  EXPECT_EQ(labels->at("l3-1"), 2);
  EXPECT_EQ(registry::SetLabel(repository, "toy", "stable", 3).status().code(),
            StatusCode::kNotFound);
  for (const char* bad : {"", "3", "-x", "a b", "x/y", "..", "stable\n"})
    EXPECT_EQ(registry::SetLabel(repository, "toy", bad, 1).status().code(),
              StatusCode::kInvalidArgument)
        << bad;
  EXPECT_EQ(registry::SetLabel(repository, "..", "stable", 1).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(registry::RemoveLabel(repository, "toy", "nope").status().message(),
            "model 'toy' has no label 'nope'");
  testing::WriteFile(tmp / "models/toy/labels.json", "{\"stable\": \"one\"}");
  EXPECT_EQ(registry::ReadLabels(repository, "toy").status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace lathe::serve

namespace lathe::serve {
namespace {

TEST(RequestLogTest, SamplesRotatesAndKeepsTheNewestFiles) {
  testing::TempDir tmp;
  const auto rows = nlohmann::json::parse(R"([{"x": 1.5, "city": "oslo"}, {"x": null}])");
  const std::vector<std::pair<std::string, nlohmann::json>> outputs = {
      {"prediction", nlohmann::json::array({0.25, 0.75})}};
  LoggedRequest r{"id-1", "toy", 3, "canary", &rows, &outputs, 0.5};
  {
    auto none = RequestLog::Open({.path = tmp / "none.jsonl", .sample_rate = 0});
    ASSERT_TRUE(none.ok());
    int sampled = 0;
    for (int i = 0; i < 100; ++i) sampled += (*none)->Sample();
    EXPECT_EQ(sampled, 0);
    auto some = RequestLog::Open({.path = tmp / "some.jsonl", .sample_rate = 0.3});
    for (int i = 0; i < 2000; ++i) sampled += (*some)->Sample();
    EXPECT_GT(sampled, 450);
    EXPECT_LT(sampled, 750);
  }
  {
    auto log = RequestLog::Open({.path = tmp / "logs/r.jsonl", .max_bytes = 4096, .keep = 2});
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    for (int i = 0; i < 40; ++i) {
      (*log)->Record(r);
      (*log)->Flush();
    }
  }
  const std::string text = testing::ReadFile(tmp / "logs/r.jsonl");
  const auto first = nlohmann::json::parse(text.substr(0, text.find('\n')));
  EXPECT_EQ(first["x"], 1.5);
  EXPECT_EQ(first["city"], "oslo");
  EXPECT_EQ(first["lathe"]["request_id"], "id-1");
  EXPECT_EQ(first["lathe"]["label"], "canary");
  EXPECT_EQ(first["lathe"]["prediction"]["prediction"], 0.25);
  EXPECT_LE(text.size(), 4096u);
  EXPECT_TRUE(fs::exists(tmp / "logs/r.jsonl.1"));
  EXPECT_TRUE(fs::exists(tmp / "logs/r.jsonl.2"));
  EXPECT_FALSE(fs::exists(tmp / "logs/r.jsonl.3"));
  EXPECT_EQ(RequestLog::Open({.path = tmp / "x", .sample_rate = 1.5}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(RequestLog::Open({.path = "/dev/null"}).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lathe::serve
