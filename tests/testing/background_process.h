// A command running in the background for end-to-end tests (a server): started through /bin/sh in
// a directory, its stdout and stderr in files, stopped by a signal. The destructor kills it.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "testing/temp_dir.h"

namespace lathe::testing {

class BackgroundProcess {
 public:
  BackgroundProcess(const std::string& command, const std::filesystem::path& cwd);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  // Waits until stdout contains `text` (true) or the process exits or `timeout` passes (false).
  bool WaitForOutput(const std::string& text, std::chrono::milliseconds timeout);
  // Sends `signal` and waits for the exit; returns the exit code (-1 after a kill or a timeout).
  int Stop(int signal, std::chrono::milliseconds timeout);
  std::string out() const;
  std::string err() const;

 private:
  TempDir logs_;
  int pid_ = -1;
  int exit_code_ = -1;
};

}  // namespace lathe::testing
