// The KServe v2 gRPC face through a real channel and the generated C++ stub: every RPC, typed and
// raw contents, the error codes and messages, tokens, request ids and message limits.
#include "lathe/server/grpc_server.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "grpc_predict_v2.grpc.pb.h"
#include "lathe/serve/deployments.h"
#include "lathe/serve/rest_api.h"
#include "lathe/serve/shadow_mirror.h"
#include "testing/temp_dir.h"
#include "testing/toy_bundle.h"

namespace lathe::server {
namespace {

namespace pb = ::inference;
using nlohmann::json;
using testing::ToyTask;

class GrpcServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteToyBundle(tmp_ / "models/binary/1", ToyTask::kBinary, "xgboost");
    testing::WriteToyBundle(tmp_ / "models/species/1", ToyTask::kMulticlass, "xgboost");
    testing::WriteToyBundle(tmp_ / "models/price/4", ToyTask::kRegression, "linear");
    serve::ManagerOptions o;
    o.repository = tmp_ / "models";
    manager_ = std::make_unique<serve::ModelManager>(o, &metrics_);
    manager_->Poll();
  }

  void Start(GrpcServerOptions options = {}) {
    options.address = "127.0.0.1";
    options.port = 0;
    options.threads = 2;
    auto server = GrpcServer::Start(options, *manager_, metrics_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel(fmt::format("127.0.0.1:{}", server_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = pb::GRPCInferenceService::NewStub(channel_);
  }

  // The toy rows' columns as typed tensors.
  static pb::ModelInferRequest ToyRequest(const std::string& model) {
    pb::ModelInferRequest r;
    r.set_model_name(model);
    auto* x = r.add_inputs();
    x->set_name("x");
    x->set_datatype("FP64");
    x->add_shape(3);
    for (double v : {0.5, -1.2, 2.0}) x->mutable_contents()->add_fp64_contents(v);
    auto* n = r.add_inputs();
    n->set_name("n");
    n->set_datatype("INT64");
    n->add_shape(3);
    n->add_shape(1);
    for (int64_t v : {3, 7, 0}) n->mutable_contents()->add_int64_contents(v);
    auto* city = r.add_inputs();
    city->set_name("city");
    city->set_datatype("BYTES");
    city->add_shape(3);
    for (const char* v : {"oslo", "lima", "paris"}) city->mutable_contents()->add_bytes_contents(v);
    return r;
  }

  // What the REST face answers for the same request, as the reference.
  json RestInfer(const std::string& model, const std::string& body) {
    serve::RestApi api(*manager_, metrics_, {});
    serve::HttpRequest r;
    r.method = "POST";
    r.target = "/v2/models/" + model + "/infer";
    r.body = body;
    auto answer = api.Handle(r);
    EXPECT_EQ(answer.status, 200) << answer.body;
    return json::parse(answer.body);
  }
  static constexpr const char* kToyJson = R"({"inputs": [
      {"name": "x", "datatype": "FP64", "shape": [3], "data": [0.5, -1.2, 2.0]},
      {"name": "n", "datatype": "INT64", "shape": [3, 1], "data": [3, 7, 0]},
      {"name": "city", "datatype": "BYTES", "shape": [3], "data": ["oslo", "lima", "paris"]}]})";

  grpc::Status Infer(const pb::ModelInferRequest& request, pb::ModelInferResponse& response,
                     const std::string& authorization = "") {
    grpc::ClientContext context;
    if (!authorization.empty()) context.AddMetadata("authorization", authorization);
    return stub_->ModelInfer(&context, request, &response);
  }

  testing::TempDir tmp_;
  serve::ServingMetrics metrics_;
  std::unique_ptr<serve::ModelManager> manager_;
  std::unique_ptr<GrpcServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::GRPCInferenceService::Stub> stub_;
};

