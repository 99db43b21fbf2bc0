// JSON over HTTP, shared by every API Lathe serves (the model server's REST APIs, the UI's API):
// JSON answers, errors as {"error": "..."} with the HTTP status that fits the Status code, request
// bodies parsed as JSON objects, and request targets split into a path and decoded query values.
//
// Pure functions; thread-safe.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "lathe/core/status.h"
#include "lathe/serve/rest_api.h"

namespace lathe::serve {

HttpResponse JsonResponse(int status, const nlohmann::json& body);
HttpResponse ErrorResponse(int status, std::string_view message);
// The HTTP status that fits a Status code: INVALID_ARGUMENT and OUT_OF_RANGE 400, NOT_FOUND 404,
// PERMISSION_DENIED 403, FAILED_PRECONDITION 412, UNAVAILABLE 503, others 500.
int HttpStatusOf(const Status& status);
HttpResponse ErrorResponse(const Status& status);

// The body parsed as a JSON object; INVALID_ARGUMENT naming what is wrong (empty, malformed, not
// an object).
Result<nlohmann::json> ParseBody(const HttpRequest& request);

// A request target split at '?': the path, and the query's NAME=VALUE pairs percent-decoded
// ('+' is a space in values). A repeated name keeps its last value. INVALID_ARGUMENT for a bad
// percent escape, naming the parameter.
struct RequestTarget {
  std::string path;
  std::map<std::string, std::string, std::less<>> query;

  // The query value of `name`, or `fallback` when absent.
  std::string Get(std::string_view name, std::string_view fallback = "") const;
};
Result<RequestTarget> ParseTarget(std::string_view target);

}  // namespace lathe::serve
