// lathe serve end to end: a real process on a free port, called over HTTP, compared with
// lathe predict, stopped with SIGTERM.
#include <fmt/format.h>
#include <signal.h>

#include <iostream>
#include <regex>
#include <sstream>
#include <thread>

#include "cli/cli_fixture.h"
#include "lathe/core/strings.h"
#include "testing/background_process.h"
#include "testing/http_client.h"
#include "testing/toy_bundle.h"

namespace lathe::cli {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class ServeCliTest : public CliTest {
 protected:
  // Starts lathe serve with `args` and returns its port (0 when it did not start).
  int StartServer(const std::string& args) {
    server_ = std::make_unique<testing::BackgroundProcess>(
        std::string(LATHE_BIN) + " serve --address 127.0.0.1 --port 0 --poll-interval-ms 100 " +
            args,
        tmp_.path());
    if (!server_->WaitForOutput("listening on", 60s)) {
      ADD_FAILURE() << "lathe serve did not start:\n" << server_->out() << server_->err();
      return 0;
    }
    std::smatch m;
    const std::string out = server_->out();
    if (!std::regex_search(out, m, std::regex("listening on [0-9.]+:([0-9]+)"))) return 0;  // (TLS)
    return std::stoi(m[1]);
  }

  // The gRPC port of a server started with --grpc-port 0.
  int GrpcPort() {
    if (!server_->WaitForOutput("gRPC listening on", 10s)) return 0;
    std::smatch m;
    const std::string out = server_->out();
    if (!std::regex_search(out, m, std::regex("gRPC listening on [0-9.]+:([0-9]+)"))) return 0;
    return std::stoi(m[1]);
  }

  // examples/serving/grpc_client.py (Debian's python3-grpcio) against the server: its JSON.
  json GrpcClient(int port, const std::string& args) {
    auto run = testing::RunCommand(
        fmt::format("/usr/bin/python3 {}/examples/serving/grpc_client.py --target 127.0.0.1:{} {}",
                    LATHE_SOURCE_DIR, port, args),
        tmp_.path());
    EXPECT_EQ(run.exit_code, 0) << run.err;
    auto j = json::parse(run.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << run.out << run.err;
    return j;
  }

  // post.lua: wrk POSTs `body` and prints "WRK <requests> <socket errors> <non-2xx>" to stderr.
  void WriteWrkScript(const std::string& body) {
    testing::WriteFile(tmp_ / "body.json", body);
    testing::WriteFile(tmp_ / "post.lua", fmt::format(R"(wrk.method = "POST"
wrk.body = io.open("{}"):read("*a")
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  local e = summary.errors
  io.stderr:write(string.format("WRK %d %d %d\n", summary.requests,
    e.connect + e.read + e.write + e.timeout, e.status))
end
)",
                                                      (tmp_ / "body.json").string()));
  }

