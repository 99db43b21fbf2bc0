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
#include <string>

#include "lathe/serve/metrics.h"
#include "lathe/serve/model_manager.h"
#include "lathe/serve/request_log.h"

namespace lathe::serve {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, as sent
  std::string body;
  std::string authorization;  // the Authorization header, if any
  std::string request_id;     // set by the HTTP face (X-Request-Id or a generated one)
  std::chrono::steady_clock::time_point received = std::chrono::steady_clock::now();
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

struct RestOptions {
  // Bearer tokens (never logged). An empty write token disables the mutating endpoints; a
  // non-empty predict token is required by :predict, :classify, :regress and /infer.
  std::string write_token;
  std::string predict_token;
  RequestLog* request_log = nullptr;  // optional, not owned; must outlive the API
};

class RestApi {
 public:
  // `manager` and `metrics` must outlive the API.
  RestApi(ModelManager& manager, ServingMetrics& metrics, RestOptions options);
  HttpResponse Handle(const HttpRequest& request) const;

 private:
  ModelManager& manager_;
  ServingMetrics& metrics_;
  RestOptions options_;
};

}  // namespace lathe::serve
