#include "lathe/server/ui_api.h"

#include <fmt/format.h>

#include <set>

#include "lathe/core/strings.h"
#include "lathe/metadata/describe.h"
#include "lathe/metadata/store_uri.h"
#include "lathe/pipeline/run_record.h"
#include "lathe/serve/http_json.h"
#include "lathe/server/detail/query_params.h"

namespace lathe::server {

using metadata::ListOptions;
using serve::ErrorResponse;
using serve::HttpResponse;
using serve::JsonResponse;
using serve::RequestTarget;
using namespace detail;  // NOLINT: the parameter helpers

namespace {

constexpr int kDefaultPageSize = 50;

// page_size, page_token, filter, order_by, desc.
Result<ListOptions> ListParams(const RequestTarget& t) {
  ListOptions o;
  LATHE_ASSIGN_OR_RETURN(o.page_size,
                         IntParam(t, "page_size", kDefaultPageSize, 1, ListOptions::kMaxPageSize));
  o.page_token = t.Get("page_token");
  o.filter = t.Get("filter");
  LATHE_ASSIGN_OR_RETURN(o.order_by, ChoiceParam<metadata::OrderBy>(
                                         t, "order_by",
                                         {{"id", metadata::OrderBy::kId},
                                          {"create_time", metadata::OrderBy::kCreateTime},
                                          {"update_time", metadata::OrderBy::kUpdateTime}}));
  LATHE_ASSIGN_OR_RETURN(o.descending, BoolParam(t, "desc"));
  return o;
}

template <typename T>
HttpResponse PageResponse(const Result<metadata::Page<T>>& page) {
  if (!page.ok()) return ErrorResponse(page.status());
  nlohmann::json items = nlohmann::json::array();
  for (const auto& item : page->items) items.push_back(metadata::ToJson(item));
  return JsonResponse(200,
                      {{"items", std::move(items)}, {"next_page_token", page->next_page_token}});
}

}  // namespace

UiApi::UiApi(metadata::MetadataStore& store, UiApiOptions options)
    : store_(store), options_(std::move(options)) {
  if (!options_.write_token.empty())
    reproductions_ = std::make_unique<Reproductions>(store_, options_.artifact_root);
}

UiApi::~UiApi() = default;

HttpResponse UiApi::Handle(const serve::HttpRequest& request) const {
  auto target = serve::ParseTarget(request.target);
  if (!target.ok()) return ErrorResponse(target.status());
  const RequestTarget& t = *target;
  std::vector<std::string> s = Split(std::string_view(t.path).substr(1), '/');
  if (s.size() < 2 || s[0] != "api" || s[1] != "v1")
    return ErrorResponse(404, fmt::format("unknown API path '{}'", t.path.substr(0, 80)));
  s.erase(s.begin(), s.begin() + 2);
  if (s.empty()) return ErrorResponse(404, "unknown API path '/api/v1'");
  if (s.size() == 3 && (s[0] == "deployments" || (s[0] == "runs" && s[2] == "reproduce")))
    return Write(request, s);
  if (request.method != "GET") {
    HttpResponse r = ErrorResponse(
        405, fmt::format("{} is not allowed here; use GET", request.method.substr(0, 16)));
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  const std::string& what = s[0];
  if (what == "info" && s.size() == 1)
    return JsonResponse(200, {{"store", metadata::RedactStoreUri(options_.store_uri)},
                              {"writable", !options_.write_token.empty()},
                              {"serving", options_.serving_url},
                              {"request_log", options_.request_log}});
  static const std::set<std::string, std::less<>> kReports = {
      "statistics", "evaluations", "run-comparison", "models", "deployments"};
  if (kReports.count(what)) return Reports(s, t);
  if (what == "serving") return Serving(s, t);
  return Records(s, t);
}

HttpResponse UiApi::Records(const Segments& s, const RequestTarget& t) const {
  const std::string& what = s[0];

  if (what == "runs" && s.size() == 1) {
    auto o = ListParams(t);
    if (!o.ok()) return ErrorResponse(o.status());
    std::string filter = fmt::format("type = '{}'", pipeline::kRunContextType);
    if (!t.Get("pipeline").empty())
      filter += " AND properties.pipeline = " + metadata::QuoteFilterString(t.Get("pipeline"));
    if (!o->filter.empty()) filter += " AND (" + o->filter + ")";
    o->filter = filter;
    if (!t.query.count("desc")) o->descending = true;  // newest first, as `lathe runs list`
    return PageResponse(store_.ListContexts(*o));
  }
  if (what == "runs" && s.size() == 2) return FromResult(pipeline::DescribeRun(store_, s[1]));
  if (what == "runs" && s.size() == 3 && s[2] == "reproductions") {
    auto run = store_.GetContextByTypeAndName(pipeline::kRunContextType, s[1]);
    if (!run.ok()) return ErrorResponse(run.status());
    if (!*run)
      return ErrorResponse(404,
                           fmt::format("no run '{}' (see `lathe runs list`)", s[1].substr(0, 80)));
    ListOptions o;
    o.filter = fmt::format("type = '{}' AND properties.repro_of = {}", pipeline::kRunContextType,
                           metadata::QuoteFilterString(s[1]));
    o.descending = true;
    o.page_size = 100;
    auto page = store_.ListContexts(o);
    if (!page.ok()) return ErrorResponse(page.status());
    nlohmann::json runs = nlohmann::json::array();
    for (const auto& c : page->items) runs.push_back(metadata::ToJson(c));
    return JsonResponse(
        200, {{"jobs", reproductions_ ? reproductions_->Jobs(s[1]) : nlohmann::json::array()},
              {"runs", std::move(runs)}});
  }

  if ((what == "artifacts" || what == "executions" || what == "contexts") && s.size() == 1) {
    auto o = ListParams(t);
    if (!o.ok()) return ErrorResponse(o.status());
    if (what == "artifacts") return PageResponse(store_.ListArtifacts(*o));
    if (what == "executions") return PageResponse(store_.ListExecutions(*o));
    return PageResponse(store_.ListContexts(*o));
  }
  if ((what == "artifacts" || what == "executions" || what == "contexts") && s.size() == 2) {
    std::string noun = what.substr(0, what.size() - 1);
    auto id = ParseId(s[1], noun);
    if (!id.ok()) return ErrorResponse(id.status());
    if (what == "artifacts") return FromResult(metadata::DescribeArtifact(store_, *id));
    if (what == "executions") return FromResult(metadata::DescribeExecution(store_, *id));
    return FromResult(metadata::DescribeContext(store_, *id));
  }

  if (what == "lineage" && s.size() == 3 && (s[1] == "artifacts" || s[1] == "executions")) {
    metadata::LineageRequest req;
    auto id = ParseId(s[2], s[1] == "artifacts" ? "artifact" : "execution");
    if (!id.ok()) return ErrorResponse(id.status());
    (s[1] == "artifacts" ? req.artifact_ids : req.execution_ids).push_back(*id);
    auto direction =
        ChoiceParam<metadata::LineageDirection>(t, "direction",
                                                {{"up", metadata::LineageDirection::kUpstream},
                                                 {"down", metadata::LineageDirection::kDownstream},
                                                 {"both", metadata::LineageDirection::kBoth}});
    if (!direction.ok()) return ErrorResponse(direction.status());
    req.direction = *direction;
    auto hops = IntParam(t, "hops", 20, 0, 1000);
    auto max_nodes = IntParam(t, "max_nodes", 10000, 1, 1000000);
    auto cache_hits = BoolParam(t, "include_cache_hits");
    for (const Status& st : {hops.status(), max_nodes.status(), cache_hits.status()})
      if (!st.ok()) return ErrorResponse(st);
    req.max_hops = *hops;
    req.max_nodes = *max_nodes;
    req.include_cache_hits = *cache_hits;
    req.artifact_filter = t.Get("artifact_filter");
    req.execution_filter = t.Get("execution_filter");
    // The start must exist: an unknown id is a 404, not an empty graph.
    Status exists =
        s[1] == "artifacts" ? store_.GetArtifact(*id).status() : store_.GetExecution(*id).status();
    if (!exists.ok()) return ErrorResponse(exists);
    auto graph = store_.GetLineage(req);
    if (!graph.ok()) return ErrorResponse(graph.status());
    return JsonResponse(200, metadata::LineageToJson(*graph));
  }
  return ErrorResponse(404, fmt::format("unknown API path '{}'", t.path.substr(0, 80)));
}

}  // namespace lathe::server