  std::unique_ptr<testing::BackgroundProcess> server_;
};

TEST_F(ServeCliTest, PredictionsOverHttpEqualLathePredictAndSigtermExitsCleanly) {
  testing::WriteToyBundle(tmp_ / ".lathe/models/toy/1", testing::ToyTask::kMulticlass, "xgboost");
  const std::string csv = testing::ToyRowsCsv(20, 3);
  testing::WriteFile(tmp_ / "rows.csv", csv);
  auto predicted = Lathe("predict toy rows.csv -o scored.csv");
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;

  const int port = StartServer("--request-log logs/requests.jsonl");
  ASSERT_GT(port, 0);
  testing::HttpClient client("127.0.0.1", port);
  EXPECT_EQ(client.Get("/v2/health/ready").status, 200);
  // Each CSV row as a TF Serving instance and as KServe v2 tensors.
  json instances = json::array();
  json x = json::array(), n = json::array(), city = json::array();
  std::istringstream rows(csv);
  std::string line;
  std::getline(rows, line);
  while (std::getline(rows, line)) {
    auto f = Split(line, ',');
    instances.push_back({{"x", std::stod(f[0])}, {"n", std::stoll(f[1])}, {"city", f[2]}});
    x.push_back(std::stod(f[0]));
    n.push_back(std::stoll(f[1]));
    city.push_back(f[2]);
  }
  auto tf = client.Post("/v1/models/toy:predict", json{{"instances", instances}}.dump());
  ASSERT_EQ(tf.status, 200) << tf.body;
  const json tf_out = json::parse(tf.body);
  auto v2 = client.Post(
      "/v2/models/toy/infer",
      json{{"inputs",
            {{{"name", "x"}, {"datatype", "FP64"}, {"shape", {20}}, {"data", x}},
             {{"name", "n"}, {"datatype", "INT64"}, {"shape", {20}}, {"data", n}},
             {{"name", "city"}, {"datatype", "BYTES"}, {"shape", {20}}, {"data", city}}}}}
          .dump());
  ASSERT_EQ(v2.status, 200) << v2.body;
  const json v2_out = json::parse(v2.body);
  std::istringstream scored(testing::ReadFile(tmp_ / "scored.csv"));
  std::getline(scored, line);
  EXPECT_EQ(line, "predicted,probability_high,probability_low,probability_mid");
  for (size_t r = 0; std::getline(scored, line); ++r) {
    auto f = Split(line, ',');
    ASSERT_LT(r, 20u);
    EXPECT_EQ(tf_out["predictions"][r]["class"], f[0]);
    EXPECT_EQ(v2_out["outputs"][1]["data"][r], f[0]);
    for (size_t c = 0; c < 3; ++c) {
      EXPECT_DOUBLE_EQ(tf_out["predictions"][r]["probabilities"][c].get<double>(),
                       std::stod(f[1 + c]));
      EXPECT_DOUBLE_EQ(v2_out["outputs"][0]["data"][r * 3 + c].get<double>(), std::stod(f[1 + c]));
    }
  }
  EXPECT_EQ(client.Post("/v1/models/toy:predict", "{\"instances\": [{\"x\": \"a\"}]}").status, 400);
  EXPECT_EQ(client.Post("/v1/models/nope:predict", "{}").status, 404);
  auto metrics = client.Get("/metrics");
  EXPECT_NE(
      metrics.body.find("lathe_serve_requests_total{model=\"toy\",version=\"1\",label=\"\"} 3"),
      std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find(
                "lathe_serve_request_errors_total{model=\"toy\",version=\"1\",label=\"\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("lathe_serve_unrouted_requests_total 1\n"), std::string::npos);
  EXPECT_NE(metrics.body.find("lathe_serve_request_log_dropped_rows_total 0\n"), std::string::npos);
  // The exposition is valid for Prometheus's own checker (scripts/test.sh installs it).
  testing::WriteFile(tmp_ / "metrics.txt", metrics.body);
  auto promtool = testing::RunCommand("promtool check metrics < metrics.txt", tmp_.path());
  EXPECT_EQ(promtool.exit_code, 0) << promtool.out << promtool.err;
  EXPECT_EQ(server_->Stop(SIGTERM, 20s), 0) << server_->err();
  EXPECT_NE(server_->err().find("SIGTERM: finishing requests in flight"), std::string::npos);

  // The request log holds one line per predicted row (both APIs), with the raw features at the
  // top level, so the statistics tools compare it with the training rows in one command.
  const std::string log = testing::ReadFile(tmp_ / "logs/requests.jsonl");
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 40);
  const json first = json::parse(log.substr(0, log.find('\n')));
  EXPECT_EQ(first["x"], instances[0]["x"]);
  EXPECT_EQ(first["city"], instances[0]["city"]);
  EXPECT_EQ(first["lathe"]["model"], "toy");
  EXPECT_EQ(first["lathe"]["version"], 1);
  EXPECT_EQ(first["lathe"]["row"], 0);
  EXPECT_EQ(first["lathe"]["prediction"]["class"], tf_out["predictions"][0]["class"]);
  EXPECT_FALSE(first["lathe"]["request_id"].get<std::string>().empty());
  auto skew = Lathe("stats compare rows.csv logs/requests.jsonl");
  EXPECT_EQ(skew.exit_code, 0) << skew.err;
  EXPECT_NE(skew.out.find("current logs/requests.jsonl (40 rows)"), std::string::npos) << skew.out;
  EXPECT_NE(skew.out.find("city"), std::string::npos) << skew.out;
}

TEST_F(ServeCliTest, ThePythonGrpcClientGetsWhatLathePredictGives) {
  testing::WriteToyBundle(tmp_ / ".lathe/models/toy/1", testing::ToyTask::kMulticlass, "xgboost");
  testing::WriteFile(tmp_ / "rows.csv", testing::ToyRowsCsv(25, 5));
  auto predicted = Lathe("predict toy rows.csv -o scored.csv");
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
  testing::WriteFile(tmp_ / "token", "0123456789abcdef-predict\n");
  const int http_port = StartServer(
      "--grpc-port 0 --predict-token-file token --request-log requests.jsonl "
      "--drift-interval-ms 100");
  ASSERT_GT(http_port, 0);
  const int port = GrpcPort();
  ASSERT_GT(port, 0) << server_->out();

  // Without the token, ModelInfer is refused (the client exits non-zero with the gRPC status).
  auto refused = testing::RunCommand(
      fmt::format("/usr/bin/python3 {}/examples/serving/grpc_client.py --target 127.0.0.1:{} "
                  "--model toy --csv rows.csv",
                  LATHE_SOURCE_DIR, port),
      tmp_.path());
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("UNAUTHENTICATED"), std::string::npos) << refused.err;

  for (const std::string form : {"", "--raw"}) {
    SCOPED_TRACE("contents " + form);
    const json out = GrpcClient(port, "--model toy --csv rows.csv --token-file token " + form);
    EXPECT_EQ(out["live"], true);
    EXPECT_EQ(out["ready"], true);
    EXPECT_EQ(out["model_ready"], true);
    EXPECT_EQ(out["id"], "grpc-client-1");
    EXPECT_EQ(out["model_version"], "1");
    EXPECT_EQ(out["metadata"]["inputs"],
              json::parse(R"([["x","FP64"],["n","INT64"],["city","BYTES"]])"));
    std::istringstream scored(testing::ReadFile(tmp_ / "scored.csv"));
    std::string line;
    std::getline(scored, line);
    size_t r = 0;
    for (; std::getline(scored, line); ++r) {
      auto f = Split(line, ',');
      ASSERT_LT(r, out["outputs"]["class"].size());
      EXPECT_EQ(out["outputs"]["class"][r], f[0]);
      for (size_t c = 0; c < 3; ++c)
        EXPECT_DOUBLE_EQ(out["outputs"]["probabilities"][r][c].get<double>(), std::stod(f[1 + c]));
    }
    EXPECT_EQ(r, 25u);
  }
  // The 50 rows served are enough to measure drift against the bundle's training statistics
  // (the monitor runs every 100 ms here); the gauges pass Prometheus's checker.
  testing::HttpClient http("127.0.0.1", http_port);
  std::string metrics;
  for (int i = 0; i < 100; ++i) {
    metrics = http.Get("/metrics").body;
    if (metrics.find("lathe_serve_feature_drift{") != std::string::npos) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_NE(metrics.find("lathe_serve_drift_window_rows{model=\"toy\",version=\"1\"} 50\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("lathe_serve_feature_drift{model=\"toy\",version=\"1\",feature=\"x\","
                         "measure=\"js\"}"),
            std::string::npos);
  testing::WriteFile(tmp_ / "metrics.txt", metrics);
  auto promtool = testing::RunCommand("promtool check metrics < metrics.txt", tmp_.path());
  EXPECT_EQ(promtool.exit_code, 0) << promtool.out << promtool.err;

  EXPECT_EQ(server_->Stop(SIGTERM, 20s), 0) << server_->err();
  // gRPC requests are logged as REST ones are.
  const std::string log = testing::ReadFile(tmp_ / "requests.jsonl");
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 50);
}

TEST_F(ServeCliTest, NewVersionsAndLabelsAreFollowedWithoutARestart) {
  testing::WriteToyBundle(tmp_ / ".lathe/models/toy/1", testing::ToyTask::kBinary, "linear");
  const int port = StartServer("--version-policy latest");
  ASSERT_GT(port, 0);
  testing::HttpClient client("127.0.0.1", port);
  auto version_of = [&] {
    auto r = client.Get("/v1/models/toy/metadata");
    return r.status == 200 ? json::parse(r.body)["model_spec"]["version"].get<std::string>() : "";
  };
  EXPECT_EQ(version_of(), "1");
  // A version published the way the Pusher does it (a rename) is picked up by the next poll.
  testing::WriteToyBundle(tmp_ / ".lathe/models/.incoming", testing::ToyTask::kBinary, "linear", 1);
  std::filesystem::rename(tmp_ / ".lathe/models/.incoming", tmp_ / ".lathe/models/toy/2");
  for (int i = 0; i < 100 && version_of() != "2"; ++i) std::this_thread::sleep_for(50ms);
  EXPECT_EQ(version_of(), "2");
  // A label set by command keeps version 1 loaded and routes to it.
  auto label = Lathe("models label toy stable 1");
  ASSERT_EQ(label.exit_code, 0) << label.err;
  EXPECT_EQ(label.out, "stable\t1\n");
  int status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    status = client.Get("/v1/models/toy/labels/stable").status;
    if (status != 200) std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(status, 200);
  EXPECT_EQ(Json("models labels toy")["labels"], json::parse(R"({"stable": 1})"));
  EXPECT_EQ(Lathe("models label toy stable 9").exit_code, 1);
  EXPECT_EQ(Lathe("models label toy 9x 1").exit_code, 2);
}

TEST_F(ServeCliTest, ANewVersionSwapsInUnderLoadWithoutAFailedRequest) {
  testing::WriteToyBundle(tmp_ / ".lathe/models/toy/1", testing::ToyTask::kBinary, "xgboost");
  const int port = StartServer("--threads 2");
  ASSERT_GT(port, 0);
  WriteWrkScript(R"({"instances": [{"x": 0.5, "n": 3, "city": "oslo"}]})");
  // 32 connections for 4 s; version 2 is published after one second.
  testing::BackgroundProcess wrk(
      fmt::format("wrk -t2 -c32 -d4s -s post.lua http://127.0.0.1:{}/v1/models/toy:predict", port),
      tmp_.path());
  std::this_thread::sleep_for(1s);
  testing::WriteToyBundle(tmp_ / ".lathe/models/.incoming", testing::ToyTask::kBinary, "xgboost",
                          0.7);
  std::filesystem::rename(tmp_ / ".lathe/models/.incoming", tmp_ / ".lathe/models/toy/2");
  ASSERT_TRUE(wrk.WaitForOutput("Requests/sec", 30s)) << wrk.err();
  std::smatch m;
  const std::string summary = wrk.err();
  ASSERT_TRUE(std::regex_search(summary, m, std::regex("WRK ([0-9]+) ([0-9]+) ([0-9]+)")))
      << summary << wrk.out();
  EXPECT_GT(std::stoll(m[1]), 1000) << wrk.out();
  EXPECT_EQ(m[2], "0") << "socket errors\n" << wrk.out();
  EXPECT_EQ(m[3], "0") << "non-2xx answers\n" << wrk.out();
  // Both versions answered; version 1 finished its requests and unloaded.
  testing::HttpClient client("127.0.0.1", port);
  const std::string metrics = client.Get("/metrics").body;
  std::smatch v1, v2;
  ASSERT_TRUE(std::regex_search(
      metrics, v1,
      std::regex(
          "lathe_serve_requests_total\\{model=\"toy\",version=\"1\",label=\"\"\\} ([0-9]+)")));
  ASSERT_TRUE(std::regex_search(
      metrics, v2,
      std::regex(
          "lathe_serve_requests_total\\{model=\"toy\",version=\"2\",label=\"\"\\} ([0-9]+)")));
  std::cout << "wrk: " << m[0] << "; version 1: " << v1[1] << ", version 2: " << v2[1]
            << " requests\n";
  EXPECT_GT(std::stoll(v1[1]), 100);
  EXPECT_GT(std::stoll(v2[1]), 100);
  EXPECT_NE(
      metrics.find("lathe_serve_request_errors_total{model=\"toy\",version=\"1\",label=\"\"} 0"),
      std::string::npos);
  const json status = json::parse(client.Get("/v1/models/toy").body);
  EXPECT_EQ(status["model_version_status"][0]["state"], "END") << status;
  EXPECT_EQ(status["model_version_status"][1]["state"], "AVAILABLE");
}

TEST_F(ServeCliTest, ServerSideBatchingPredictsConcurrentRequestsTogether) {
  testing::WriteToyBundle(tmp_ / ".lathe/models/toy/1", testing::ToyTask::kBinary, "xgboost");
  const int port = StartServer("--threads 4 --batch-max-size 4 --batch-max-wait-us 2000");
  ASSERT_GT(port, 0);
  WriteWrkScript(R"({"instances": [{"x": 0.5, "n": 3, "city": "oslo"}]})");
  auto wrk = testing::RunCommand(
      fmt::format("wrk -t2 -c8 -d2s -s post.lua http://127.0.0.1:{}/v1/models/toy:predict", port),
      tmp_.path());
  std::smatch m;
  ASSERT_TRUE(std::regex_search(wrk.err, m, std::regex("WRK ([0-9]+) ([0-9]+) ([0-9]+)")))
      << wrk.err << wrk.out;
  EXPECT_GT(std::stoll(m[1]), 100) << wrk.out;
  EXPECT_EQ(m[2], "0") << "socket errors\n" << wrk.out;
  EXPECT_EQ(m[3], "0") << "non-2xx answers\n" << wrk.out;
  // Every request's row went through the model, in fewer calls than requests. Requests wrk cut
  // off at its deadline may still be between the model and their count: read again until the
  // server is quiet (the figures no longer change).
  testing::HttpClient client("127.0.0.1", port);
  // The request and batch figures only: each scrape changes the HTTP counters.
  auto figures = [](const std::string& text) {
    std::string out;
    for (const char* name : {"lathe_serve_requests_total{", "lathe_serve_model_batch_rows_"})
      for (size_t at = text.find(name); at != std::string::npos; at = text.find(name, at + 1))
        out += text.substr(at, text.find('\n', at) - at) + "\n";
    return out;
  };
  std::string metrics = client.Get("/metrics").body;
  for (int i = 0; i < 50; ++i) {
    std::this_thread::sleep_for(100ms);
    std::string again = client.Get("/metrics").body;
    const bool quiet = figures(again) == figures(metrics);
    metrics = std::move(again);
    if (quiet) break;
  }
  std::smatch requests, calls, rows;
  ASSERT_TRUE(std::regex_search(
      metrics, requests,
      std::regex(
          "lathe_serve_requests_total\\{model=\"toy\",version=\"1\",label=\"\"\\} ([0-9]+)")));
  ASSERT_TRUE(std::regex_search(
      metrics, calls, std::regex("lathe_serve_model_batch_rows_count\\{[^}]*\\} ([0-9]+)")));
  ASSERT_TRUE(std::regex_search(
      metrics, rows, std::regex("lathe_serve_model_batch_rows_sum\\{[^}]*\\} ([0-9]+)")));
  EXPECT_EQ(rows[1], requests[1]);
  EXPECT_LT(std::stoll(calls[1]), std::stoll(requests[1])) << metrics;
  std::cout << "batching: " << requests[1] << " requests in " << calls[1] << " model calls\n";
  testing::WriteFile(tmp_ / "metrics.txt", metrics);
  EXPECT_EQ(testing::RunCommand("promtool check metrics < metrics.txt", tmp_.path()).exit_code, 0);
  EXPECT_EQ(server_->Stop(SIGTERM, 20s), 0) << server_->err();
}

TEST_F(ServeCliTest, ServesHttpsWithACertificateAndKey) {
  testing::WriteToyBundle(tmp_ / ".lathe/models/toy/1", testing::ToyTask::kRegression);
  auto cert = testing::RunCommand(
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 1 "
      "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost",
      tmp_.path());
  ASSERT_EQ(cert.exit_code, 0) << cert.err;
  auto bad = Lathe("serve --tls-cert-file key.pem --tls-key-file key.pem");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("TLS certificate key.pem"), std::string::npos) << bad.err;
  EXPECT_EQ(Lathe("serve --tls-cert-file cert.pem").exit_code, 2);  // the key is missing

  const int port = StartServer("--tls-cert-file cert.pem --tls-key-file key.pem --grpc-port 0");
  ASSERT_GT(port, 0);
  EXPECT_NE(server_->out().find("(TLS)"), std::string::npos);
  auto https = testing::RunCommand(
      fmt::format("curl -sS --cacert cert.pem -d '{{\"instances\": [{{\"x\": 1.5}}]}}' "
                  "https://127.0.0.1:{}/v1/models/toy:predict",
                  port),
      tmp_.path());
  ASSERT_EQ(https.exit_code, 0) << https.err;
  EXPECT_TRUE(json::parse(https.out)["predictions"][0].is_number()) << https.out;
  // Plain HTTP to the TLS port gets no answer, and the server keeps serving.
  testing::HttpClient plain("127.0.0.1", port);
  EXPECT_EQ(plain.Get("/v2/health/live").status, 0);
  auto again = testing::RunCommand(
      fmt::format("curl -sS --cacert cert.pem https://127.0.0.1:{}/v2/health/live", port),
      tmp_.path());
  EXPECT_EQ(again.out, "{\"live\":true}") << again.err;
  // gRPC over TLS with the same certificate.
  testing::WriteFile(tmp_ / "rows.csv", testing::ToyRowsCsv(3, 1));
  const int grpc_port = GrpcPort();
  ASSERT_GT(grpc_port, 0) << server_->out();
  EXPECT_EQ(GrpcClient(grpc_port,
                       "--model toy --csv rows.csv --ca-file cert.pem")["outputs"]["prediction"]
                .size(),
            3u);
  EXPECT_EQ(server_->Stop(SIGTERM, 20s), 0) << server_->err();
}

TEST_F(ServeCliTest, ConfigFileFlagsAndHelp) {
  auto help = Lathe("serve --help");
  ASSERT_EQ(help.exit_code, 0);
  for (const char* option :
       {"--config", "--port", "--address", "--threads", "--version-policy", "--models",
        "--model-policy", "--poll-interval-ms", "--max-body-bytes", "--read-timeout-ms",
        "--max-connections", "--write-token-file", "--predict-token-file", "--shutdown-grace-ms",
        "--model-repository", "--tls-cert-file", "--tls-key-file", "--request-log"})
    EXPECT_NE(help.out.find(option), std::string::npos) << option;
  testing::WriteFile(tmp_ / "serve.yaml", "port: 0\nversion-policy: latest:2\ncolour: red\n");
  auto bad = Lathe("serve --config serve.yaml");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("serve.yaml:3:1: unknown option 'colour'"), std::string::npos) << bad.err;
  testing::WriteFile(tmp_ / "serve.yaml", "version-policy: newest\n");
  bad = Lathe("serve --config serve.yaml");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("version policy 'newest'"), std::string::npos) << bad.err;
  testing::WriteFile(tmp_ / "token", "short\n");
  bad = Lathe("serve --write-token-file token");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("at least 16 characters"), std::string::npos) << bad.err;

  // The file's values apply; a flag on the command line wins over the file.
  testing::WriteToyBundle(tmp_ / ".lathe/models/toy/1", testing::ToyTask::kRegression);
  testing::WriteToyBundle(tmp_ / ".lathe/models/toy/2", testing::ToyTask::kRegression);
  testing::WriteFile(tmp_ / "serve.yaml", "port: 1\nversion-policy: all\nmax-body-bytes: 2000\n");
  const int port = StartServer("--config serve.yaml");
  ASSERT_GT(port, 1);
  testing::HttpClient client("127.0.0.1", port);
  auto status = client.Get("/v1/models/toy");
  EXPECT_EQ(json::parse(status.body)["model_version_status"].size(), 2u) << status.body;
  EXPECT_EQ(client.Post("/v1/models/toy:predict", std::string(3000, ' ')).status, 413);
}

}  // namespace
}  // namespace lathe::cli

