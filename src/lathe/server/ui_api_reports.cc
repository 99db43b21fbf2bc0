// The UI API's reports: statistics, evaluations, run comparison, model registry, deployments, and
// the serving monitor's metrics (see ui_api.h for the paths).
#include <fmt/format.h>

#include <cmath>

#include "lathe/core/clock.h"
#include "lathe/registry/model_repository.h"
#include "lathe/registry/model_reports.h"
#include "lathe/registry/run_comparison.h"
#include "lathe/serve/deployment.h"
#include "lathe/server/detail/query_params.h"
#include "lathe/server/http_client.h"
#include "lathe/server/prometheus_text.h"
#include "lathe/server/ui_api.h"
#include "lathe/server/ui_reports.h"

namespace lathe::server {

using serve::ErrorResponse;
using serve::HttpResponse;
using serve::JsonResponse;
using serve::RequestTarget;
using namespace detail;  // NOLINT: the parameter helpers

namespace {

HttpResponse Unknown(const std::vector<std::string>& s) {
  std::string path;
  for (const auto& p : s) path += "/" + p;
  return ErrorResponse(404, fmt::format("unknown API path '/api/v1{}'", path.substr(0, 80)));
}

// The first error among `statuses`, or OK.
Status FirstError(std::initializer_list<Status> statuses) {
  for (const Status& st : statuses)
    if (!st.ok()) return st;
  return Status::Ok();
}

}  // namespace

HttpResponse UiApi::Reports(const Segments& s, const RequestTarget& t) const {
  const std::string& what = s[0];
  if (what == "statistics" && s.size() == 2 && s[1] == "compare") {
    auto baseline = IdParam(t, "baseline", 0);
    auto current = IdParam(t, "current", 0);
    auto baseline_split = RequiredParam(t, "baseline_split");
    auto current_split = RequiredParam(t, "current_split");
    Status st = FirstError(
        {baseline.status(), current.status(), baseline_split.status(), current_split.status()});
    if (st.ok() && (*baseline == 0 || *current == 0))
      st = InvalidArgumentError("parameters baseline and current (statistics ids) are required");
    if (!st.ok()) return ErrorResponse(st);
    return FromResult(
        StatisticsComparison(store_, *baseline, *baseline_split, *current, *current_split));
  }
  if (what == "statistics" && s.size() == 2) {
    auto id = ParseId(s[1], "statistics");
    if (!id.ok()) return ErrorResponse(id.status());
    return FromResult(StatisticsReport(store_, *id));
  }
  if (what == "evaluations" && s.size() == 2 && s[1] == "compare") {
    auto a = IdParam(t, "a", 0);
    auto b = IdParam(t, "b", 0);
    Status st = FirstError({a.status(), b.status()});
    if (st.ok() && *a == 0) st = InvalidArgumentError("parameter a (an evaluation id) is required");
    if (!st.ok()) return ErrorResponse(st);
    return FromResult(registry::CompareEvaluations(store_, *a, *b));
  }
  if (what == "evaluations" && s.size() == 2) {
    auto id = ParseId(s[1], "evaluation");
    if (!id.ok()) return ErrorResponse(id.status());
    return FromResult(registry::DescribeEvaluation(store_, *id));
  }
  if (what == "run-comparison" && s.size() == 1) {
    registry::RunComparisonOptions o;
    o.pipeline = t.Get("pipeline");
    auto limit = IntParam(t, "limit", o.limit, 1, 100000);
    if (!limit.ok()) return ErrorResponse(limit.status());
    o.limit = *limit;
    return FromResult(registry::CompareRuns(store_, o));
  }
  if (what == "models" && s.size() == 1) {
    auto list = registry::ListModelVersions(store_, t.Get("name"));
    if (!list.ok()) return ErrorResponse(list.status());
    return JsonResponse(200, {{"items", *std::move(list)}});
  }
  if (what == "models" && (s.size() == 2 || s.size() == 3))
    return FromResult(
        registry::DescribeModelVersion(store_, s.size() == 2 ? s[1] : s[1] + "/" + s[2]));
  if (what == "deployments" && s.size() == 1) {
    auto all = serve::ListDeployments(store_);
    if (!all.ok()) return ErrorResponse(all.status());
    nlohmann::json items = nlohmann::json::array();
    for (const auto& d : *all) items.push_back(serve::DescribeDeployment(d, nullptr));
    return JsonResponse(200, {{"items", std::move(items)}});
  }
  if (what == "deployments" && s.size() == 2) {
    auto d = serve::GetDeployment(store_, s[1]);
    if (!d.ok()) return ErrorResponse(d.status());
    if (!*d)
      return ErrorResponse(404, fmt::format("no deployment named '{}' (see lathe deployments list)",
                                            s[1].substr(0, 80)));
    auto history = serve::DeploymentHistory(store_, **d, 50);
    if (!history.ok()) return ErrorResponse(history.status());
    return JsonResponse(200, serve::DescribeDeployment(**d, &*history));
  }
  return Unknown(s);
}

HttpResponse UiApi::Serving(const Segments& s, const RequestTarget& t) const {
  if (s.size() == 2 && s[1] == "statistics") {
    if (options_.request_log.empty())
      return ErrorResponse(404,
                           "no request log to read: start lathe ui with --request-log FILE (the "
                           "file of lathe serve --request-log)");
    auto model = RequiredParam(t, "model");
    if (!model.ok()) return ErrorResponse(model.status());
    auto version = IdParam(t, "version", 0);
    if (!version.ok()) return ErrorResponse(version.status());
    const registry::ModelRepository repository(options_.model_repository);
    return FromResult(ServedStatisticsReport(
        repository, *version ? fmt::format("{}/{}", *model, *version) : *model,
        options_.request_log));
  }
  if (s.size() != 2 || s[1] != "metrics") return Unknown(s);
  if (options_.serving_url.empty())
    return ErrorResponse(404,
                         "no model server to monitor: start lathe ui with --server "
                         "http://HOST:PORT (a lathe serve)");
  const std::string url = options_.serving_url + "/metrics";
  auto answer = HttpCall("GET", url, "", std::chrono::seconds(3));
  if (!answer.ok()) return ErrorResponse(answer.status());
  if (answer->status != 200)
    return ErrorResponse(502, fmt::format("{} answered {}", url, answer->status));
  auto samples = ParsePrometheusText(answer->body);
  if (!samples.ok())
    return ErrorResponse(502, fmt::format("{}: {}", url, samples.status().message()));
  nlohmann::json items = nlohmann::json::array();
  auto number = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  for (const auto& m : *samples) {
    nlohmann::json j = {{"name", m.name}, {"labels", m.labels}, {"value", number(m.value)}};
    if (std::isinf(m.value)) j["value"] = m.value > 0 ? "+Inf" : "-Inf";
    items.push_back(std::move(j));
  }
  return JsonResponse(
      200,
      {{"server", options_.serving_url}, {"time_ms", NowMillis()}, {"samples", std::move(items)}});
}

}  // namespace lathe::server
