// The UI API's writes: deploy, promote, rollback and feedback, allowed only with the write token.
#include <fmt/format.h>

#include "lathe/core/clock.h"
#include "lathe/registry/model_repository.h"
#include "lathe/serve/bearer_token.h"
#include "lathe/serve/deployment.h"
#include "lathe/server/http_client.h"
#include "lathe/server/ui_api.h"

namespace lathe::server {

using serve::ErrorResponse;
using serve::HttpResponse;
using serve::JsonResponse;

namespace {

// A string field of the body ("" when absent); INVALID_ARGUMENT when it is not a string.
Result<std::string> TextField(const nlohmann::json& body, const char* name) {
  if (!body.contains(name) || body[name].is_null()) return std::string();
  if (!body[name].is_string())
    return InvalidArgumentError(fmt::format("field '{}' must be a string", name));
  return body[name].get<std::string>();
}

// A share field: "10%", "10" or a number of percent; nullopt when absent.
Result<std::optional<double>> ShareField(const nlohmann::json& body, const char* name) {
  if (!body.contains(name) || body[name].is_null()) return std::optional<double>();
  std::string text;
  if (body[name].is_number())
    text = fmt::format("{}", body[name].get<double>());
  else if (body[name].is_string())
    text = body[name].get<std::string>();
  else
    return InvalidArgumentError(fmt::format("field '{}' must be a share such as \"10%\"", name));
  auto share = serve::ParseShare(text);
  if (!share.ok())
    return InvalidArgumentError(fmt::format("field '{}': {}", name, share.status().message()));
  return std::optional<double>(*share);
}

Result<serve::DeployRequest> ParseDeploy(const std::string& name, const nlohmann::json& body) {
  serve::DeployRequest r;
  r.name = name;
  if (!body.contains("version") || !body["version"].is_number_integer() ||
      body["version"].get<int64_t>() < 1)
    return InvalidArgumentError("field 'version' must be a version number (1, 2, ...)");
  r.version = body["version"].get<int64_t>();
  LATHE_ASSIGN_OR_RETURN(r.model, TextField(body, "model"));
  LATHE_ASSIGN_OR_RETURN(r.reason, TextField(body, "reason"));
  LATHE_ASSIGN_OR_RETURN(r.canary, ShareField(body, "canary"));
  LATHE_ASSIGN_OR_RETURN(r.shadow, ShareField(body, "shadow"));
  for (const auto& [key, value] : body.items())
    if (key != "version" && key != "model" && key != "reason" && key != "canary" && key != "shadow")
      return InvalidArgumentError(
          fmt::format("unknown field '{}' (deploy takes version, model, canary, shadow, reason)",
                      key.substr(0, 40)));
  return r;
}

HttpResponse Written(const Result<serve::Deployment>& d) {
  if (!d.ok()) return ErrorResponse(d.status());
  return JsonResponse(200, serve::DescribeDeployment(*d, nullptr));
}

}  // namespace

HttpResponse UiApi::Write(const serve::HttpRequest& request, const Segments& s) const {
  const std::string& name = s[1];
  const std::string& action = s[2];
  const bool reproduce = s[0] == "runs";
  if (!reproduce && action != "deploy" && action != "promote" && action != "rollback" &&
      action != "feedback")
    return ErrorResponse(404, fmt::format("unknown API path '/api/v1/deployments/{}/{}'",
                                          name.substr(0, 80), action.substr(0, 40)));
  if (request.method != "POST") {
    HttpResponse r = ErrorResponse(
        405, fmt::format("{} is not allowed here; use POST", request.method.substr(0, 16)));
    r.headers.emplace_back("Allow", "POST");
    return r;
  }
  if (options_.write_token.empty())
    return ErrorResponse(403,
                         "this lathe ui is read-only: start it with --token-file FILE to allow "
                         "deploy, promote, rollback, feedback and reproductions");
  if (!serve::BearerTokenMatches(request.authorization, options_.write_token)) {
    HttpResponse r = ErrorResponse(401, serve::BearerTokenProblem(request.authorization));
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  if (reproduce) {
    auto job = reproductions_->Start(name);
    return job.ok() ? JsonResponse(202, *job) : ErrorResponse(job.status());
  }
  if (action == "feedback") {
    if (options_.serving_url.empty())
      return ErrorResponse(404,
                           "no model server to send feedback to: start lathe ui with --server "
                           "http://HOST:PORT (a lathe serve)");
    auto answer = HttpCall(
        "POST", fmt::format("{}/lathe/v1/deployments/{}/feedback", options_.serving_url, name),
        request.body, std::chrono::seconds(10), request.authorization);
    if (!answer.ok()) return ErrorResponse(answer.status());
    serve::HttpResponse r;
    r.status = answer->status;
    r.body = answer->body;
    r.content_type = answer->content_type.empty() ? "application/json" : answer->content_type;
    return r;
  }
  auto body = request.body.empty() ? Result<nlohmann::json>(nlohmann::json::object())
                                   : serve::ParseBody(request);
  if (!body.ok()) return ErrorResponse(body.status());
  const registry::ModelRepository repository(options_.model_repository);
  if (action == "deploy") {
    auto r = ParseDeploy(name, *body);
    if (!r.ok()) return ErrorResponse(r.status());
    if (Status st = registry::ModelRepository::CheckModelName(name); !st.ok())
      return ErrorResponse(400, "deployment name: " + st.message());
    return Written(serve::ApplyDeploy(store_, repository, *r, NowMillis()));
  }
  auto reason = TextField(*body, "reason");
  if (!reason.ok()) return ErrorResponse(reason.status());
  return Written(action == "promote"
                     ? serve::ApplyPromote(store_, repository, name, *reason, NowMillis())
                     : serve::ApplyRollback(store_, repository, name, *reason, NowMillis()));
}

}  // namespace lathe::server
