// The UI API's reports and writes over a store the penguins pipeline filled (two runs): statistics
// with anomalies and drift, evaluations, run comparison, the model registry, deployments changed
// with the write token, and the serving monitor reading a model server's metrics. Each answers
// what the matching CLI command prints with --json (the same library functions), and bad input
// gets a 4xx that says what is wrong.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "lathe/components/data_components.h"
#include "lathe/core/fs.h"
#include "lathe/core/strings.h"
#include "lathe/orchestrate/local_runner.h"
#include "lathe/pipeline/spec.h"
#include "lathe/registry/model_reports.h"
#include "lathe/registry/run_comparison.h"
#include "lathe/serve/http_json.h"
#include "lathe/server/http_server.h"
#include "lathe/server/prometheus_text.h"
#include "lathe/server/ui_api.h"
#include "lathe/train/bundle.h"
#include "testing/temp_dir.h"

namespace lathe::server {
namespace {

namespace fs = std::filesystem;
constexpr const char* kToken = "0123456789abcdef-token";

class UiReportsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new testing::TempDir();
    // The Pusher writes to .lathe/models where the run starts, as `lathe run` does.
    old_cwd_ = fs::current_path();
    fs::current_path(tmp_->path());
    auto s = metadata::MetadataStore::Open("sqlite://" + (tmp_->path() / "m.db").string());
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = s->release();
    const std::string spec_path =
        std::string(LATHE_SOURCE_DIR) + "/examples/penguins/pipeline.yaml";
    auto spec = pipeline::LoadPipelineSpec(spec_path);
    ASSERT_TRUE(spec.ok()) << spec.status().message();
    for (const char* rounds : {"40", "20"}) {
      auto g = pipeline::BuildGraph(*spec, {{"rounds", rounds}}, components::AllComponents());
      ASSERT_TRUE(g.ok()) << g.status().message();
      orchestrate::RunOptions o;
      o.artifact_root = tmp_->path() / "artifacts";
      auto r = orchestrate::RunPipeline(*store_, *g, o, nullptr);
      ASSERT_TRUE(r.ok()) << r.status().message();
      ASSERT_EQ(r->state, "COMPLETE");
    }
  }
  static void TearDownTestSuite() {
    fs::current_path(old_cwd_);
    delete store_;
    delete tmp_;
  }

  void SetUp() override {
    read_only_ = std::make_unique<UiApi>(*store_, UiApiOptions{.store_uri = "sqlite://x"});
  }

  static serve::HttpResponse Call(const UiApi& api, const std::string& method,
                                  const std::string& target, const std::string& body = "",
                                  const std::string& authorization = "") {
    serve::HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.authorization = authorization;
    return api.Handle(r);
  }
  serve::HttpResponse Get(const std::string& target) { return Call(*read_only_, "GET", target); }
  static nlohmann::json Json(const serve::HttpResponse& r) { return nlohmann::json::parse(r.body); }
  static std::string Error(const serve::HttpResponse& r) {
    return Json(r).value("error", std::string("(no error)"));
  }

  // The id of the newest artifact of `type`.
  static int64_t Newest(const std::string& type) {
    metadata::ListOptions o;
    o.filter = fmt::format("type = '{}'", type);
    o.descending = true;
    o.page_size = 1;
    auto page = store_->ListArtifacts(o);
    EXPECT_TRUE(page.ok() && !page->items.empty()) << type;
    return page->items.at(0).id;
  }

  static testing::TempDir* tmp_;
  static metadata::MetadataStore* store_;
  static fs::path old_cwd_;
  std::unique_ptr<UiApi> read_only_;
};

testing::TempDir* UiReportsTest::tmp_ = nullptr;
metadata::MetadataStore* UiReportsTest::store_ = nullptr;
fs::path UiReportsTest::old_cwd_;

