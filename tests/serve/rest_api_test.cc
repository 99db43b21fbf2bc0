// The REST API through RestApi::Handle, with the request forms documented by TensorFlow Serving
// (tfx/serving/api_rest) and KServe's Open Inference Protocol (v2), on toy bundles.
#include "lathe/serve/rest_api.h"

#include <gtest/gtest.h>

#include "lathe/data/csv.h"
#include "lathe/registry/model_labels.h"
#include "testing/temp_dir.h"
#include "testing/toy_bundle.h"

namespace lathe::serve {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::ToyTask;

class RestApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteToyBundle(tmp_ / "models/binary/1", ToyTask::kBinary, "xgboost");
    testing::WriteToyBundle(tmp_ / "models/binary/2", ToyTask::kBinary, "linear", 0.4);
    testing::WriteToyBundle(tmp_ / "models/species/1", ToyTask::kMulticlass, "xgboost");
    testing::WriteToyBundle(tmp_ / "models/price/4", ToyTask::kRegression, "linear");
    ManagerOptions o;
    o.repository = tmp_ / "models";
    o.policy = *ParseVersionPolicy("all");
    manager_ = std::make_unique<ModelManager>(o, &metrics_);
    manager_->Poll();
    RestOptions ro;
    ro.write_token = "0123456789abcdef-write";
    api_ = std::make_unique<RestApi>(*manager_, metrics_, ro);
  }

  HttpResponse Call(const std::string& method, const std::string& target,
                    const std::string& body = "", const std::string& auth = "") {
    HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.authorization = auth;
    return api_->Handle(r);
  }
  json Ok(const std::string& method, const std::string& target, const std::string& body = "") {
    auto r = Call(method, target, body);
    EXPECT_EQ(r.status, 200) << method << " " << target << "\n" << r.body;
    return json::parse(r.body, nullptr, false);
  }
  // The error message of a failed call, checking its status.
  std::string Error(int status, const std::string& method, const std::string& target,
                    const std::string& body = "") {
    auto r = Call(method, target, body);
    EXPECT_EQ(r.status, status) << method << " " << target << " " << body << "\n" << r.body;
    auto j = json::parse(r.body, nullptr, false);
    EXPECT_TRUE(j.is_object() && j.contains("error") && j["error"].is_string()) << r.body;
    return j.is_object() && j.contains("error") ? j["error"].get<std::string>() : "";
  }
  // What the bundle itself predicts for rows given as JSON objects.
  train::Predictions Expected(const std::string& model, int64_t version, const json& rows) {
    auto h = manager_->Find(model, version, "");
    EXPECT_TRUE(h.ok());
    auto p = (*h)->model->PredictInstances(rows);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? *p : train::Predictions{};
  }

  testing::TempDir tmp_;
  ServingMetrics metrics_;
  std::unique_ptr<ModelManager> manager_;
  std::unique_ptr<RestApi> api_;
};

const char* kRows = R"([{"x": 0.5, "n": 3, "city": "oslo"}, {"x": -1.2, "n": 7, "city": "lima"},
                        {"x": 2.0, "n": 0, "city": "paris"}, {"x": 0.1, "city": null}])";

