// What every command shares: global options, opening the store, printing results and errors.
#pragma once

#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
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
  std::string model_repository = ".lathe/models";
  bool json = false;
  bool verbose = false;
};

// CLI11 check of --store: a URI Lathe can open (a malformed one is a usage error).
CLI::Validator StoreUriValidator();

// Opens the store named by --store. Read-only commands pass create=false so that a mistyped
// path is reported instead of silently creating an empty store.
Result<std::unique_ptr<metadata::MetadataStore>> OpenStore(const GlobalOptions& g, bool create);
// For commands that only read: works on a store file the user may not write.
Result<std::unique_ptr<metadata::MetadataStore>> OpenStoreReadOnly(const GlobalOptions& g);

// Prints "lathe: error: ..." to stderr and returns exit code 1: the command failed (bad data, a
// missing artifact, a failed run). Errors in the command line itself go to ReportUsageError.
int ReportError(const Status& status);
// The same for a malformed command line (an argument value the command cannot parse, such as a
// filter or NAME=VALUE item): exit code 2.
int ReportUsageError(const Status& status);
// For a store query built from the command line (a listing's filter and page token, a lineage
// request): INVALID_ARGUMENT means the command line was malformed (2); anything else failed (1).
int ReportRequestError(const Status& status);

// The bearer token in `file` (named by option `flag` in errors): one line of at least 16
// characters without spaces; "" for no file. INVALID_ARGUMENT otherwise, or the file's error.
Result<std::string> ReadTokenFile(const std::string& file, const char* flag);

// A part of a long-running command (a server) that could not start: a bad option or file
// (INVALID_ARGUMENT, exit 2), or the machine's refusal (a port in use, exit 1).
int ReportStartError(const Status& status);

// For servers that stop on SIGTERM or SIGINT: BlockTermination blocks both in the calling thread
// and so in every thread started after it; WaitForTermination then waits for one and returns it.
sigset_t BlockTermination();
int WaitForTermination(const sigset_t& signals);

void PrintJson(const nlohmann::json& j);

// Prints {"items": [...], ...more} to stdout one item at a time, formatted as PrintJson would
// print the whole object. Construct, Add each item, then Finish with the object's other keys
// (scalars, whose names sort after "items").
class JsonListWriter {
 public:
  void Add(const nlohmann::json& item);
  void Finish(const nlohmann::json& rest);

 private:
  bool started_ = false;
};

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

// Where a command writes its main output: a file (-o PATH) or standard output ("" or "-"). A file
// is written under a temporary name and renamed into place by Close, so a command that fails
// half-way leaves no half-written output (and an older file stays as it was).
class OutputFile {
 public:
  // DATA_LOSS if the file cannot be created.
  static Result<std::unique_ptr<OutputFile>> Open(const std::string& path);
  ~OutputFile();  // an unclosed file is removed
  void Write(std::string_view text);
  // Flushes and moves the file into place; DATA_LOSS naming the path if any write failed.
  Status Close();
  bool is_stdout() const { return file_ == stdout; }
  const std::string& path() const { return path_; }

 private:
  OutputFile() = default;
  std::FILE* file_ = nullptr;
  std::string path_, temp_;
  bool closed_ = false;
};

// Parses "--property k=v" items: INVALID_ARGUMENT without '='.
Result<std::pair<std::string, std::string>> SplitAssignment(const std::string& item,
                                                            const char* what);

}  // namespace lathe::cli
