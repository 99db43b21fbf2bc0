// What every command shares: global options, opening the store, printing results and errors.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "lathe/core/status.h"
#include "lathe/metadata/metadata_store.h"

namespace lathe::cli {

// Exit codes of the lathe command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct GlobalOptions {
  std::string store_uri = "sqlite://.lathe/metadata.db";
  std::string artifacts_dir = ".lathe/artifacts";
  bool json = false;
  bool verbose = false;
};

// Opens the store named by --store. Read-only commands pass create=false so that a mistyped
// path is reported instead of silently creating an empty store.
Result<std::unique_ptr<metadata::MetadataStore>> OpenStore(const GlobalOptions& g, bool create);

// Prints "lathe: error: ..." to stderr and returns the exit code for the status: 2 for
// INVALID_ARGUMENT (a bad argument value), 1 otherwise.
int ReportError(const Status& status);

void PrintJson(const nlohmann::json& j);

// "2026-11-27 04:43:19" (UTC) for milliseconds since the epoch.
std::string FormatTime(int64_t millis);

// Progress of reading `path` on stderr when it is a terminal and the file is large (over 32 MB);
// nothing otherwise. Call the returned function with bytes read; Done() clears the line.
class FileProgress {
 public:
  explicit FileProgress(const std::string& path);
  ~FileProgress() { Done(); }
  std::function<void(int64_t)> callback();
  void Done();

 private:
  std::string path_;
  int64_t size_ = 0;
  bool active_ = false;
  bool shown_ = false;
};

// Parses "--property k=v" items: INVALID_ARGUMENT without '='.
Result<std::pair<std::string, std::string>> SplitAssignment(const std::string& item,
                                                            const char* what);

}  // namespace lathe::cli