TEST_F(UiReportsTest, StatisticsHaveEverySplitWithTheAnomaliesFoundInThem) {
  const int64_t id = Newest("ExampleStatistics");
  auto r = Get(fmt::format("/api/v1/statistics/{}", id));
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = Json(r);
  EXPECT_EQ(j["artifact_id"], id);
  ASSERT_TRUE(j["splits"].contains("train") && j["splits"].contains("eval")) << j["splits"];
  // 344 penguins, split between train and eval; no mergeable state in the answer.
  EXPECT_EQ(
      j["splits"]["train"]["rows"].get<int64_t>() + j["splits"]["eval"]["rows"].get<int64_t>(),
      344);
  EXPECT_EQ(r.body.find("\"state\""), std::string::npos);
  const auto& features = j["splits"]["train"]["features"];
  auto species = std::find_if(features.begin(), features.end(),
                              [](const auto& f) { return f["name"] == "species"; });
  ASSERT_NE(species, features.end());
  EXPECT_EQ((*species)["top"].size(), 3u);
  auto bill = std::find_if(features.begin(), features.end(),
                           [](const auto& f) { return f["name"] == "bill_length_mm"; });
  ASSERT_NE(bill, features.end());
  EXPECT_EQ((*bill)["histogram"].size(), 10u);
  EXPECT_GT((*bill)["quantiles"].size(), 2u);
  // ExampleValidator checked these statistics: its report comes with them.
  ASSERT_TRUE(j["anomalies"].is_object()) << j["anomalies"];
  EXPECT_EQ(j["anomalies"]["artifact_id"], Newest("ExampleAnomalies"));
  EXPECT_TRUE(j["anomalies"]["splits"].contains("eval"));
}

TEST_F(UiReportsTest, TwoSplitsAreComparedFeatureByFeature) {
  const int64_t id = Newest("ExampleStatistics");
  auto r = Get(fmt::format(
      "/api/v1/statistics/compare?baseline={0}&baseline_split=train&current={0}&current_split=eval",
      id));
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = Json(r);
  EXPECT_EQ(j["baseline_split"], "train");
  EXPECT_EQ(j["current_split"], "eval");
  EXPECT_EQ(j["baseline_rows"].get<int64_t>() + j["current_rows"].get<int64_t>(), 344);
  // Every feature of the penguins is measured: numbers by js and psi, categories by linf.
  std::set<std::string> measured;
  int exceeded = 0;
  for (const auto& d : j["drift"]) {
    if (d["status"] == "measured")
      measured.insert(d["feature"].get<std::string>() + "." + d["measure"].get<std::string>());
    exceeded += d.value("exceeded", false);
  }
  EXPECT_TRUE(measured.count("species.linf") && measured.count("bill_length_mm.js") &&
              measured.count("bill_length_mm.psi"))
      << j["drift"];
  EXPECT_EQ(j["exceeded"], exceeded);
  // The same split against itself has no drift.
  auto same = Json(Get(fmt::format(
      "/api/v1/statistics/compare?baseline={0}&baseline_split=eval&current={0}&current_split=eval",
      id)));
  EXPECT_EQ(same["exceeded"], 0);
  for (const auto& d : same["drift"])
    if (d["status"] == "measured") {
      EXPECT_EQ(d["value"].get<double>(), 0.0) << d;
    }
}

TEST_F(UiReportsTest, EvaluationsAndTheirComparisonAreTheCliAnswers) {
  const int64_t eval_id = Newest("ModelEvaluation");
  auto r = Get(fmt::format("/api/v1/evaluations/{}", eval_id));
  ASSERT_EQ(r.status, 200) << r.body;
  auto expected = registry::DescribeEvaluation(*store_, eval_id);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(Json(r), *expected);
  auto j = Json(r);
  EXPECT_EQ(j["candidate"]["task"], "multiclass");
  EXPECT_EQ(j["candidate"]["slices"][0]["slice"], "overall");
  EXPECT_TRUE(j["blessing"]["blessed"].get<bool>());
  // The model's id gives its newest evaluation.
  EXPECT_EQ(Json(Get(fmt::format("/api/v1/evaluations/{}", j["model_id"].get<int64_t>()))), j);
  // The second run had the first run's model as its baseline.
  auto c = Get(fmt::format("/api/v1/evaluations/compare?a={}", eval_id));
  ASSERT_EQ(c.status, 200) << c.body;
  auto cj = Json(c);
  EXPECT_EQ(cj["a"], fmt::format("baseline {}", j["baseline_id"].get<int64_t>()));
  EXPECT_EQ(cj, *registry::CompareEvaluations(*store_, eval_id, 0));
  EXPECT_EQ(cj["rows"].size(), j["candidate"]["slices"].size() * 6);  // 6 multiclass metrics
  // The first evaluation had no baseline.
  metadata::ListOptions o;
  o.filter = "type = 'ModelEvaluation'";
  const int64_t first_id = store_->ListArtifacts(o)->items.at(0).id;
  auto none = Get(fmt::format("/api/v1/evaluations/compare?a={}", first_id));
  EXPECT_EQ(none.status, 400);
  EXPECT_NE(Error(none).find("has no baseline"), std::string::npos) << none.body;
  auto two = Json(Get(fmt::format("/api/v1/evaluations/compare?a={}&b={}", first_id, eval_id)));
  EXPECT_EQ(two["a"], fmt::format("eval {}", first_id));
}

