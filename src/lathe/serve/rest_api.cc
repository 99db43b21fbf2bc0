#include "lathe/serve/rest_api.h"

#include <fmt/format.h>

#include "lathe/core/json_depth.h"
#include "lathe/core/strings.h"
#include "lathe/registry/model_labels.h"
#include "lathe/serve/bearer_token.h"
#include "lathe/serve/deployments.h"
#include "lathe/serve/detail/rest_common.h"
#include "lathe/serve/shadow_mirror.h"

namespace lathe::serve {

namespace detail {

HttpResponse WithRoute(const RoutedServable& routed, HttpResponse response) {
  if (routed.deployment) {
    response.headers.emplace_back("X-Lathe-Model-Version",
                                  std::to_string(routed.servable->version));
    response.headers.emplace_back("X-Lathe-Deployment",
                                  routed.deployment->name + " " + routed.label);
  }
  return response;
}

std::optional<std::string> KeyText(const nlohmann::json* value) {
  if (value == nullptr || value->is_null() || value->is_array() || value->is_object())
    return std::nullopt;
  if (value->is_string()) return value->get<std::string>();
  return JsonText(*value);
}

}  // namespace detail

namespace {

using detail::ErrorResponse;
using detail::JsonResponse;
using detail::VersionSelector;

// A 401 unless the request carries `Authorization: Bearer <token>`.
std::optional<HttpResponse> RequireToken(const HttpRequest& request, const std::string& token) {
  if (BearerTokenMatches(request.authorization, token)) return std::nullopt;
  return ErrorResponse(401, BearerTokenProblem(request.authorization));
}

// "/a/b/c" -> {"a", "b", "c"}; empty segments (a double slash) are kept so they fail routing.
std::vector<std::string> Segments(std::string_view path) {
  std::vector<std::string> out;
  if (path.empty() || path[0] != '/') return out;
  return Split(path.substr(1), '/');
}

// Parses "versions/N" or "labels/L" at segments[i..i+1].
Result<VersionSelector> ParseSelector(const std::vector<std::string>& s, size_t i) {
  VersionSelector sel;
  if (i + 1 >= s.size()) return NotFoundError("unknown path");
  if (s[i] == "versions") {
    auto v = ParseInt(s[i + 1]);
    if (!v || *v < 1)
      return InvalidArgumentError(
          fmt::format("version '{}' is not a positive whole number", s[i + 1].substr(0, 40)));
    sel.version = *v;
  } else if (s[i] == "labels") {
    LATHE_RETURN_IF_ERROR(registry::CheckLabelName(s[i + 1]));
    sel.label = s[i + 1];
  } else {
    return NotFoundError(fmt::format("unknown path segment '{}'", s[i].substr(0, 40)));
  }
  return sel;
}

// A deployment as the API shows it: its state, and the canary's comparison on each outcome.
nlohmann::json DeploymentJson(const Deployment& d) {
  nlohmann::json j = DeploymentToJson(d);
  j["comparisons"] = ComparisonsToJson(d.experiment);
  return j;
}

// {"request_id"?: "...", "key"?: "...", "outcomes": {"name": number, ...}}
Result<Feedback> ParseFeedback(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) return InvalidArgumentError(where + ": expected an object");
  Feedback f;
  for (const auto& [name, value] : j.items()) {
    if (name == "request_id" || name == "key") {
      if (!value.is_string() || value.get<std::string>().empty() ||
          value.get<std::string>().size() > 256)
        return InvalidArgumentError(
            fmt::format("{}.{}: expected a string of 1 to 256 characters", where, name));
      (name == "key" ? f.key : f.request_id) = value.get<std::string>();
    } else if (name == "outcomes") {
      if (!value.is_object() || value.empty() || value.size() > 32)
        return InvalidArgumentError(
            fmt::format("{}.outcomes: expected an object of 1 to 32 name: number pairs", where));
      for (const auto& [outcome, v] : value.items()) {
        if (v.is_boolean()) {
          f.outcomes.emplace_back(outcome, v.get<bool>() ? 1.0 : 0.0);
        } else if (v.is_number()) {
          f.outcomes.emplace_back(outcome, v.get<double>());
        } else {
          return InvalidArgumentError(
              fmt::format("{}.outcomes.{}: expected a number", where, outcome.substr(0, 64)));
        }
      }
    } else {
      return InvalidArgumentError(
          fmt::format("{}: unknown field '{}' (expected request_id, key and outcomes)", where,
                      name.substr(0, 64)));
    }
  }
  if (f.outcomes.empty()) return InvalidArgumentError(where + ": \"outcomes\" is missing");
  return f;
}

HttpResponse MethodNotAllowed(const HttpRequest& request) {
  return ErrorResponse(405, fmt::format("{} is not allowed here", request.method.substr(0, 10)));
}

}  // namespace

