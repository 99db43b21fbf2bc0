// The JSON API behind `lathe ui`: the metadata store (runs, artifacts, executions, contexts,
// lineage) as HTTP GETs under /api/v1, each answering what the matching CLI command prints with
// --json (the same library functions build both).
//
//   GET /api/v1/info                          the store, and whether writes are allowed
//   GET /api/v1/runs?pipeline=&page_size=&page_token=
//   GET /api/v1/runs/RUN                      = lathe runs show RUN --json
//   GET /api/v1/artifacts?filter=&order_by=&desc=&page_size=&page_token=
//   GET /api/v1/artifacts/ID                  = lathe artifacts show ID --json
//   GET /api/v1/executions[/ID], /api/v1/contexts[/ID]   likewise
//   GET /api/v1/lineage/artifacts/ID?direction=up|down|both&hops=&max_nodes=&include_cache_hits=
//   GET /api/v1/lineage/executions/ID?...     = lathe lineage ID [--execution] --json
//
// Listings answer {"items": [...], "next_page_token": "..."}. Errors answer {"error": "..."}:
// 400 for a malformed id, filter, page token or parameter (naming it), 404 for an unknown path,
// id or run, 405 for a method other than GET.
//
// Thread-safety: Handle may be called from any number of threads at once (the store serialises
// its calls). The store is not owned and must outlive the API.
#pragma once

#include <string>

#include "lathe/metadata/metadata_store.h"
#include "lathe/serve/rest_api.h"

namespace lathe::server {

struct UiApiOptions {
  std::string store_uri;  // shown by /api/v1/info
  bool writable = false;  // whether a write token was given (writes come in later endpoints)
};

class UiApi {
 public:
  UiApi(metadata::MetadataStore& store, UiApiOptions options);

  // Answers a request whose path starts with /api/.
  serve::HttpResponse Handle(const serve::HttpRequest& request) const;

 private:
  metadata::MetadataStore& store_;
  UiApiOptions options_;
};

}  // namespace lathe::server