TEST_F(UiReportsTest, RunComparisonHasParametersMetricsAndBlessingNewestFirst) {
  auto r = Get("/api/v1/run-comparison?pipeline=penguins");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = Json(r);
  EXPECT_EQ(j, *registry::CompareRuns(*store_, {.pipeline = "penguins"}));
  ASSERT_EQ(j["runs"].size(), 2u);
  EXPECT_EQ(j["runs"][0]["parameters"]["rounds"], 20);  // the newest first
  EXPECT_EQ(j["runs"][1]["parameters"]["rounds"], 40);
  for (const auto& run : j["runs"]) {
    EXPECT_EQ(run["state"], "COMPLETE");
    EXPECT_TRUE(run["blessed"].get<bool>());
    EXPECT_GT(run["metrics"]["accuracy"].get<double>(), 0.9);
    EXPECT_GT(run["evaluation_id"].get<int64_t>(), 0);
  }
  EXPECT_EQ(j["runs"][0]["evaluation_id"], Newest("ModelEvaluation"));
  EXPECT_NE(std::find(j["metrics"].begin(), j["metrics"].end(), "log_loss"), j["metrics"].end());
  EXPECT_EQ(Json(Get("/api/v1/run-comparison?limit=1"))["runs"].size(), 1u);
  EXPECT_EQ(Json(Get("/api/v1/run-comparison?pipeline=nope"))["runs"].size(), 0u);
}

TEST_F(UiReportsTest, TheRegistryListsVersionsWithTheirLineage) {
  auto list = Json(Get("/api/v1/models"));
  ASSERT_EQ(list["items"].size(), 2u) << list;
  EXPECT_EQ(list["items"], *registry::ListModelVersions(*store_, ""));
  auto v1 = Get("/api/v1/models/penguins/1");
  ASSERT_EQ(v1.status, 200) << v1.body;
  auto j = Json(v1);
  EXPECT_EQ(j, *registry::DescribeModelVersion(*store_, "penguins/1"));
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["manifest"]["label"], "species");
  EXPECT_TRUE(j["business_metrics"].is_object());
  EXPECT_EQ(Json(Get("/api/v1/models/penguins"))["version"], 2);  // the newest
  EXPECT_EQ(Get("/api/v1/models/penguins/9").status, 404);
  auto bad = Get("/api/v1/models/penguins/x");
  EXPECT_EQ(bad.status, 400) << bad.body;
}

TEST_F(UiReportsTest, BadReportRequestsSayWhatIsWrong) {
  const int64_t stats = Newest("ExampleStatistics");
  const int64_t model = Newest("Model");
  struct Case {
    std::string target;
    int status;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {"/api/v1/statistics/x", 400, "statistics id 'x' is not a positive whole number"},
           {"/api/v1/statistics/99999", 404, "99999"},
           {fmt::format("/api/v1/statistics/{}", model), 400, "is a Model, not ExampleStatistics"},
           {fmt::format("/api/v1/statistics/compare?baseline={}", stats), 400,
            "parameter baseline_split is required"},
           {fmt::format("/api/v1/statistics/compare?baseline={0}&baseline_split=test&current={0}"
                        "&current_split=eval",
                        stats),
            404, "have no split 'test' (they have: eval, train)"},
           {"/api/v1/statistics/compare?baseline=-1&baseline_split=a&current=1&current_split=b",
            400, "parameter baseline must be an id"},
           {"/api/v1/evaluations/0", 400, "evaluation id '0'"},
           {"/api/v1/evaluations/compare", 400, "parameter a (an evaluation id) is required"},
           {fmt::format("/api/v1/evaluations/{}", stats), 404, "no evaluation of it exists"},
           {"/api/v1/run-comparison?limit=0", 400, "parameter limit must be a whole number"},
           {"/api/v1/deployments/nope", 404, "no deployment named 'nope'"},
           {"/api/v1/serving/metrics", 404, "start lathe ui with --server"},
           {"/api/v1/serving/other", 404, "unknown API path"},
           {"/api/v1/statistics", 404, "unknown API path"},
       }) {
    auto r = Get(c.target);
    EXPECT_EQ(r.status, c.status) << c.target << ": " << r.body;
    EXPECT_NE(Error(r).find(c.says), std::string::npos) << c.target << ": " << r.body;
  }
}

