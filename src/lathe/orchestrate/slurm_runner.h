// The Slurm runner: each node of a pipeline run is a Slurm batch job (sbatch) that runs that
// node's driver, executor and publisher (`lathe run PIPELINE --only NODE --run-id RUN`) against
// the shared store and artifact root, started after its upstream nodes' jobs succeeded
// (`--dependency=afterok:...`, `--kill-on-invalid-dep=yes`). This process records the run, submits
// the jobs, follows them (squeue, then sacct for jobs Slurm no longer lists) and records what the
// jobs could not: a job killed by Slurm (time limit, node failure, out of memory, scancel) leaves
// its execution FAILED with the job's state and log; a job that never started leaves its node
// skipped (an upstream node failed) or canceled. Cancelling (Ctrl-C) cancels every job (scancel).
// The cache works as in the local runner: a job whose node is cached ends at once.
//
// The store must be reachable from every Slurm node (PostgreSQL; a SQLite file only on one
// machine), the artifact root, the pipeline file and the lathe command must be at the same paths
// on every node (a shared file system). Not thread-safe; one run per call.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "lathe/orchestrate/local_runner.h"

namespace lathe::orchestrate {

struct SlurmOptions {
  std::string lathe_binary;  // the lathe command the jobs run
  // Global options the jobs' lathe needs (--store URI, --artifacts DIR, --model-repository DIR).
  std::vector<std::string> lathe_global_args;
  std::string partition;                // sbatch --partition; empty: the cluster's default
  std::string time_limit;               // sbatch --time; empty: the partition's default
  std::vector<std::string> extra_args;  // more sbatch options, passed as they are
  // Job scripts and logs (<node>.sbatch, <node>.log); default <artifact_root>/.logs/<run>.
  std::filesystem::path log_dir;
  int poll_interval_ms = 500;
  // Where the node jobs run shardable nodes' shard tasks: "slurm" (a job array each, with the
  // partition, time limit and extra options above) or "local" (processes inside the node's job).
  std::string shard_engine = "slurm";
};

// Runs `graph` on Slurm. Fails (INVALID_ARGUMENT, UNAVAILABLE) before recording anything when a
// node cannot be submitted, after cancelling the jobs already submitted; afterwards the report
// says how each node ended, as the local runner's does.
Result<RunReport> RunPipelineOnSlurm(metadata::MetadataStore& store,
                                     const pipeline::PipelineGraph& graph,
                                     const RunOptions& options, const SlurmOptions& slurm,
                                     const std::atomic<bool>* cancelled);

}  // namespace lathe::orchestrate