namespace lathe::cli {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class DeploymentCliTest : public ServeCliTest {};

// The version a KServe v2 request without a version was answered by ("" on error).
std::string AnsweredBy(testing::HttpClient& client) {
  auto r = client.Post("/v2/models/toy/infer",
                       R"({"inputs": [{"name": "x", "datatype": "FP64", "shape": [1],
                           "data": [0.5]}]})");
  if (r.status != 200) return "";
  return json::parse(r.body).value("model_version", "");
}

TEST_F(DeploymentCliTest, DeployCanaryShadowPromoteAndAutomaticRollbackFailNoRequestUnderLoad) {
  testing::WriteToyBundle(tmp_ / ".lathe/models/toy/1", testing::ToyTask::kBinary, "xgboost");
  testing::WriteToyBundle(tmp_ / ".lathe/models/toy/2", testing::ToyTask::kBinary, "linear", 0.4);
  // A broken model: trained on labels shifted so far that it predicts almost only class 0.
  testing::WriteToyBundle(tmp_ / ".lathe/models/toy/3", testing::ToyTask::kBinary, "linear", 3);
  auto first = Lathe("deploy toy --version 1");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("stable      v1 (100% of requests)"), std::string::npos) << first.out;
  const int port = StartServer(
      "--threads 2 --version-policy specific:1 --deployment-interval-ms 200 "
      "--rollout-interval-ms 500");
  ASSERT_GT(port, 0);
  WriteWrkScript(R"({"instances": [{"x": 0.5, "n": 3, "city": "oslo"}]})");
  testing::BackgroundProcess wrk(
      fmt::format("wrk -t2 -c32 -d14s -s post.lua http://127.0.0.1:{}/v1/models/toy:predict", port),
      tmp_.path());
  auto step = [&](const std::string& args) {
    auto r = Lathe(args);
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
    std::this_thread::sleep_for(1500ms);
  };
  std::this_thread::sleep_for(1s);
  step("deploy toy --version 2 --canary 20%");
  step("deploy toy --version 3 --shadow 100%");
  step("promote toy");
  step(
      "deploy toy --version 3 --canary 30% --max-prediction-shift 0.2 --breach-window-s 1 "
      "--reason 'try v3'");
  // The rollout controller sees the canary's predictions far from stable's and rolls it back.
  json shown;
  for (int i = 0; i < 100; ++i) {
    shown = Json("deployments show toy");
    if (shown.value("last_action", "") == "auto-rollback") break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(shown["last_action"], "auto-rollback") << shown.dump(2);
  EXPECT_NE(shown["last_reason"].get<std::string>().find("prediction shift against stable"),
            std::string::npos)
      << shown["last_reason"];
  EXPECT_EQ(shown["stable"], 2);
  EXPECT_EQ(shown["canary"], 0);
  std::vector<std::string> actions;
  for (const auto& h : shown["history"]) actions.push_back(h["action"]);
  EXPECT_EQ(actions, (std::vector<std::string>{"auto-rollback", "deploy", "promote", "deploy",
                                               "deploy", "deploy"}));

  ASSERT_TRUE(wrk.WaitForOutput("Requests/sec", 30s)) << wrk.err();
  std::smatch m;
  const std::string summary = wrk.err();
  ASSERT_TRUE(std::regex_search(summary, m, std::regex("WRK ([0-9]+) ([0-9]+) ([0-9]+)")))
      << summary << wrk.out();
  std::cout << "wrk: " << m[0] << "\n";
  EXPECT_GT(std::stoll(m[1]), 1000) << wrk.out();
  EXPECT_EQ(m[2], "0") << "socket errors\n" << wrk.out();
  EXPECT_EQ(m[3], "0") << "non-2xx answers\n" << wrk.out();
  // Each role answered: canary v2, shadow v3 (compared, never returned), canary v3.
  testing::HttpClient client("127.0.0.1", port);
  const std::string metrics = client.Get("/metrics").body;
  for (const char* series :
       {R"(lathe_serve_requests_total\{model="toy",version="2",label="canary"\} ([0-9]+))",
        R"(lathe_serve_requests_total\{model="toy",version="3",label="shadow"\} ([0-9]+))",
        R"(lathe_serve_requests_total\{model="toy",version="3",label="canary"\} ([0-9]+))",
        R"(lathe_serve_shadow_rows_total\{model="toy",version="3"\} ([0-9]+))"}) {
    std::smatch n;
    ASSERT_TRUE(std::regex_search(metrics, n, std::regex(series))) << series << "\n" << metrics;
    EXPECT_GT(std::stoll(n[1]), 10) << series;
  }
  EXPECT_NE(
      metrics.find(R"(lathe_serve_request_errors_total{model="toy",version="3",label="canary"} 0)"),
      std::string::npos);

  // The state survives a restart, and a second server on the store follows a change in seconds.
  ASSERT_EQ(server_->Stop(SIGTERM, 20s), 0);
  const int again = StartServer("--version-policy specific:1 --deployment-interval-ms 200");
  ASSERT_GT(again, 0);
  testing::HttpClient restarted("127.0.0.1", again);
  EXPECT_EQ(AnsweredBy(restarted), "2");
  auto other = std::make_unique<testing::BackgroundProcess>(
      std::string(LATHE_BIN) +
          " serve --address 127.0.0.1 --port 0 --poll-interval-ms 100 --version-policy "
          "specific:1 --deployment-interval-ms 200",
      tmp_.path());
  ASSERT_TRUE(other->WaitForOutput("listening on", 60s)) << other->err();
  std::smatch p;
  const std::string out = other->out();
  ASSERT_TRUE(std::regex_search(out, p, std::regex("listening on [0-9.]+:([0-9]+)")));
  testing::HttpClient second("127.0.0.1", std::stoi(p[1]));
  EXPECT_EQ(AnsweredBy(second), "2");
  ASSERT_EQ(Lathe("rollback toy --reason 'back to v1'").exit_code, 0);
  const auto changed = std::chrono::steady_clock::now();
  std::string a, b;
  while (std::chrono::steady_clock::now() - changed < 10s) {
    a = AnsweredBy(restarted);
    b = AnsweredBy(second);
    if (a == "1" && b == "1") break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(a, "1");
  EXPECT_EQ(b, "1");
  std::cout << "both servers applied the rollback after "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - changed).count()
            << " s\n";
  EXPECT_LT(std::chrono::steady_clock::now() - changed, 5s);
  other->Stop(SIGTERM, 20s);
}