TEST_F(GrpcServerTest, HealthAndMetadataAnswerAsTheRestFaceDoes) {
  Start();
  {
    grpc::ClientContext c;
    pb::ServerLiveResponse live;
    ASSERT_TRUE(stub_->ServerLive(&c, {}, &live).ok());
    EXPECT_TRUE(live.live());
  }
  {
    grpc::ClientContext c;
    pb::ServerReadyResponse ready;
    ASSERT_TRUE(stub_->ServerReady(&c, {}, &ready).ok());
    EXPECT_TRUE(ready.ready());
  }
  {
    grpc::ClientContext c;
    pb::ServerMetadataResponse meta;
    ASSERT_TRUE(stub_->ServerMetadata(&c, {}, &meta).ok());
    EXPECT_EQ(meta.name(), "lathe");
  }
  auto model_ready = [&](const std::string& name, const std::string& version) {
    grpc::ClientContext c;
    pb::ModelReadyRequest r;
    r.set_name(name);
    r.set_version(version);
    pb::ModelReadyResponse out;
    auto st = stub_->ModelReady(&c, r, &out);
    return st.ok() ? (out.ready() ? "ready" : "not ready") : "error " + st.error_message();
  };
  EXPECT_EQ(model_ready("species", ""), "ready");
  EXPECT_EQ(model_ready("species", "1"), "ready");
  EXPECT_EQ(model_ready("species", "2"), "not ready");
  EXPECT_EQ(model_ready("nope", ""), "not ready");
  EXPECT_EQ(model_ready("../etc", ""), "not ready");
  EXPECT_EQ(model_ready("species", "x1"), "error version 'x1' is not a positive whole number");

  grpc::ClientContext c;
  pb::ModelMetadataRequest r;
  r.set_name("species");
  pb::ModelMetadataResponse meta;
  ASSERT_TRUE(stub_->ModelMetadata(&c, r, &meta).ok());
  EXPECT_EQ(meta.name(), "species");
  ASSERT_EQ(meta.versions_size(), 1);
  EXPECT_EQ(meta.versions(0), "1");
  EXPECT_EQ(meta.platform(), "lathe_xgboost");
  ASSERT_EQ(meta.inputs_size(), 3);
  EXPECT_EQ(meta.inputs(0).name(), "x");
  EXPECT_EQ(meta.inputs(0).datatype(), "FP64");
  EXPECT_EQ(meta.inputs(2).datatype(), "BYTES");
  ASSERT_EQ(meta.outputs_size(), 2);
  EXPECT_EQ(meta.outputs(0).name(), "probabilities");
  ASSERT_EQ(meta.outputs(0).shape_size(), 2);
  EXPECT_EQ(meta.outputs(0).shape(1), 3);

  grpc::ClientContext c2;
  r.set_name("nope");
  const auto missing = stub_->ModelMetadata(&c2, r, &meta);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(GrpcServerTest, InferEqualsTheRestFaceForTypedAndRawContents) {
  Start();
  for (const std::string model : {"binary", "species", "price"}) {
    SCOPED_TRACE(model);
    const json rest = RestInfer(model, kToyJson);
    pb::ModelInferRequest typed = ToyRequest(model);
    typed.set_id("req-7");
    pb::ModelInferResponse answer;
    auto st = Infer(typed, answer);
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_EQ(answer.id(), "req-7");
    EXPECT_EQ(answer.model_name(), model);
    EXPECT_EQ(answer.model_version(), rest["model_version"]);
    ASSERT_EQ(static_cast<size_t>(answer.outputs_size()), rest["outputs"].size());
    for (int o = 0; o < answer.outputs_size(); ++o) {
      const auto& out = answer.outputs(o);
      const auto& ref = rest["outputs"][static_cast<size_t>(o)];
      EXPECT_EQ(out.name(), ref["name"]);
      EXPECT_EQ(out.datatype(), ref["datatype"]);
      EXPECT_EQ(json(std::vector<int64_t>(out.shape().begin(), out.shape().end())), ref["shape"]);
      json values = json::array();
      for (double v : out.contents().fp64_contents()) values.push_back(v);
      for (int64_t v : out.contents().int64_contents()) values.push_back(v);
      for (const auto& v : out.contents().bytes_contents()) values.push_back(v);
      EXPECT_EQ(values, ref["data"]);
    }

    // The same values as raw little-endian bytes, BYTES elements length-prefixed.
    pb::ModelInferRequest raw = ToyRequest(model);
    for (auto& in : *raw.mutable_inputs()) {
      std::string bytes;
      for (double v : in.contents().fp64_contents()) bytes.append(reinterpret_cast<char*>(&v), 8);
      for (int64_t v : in.contents().int64_contents()) bytes.append(reinterpret_cast<char*>(&v), 8);
      for (const auto& s : in.contents().bytes_contents()) {
        const uint32_t n = static_cast<uint32_t>(s.size());
        bytes.append(reinterpret_cast<const char*>(&n), 4);
        bytes += s;
      }
      in.clear_contents();
      raw.add_raw_input_contents(bytes);
    }
    pb::ModelInferResponse raw_answer;
    st = Infer(raw, raw_answer);
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_EQ(raw_answer.outputs(0).contents().SerializeAsString(),
              answer.outputs(0).contents().SerializeAsString());
  }
}

TEST_F(GrpcServerTest, ZeroRowsGetEmptyOutputs) {
  // Found by grpc_fuzz: a request of shape [0] reached the transform with no rows, which then
  // offset a null pointer.
  Start();
  pb::ModelInferRequest r = ToyRequest("species");
  for (auto& in : *r.mutable_inputs()) {
    in.set_shape(0, 0);
    in.clear_contents();
  }
  r.mutable_inputs(1)->mutable_shape()->RemoveLast();
  pb::ModelInferResponse answer;
  auto st = Infer(r, answer);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(answer.outputs_size(), 2);
  EXPECT_EQ(answer.outputs(0).shape(0), 0);
  EXPECT_EQ(answer.outputs(0).contents().fp64_contents_size(), 0);
  const json rest = RestInfer("species", R"({"inputs": [
      {"name": "x", "datatype": "FP64", "shape": [0], "data": []}]})");
  EXPECT_EQ(rest["outputs"][0]["shape"], json::parse("[0, 3]"));
}

