#include "lathe/serve/http_json.h"

#include <fmt/format.h>

#include "lathe/core/json_depth.h"

namespace lathe::serve {

HttpResponse JsonResponse(int status, const nlohmann::json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

HttpResponse ErrorResponse(int status, std::string_view message) {
  return JsonResponse(status, {{"error", std::string(message)}});
}

int HttpStatusOf(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
      return 400;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kFailedPrecondition:
      return 412;
    case StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

HttpResponse ErrorResponse(const Status& status) {
  return ErrorResponse(HttpStatusOf(status), status.message());
}

Result<nlohmann::json> ParseBody(const HttpRequest& request) {
  if (request.body.empty()) return InvalidArgumentError("the request has no body (JSON expected)");
  auto j = ParseJsonText(request.body);
  if (!j.ok()) return InvalidArgumentError("malformed JSON: " + j.status().message());
  if (!j->is_object()) return InvalidArgumentError("the request body must be a JSON object");
  return j;
}

namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `text`; nullopt for a '%' not followed by two hex digits.
std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = HexDigit(text[i + 1]), lo = HexDigit(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

std::string RequestTarget::Get(std::string_view name, std::string_view fallback) const {
  auto it = query.find(name);
  return it == query.end() ? std::string(fallback) : it->second;
}

Result<RequestTarget> ParseTarget(std::string_view target) {
  RequestTarget out;
  size_t q = target.find('?');
  auto path = PercentDecode(target.substr(0, q));
  if (!path) return InvalidArgumentError("the request path has a malformed percent escape");
  out.path = std::move(*path);
  if (q == std::string_view::npos) return out;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto name = PercentDecode(pair.substr(0, eq));
    auto value = PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!name || !value)
      return InvalidArgumentError(fmt::format("query parameter '{}' has a malformed percent escape",
                                              pair.substr(0, std::min<size_t>(eq, 40))));
    out.query[std::move(*name)] = std::move(*value);
  }
  return out;
}

}  // namespace lathe::serve