TEST_F(RestApiTest, TfServingStatusAndMetadataFollowTheDocumentedShapes) {
  // GET /v1/models/${MODEL_NAME}: every version's status.
  auto status = Ok("GET", "/v1/models/binary");
  ASSERT_EQ(status["model_version_status"].size(), 2u);
  EXPECT_EQ(status["model_version_status"][0], json::parse(R"({"version": "1", "state": "AVAILABLE",
                            "status": {"error_code": "OK", "error_message": ""}})"));
  EXPECT_EQ(Ok("GET", "/v1/models/binary/versions/2")["model_version_status"].size(), 1u);
  ASSERT_TRUE(
      registry::SetLabel(registry::ModelRepository(tmp_ / "models"), "binary", "stable", 1).ok());
  manager_->Poll();
  EXPECT_EQ(Ok("GET", "/v1/models/binary/labels/stable")["model_version_status"][0]["version"],
            "1");
  // .../metadata: the signature with typed inputs and outputs.
  auto meta = Ok("GET", "/v1/models/species/metadata");
  EXPECT_EQ(meta["model_spec"]["name"], "species");
  EXPECT_EQ(meta["model_spec"]["version"], "1");
  const auto& sig = meta["metadata"]["signature_def"]["signature_def"]["serving_default"];
  EXPECT_EQ(sig["inputs"]["x"]["dtype"], "DT_DOUBLE");
  EXPECT_EQ(sig["inputs"]["n"]["dtype"], "DT_INT64");
  EXPECT_EQ(sig["inputs"]["city"]["dtype"], "DT_STRING");
  EXPECT_EQ(sig["outputs"]["class"]["dtype"], "DT_STRING");
  EXPECT_EQ(sig["outputs"]["probabilities"]["tensor_shape"]["dim"][1]["size"], "3");
  EXPECT_EQ(sig["method_name"], "tensorflow/serving/predict");

  EXPECT_EQ(Error(404, "GET", "/v1/models/nope"), "no model 'nope' is known");
  EXPECT_EQ(Error(404, "GET", "/v1/models/binary/versions/9"), "model 'binary' has no version 9");
  EXPECT_EQ(Error(400, "GET", "/v1/models/binary/versions/x"),
            "version 'x' is not a positive whole number");
  Error(404, "GET", "/v1/models/binary/labels/blue");
  Error(405, "POST", "/v1/models/binary");
}

TEST_F(RestApiTest, TfServingPredictRowsAndColumnsEqualTheBundlesOwnPredictions) {
  const json rows = json::parse(kRows);
  // Row format: {"instances": [...]} -> {"predictions": [{output: value, ...}, ...]}.
  auto out = Ok("POST", "/v1/models/binary/versions/1:predict",
                json{{"signature_name", "serving_default"}, {"instances", rows}}.dump());
  const auto expected = Expected("binary", 1, rows);
  ASSERT_EQ(out["predictions"].size(), 4u);
  for (size_t r = 0; r < 4; ++r) {
    EXPECT_DOUBLE_EQ(out["predictions"][r]["probability"].get<double>(), expected.values[r]);
    EXPECT_EQ(out["predictions"][r]["class"], expected.values[r] >= 0.5 ? 1 : 0);
  }
  // Columnar format: {"inputs": {name: [...]}} -> {"outputs": {name: [...]}}.
  auto cols = Ok("POST", "/v1/models/binary/versions/1:predict",
                 R"({"inputs": {"x": [0.5, -1.2, 2.0, 0.1], "n": [3, 7, 0, null],
                                "city": ["oslo", "lima", "paris", null]}})");
  for (size_t r = 0; r < 4; ++r)
    EXPECT_DOUBLE_EQ(cols["outputs"]["probability"][r].get<double>(), expected.values[r]);
  // The newest version answers when none is named; the other version predicts differently.
  auto latest = Ok("POST", "/v1/models/binary:predict", json{{"instances", rows}}.dump());
  EXPECT_DOUBLE_EQ(latest["predictions"][0]["probability"].get<double>(),
                   Expected("binary", 2, rows).values[0]);
  // Multiclass: probabilities per class and the class; regression: bare values.
  auto species = Ok("POST", "/v1/models/species:predict", json{{"instances", rows}}.dump());
  const auto sp = Expected("species", 1, rows);
  ASSERT_EQ(species["predictions"][1]["probabilities"].size(), 3u);
  EXPECT_DOUBLE_EQ(species["predictions"][1]["probabilities"][2].get<double>(), sp.values[5]);
  EXPECT_TRUE(species["predictions"][1]["class"].is_string());
  auto price = Ok("POST", "/v1/models/price:predict", json{{"instances", rows}}.dump());
  EXPECT_DOUBLE_EQ(price["predictions"][3].get<double>(), Expected("price", 4, rows).values[3]);
  auto price_cols = Ok("POST", "/v1/models/price:predict", R"({"inputs": {"x": [1.5]}})");
  EXPECT_TRUE(price_cols["outputs"].is_array());
  // Values as one-element lists and strings as {"b64": ...}, as TF Serving clients send them.
  auto b64 = Ok("POST", "/v1/models/binary/versions/1:predict",
                R"({"instances": [{"x": [0.5], "n": [3], "city": {"b64": "b3Nsbw=="}}]})");
  EXPECT_DOUBLE_EQ(b64["predictions"][0]["probability"].get<double>(), expected.values[0]);
}

