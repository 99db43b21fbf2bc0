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

#include "lathe/core/status.h"

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

// Where and how long jobs run, as `lathe run` was told (--slurm-partition, --slurm-time,
// --slurm-arg); empty fields are left to the cluster.
struct Placement {
  std::string partition;
  std::string time_limit;
  std::vector<std::string> extra_args;
};
// `sbatch --parsable OPTIONS PLACEMENT SCRIPT`: the new job's id, or UNAVAILABLE with what sbatch
// said.
Result<std::string> SubmitBatchJob(const std::vector<std::string>& options,
                                   const Placement& placement, const std::filesystem::path& script);

}  // namespace lathe::orchestrate::detail