TEST_F(GrpcServerTest, NarrowerNumericTypesAndRequestedOutputsAreAccepted) {
  Start();
  pb::ModelInferRequest r = ToyRequest("species");
  // x as FP32, n as INT32: the model's double and int64 inputs take them.
  auto* x = r.mutable_inputs(0);
  x->set_datatype("FP32");
  x->mutable_contents()->clear_fp64_contents();
  for (float v : {0.5f, -1.25f, 2.0f}) x->mutable_contents()->add_fp32_contents(v);
  auto* n = r.mutable_inputs(1);
  n->set_datatype("INT32");
  n->mutable_contents()->clear_int64_contents();
  for (int v : {3, 7, 0}) n->mutable_contents()->add_int_contents(v);
  r.add_outputs()->set_name("class");
  pb::ModelInferResponse answer;
  auto st = Infer(r, answer);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(answer.outputs_size(), 1);
  EXPECT_EQ(answer.outputs(0).name(), "class");
  const json rest = RestInfer("species", R"({"inputs": [
      {"name": "x", "datatype": "FP64", "shape": [3], "data": [0.5, -1.25, 2.0]},
      {"name": "n", "datatype": "INT64", "shape": [3], "data": [3, 7, 0]},
      {"name": "city", "datatype": "BYTES", "shape": [3], "data": ["oslo", "lima", "paris"]}],
      "outputs": [{"name": "class"}]})");
  ASSERT_EQ(answer.outputs(0).contents().bytes_contents_size(), 3);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(answer.outputs(0).contents().bytes_contents(i), rest["outputs"][0]["data"][i]);
}

