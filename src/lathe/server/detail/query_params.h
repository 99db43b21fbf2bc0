// Typed query parameters of the UI's API (server/ui_api.h), and its JSON answers: each returns the
// value, the fallback when the parameter is absent or empty, or INVALID_ARGUMENT naming the
// parameter and what it must be. Pure functions; thread-safe.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "lathe/core/status.h"
#include "lathe/serve/http_json.h"

namespace lathe::server::detail {

// A record id in a path: a positive whole number ("artifact id 'x' is not ...").
Result<int64_t> ParseId(const std::string& text, std::string_view what);

// A whole number in [lo, hi].
Result<int> IntParam(const serve::RequestTarget& t, std::string_view name, int fallback, int lo,
                     int hi);
// An id parameter (positive whole number); `fallback` when absent.
Result<int64_t> IdParam(const serve::RequestTarget& t, std::string_view name, int64_t fallback);
// true|1 or false|0.
Result<bool> BoolParam(const serve::RequestTarget& t, std::string_view name);
// A parameter that must be present and not empty.
Result<std::string> RequiredParam(const serve::RequestTarget& t, std::string_view name);

// One of `choices` (the first is the default when absent).
template <typename T>
Result<T> ChoiceParam(const serve::RequestTarget& t, std::string_view name,
                      std::initializer_list<std::pair<std::string_view, T>> choices) {
  std::string v = t.Get(name, choices.begin()->first);
  std::string names;  // "a, b or c"
  size_t i = 0;
  for (const auto& [text, value] : choices) {
    if (v == text) return value;
    names += i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ";
    names += text;
    ++i;
  }
  return InvalidArgumentError(
      fmt::format("parameter {} must be {}, not '{}'", name, names, v.substr(0, 40)));
}

// 200 with the JSON, or the error's status and message.
inline serve::HttpResponse FromResult(const Result<nlohmann::json>& j) {
  return j.ok() ? serve::JsonResponse(200, *j) : serve::ErrorResponse(j.status());
}

}  // namespace lathe::server::detail
