// Store URIs: "sqlite:///abs/path.db", "sqlite://relative/path.db", "sqlite://:memory:", and
// PostgreSQL URIs as libpq reads them: "postgresql://[user[:password]@][host][:port][/dbname]
// [?param=value&...]" (also "postgres://"). A password is better kept in ~/.pgpass or
// PGPASSFILE than in the URI, which shows in process lists.
#pragma once

#include <string>
#include <string_view>

#include "lathe/core/status.h"

namespace lathe::metadata {

struct StoreUri {
  std::string scheme;  // "sqlite" or "postgresql"
  std::string path;    // sqlite: file path or ":memory:"; postgresql: the whole URI for libpq
};

// INVALID_ARGUMENT naming the URI and the accepted forms when it does not parse.
Result<StoreUri> ParseStoreUri(std::string_view uri);

// The URI with any password replaced by "***", for messages, logs and reports.
std::string RedactStoreUri(std::string_view uri);

}  // namespace lathe::metadata
