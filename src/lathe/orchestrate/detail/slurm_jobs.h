// Following Slurm jobs from the submitting process: job states from squeue (jobs the controller
// still holds, ended ones included), then from the accounting records (sacct) or, without an
// accounting database, the job completion log (sacct --completion). Shared by the Slurm runner
// (a job per node) and the shard launcher (a job array per shardable node). Stateless functions;
// thread-safe.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace lathe::orchestrate::detail {

// A Slurm job (or one task of a job array, "ID_TASK") being followed.
struct Job {
  size_t node = 0;  // what the caller submitted it for
  std::string id;
  std::string state = "PENDING";
  std::string reason;
  std::filesystem::path log;
};

// A word for /bin/sh: single-quoted, with embedded quotes closed and escaped.
std::string ShellQuote(const std::string& s);
// True for the states a job never leaves (COMPLETED, FAILED, CANCELLED, TIMEOUT, ...).
bool Terminal(const std::string& state);
// Updates the state of every job not yet ended; a job neither command knows keeps its state.
void QueryStates(std::vector<Job>& jobs);

}  // namespace lathe::orchestrate::detail
