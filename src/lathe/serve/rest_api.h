// The server's HTTP API, independent of any HTTP library: a parsed request in, a response out.
// The HTTP face (src/lathe/server/) reads bytes off sockets and calls Handle.
//
//   TensorFlow Serving REST   GET  /v1/models/NAME[/versions/N|/labels/L]        (model status)
//                             GET  /v1/models/NAME[/versions/N|/labels/L]/metadata
//                             POST
//                             /v1/models/NAME[/versions/N|/labels/L]:predict|:classify|:regress
//   KServe v2 (Open Inference Protocol)
//                             GET  /v2, /v2/health/live, /v2/health/ready
//                             GET  /v2/models/NAME[/versions/V][/ready]
//                             POST /v2/models/NAME[/versions/V]/infer
//   Lathe                     PUT|DELETE /lathe/v1/models/NAME/labels/LABEL   ({"version": N})
//                             GET  /lathe/v1/deployments[/NAME]            (state, comparisons)
//                             POST /lathe/v1/deployments/NAME/feedback      (outcomes; see
//                             deployments.h: {"request_id"|"key", "outcomes": {name: number}} or
//                             {"feedback": [...]}, behind the predict token)
//                             POST /lathe/v1/models:reload                     (poll the repository
//                             now) GET  /metrics                                    (Prometheus
//                             text)
//
// Errors are {"error": "..."} with 400 (malformed or wrong input), 401 (missing or wrong token),
// 403 (writes disabled), 404 (no such model, version, label or path), 405 (wrong method),
// 503 (not loaded yet); nothing in a request reaches the file system but a label change, which
// goes through registry/model_labels.h with a validated name.
//
// Thread-safety: Handle may be called from any number of threads at once.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lathe/serve/metrics.h"
#include "lathe/serve/model_manager.h"
#include "lathe/serve/request_log.h"

namespace lathe::serve {
class Deployments;
class ShadowMirror;
}  // namespace lathe::serve

namespace lathe::serve {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, as sent
  std::string body;
  std::string authorization;  // the Authorization header, if any
  std::string request_id;     // set by the HTTP face (X-Request-Id or a generated one)
  std::chrono::steady_clock::time_point received = std::chrono::steady_clock::now();
  // Any other header by name (case-insensitive), for deployments' sticky keys; unset: none.
  std::function<std::optional<std::string>(std::string_view)> header;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type
};

struct RestOptions {
  // Bearer tokens (never logged). An empty write token disables the mutating endpoints; a
  // non-empty predict token is required by :predict, :classify, :regress and /infer.
  std::string write_token;
  std::string predict_token;
  RequestLog* request_log = nullptr;  // optional, not owned; must outlive the API
  // Optional, not owned, must outlive the API: route requests by deployments (and take their
  // feedback), and mirror to their shadow versions.
  Deployments* deployments = nullptr;
  ShadowMirror* shadow = nullptr;
};

class RestApi {
 public:
  // `manager` and `metrics` must outlive the API.
  RestApi(ModelManager& manager, ServingMetrics& metrics, RestOptions options);
  HttpResponse Handle(const HttpRequest& request) const;

 private:
  HttpResponse HandleDeployments(const HttpRequest& request,
                                 const std::vector<std::string>& segments) const;
  ModelManager& manager_;
  ServingMetrics& metrics_;
  RestOptions options_;
};

}  // namespace lathe::serve
