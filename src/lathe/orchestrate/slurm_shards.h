// Shard tasks as a Slurm job array: one `sbatch --array=0-(N-1)` job whose task i runs
// `lathe shard run TASK_FILE i` (pipeline/shards.h) on whichever node Slurm picks, followed with
// squeue/sacct until every task has ended; Ctrl-C (the cancel flag) or a failed task cancels the
// rest (scancel). The node's own job waits meanwhile, as a TFX executor waits for its Beam job:
// give the cluster room for both (on one machine, more CPUs than the node's job takes).
//
// The task file's directory, the input files and the lathe command must be at the same paths on
// every Slurm node (a shared file system). Immutable once made; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "lathe/pipeline/shards.h"

namespace lathe::orchestrate {

struct SlurmShardOptions {
  std::string lathe_binary;             // the lathe command the tasks run
  std::string partition;                // sbatch --partition; empty: the cluster's default
  std::string time_limit;               // sbatch --time; empty: the partition's default
  std::vector<std::string> extra_args;  // more sbatch options, passed as they are
  int poll_interval_ms = 300;
};

class SlurmShardLauncher final : public pipeline::ShardLauncher {
 public:
  explicit SlurmShardLauncher(SlurmShardOptions options) : o_(std::move(options)) {}
  std::string engine() const override { return "slurm"; }
  // `request.parallel` is left to Slurm (each task takes one CPU). UNAVAILABLE when sbatch
  // refuses the array; FAILED_PRECONDITION naming the first task that did not complete and its
  // log; CANCELLED.
  Status Run(const pipeline::ShardRequest& request) const override;

 private:
  SlurmShardOptions o_;
};

}  // namespace lathe::orchestrate