TEST_F(DeploymentCliTest, CommandsSayWhatIsWrong) {
  testing::WriteToyBundle(tmp_ / ".lathe/models/toy/1", testing::ToyTask::kBinary, "linear");
  auto missing = Lathe("deploy toy --version 7");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("version 7"), std::string::npos) << missing.err;
  auto canary_first = Lathe("deploy toy --version 1 --canary 10%");
  EXPECT_EQ(canary_first.exit_code, 1);
  EXPECT_NE(canary_first.err.find("has no stable version yet"), std::string::npos)
      << canary_first.err;
  EXPECT_EQ(Lathe("deploy toy --version 1 --canary 10x").exit_code, 2);
  EXPECT_EQ(Lathe("deploy toy --version 1 --canary 150%").exit_code, 2);
  ASSERT_EQ(Lathe("deploy toy --version 1 --sticky-header X-User-Id").exit_code, 0);
  auto second = Lathe("deploy other --model toy --version 1");
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("is deployed as 'toy' already"), std::string::npos) << second.err;
  auto promote = Lathe("promote toy");
  EXPECT_EQ(promote.exit_code, 1);
  EXPECT_NE(promote.err.find("has no canary to promote"), std::string::npos);
  EXPECT_EQ(Lathe("rollback nope").exit_code, 1);
  EXPECT_EQ(Lathe("deployments show nope").exit_code, 1);
  auto list = Lathe("deployments list");
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_EQ(list.out.rfind("toy\tmodel toy\tstable v1", 0), 0u) << list.out;
  auto shown = Json("deployments show toy");
  EXPECT_EQ(shown["sticky_header"], "X-User-Id");
  EXPECT_EQ(shown["history"].size(), 1u);
}

}  // namespace
}  // namespace lathe::cli