TEST_F(RestApiTest, TfServingClassifyAndRegress) {
  // The documented forms: "examples", with an optional "context" shared by every example.
  auto c = Ok("POST", "/v1/models/species:classify",
              R"({"signature_name": "tensorflow/serving/classify", "context": {"city": "rome"},
                  "examples": [{"x": 0.5, "n": 3}, {"x": -1, "n": 1, "city": "oslo"}]})");
  const auto sp = Expected(
      "species", 1,
      json::parse(R"([{"x": 0.5, "n": 3, "city": "rome"}, {"x": -1, "n": 1, "city": "oslo"}])"));
  ASSERT_EQ(c["results"].size(), 2u);
  ASSERT_EQ(c["results"][0].size(), 3u);
  EXPECT_TRUE(c["results"][0][0][0].is_string());
  EXPECT_DOUBLE_EQ(c["results"][1][2][1].get<double>(), sp.values[5]);
  auto r = Ok(
      "POST", "/v1/models/price:regress",
      R"({"signature_name": "tensorflow/serving/regress", "examples": [{"x": 1.0}, {"x": 2.0}]})");
  const auto pr = Expected("price", 4, json::parse(R"([{"x": 1.0}, {"x": 2.0}])"));
  EXPECT_DOUBLE_EQ(r["results"][1].get<double>(), pr.values[1]);
  auto bin = Ok("POST", "/v1/models/binary/versions/1:classify", R"({"examples": [{"x": 1.0}]})");
  EXPECT_EQ(bin["results"][0].size(), 2u);
  EXPECT_NE(Error(400, "POST", "/v1/models/species:regress", R"({"examples": [{"x": 1}]})")
                .find("multiclass"),
            std::string::npos);
}