RestApi::RestApi(ModelManager& manager, ServingMetrics& metrics, RestOptions options)
    : manager_(manager), metrics_(metrics), options_(std::move(options)) {}

HttpResponse RestApi::HandleDeployments(const HttpRequest& request,
                                        const std::vector<std::string>& s) const {
  if (options_.deployments == nullptr)
    return ErrorResponse(404, "deployments are off: start lathe serve with a metadata store");
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (s.size() == 3) {
    if (!get) return MethodNotAllowed(request);
    nlohmann::json list = nlohmann::json::array();
    for (const auto& d : options_.deployments->All()) list.push_back(DeploymentJson(*d));
    return JsonResponse(200, {{"deployments", list}});
  }
  auto d = options_.deployments->Named(s[3]);
  if (!d) return ErrorResponse(404, fmt::format("no deployment named '{}'", s[3].substr(0, 80)));
  if (s.size() == 4) return get ? JsonResponse(200, DeploymentJson(*d)) : MethodNotAllowed(request);
  if (s.size() != 5 || s[4] != "feedback") return ErrorResponse(404, "unknown path");
  if (request.method != "POST") return MethodNotAllowed(request);
  if (!options_.predict_token.empty())
    if (auto denied = RequireToken(request, options_.predict_token)) return *denied;
  auto body = detail::ParseBody(request);
  if (!body.ok()) return detail::ErrorResponse(body.status());
  // One report, or {"feedback": [reports]}.
  const bool many = body->contains("feedback");
  nlohmann::json reports = many ? (*body)["feedback"] : nlohmann::json::array({*body});
  if (!reports.is_array() || reports.empty() || reports.size() > 10000)
    return ErrorResponse(400, "\"feedback\": expected a list of 1 to 10000 reports");
  nlohmann::json results = nlohmann::json::array();
  size_t joined = 0;
  for (size_t i = 0; i < reports.size(); ++i) {
    const std::string where = many ? fmt::format("feedback[{}]", i) : std::string("feedback");
    auto report = ParseFeedback(reports[i], where);
    Result<int64_t> version =
        report.ok() ? options_.deployments->AddFeedback(d->name, *report) : report.status();
    if (!many && !version.ok()) return detail::ErrorResponse(version.status());
    if (version.ok()) {
      ++joined;
      results.push_back({{"version", *version}});
    } else {
      results.push_back({{"error", version.status().message()}});
    }
  }
  return JsonResponse(200, {{"deployment", d->name},
                            {"joined", joined},
                            {"unmatched", reports.size() - joined},
                            {"results", results}});
}

