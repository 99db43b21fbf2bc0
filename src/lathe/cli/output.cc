#include "lathe/cli/output.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "lathe/core/clock.h"
#include "lathe/core/fs.h"
#include "lathe/core/json_depth.h"
#include "lathe/core/strings.h"
#include "lathe/metadata/store_uri.h"

namespace lathe::cli {

CLI::Validator StoreUriValidator() {
  return CLI::Validator(
      [](std::string& uri) {
        auto parsed = metadata::ParseStoreUri(uri);
        return parsed.ok() ? std::string() : parsed.status().message();
      },
      "STORE_URI");
}

Result<std::unique_ptr<metadata::MetadataStore>> OpenStore(const GlobalOptions& g, bool create) {
  metadata::StoreOptions options;
  options.create_if_missing = create;
  return metadata::MetadataStore::Open(g.store_uri, options);
}

Result<std::unique_ptr<metadata::MetadataStore>> OpenStoreReadOnly(const GlobalOptions& g) {
  metadata::StoreOptions options;
  options.create_if_missing = false;
  options.read_only = true;
  return metadata::MetadataStore::Open(g.store_uri, options);
}

int ReportError(const Status& status) {
  std::fprintf(stderr, "lathe: error: %s\n", status.message().c_str());
  return kExitFailure;
}

int ReportStartError(const Status& status) {
  return status.code() == StatusCode::kInvalidArgument ? ReportUsageError(status)
                                                       : ReportError(status);
}

sigset_t BlockTermination() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int WaitForTermination(const sigset_t& signals) {
  int sig = 0;
  while (sigwait(&signals, &sig) != 0) {
  }
  return sig;
}

int ReportRequestError(const Status& status) {
  return status.code() == StatusCode::kInvalidArgument ? ReportUsageError(status)
                                                       : ReportError(status);
}

int ReportUsageError(const Status& status) {
  std::fprintf(stderr, "lathe: error: %s\n", status.message().c_str());
  return kExitUsage;
}

void PrintJson(const nlohmann::json& j) {
  std::printf("%s\n", JsonText(j, 2).c_str());
}

void JsonListWriter::Add(const nlohmann::json& item) {
  std::string text = JsonText(item, 2);
  std::string indented;
  for (char c : text) {
    indented += c;
    if (c == '\n') indented += "    ";
  }
  std::printf("%s\n    %s", started_ ? "," : "{\n  \"items\": [", indented.c_str());
  started_ = true;
}

void JsonListWriter::Finish(const nlohmann::json& rest) {
  std::printf("%s", started_ ? "\n  ]" : "{\n  \"items\": []");
  for (auto it = rest.begin(); it != rest.end(); ++it)
    std::printf(",\n  %s: %s", JsonText(it.key()).c_str(), JsonText(it.value(), 2).c_str());
  std::printf("\n}\n");
}

Result<std::string> ReadTokenFile(const std::string& file, const char* flag) {
  if (file.empty()) return std::string();
  LATHE_ASSIGN_OR_RETURN(std::string text, ReadTextFile(file, "token", 4096));
  std::string token(Trim(text));
  if (token.size() < 16 || token.find_first_of(" \t\r\n") != std::string::npos)
    return InvalidArgumentError(fmt::format(
        "{} {}: a token is one line of at least 16 characters without spaces", flag, file));
  return token;
}

std::string FormatTime(int64_t millis) {
  return FormatMillisUtc(millis);
}

FileProgress::FileProgress(const std::string& path) : path_(path) {
  std::error_code ec;
  size_ = static_cast<int64_t>(std::filesystem::file_size(path, ec));
  active_ = !ec && size_ > (32 << 20) && isatty(fileno(stderr));
}

std::function<void(int64_t)> FileProgress::callback() {
  if (!active_) return nullptr;
  return [this](int64_t bytes) {
    shown_ = true;
    std::fprintf(stderr, "\r\x1b[2Kreading %s: %3.0f%% (%lld of %lld MB)", path_.c_str(),
                 100.0 * static_cast<double>(bytes) / static_cast<double>(size_),
                 static_cast<long long>(bytes >> 20), static_cast<long long>(size_ >> 20));
  };
}

void FileProgress::Done() {
  if (shown_) std::fprintf(stderr, "\r\x1b[2K");
  shown_ = false;
}

Result<std::unique_ptr<OutputFile>> OutputFile::Open(const std::string& path) {
  std::unique_ptr<OutputFile> out(new OutputFile());
  if (path.empty() || path == "-") {
    out->file_ = stdout;
    out->path_ = "standard output";
    return out;
  }
  out->path_ = path;
  out->temp_ = fmt::format("{}.tmp-{}", path, getpid());
  out->file_ = std::fopen(out->temp_.c_str(), "w");
  if (out->file_ == nullptr)
    return DataLossError(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  return out;
}

OutputFile::~OutputFile() {
  if (closed_ || file_ == nullptr || file_ == stdout) return;
  std::fclose(file_);
  std::remove(temp_.c_str());
}

void OutputFile::Write(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), file_);
}

Status OutputFile::Close() {
  closed_ = true;
  bool failed = std::fflush(file_) != 0 || std::ferror(file_) != 0;
  if (file_ == stdout)
    return failed ? DataLossError("cannot write to standard output") : Status::Ok();
  failed = std::fclose(file_) != 0 || failed;
  if (!failed && std::rename(temp_.c_str(), path_.c_str()) == 0) return Status::Ok();
  const int err = errno;
  std::remove(temp_.c_str());
  return DataLossError(fmt::format("cannot write {}: {}", path_, std::strerror(err)));
}

Result<std::pair<std::string, std::string>> SplitAssignment(const std::string& item,
                                                            const char* what) {
  size_t eq = item.find('=');
  if (eq == std::string::npos || eq == 0)
    return InvalidArgumentError(fmt::format("{} '{}' must look like NAME=VALUE", what, item));
  return std::pair{item.substr(0, eq), item.substr(eq + 1)};
}

}  // namespace lathe::cli
