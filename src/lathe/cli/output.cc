#include "lathe/cli/output.h"

#include <fmt/format.h>

#include <cstdio>

#include "lathe/core/clock.h"

namespace lathe::cli {

Result<std::unique_ptr<metadata::MetadataStore>> OpenStore(const GlobalOptions& g, bool create) {
  metadata::StoreOptions options;
  options.create_if_missing = create;
  return metadata::MetadataStore::Open(g.store_uri, options);
}

int ReportError(const Status& status) {
  std::fprintf(stderr, "lathe: error: %s\n", status.message().c_str());
  return status.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
}

void PrintJson(const nlohmann::json& j) {
  std::printf("%s\n", j.dump(2).c_str());
}

std::string FormatTime(int64_t millis) {
  return FormatMillisUtc(millis);
}

Result<std::pair<std::string, std::string>> SplitAssignment(const std::string& item,
                                                            const char* what) {
  size_t eq = item.find('=');
  if (eq == std::string::npos || eq == 0)
    return InvalidArgumentError(fmt::format("{} '{}' must look like NAME=VALUE", what, item));
  return std::pair{item.substr(0, eq), item.substr(eq + 1)};
}

}  // namespace lathe::cli