TEST_F(UiReportsTest, DeploymentsChangeOnlyWithTheWriteToken) {
  const std::string bearer = std::string("Bearer ") + kToken;
  // Read-only: every write is refused, and nothing changes.
  auto refused =
      Call(*read_only_, "POST", "/api/v1/deployments/penguins/deploy", R"({"version": 1})", bearer);
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(Error(refused).find("read-only"), std::string::npos) << refused.body;
  UiApi api(*store_, UiApiOptions{.store_uri = "sqlite://x",
                                  .write_token = kToken,
                                  .model_repository = (tmp_->path() / ".lathe/models").string()});
  EXPECT_EQ(Json(Call(api, "GET", "/api/v1/info"))["writable"], true);
  EXPECT_EQ(Call(api, "POST", "/api/v1/deployments/penguins/deploy", R"({"version": 1})").status,
            401);
  EXPECT_EQ(Call(api, "POST", "/api/v1/deployments/penguins/deploy", R"({"version": 1})",
                 "Bearer wrong-token-0123456789")
                .status,
            401);
  struct Case {
    std::string body;
    int status;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {"", 400, "field 'version' must be a version number"},
           {"{", 400, ""},
           {R"({"version": "1"})", 400, "field 'version' must be a version number"},
           {R"({"version": 1, "canary": "200%"})", 400, "field 'canary'"},
           {R"({"version": 1, "colour": "red"})", 400, "unknown field 'colour'"},
           {R"({"version": 9})", 404, ""},
       }) {
    auto r = Call(api, "POST", "/api/v1/deployments/penguins/deploy", c.body, bearer);
    EXPECT_EQ(r.status, c.status) << c.body << ": " << r.body;
    EXPECT_NE(Error(r).find(c.says), std::string::npos) << c.body << ": " << r.body;
  }
  EXPECT_EQ(Json(Get("/api/v1/deployments"))["items"].size(), 0u) << "nothing was written";
  // Deploy v1, v2 as a 10% canary, promote it, roll back to v1.
  auto d1 = Call(api, "POST", "/api/v1/deployments/penguins/deploy",
                 R"({"version": 1, "reason": "first"})", bearer);
  ASSERT_EQ(d1.status, 200) << d1.body;
  EXPECT_EQ(Json(d1)["stable"], 1);
  auto d2 = Call(api, "POST", "/api/v1/deployments/penguins/deploy",
                 R"({"version": 2, "canary": "10%"})", bearer);
  ASSERT_EQ(d2.status, 200) << d2.body;
  EXPECT_EQ(Json(d2)["canary"], 2);
  EXPECT_DOUBLE_EQ(Json(d2)["canary_share"].get<double>(), 0.1);
  auto shown = Json(Get("/api/v1/deployments/penguins"));
  EXPECT_EQ(shown["canary"], 2);
  ASSERT_EQ(shown["history"].size(), 2u);
  EXPECT_EQ(shown["history"][1]["reason"], "first");
  auto promoted =
      Call(api, "POST", "/api/v1/deployments/penguins/promote", R"({"reason": "better"})", bearer);
  ASSERT_EQ(promoted.status, 200) << promoted.body;
  EXPECT_EQ(Json(promoted)["stable"], 2);
  EXPECT_EQ(Json(promoted)["canary"], 0);
  auto again = Call(api, "POST", "/api/v1/deployments/penguins/promote", "", bearer);
  EXPECT_EQ(again.status, 412) << again.body;
  auto back = Call(api, "POST", "/api/v1/deployments/penguins/rollback", "", bearer);
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(Json(back)["stable"], 1);
  EXPECT_EQ(Json(Get("/api/v1/models"))["items"].size(), 2u);
  // The registry says where each version is deployed (the UI reads deployments for it).
  EXPECT_EQ(Json(Get("/api/v1/deployments"))["items"][0]["model"], "penguins");
  auto unknown = Call(api, "POST", "/api/v1/deployments/nope/promote", "", bearer);
  EXPECT_EQ(unknown.status, 404);
  auto get = Call(api, "GET", "/api/v1/deployments/penguins/promote", "", bearer);
  EXPECT_EQ(get.status, 405);
  EXPECT_EQ(get.headers.at(0), (std::pair<std::string, std::string>("Allow", "POST")));
  auto feedback = Call(api, "POST", "/api/v1/deployments/penguins/feedback", "{}", bearer);
  EXPECT_EQ(feedback.status, 404);
  EXPECT_NE(Error(feedback).find("--server"), std::string::npos);
  // Writes to other paths are refused as before.
  EXPECT_EQ(Call(api, "POST", "/api/v1/models", "", bearer).status, 405);
}