TEST_F(GrpcServerTest, BadRequestsGetTheFittingCodeAndSayWhatIsWrong) {
  Start();
  auto error = [&](const pb::ModelInferRequest& r, grpc::StatusCode code) {
    pb::ModelInferResponse answer;
    auto st = Infer(r, answer);
    EXPECT_EQ(st.error_code(), code) << st.error_message();
    return st.error_message();
  };
  pb::ModelInferRequest r = ToyRequest("nope");
  EXPECT_NE(error(r, grpc::StatusCode::NOT_FOUND).find("nope"), std::string::npos);
  r.set_model_name(std::string(5000, 'a'));
  EXPECT_LT(error(r, grpc::StatusCode::NOT_FOUND).size(), 400u);
  r = ToyRequest("species");
  r.set_model_version("9");
  error(r, grpc::StatusCode::NOT_FOUND);
  r.set_model_version("-1");
  EXPECT_EQ(error(r, grpc::StatusCode::INVALID_ARGUMENT),
            "version '-1' is not a positive whole number");

  // The shared checks, with the REST face's messages.
  r = ToyRequest("species");
  r.mutable_inputs(2)->set_datatype("FP64");
  EXPECT_EQ(error(r, grpc::StatusCode::INVALID_ARGUMENT),
            "inputs[2] (city): datatype FP64 does not fit the model's input of type string (send "
            "BYTES)");
  r = ToyRequest("species");
  r.mutable_inputs(0)->set_name("z");
  EXPECT_EQ(error(r, grpc::StatusCode::INVALID_ARGUMENT),
            "inputs[0] (z): the model has no input 'z'");
  r = ToyRequest("species");
  r.mutable_inputs(0)->set_shape(0, 4);
  EXPECT_EQ(error(r, grpc::StatusCode::INVALID_ARGUMENT),
            "inputs[0] (x): shape [4] holds 4 values; \"data\" has 3");
  r = ToyRequest("species");
  r.mutable_inputs(0)->set_datatype("FP16");  // typed contents cannot carry FP16
  EXPECT_NE(error(r, grpc::StatusCode::INVALID_ARGUMENT).find("holds 3 values; \"data\" has 0"),
            std::string::npos);
  r = ToyRequest("species");
  r.add_outputs()->set_name("logits");
  EXPECT_EQ(error(r, grpc::StatusCode::INVALID_ARGUMENT),
            "outputs[0]: the model has no output 'logits' (outputs: probabilities, class)");
  pb::ModelInferRequest empty;
  empty.set_model_name("species");
  EXPECT_EQ(error(empty, grpc::StatusCode::INVALID_ARGUMENT),
            "expected \"inputs\": a list of tensors");

  // Raw contents: one entry per input, whole values, BYTES elements not cut short.
  r = ToyRequest("species");
  r.add_raw_input_contents(std::string(24, '\0'));
  EXPECT_EQ(error(r, grpc::StatusCode::INVALID_ARGUMENT),
            "raw_input_contents has 1 entries for 3 inputs: give one per input");
  r = ToyRequest("species");
  r.add_raw_input_contents(std::string(23, '\0'));
  r.add_raw_input_contents(std::string(24, '\0'));
  r.add_raw_input_contents(std::string("\x05\0\0\0osl", 7));
  EXPECT_EQ(error(r, grpc::StatusCode::INVALID_ARGUMENT),
            "inputs[0] (x): raw_input_contents holds 23 bytes, not a whole number of 8-byte FP64 "
            "values");
  r.set_raw_input_contents(0, std::string(24, '\0'));
  EXPECT_EQ(error(r, grpc::StatusCode::INVALID_ARGUMENT),
            "inputs[2] (city): raw_input_contents ends inside an element (5 bytes announced, 3 "
            "left)");
  // An unknown model is the first thing said, even of contents that do not decode (as over REST).
  r.set_model_name("nope");
  EXPECT_NE(error(r, grpc::StatusCode::NOT_FOUND).find("nope"), std::string::npos);

  // Failed requests count as errors of the version they were sent to, or as unrouted.
  const std::string metrics = metrics_.Render(manager_->Loaded());
  EXPECT_NE(metrics.find("lathe_serve_unrouted_requests_total 5\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("lathe_serve_request_errors_total{model=\"species\",version=\"1\","
                         "label=\"\"} 9\n"),
            std::string::npos)
      << metrics;
}

TEST_F(GrpcServerTest, APredictTokenGuardsInferOnlyAndRequestIdsComeBack) {
  GrpcServerOptions o;
  o.predict_token = "0123456789abcdef-predict";
  Start(o);
  pb::ModelInferResponse answer;
  auto st = Infer(ToyRequest("binary"), answer);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(st.error_message(), "this endpoint needs a bearer token");
  st = Infer(ToyRequest("binary"), answer, "Bearer 0123456789abcdef-predicT");
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(st.error_message(), "the bearer token is not valid");
  grpc::ClientContext c;
  c.AddMetadata("authorization", "Bearer 0123456789abcdef-predict");
  c.AddMetadata("x-request-id", "trace-42");
  st = stub_->ModelInfer(&c, ToyRequest("binary"), &answer);
  ASSERT_TRUE(st.ok()) << st.error_message();
  auto id = c.GetServerInitialMetadata().find("x-request-id");
  ASSERT_NE(id, c.GetServerInitialMetadata().end());
  EXPECT_EQ(std::string(id->second.data(), id->second.size()), "trace-42");
  // Health and metadata need no token.
  grpc::ClientContext c2;
  pb::ServerReadyResponse ready;
  EXPECT_TRUE(stub_->ServerReady(&c2, {}, &ready).ok());
}

TEST_F(GrpcServerTest, MessagesOverTheLimitAreRefusedAndAnUnusablePortIsAnError) {
  GrpcServerOptions o;
  o.max_message_bytes = 4096;
  Start(o);
  pb::ModelInferRequest r = ToyRequest("species");
  r.add_raw_input_contents(std::string(8192, '\0'));
  pb::ModelInferResponse answer;
  EXPECT_EQ(Infer(r, answer).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(Infer(ToyRequest("species"), answer).ok());

  // A port in use is an error, not a second server sharing it (gRPC's SO_REUSEPORT is off).
  GrpcServerOptions taken;
  taken.address = "127.0.0.1";
  taken.port = server_->port();
  auto second = GrpcServer::Start(taken, *manager_, metrics_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find(fmt::format("127.0.0.1:{}", server_->port())),
            std::string::npos);

  GrpcServerOptions tls;
  tls.port = 0;
  tls.tls_cert_file = (tmp_ / "missing.pem").string();
  tls.tls_key_file = (tmp_ / "missing.key").string();
  auto bad = GrpcServer::Start(tls, *manager_, metrics_);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("missing.pem"), std::string::npos);
}

}  // namespace
}  // namespace lathe::server

