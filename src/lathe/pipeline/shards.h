// Shard tasks: a shardable component's data work (ExampleGen's input files, StatisticsGen's row
// groups) split into `count` tasks that run in separate processes, each `lathe shard run
// TASK_FILE INDEX`, writing its part beside the task file; the component's executor then merges
// the parts in task order, so the result is the same for any number of shards. A ShardLauncher
// decides where the processes run: this machine (LocalShardLauncher) or a Slurm job array
// (orchestrate/slurm_shards.h).
//
// Launchers are immutable once made and safe to use from several executors at once.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>

#include "lathe/core/status.h"

namespace lathe::pipeline {

struct ShardRequest {
  std::filesystem::path task_file;  // JSON the tasks read (components/detail/shard_tasks.h)
  int count = 1;                    // tasks 0 .. count-1
  int parallel = 1;                 // at most this many at once here (the node's threads)
  std::filesystem::path log_dir;    // each task's output goes to shard-<index>.log there (exists)
  const std::atomic<bool>* cancelled = nullptr;
  // Runs task `index` in the calling process, if set: a launcher whose tasks run on this machine
  // uses it for task 0 (on the executor's own thread, which would otherwise sit waiting), saving a
  // process start; the others still run as processes. The task stops (CANCELLED) once `stop` is
  // set: on cancel, or when another task failed.
  std::function<Status(int index, const std::atomic<bool>* stop)> in_process;
};

// The last line a task wrote to its log, to quote in its failure ("" if none).
std::string LastLogLine(const std::filesystem::path& log);

class ShardLauncher {
 public:
  virtual ~ShardLauncher() = default;
  // "local", "slurm": recorded with the execution.
  virtual std::string engine() const = 0;
  // Runs every task to its end. OK when each exited 0; else FAILED_PRECONDITION naming the first
  // failed task and its log, CANCELLED when `cancelled` was set (the tasks still running are
  // stopped), UNAVAILABLE when the tasks could not be started.
  virtual Status Run(const ShardRequest& request) const = 0;
};

// Tasks as child processes of this one: `lathe_binary shard run TASK_FILE INDEX`, at most
// `parallel` at once (task 0 through `in_process` when set, counted among them), each with one
// thread (LATHE_THREADS=1, OMP_NUM_THREADS=1), so that shards share the node's threads instead of
// multiplying them. The first failure stops the processes not yet ended.
class LocalShardLauncher final : public ShardLauncher {
 public:
  explicit LocalShardLauncher(std::string lathe_binary) : binary_(std::move(lathe_binary)) {}
  std::string engine() const override { return "local"; }
  Status Run(const ShardRequest& request) const override;

 private:
  std::string binary_;
};

}  // namespace lathe::pipeline