TEST_F(UiReportsTest, ARunIsReproducedFromTheUiWithTheToken) {
  const std::string bearer = std::string("Bearer ") + kToken;
  metadata::ListOptions o;
  o.filter = "type = 'PipelineRun'";
  const std::string run = store_->ListContexts(o)->items.at(0).name;
  const std::string target = fmt::format("/api/v1/runs/{}/reproduce", run);
  EXPECT_EQ(Call(*read_only_, "POST", target, "", bearer).status, 403);
  UiApi api(*store_, UiApiOptions{.store_uri = "sqlite://x",
                                  .write_token = kToken,
                                  .model_repository = (tmp_->path() / ".lathe/models").string(),
                                  .artifact_root = (tmp_->path() / "artifacts").string()});
  EXPECT_EQ(Call(api, "POST", target).status, 401);
  EXPECT_EQ(Call(api, "POST", "/api/v1/runs/nope/reproduce", "", bearer).status, 404);
  EXPECT_EQ(Call(api, "GET", "/api/v1/runs/nope/reproductions").status, 404);
  auto started = Call(api, "POST", target, "", bearer);
  ASSERT_EQ(started.status, 202) << started.body;
  EXPECT_EQ(Json(started)["state"], "running");
  EXPECT_EQ(Json(started)["run"], run);
  // Polled as the UI does, until it ends: reproducible, its run recorded as a reproduction.
  nlohmann::json jobs;
  for (int i = 0; i < 600; ++i) {
    auto r = Call(api, "GET", fmt::format("/api/v1/runs/{}/reproductions", run));
    ASSERT_EQ(r.status, 200) << r.body;
    jobs = Json(r);
    if (jobs["jobs"].at(0)["state"] != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const auto& job = jobs["jobs"].at(0);
  ASSERT_EQ(job["state"], "done") << jobs;
  EXPECT_TRUE(job["report"]["reproducible"].get<bool>()) << job["report"];
  EXPECT_EQ(job["report"]["original_run"], run);
  ASSERT_EQ(jobs["runs"].size(), 1u) << jobs["runs"];
  EXPECT_EQ(jobs["runs"][0]["name"], job["report"]["run"]);
  EXPECT_EQ(jobs["runs"][0]["properties"]["repro_of"], run);
  // The read-only API lists the store's reproductions too, without jobs.
  auto seen = Json(Get(fmt::format("/api/v1/runs/{}/reproductions", run)));
  EXPECT_EQ(seen["jobs"].size(), 0u);
  EXPECT_EQ(seen["runs"].size(), 1u);
}

// A model server stand-in: fixed /metrics, and feedback echoed back with the header it got.
class FakeServer {
 public:
  explicit FakeServer(std::string metrics) : metrics_(std::move(metrics)) {
    auto s = HttpServer::Start(
        {.address = "127.0.0.1", .port = 0, .threads = 1}, [this](const serve::HttpRequest& r) {
          if (r.target == "/metrics") {
            serve::HttpResponse res;
            res.content_type = "text/plain; version=0.0.4";
            res.body = metrics_;
            return res;
          }
          return serve::JsonResponse(
              202, {{"target", r.target}, {"body", r.body}, {"authorization", r.authorization}});
        });
    EXPECT_TRUE(s.ok()) << s.status().message();
    server_ = std::move(*s);
  }
  ~FakeServer() {
    server_->Shutdown(std::chrono::milliseconds(500));
    server_->Wait();
  }
  std::string url() const { return fmt::format("http://127.0.0.1:{}", server_->port()); }

 private:
  std::string metrics_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(UiReportsTest, TheServingMonitorReadsTheModelServersMetrics) {
  FakeServer fake(
      "# HELP lathe_serve_requests_total Requests.\n"
      "# TYPE lathe_serve_requests_total counter\n"
      "lathe_serve_requests_total{model=\"penguins\",version=\"2\",label=\"\"} 42\n"
      "lathe_serve_request_duration_seconds_bucket{model=\"penguins\",version=\"2\",label=\"\","
      "le=\"+Inf\"} 42\n"
      "lathe_serve_feature_drift{model=\"a \\\"b\\\"\",version=\"1\",feature=\"x\","
      "measure=\"js\"} 0.25 1700000000000\n");
  UiApi api(
      *store_,
      UiApiOptions{.store_uri = "sqlite://x", .write_token = kToken, .serving_url = fake.url()});
  auto r = Call(api, "GET", "/api/v1/serving/metrics");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = Json(r);
  EXPECT_EQ(j["server"], fake.url());
  ASSERT_EQ(j["samples"].size(), 3u) << j;
  EXPECT_EQ(j["samples"][0]["name"], "lathe_serve_requests_total");
  EXPECT_EQ(j["samples"][0]["labels"]["version"], "2");
  EXPECT_EQ(j["samples"][0]["value"], 42);
  EXPECT_EQ(j["samples"][1]["labels"]["le"], "+Inf");
  EXPECT_EQ(j["samples"][2]["labels"]["model"], "a \"b\"");
  EXPECT_EQ(j["samples"][2]["value"], 0.25);
  EXPECT_EQ(Json(Call(api, "GET", "/api/v1/info"))["serving"], fake.url());
  // Feedback goes to the model server's endpoint with the caller's token.
  const std::string bearer = std::string("Bearer ") + kToken;
  auto fb = Call(api, "POST", "/api/v1/deployments/shop/feedback", R"({"outcomes": []})", bearer);
  EXPECT_EQ(fb.status, 202) << fb.body;
  EXPECT_EQ(Json(fb)["target"], "/lathe/v1/deployments/shop/feedback");
  EXPECT_EQ(Json(fb)["body"], R"({"outcomes": []})");
  EXPECT_EQ(Json(fb)["authorization"], bearer);
  // A server that does not answer is a 503 naming it.
  UiApi gone(*store_, UiApiOptions{.serving_url = "http://127.0.0.1:1"});
  auto down = Call(gone, "GET", "/api/v1/serving/metrics");
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_NE(Error(down).find("http://127.0.0.1:1/metrics"), std::string::npos) << down.body;
}

TEST_F(UiReportsTest, TrainingDataAgainstTheRowsAVersionServed) {
  // A request log as lathe serve writes it: 120 penguins answered by version 1, 30 by version 2.
  const fs::path log = tmp_->path() / "requests.jsonl";
  {
    std::ifstream csv(std::string(LATHE_SOURCE_DIR) + "/data/penguins.csv");
    std::string header, line;
    std::getline(csv, header);
    std::vector<std::string> names;
    for (auto& n : Split(header, ',')) names.push_back(n);
    std::ofstream out(log);
    for (int i = 0; i < 150 && std::getline(csv, line); ++i) {
      nlohmann::json row = nlohmann::json::object();
      auto values = Split(line, ',');
      for (size_t k = 0; k < names.size() && k < values.size(); ++k) {
        if (names[k] == "species" || values[k] == "NA" || values[k].empty()) continue;
        auto number = ParseDouble(values[k]);
        row[names[k]] = number ? nlohmann::json(*number) : nlohmann::json(values[k]);
      }
      row["lathe"] = {{"model", "penguins"}, {"version", i < 120 ? 1 : 2}, {"row", 0}};
      out << row.dump() << "\n";
    }
  }
  const std::string models = (tmp_->path() / ".lathe/models").string();
  UiApi api(*store_, UiApiOptions{.store_uri = "sqlite://x",
                                  .model_repository = models,
                                  .request_log = log.string()});
  auto r = Call(api, "GET", "/api/v1/serving/statistics?model=penguins&version=1");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = Json(r);
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["log_lines"], 150);
  EXPECT_EQ(j["served_rows"], 120);
  EXPECT_EQ(j["served"]["rows"], 120);
  EXPECT_EQ(j["training"]["rows"], j["baseline_rows"]);
  for (const auto& f : j["served"]["features"]) EXPECT_NE(f["name"], "lathe");
  // The training side is the bundle's statistics.
  auto training = ReadJsonFile(fs::path(models) / "penguins/1" / train::kBundleStatisticsFile);
  ASSERT_TRUE(training.ok());
  EXPECT_EQ(j["baseline_rows"], (*training)["rows"]);
  // Each input has its own values there (the penguins file holds the label first, the inputs in
  // another order than the model's): bill lengths of 32-60 mm, every island.
  for (const auto& f : (*training)["features"]) {
    if (f["name"] == "bill_length_mm") {
      EXPECT_GT(f["count"].get<int64_t>(), 250) << f;
      EXPECT_NEAR(f["mean"].get<double>(), 44, 2) << f;
    }
    if (f["name"] == "island") {
      EXPECT_EQ(f["top"].size(), 3u) << f;
    }
  }
  std::set<std::string> measured;
  for (const auto& d : j["drift"])
    if (d["status"] == "measured") measured.insert(d["feature"].get<std::string>());
  EXPECT_TRUE(measured.count("bill_length_mm") && measured.count("island"))
      << j["drift"] << j["served"]["features"].dump().substr(0, 600);
  // The newest version when none is named; its 30 rows are too few to measure a feature.
  auto v2 = Json(Call(api, "GET", "/api/v1/serving/statistics?model=penguins"));
  EXPECT_EQ(v2["version"], 2);
  EXPECT_EQ(v2["served_rows"], 30);
  EXPECT_GT(v2["too_few_rows"].get<int>(), 0);
  struct Case {
    std::string target;
    int status;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {"/api/v1/serving/statistics", 400, "parameter model is required"},
           {"/api/v1/serving/statistics?model=penguins&version=x", 400, "parameter version"},
           {"/api/v1/serving/statistics?model=penguins&version=7", 404, ""},
           {"/api/v1/serving/statistics?model=nope", 404, ""},
       }) {
    auto bad = Call(api, "GET", c.target);
    EXPECT_EQ(bad.status, c.status) << c.target << ": " << bad.body;
    EXPECT_NE(Error(bad).find(c.says), std::string::npos) << c.target << ": " << bad.body;
  }
  // A version the log has no rows of, and no log at all.
  std::ofstream(log, std::ios::trunc) << R"({"x": 1, "lathe": {"model": "other", "version": 1}})"
                                      << "\n";
  auto none = Call(api, "GET", "/api/v1/serving/statistics?model=penguins&version=1");
  EXPECT_EQ(none.status, 404);
  EXPECT_NE(Error(none).find("has no rows served by penguins version 1 (1 lines)"),
            std::string::npos)
      << none.body;
  std::ofstream(log, std::ios::trunc) << "{}\n{not json\n";
  auto corrupt = Call(api, "GET", "/api/v1/serving/statistics?model=penguins&version=1");
  EXPECT_EQ(corrupt.status, 500);
  EXPECT_NE(Error(corrupt).find("requests.jsonl:2: not a JSON object"), std::string::npos)
      << corrupt.body;
  auto unset = Get("/api/v1/serving/statistics?model=penguins");
  EXPECT_EQ(unset.status, 404);
  EXPECT_NE(Error(unset).find("--request-log"), std::string::npos);
}

TEST(PrometheusTextTest, SamplesLabelsEscapesAndErrors) {
  auto ok = ParsePrometheusText(
      "# TYPE x counter\n\nx 1\ny{a=\"1\",b=\"two\\nlines\\\\\"} -2.5e-3\nz{le=\"+Inf\"} +Inf\n"
      "w NaN\n");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  ASSERT_EQ(ok->size(), 4u);
  EXPECT_EQ((*ok)[0].name, "x");
  EXPECT_EQ((*ok)[0].value, 1);
  EXPECT_EQ((*ok)[1].labels.at("b"), "two\nlines\\");
  EXPECT_DOUBLE_EQ((*ok)[1].value, -0.0025);
  EXPECT_TRUE(std::isinf((*ok)[2].value));
  EXPECT_TRUE(std::isnan((*ok)[3].value));
  struct Case {
    std::string text;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{{"x 1\ny two\n", "line 2: the value is not a number"},
                                         {"x{a=1} 1\n", "line 1: a label without a quoted value"},
                                         {"x{a=\"1} 1\n", "line 1: an unterminated label value"},
                                         {"x{a=\"1\" 1\n", "line 1: no closing brace"},
                                         {"{a=\"1\"} 1\n", "line 1: no metric name"}}) {
    auto bad = ParsePrometheusText(c.text);
    EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument) << c.text;
    EXPECT_NE(bad.status().message().find(c.says), std::string::npos) << bad.status().message();
  }
}

}  // namespace
}  // namespace lathe::server