namespace lathe::server {
namespace {

// A deployment routes gRPC calls without a version, sticky by a metadata header or by an input
// tensor's first value, and shadows them, as over REST.
TEST_F(GrpcServerTest, DeploymentsRouteCallsByMetadataOrInputAndMirrorThem) {
  testing::WriteToyBundle(tmp_ / "models/binary/2", ToyTask::kBinary, "linear", 0.4);
  auto store = metadata::MetadataStore::Open("sqlite://:memory:");
  ASSERT_TRUE(store.ok());
  const registry::ModelRepository repository(tmp_ / "models");
  serve::Deployments deployments(**store, repository);
  serve::ShadowMirror shadow;
  // The server loads what deployments route to, besides the newest version.
  serve::ManagerOptions o = manager_->options();
  o.pinned_versions = [&](const std::string& m) { return deployments.VersionsOf(m); };
  manager_ = std::make_unique<serve::ModelManager>(o, &metrics_);
  auto deploy = [&](serve::DeployRequest r) {
    auto changed = deployments.Change(
        "shop",
        [&](const std::optional<serve::Deployment>& current)
            -> Result<std::optional<serve::DeploymentUpdate>> {
          r.name = "shop";
          auto next = serve::PlanDeploy(current, r, 1);
          if (!next.ok()) return next.status();
          return std::optional<serve::DeploymentUpdate>(serve::DeploymentUpdate{*next});
        });
    ASSERT_TRUE(changed.ok()) << changed.status().ToString();
    manager_->Poll();
  };
  deploy({.model = "binary", .version = 1, .key = serve::StickyKey{"X-User-Id", ""}});
  deploy({.version = 2, .canary = 0.5});
  GrpcServerOptions options;
  options.deployments = &deployments;
  options.shadow = &shadow;
  Start(options);
  std::map<std::string, std::set<std::string>> by_user;
  for (int i = 0; i < 200; ++i) {
    grpc::ClientContext c;
    const std::string user = "user-" + std::to_string(i % 20);
    c.AddMetadata("x-user-id", user);
    pb::ModelInferResponse answer;
    ASSERT_TRUE(stub_->ModelInfer(&c, ToyRequest("binary"), &answer).ok());
    by_user[user].insert(answer.model_version());
  }
  std::set<std::string> versions;
  for (const auto& [user, v] : by_user) {
    EXPECT_EQ(v.size(), 1u) << user << " moved between versions";
    versions.insert(v.begin(), v.end());
  }
  EXPECT_EQ(versions, (std::set<std::string>{"1", "2"}));

  // By the "city" input: the first row's value decides.
  deploy({.version = 1, .key = serve::StickyKey{"", "city"}});
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    grpc::ClientContext c;
    pb::ModelInferResponse answer;
    ASSERT_TRUE(stub_->ModelInfer(&c, ToyRequest("binary"), &answer).ok());
    seen.insert(answer.model_version());
  }
  EXPECT_EQ(seen.size(), 1u);

