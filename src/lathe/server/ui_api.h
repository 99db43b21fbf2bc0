// The JSON API behind `lathe ui`: the metadata store (runs, artifacts, executions, contexts,
// lineage) as HTTP GETs under /api/v1, each answering what the matching CLI command prints with
// --json (the same library functions build both).
//
//   GET /api/v1/info                          the store, whether writes are allowed, the model
//                                             server and request log read
//   GET /api/v1/runs?pipeline=&page_size=&page_token=
//   GET /api/v1/runs/RUN                      = lathe runs show RUN --json
//   GET /api/v1/artifacts?filter=&order_by=&desc=&page_size=&page_token=
//   GET /api/v1/artifacts/ID                  = lathe artifacts show ID --json
//   GET /api/v1/executions[/ID], /api/v1/contexts[/ID]   likewise
//   GET /api/v1/lineage/artifacts/ID?direction=up|down|both&hops=&max_nodes=&include_cache_hits=
//   GET /api/v1/lineage/executions/ID?...     = lathe lineage ID [--execution] --json
//   GET /api/v1/statistics/ID                 = lathe stats compute URI --json, with anomalies
//   GET /api/v1/statistics/compare?baseline=ID&baseline_split=&current=ID&current_split=
//                                             = lathe stats compare A/SPLIT.json B/SPLIT.json
//                                             --json
//   GET /api/v1/evaluations/ID                = lathe eval show ID --json
//   GET /api/v1/evaluations/compare?a=ID&b=ID = lathe eval compare A [B] --json
//   GET /api/v1/run-comparison?pipeline=&limit=   = lathe runs compare --json
//   GET /api/v1/models?name=                  = lathe models list [NAME] --json, as {"items"}
//   GET /api/v1/models/NAME[/VERSION]         = lathe models show NAME[/VERSION] --json
//   GET /api/v1/deployments                   = lathe deployments list --json
//   GET /api/v1/deployments/NAME              = lathe deployments show NAME --json
//   GET /api/v1/serving/metrics               the samples of the --server's /metrics, parsed
//   GET /api/v1/serving/statistics?model=NAME[&version=V]   training against served rows (the
//                                             --request-log of lathe serve), ui_reports.h
//
// Writes, only with a write token (`Authorization: Bearer TOKEN`), each answering the deployment
// as written (= what `lathe deploy|promote|rollback --json` prints):
//   POST /api/v1/deployments/NAME/deploy      {"version": N, "model", "canary": "10%", "shadow",
//                                              "reason"} = lathe deploy NAME --version N ...
//   POST /api/v1/deployments/NAME/promote     {"reason"}  = lathe promote NAME
//   POST /api/v1/deployments/NAME/rollback    {"reason"}  = lathe rollback NAME
//   POST /api/v1/deployments/NAME/feedback    forwarded to the --server's feedback endpoint
//   POST /api/v1/runs/RUN/reproduce           starts `lathe runs repro RUN` here (202, the job)
//   GET  /api/v1/runs/RUN/reproductions       {"jobs": started here (reproductions.h), "runs":
//                                             the store's reproductions of RUN, newest first}
// 401 without the token or with another, 403 when the UI was started without one (read-only).
//
// Listings answer {"items": [...], "next_page_token": "..."}. Errors answer {"error": "..."}:
// 400 for a malformed id, filter, page token or parameter (naming it), 404 for an unknown path,
// id or run, 405 for a method the path does not take, 412 for a change the deployment's state
// refuses, 503 when the model server cannot be reached.
//
// Thread-safety: Handle may be called from any number of threads at once (the store serialises
// its calls). The store is not owned and must outlive the API.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "lathe/metadata/metadata_store.h"
#include "lathe/serve/http_json.h"
#include "lathe/serve/rest_api.h"
#include "lathe/server/reproductions.h"

namespace lathe::server {

struct UiApiOptions {
  std::string store_uri;  // shown by /api/v1/info
  // The secret that allows writes; empty: read-only (the store may be opened read-only then).
  std::string write_token;
  std::string model_repository;  // where deploys and the serving statistics look for versions
  std::string artifact_root;     // where reproductions put their outputs
  // A `lathe serve` (http://HOST:PORT) whose /metrics the serving monitor reads; empty: none.
  std::string serving_url;
  // The request log `lathe serve --request-log` writes (JSON Lines); empty: none.
  std::string request_log;
};

class UiApi {
 public:
  UiApi(metadata::MetadataStore& store, UiApiOptions options);
  ~UiApi();  // cancels the reproductions still running, and waits for them

  // Answers a request whose path starts with /api/.
  serve::HttpResponse Handle(const serve::HttpRequest& request) const;

 private:
  using Segments = std::vector<std::string>;  // the path after /api/v1/, split at '/'
  serve::HttpResponse Records(const Segments& s, const serve::RequestTarget& t) const;
  serve::HttpResponse Reports(const Segments& s, const serve::RequestTarget& t) const;
  serve::HttpResponse Serving(const Segments& s, const serve::RequestTarget& t) const;
  serve::HttpResponse Write(const serve::HttpRequest& request, const Segments& s) const;

  metadata::MetadataStore& store_;
  UiApiOptions options_;
  std::unique_ptr<Reproductions> reproductions_;  // with a write token
};

}  // namespace lathe::server
