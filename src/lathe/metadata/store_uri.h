// Store URIs: "sqlite:///abs/path.db", "sqlite://relative/path.db", "sqlite://:memory:".
#pragma once

#include <string>
#include <string_view>

#include "lathe/core/status.h"

namespace lathe::metadata {

struct StoreUri {
  std::string scheme;  // "sqlite"
  std::string path;    // file path, or ":memory:"
};

// INVALID_ARGUMENT naming the URI and the accepted forms when it does not parse.
Result<StoreUri> ParseStoreUri(std::string_view uri);

}  // namespace lathe::metadata