  // A shadow answers nobody and is compared.
  auto rollback = deployments.Change(
      "shop",
      [](const std::optional<serve::Deployment>& current)
          -> Result<std::optional<serve::DeploymentUpdate>> {
        auto next = serve::PlanRollback(*current, "rollback", "", 2);
        if (!next.ok()) return next.status();
        return std::optional<serve::DeploymentUpdate>(serve::DeploymentUpdate{*next});
      });
  ASSERT_TRUE(rollback.ok());
  deploy({.version = 2, .shadow = 1.0});
  for (int i = 0; i < 10; ++i) {
    grpc::ClientContext c;
    pb::ModelInferResponse answer;
    ASSERT_TRUE(stub_->ModelInfer(&c, ToyRequest("binary"), &answer).ok());
    EXPECT_EQ(answer.model_version(), "1");
  }
  shadow.Drain();
  const std::string text = metrics_.Render(manager_->Loaded());
  EXPECT_NE(text.find("lathe_serve_shadow_rows_total{model=\"binary\",version=\"2\"} 30"),
            std::string::npos)
      << text;
  server_->Shutdown(std::chrono::milliseconds(0));
}

}  // namespace
}  // namespace lathe::server

namespace lathe::server {
namespace {

// Many clients at once on a server of two threads: every call is served (queued for a thread),
// none is refused as "Server Threadpool Exhausted".
TEST_F(GrpcServerTest, ManyConcurrentCallsAreAllServed) {
  Start();
  std::atomic<int> failed{0};
  std::string first_error;
  std::mutex mu;
  std::vector<std::thread> clients;
  for (int c = 0; c < 32; ++c)
    clients.emplace_back([&] {
      auto stub = pb::GRPCInferenceService::NewStub(channel_);
      for (int i = 0; i < 30; ++i) {
        grpc::ClientContext ctx;
        pb::ModelInferResponse out;
        grpc::Status st = stub->ModelInfer(&ctx, ToyRequest("species"), &out);
        if (!st.ok()) {
          std::lock_guard lock(mu);
          if (failed++ == 0) first_error = st.error_message();
        }
      }
    });
  for (auto& t : clients) t.join();
  EXPECT_EQ(failed.load(), 0) << first_error;
}

}  // namespace
}  // namespace lathe::server
