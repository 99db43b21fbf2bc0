#include "lathe/metadata/store_uri.h"

#include <fmt/format.h>

namespace lathe::metadata {

Result<StoreUri> ParseStoreUri(std::string_view uri) {
  size_t sep = uri.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return InvalidArgumentError(
        fmt::format("store URI '{}' has no scheme; expected sqlite://PATH (e.g. "
                    "sqlite://.lathe/metadata.db) or postgresql://[USER@]HOST[:PORT]/DATABASE",
                    RedactStoreUri(uri)));
  }
  StoreUri out{std::string(uri.substr(0, sep)), std::string(uri.substr(sep + 3))};
  if (out.scheme == "postgresql" || out.scheme == "postgres") {
    out.scheme = "postgresql";
    out.path = std::string(uri);
    return out;
  }
  if (out.scheme != "sqlite") {
    return InvalidArgumentError(
        fmt::format("store URI '{}': unsupported scheme '{}' (supported: sqlite, postgresql)",
                    RedactStoreUri(uri), out.scheme));
  }
  if (out.path.empty()) {
    return InvalidArgumentError(fmt::format("store URI '{}' names no database file", uri));
  }
  return out;
}

std::string RedactStoreUri(std::string_view uri) {
  std::string out(uri);
  if (!out.starts_with("postgres")) return out;
  size_t start = out.find("://");
  if (start == std::string::npos) return out;
  start += 3;
  size_t at = out.find('@', start);
  size_t end = out.find_first_of("/?", start);
  if (at != std::string::npos && (end == std::string::npos || at < end)) {
    size_t colon = out.find(':', start);
    if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
  }
  // A password given as a query parameter.
  for (size_t p = out.find("password=", start); p != std::string::npos;
       p = out.find("password=", p + 1)) {
    if (out[p - 1] != '?' && out[p - 1] != '&') continue;
    size_t value = p + 9, stop = out.find('&', value);
    out.replace(value, (stop == std::string::npos ? out.size() : stop) - value, "***");
  }
  return out;
}

}  // namespace lathe::metadata
