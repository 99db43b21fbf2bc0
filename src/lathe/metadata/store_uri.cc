#include "lathe/metadata/store_uri.h"

#include <fmt/format.h>

namespace lathe::metadata {

Result<StoreUri> ParseStoreUri(std::string_view uri) {
  size_t sep = uri.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return InvalidArgumentError(fmt::format(
        "store URI '{}' has no scheme; expected sqlite://PATH (e.g. sqlite://.lathe/metadata.db)",
        uri));
  }
  StoreUri out{std::string(uri.substr(0, sep)), std::string(uri.substr(sep + 3))};
  if (out.scheme != "sqlite") {
    return InvalidArgumentError(fmt::format(
        "store URI '{}': unsupported scheme '{}' (supported: sqlite)", uri, out.scheme));
  }
  if (out.path.empty()) {
    return InvalidArgumentError(fmt::format("store URI '{}' names no database file", uri));
  }
  return out;
}

}  // namespace lathe::metadata
