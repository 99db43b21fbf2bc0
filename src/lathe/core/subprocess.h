// Running a short-lived program and capturing what it prints: exactly these arguments (no shell,
// so no text is ever interpreted), found on PATH, standard input empty. For tools Lathe asks
// questions of (git, sbatch, squeue); pipeline steps have their own launcher. Thread-safe.
#pragma once

#include <string>
#include <vector>

namespace lathe {

struct ProgramResult {
  // The exit status; 128 + the signal for a program killed by one; -1 when it could not start.
  int exit_code = -1;
  // Its standard output (and standard error with merge_stderr), trailing whitespace trimmed; the
  // reason when it could not start.
  std::string output;
};

// Runs `argv` to its end. Without `merge_stderr` its standard error is discarded.
ProgramResult RunProgram(const std::vector<std::string>& argv, bool merge_stderr = false);

}  // namespace lathe