HttpResponse RestApi::Handle(const HttpRequest& request) const {
  std::string_view path = request.target;
  if (auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  const bool get = request.method == "GET" || request.method == "HEAD";
  const bool post = request.method == "POST";
  auto unrouted = [&](HttpResponse r) {
    metrics_.RecordUnrouted();
    return r;
  };

  if (path == "/metrics") {
    if (!get) return MethodNotAllowed(request);
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics_.Render(manager_.Loaded());
    if (options_.request_log != nullptr)
      r.body += fmt::format(
          "# HELP lathe_serve_request_log_dropped_rows_total Rows not logged because the request "
          "log's writer fell behind.\n"
          "# TYPE lathe_serve_request_log_dropped_rows_total counter\n"
          "lathe_serve_request_log_dropped_rows_total {}\n",
          options_.request_log->dropped());
    if (options_.deployments != nullptr) r.body += options_.deployments->RenderMetrics();
    if (options_.shadow != nullptr)
      r.body += fmt::format(
          "# HELP lathe_serve_shadow_dropped_total Mirrored requests dropped because the shadow "
          "fell behind.\n"
          "# TYPE lathe_serve_shadow_dropped_total counter\n"
          "lathe_serve_shadow_dropped_total {}\n",
          options_.shadow->dropped());
    return r;
  }

  auto s = Segments(path);
  // The verb of TF Serving's POST paths rides on the last segment: ".../NAME:predict".
  std::string verb;
  if (!s.empty()) {
    auto colon = s.back().find(':');
    if (colon != std::string::npos) {
      verb = s.back().substr(colon + 1);
      s.back().resize(colon);
    }
  }

  if (s.size() >= 3 && s[0] == "v1" && s[1] == "models") {
    const std::string& name = s[2];
    if (auto st = registry::ModelRepository::CheckModelName(name); !st.ok())
      return unrouted(ErrorResponse(404, st.message()));
    VersionSelector sel;
    size_t next = 3;
    if (s.size() >= 5 && (s[3] == "versions" || s[3] == "labels")) {
      auto parsed = ParseSelector(s, 3);
      if (!parsed.ok()) return unrouted(detail::ErrorResponse(parsed.status()));
      sel = *parsed;
      next = 5;
    }
    const bool metadata = next + 1 == s.size() && s[next] == "metadata";
    if (!verb.empty()) {
      if (next != s.size()) return unrouted(ErrorResponse(404, "unknown path"));
      if (!post) return MethodNotAllowed(request);
      if (!options_.predict_token.empty())
        if (auto denied = RequireToken(request, options_.predict_token)) return *denied;
      return detail::TfServingInfer(
          {manager_, metrics_, options_.request_log, options_.deployments, options_.shadow}, name,
          sel, verb, request);
    }
    if (metadata || next == s.size()) {
      if (!get) return MethodNotAllowed(request);
      return metadata ? detail::TfServingMetadata(manager_, name, sel)
                      : detail::TfServingStatus(manager_, name, sel);
    }
    return unrouted(ErrorResponse(404, "unknown path"));
  }

  if (!s.empty() && s[0] == "v2" && verb.empty()) {
    if (s.size() == 1) return get ? detail::KserveServerMetadata() : MethodNotAllowed(request);
    if (s.size() == 3 && s[1] == "health" && (s[2] == "live" || s[2] == "ready")) {
      if (!get) return MethodNotAllowed(request);
      if (s[2] == "live") return JsonResponse(200, {{"live", true}});
      // The protocol reads any status but 200 as "not ready"; 503 is what load balancers expect.
      if (manager_.Ready()) return JsonResponse(200, {{"ready", true}});
      return JsonResponse(
          503, {{"ready", false}, {"error", "not ready: no version of some model is loaded yet"}});
    }
    if (s.size() >= 3 && s[1] == "models") {
      const std::string& name = s[2];
      if (auto st = registry::ModelRepository::CheckModelName(name); !st.ok())
        return unrouted(ErrorResponse(404, st.message()));
      VersionSelector sel;
      size_t next = 3;
      if (s.size() >= 5 && s[3] == "versions") {
        auto parsed = ParseSelector(s, 3);
        if (!parsed.ok()) return unrouted(detail::ErrorResponse(parsed.status()));
        sel = *parsed;
        next = 5;
      }
      if (next == s.size())
        return get ? detail::KserveModelMetadata(manager_, name, sel) : MethodNotAllowed(request);
      if (next + 1 == s.size() && s[next] == "ready")
        return get ? detail::KserveModelReady(manager_, name, sel) : MethodNotAllowed(request);
      if (next + 1 == s.size() && s[next] == "infer") {
        if (!post) return MethodNotAllowed(request);
        if (!options_.predict_token.empty())
          if (auto denied = RequireToken(request, options_.predict_token)) return *denied;
        return detail::KserveInfer(
            {manager_, metrics_, options_.request_log, options_.deployments, options_.shadow}, name,
            sel, request);
      }
    }
    return unrouted(ErrorResponse(404, "unknown path"));
  }

  // Deployments: their state (read), and feedback (a prediction client's write).
  if (s.size() >= 3 && s[0] == "lathe" && s[1] == "v1" && s[2] == "deployments" && verb.empty())
    return HandleDeployments(request, s);

  // Lathe's own endpoints: label changes and reloads, behind the write token.
  if (s.size() >= 3 && s[0] == "lathe" && s[1] == "v1") {
    const bool reload = s.size() == 3 && s[2] == "models" && verb == "reload";
    const bool label = s.size() == 6 && s[2] == "models" && s[4] == "labels" && verb.empty();
    if (!reload && !label) return unrouted(ErrorResponse(404, "unknown path"));
    if (options_.write_token.empty())
      return ErrorResponse(403, "changes are disabled: start lathe serve with --write-token-file");
    if (auto denied = RequireToken(request, options_.write_token)) return *denied;
    const registry::ModelRepository repository(manager_.options().repository);
    if (reload) {
      if (!post) return MethodNotAllowed(request);
      manager_.Poll();
      return JsonResponse(200, {{"reloaded", true}});
    }
    const std::string& name = s[3];
    const std::string& label_name = s[5];
    Result<registry::Labels> labels = registry::Labels{};
    if (request.method == "PUT") {
      auto body = detail::ParseBody(request);
      if (!body.ok()) return detail::ErrorResponse(body.status());
      auto v = body->find("version");
      if (v == body->end() || !v->is_number_integer() || v->get<int64_t>() < 1)
        return ErrorResponse(400, "expected {\"version\": N} with N a version number");
      labels = registry::SetLabel(repository, name, label_name, v->get<int64_t>());
    } else if (request.method == "DELETE") {
      labels = registry::RemoveLabel(repository, name, label_name);
    } else {
      return MethodNotAllowed(request);
    }
    if (!labels.ok()) return detail::ErrorResponse(labels.status());
    manager_.Poll();  // load a newly labelled version before answering
    return JsonResponse(200, {{"model", name}, {"labels", *labels}});
  }
  return unrouted(ErrorResponse(404, "unknown path"));
}

}  // namespace lathe::serve