TEST_F(RestApiTest, BadRequestsGetA4xxThatSaysWhat) {
  const std::string p = "/v1/models/binary/versions/1:predict";
  EXPECT_NE(Error(400, "POST", p, "{\"instances\": [").find("malformed JSON"), std::string::npos);
  EXPECT_EQ(Error(400, "POST", p, ""), "the request has no body (JSON expected)");
  EXPECT_EQ(Error(400, "POST", p, "[1]"), "the request body must be a JSON object");
  EXPECT_NE(Error(400, "POST", p, "{}").find("neither"), std::string::npos);
  EXPECT_NE(Error(400, "POST", p, R"({"instances": [], "inputs": {}})").find("both"),
            std::string::npos);
  EXPECT_EQ(Error(400, "POST", p, R"({"instances": [{"x": "high"}]})"),
            "instances[0].x: expected a number, got \"high\"");
  EXPECT_EQ(Error(400, "POST", p, R"({"instances": [{"x": 1, "colour": "red"}]})"),
            "instances[0].colour: the model has no input 'colour'");
  EXPECT_EQ(Error(400, "POST", p, R"({"instances": [{"x": [1, 2]}]})"),
            "instances[0].x: expected one value, got a list of 2");
  // A base64 value that decodes to bytes that are not UTF-8, where a number is expected: the
  // message shows them as U+FFFD (printing them as JSON used to throw and end the server).
  EXPECT_EQ(Error(400, "POST", p, R"({"instances": [{"x": {"b64": "paU="}}]})"),
            "instances[0].x: expected a number, got \"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_NE(Error(400, "POST", p,
                  R"({"inputs": {"x": [39.1, {"b64": "penguinsRHJlYW0="}], "city": [["a"], "b"]}})")
                .find("].x: expected a number, got \"\xEF\xBF\xBD"),
            std::string::npos);
  EXPECT_EQ(Error(400, "POST", p, R"({"instances": [3]})"),
            "instances[0]: expected an object of input: value");
  EXPECT_EQ(Error(400, "POST", p, R"({"inputs": {"x": [1, 2], "n": [1]}})"),
            "inputs.x: 2 values, but other inputs have 1");
  EXPECT_NE(Error(400, "POST", p, std::string(200, '[') + std::string(200, ']')).find("malformed"),
            std::string::npos);
  EXPECT_EQ(Error(404, "POST", "/v1/models/nope:predict", R"({"instances": []})"),
            "no model 'nope' is being served");
  EXPECT_EQ(Error(404, "POST", "/v1/models/binary/versions/7:predict", R"({"instances": []})"),
            "model 'binary' has no version 7 being served (served: 1, 2)");
  Error(404, "POST", "/v1/models/binary:explain", "{}");
  Error(404, "GET", "/v1/models/..%2F..%2Fetc");
  Error(404, "GET", "/v1/models/../metadata");
  Error(404, "GET", "/nothing/here");
  Error(405, "GET", p);
}

TEST_F(RestApiTest, KserveV2HealthMetadataAndInfer) {
  EXPECT_EQ(Ok("GET", "/v2/health/live"), json::parse(R"({"live": true})"));
  EXPECT_EQ(Ok("GET", "/v2/health/ready"), json::parse(R"({"ready": true})"));
  EXPECT_EQ(Ok("GET", "/v2")["name"], "lathe");
  auto meta = Ok("GET", "/v2/models/species");
  EXPECT_EQ(meta["name"], "species");
  EXPECT_EQ(meta["versions"], json::parse(R"(["1"])"));
  EXPECT_EQ(meta["platform"], "lathe_xgboost");
  EXPECT_EQ(meta["inputs"][0], json::parse(R"({"name": "x", "datatype": "FP64", "shape": [-1]})"));
  EXPECT_EQ(meta["inputs"][2]["datatype"], "BYTES");
  EXPECT_EQ(meta["outputs"][0]["shape"], json::parse("[-1, 3]"));
  EXPECT_EQ(Ok("GET", "/v2/models/binary/versions/2/ready"),
            json::parse(R"({"name": "binary", "ready": true})"));
  EXPECT_EQ(Call("GET", "/v2/models/binary/versions/5/ready").status, 404);

  // The protocol's inference request: typed tensors, "id" echoed, "outputs" to choose.
  auto out = Ok("POST", "/v2/models/binary/versions/1/infer", R"({
    "id": "42",
    "inputs": [
      {"name": "x", "shape": [2], "datatype": "FP32", "data": [0.5, -1.2]},
      {"name": "n", "shape": [2, 1], "datatype": "INT64", "data": [[3], [7]]},
      {"name": "city", "shape": [2], "datatype": "BYTES", "data": ["oslo", "lima"]}
    ],
    "outputs": [{"name": "probability"}]
  })");
  const auto expected = Expected("binary", 1, json::parse(kRows));
  EXPECT_EQ(out["id"], "42");
  EXPECT_EQ(out["model_name"], "binary");
  EXPECT_EQ(out["model_version"], "1");
  ASSERT_EQ(out["outputs"].size(), 1u);
  EXPECT_EQ(out["outputs"][0]["name"], "probability");
  EXPECT_EQ(out["outputs"][0]["datatype"], "FP64");
  EXPECT_EQ(out["outputs"][0]["shape"], json::parse("[2]"));
  EXPECT_DOUBLE_EQ(out["outputs"][0]["data"][1].get<double>(), expected.values[1]);
  auto species =
      Ok("POST", "/v2/models/species/infer",
         R"({"inputs": [{"name": "x", "shape": [1], "datatype": "FP64", "data": [0.5]}]})");
  EXPECT_EQ(species["outputs"][0]["shape"], json::parse("[1, 3]"));
  EXPECT_EQ(species["outputs"][1]["datatype"], "BYTES");

  const std::string infer = "/v2/models/binary/versions/1/infer";
  EXPECT_EQ(
      Error(400, "POST", infer,
            R"({"inputs": [{"name": "x", "shape": [1], "datatype": "BYTES", "data": ["a"]}]})"),
      "inputs[0] (x): datatype BYTES does not fit the model's input of type double (send FP64)");
  EXPECT_EQ(
      Error(400, "POST", infer,
            R"({"inputs": [{"name": "x", "shape": [3], "datatype": "FP64", "data": [1, 2]}]})"),
      "inputs[0] (x): shape [3] holds 3 values; \"data\" has 2");
  EXPECT_EQ(
      Error(400, "POST", infer,
            R"({"inputs": [{"name": "x", "shape": [1], "datatype": "FP64", "data": ["1"]}]})"),
      "inputs[0] (x): data[0] is \"1\", not a FP64 value");
  EXPECT_EQ(Error(400, "POST", infer,
                  R"({"inputs": [{"name": "y", "shape": [1], "datatype": "FP64", "data": [1]}]})"),
            "inputs[0] (y): the model has no input 'y'");
  EXPECT_EQ(Error(400, "POST", infer,
                  R"({"inputs": [{"name": "x", "shape": [1], "datatype": "FP64", "data": [1]}],
                      "outputs": [{"name": "score"}]})"),
            "outputs[0]: the model has no output 'score' (outputs: probability, class)");
  EXPECT_EQ(Error(400, "POST", infer, R"({"inputs": []})"),
            "expected \"inputs\": a list of tensors");
  Error(404, "POST", "/v2/models/nope/infer", "{}");
}

