#include "lathe/server/detail/query_params.h"

#include "lathe/core/strings.h"

namespace lathe::server::detail {

Result<int64_t> ParseId(const std::string& text, std::string_view what) {
  auto id = ParseInt(text);
  if (!id || *id < 1)
    return InvalidArgumentError(
        fmt::format("{} id '{}' is not a positive whole number", what, text.substr(0, 40)));
  return *id;
}

Result<int> IntParam(const serve::RequestTarget& t, std::string_view name, int fallback, int lo,
                     int hi) {
  auto it = t.query.find(name);
  if (it == t.query.end() || it->second.empty()) return fallback;
  auto v = ParseInt(it->second);
  if (!v || *v < lo || *v > hi)
    return InvalidArgumentError(
        fmt::format("parameter {} must be a whole number in {}..{}, not '{}'", name, lo, hi,
                    it->second.substr(0, 40)));
  return static_cast<int>(*v);
}

Result<int64_t> IdParam(const serve::RequestTarget& t, std::string_view name, int64_t fallback) {
  auto it = t.query.find(name);
  if (it == t.query.end() || it->second.empty()) return fallback;
  auto v = ParseInt(it->second);
  if (!v || *v < 1)
    return InvalidArgumentError(
        fmt::format("parameter {} must be an id (a positive whole "
                    "number), not '{}'",
                    name, it->second.substr(0, 40)));
  return *v;
}

Result<bool> BoolParam(const serve::RequestTarget& t, std::string_view name) {
  std::string v = t.Get(name, "false");
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0" || v.empty()) return false;
  return InvalidArgumentError(
      fmt::format("parameter {} must be true or false, not '{}'", name, v.substr(0, 40)));
}

Result<std::string> RequiredParam(const serve::RequestTarget& t, std::string_view name) {
  std::string v = t.Get(name);
  if (v.empty()) return InvalidArgumentError(fmt::format("parameter {} is required", name));
  return v;
}

}  // namespace lathe::server::detail
