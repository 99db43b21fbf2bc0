// Test helpers: a temporary directory removed at destruction, and running the lathe binary.
#pragma once

#include <filesystem>
#include <string>

namespace lathe::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

void WriteFile(const std::filesystem::path& path, const std::string& content);
std::string ReadFile(const std::filesystem::path& path);

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `command` through /bin/sh in `cwd`, capturing stdout and stderr.
CommandResult RunCommand(const std::string& command, const std::filesystem::path& cwd);

}  // namespace lathe::testing