TEST_F(RestApiTest, LabelChangesNeedTheWriteTokenAndMetricsCountRequests) {
  const std::string body = R"({"version": 1})";
  EXPECT_EQ(Call("PUT", "/lathe/v1/models/binary/labels/stable", body).status, 401);
  EXPECT_EQ(Call("PUT", "/lathe/v1/models/binary/labels/stable", body, "Bearer wrong-token-123456")
                .status,
            401);
  auto set =
      Call("PUT", "/lathe/v1/models/binary/labels/stable", body, "Bearer 0123456789abcdef-write");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(json::parse(set.body)["labels"], json::parse(R"({"stable": 1})"));
  auto via_label = Ok("POST", "/v1/models/binary/labels/stable:predict",
                      json{{"instances", json::parse(kRows)}}.dump());
  EXPECT_DOUBLE_EQ(via_label["predictions"][0]["probability"].get<double>(),
                   Expected("binary", 1, json::parse(kRows)).values[0]);
  EXPECT_EQ(Call("PUT", "/lathe/v1/models/binary/labels/stable", R"({"version": 9})",
                 "Bearer 0123456789abcdef-write")
                .status,
            404);
  // Without a write token configured, changes are refused outright.
  RestApi read_only(*manager_, metrics_, RestOptions{});
  HttpRequest r{"PUT", "/lathe/v1/models/binary/labels/stable", body, "Bearer x"};
  EXPECT_EQ(read_only.Handle(r).status, 403);

  auto m = Call("GET", "/metrics");
  EXPECT_EQ(m.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(m.body.find(
                "lathe_serve_requests_total{model=\"binary\",version=\"1\",label=\"stable\"} 1\n"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("lathe_serve_loaded_versions{model=\"species\",version=\"1\"} 1\n"),
            std::string::npos);
}

}  // namespace
}  // namespace lathe::serve
