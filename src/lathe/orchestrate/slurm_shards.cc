#include "lathe/orchestrate/slurm_shards.h"

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "lathe/core/fs.h"
#include "lathe/core/subprocess.h"
#include "lathe/orchestrate/detail/slurm_jobs.h"

namespace lathe::orchestrate {

namespace fs = std::filesystem;

Status SlurmShardLauncher::Run(const pipeline::ShardRequest& r) const {
  const fs::path script = r.log_dir / "shards.sbatch";
  std::string text = "#!/bin/sh\n# lathe: shard tasks of " + r.task_file.string() + "\nexec";
  for (const auto& word :
       {o_.lathe_binary, std::string("shard"), std::string("run"), r.task_file.string()})
    text += " " + detail::ShellQuote(word);
  text += " \"$SLURM_ARRAY_TASK_ID\"\n";
  LATHE_RETURN_IF_ERROR(WriteTextFile(script, text));
  auto submitted =
      detail::SubmitBatchJob({fmt::format("--array=0-{}", r.count - 1), "--job-name=lathe:shards",
                              "--output=" + (r.log_dir / "shard-%a.log").string(),
                              "--chdir=" + r.log_dir.string(), "--cpus-per-task=1",
                              // One thread per task, as local shard processes have.
                              "--export=ALL,LATHE_THREADS=1,OMP_NUM_THREADS=1"},
                             {o_.partition, o_.time_limit, o_.extra_args}, script);
  if (!submitted.ok())
    return UnavailableError(
        fmt::format("sbatch refused the shard tasks: {}", submitted.status().message()));
  const std::string id = *submitted;

  std::vector<detail::Job> tasks;
  for (int i = 0; i < r.count; ++i)
    tasks.push_back({.node = static_cast<size_t>(i),
                     .id = fmt::format("{}_{}", id, i),
                     .log = r.log_dir / fmt::format("shard-{}.log", i)});
  bool cancel_sent = false;
  auto give_up = std::chrono::steady_clock::time_point::max();
  std::string failure;
  while (true) {
    detail::QueryStates(tasks);
    bool ended = true;
    for (const auto& t : tasks) {
      ended = ended && detail::Terminal(t.state);
      if (failure.empty() && detail::Terminal(t.state) && t.state != "COMPLETED")
        failure = fmt::format("shard task {} of {}: {}; Slurm job {} ended {} (log: {})", t.node,
                              r.count, pipeline::LastLogLine(t.log), t.id, t.state, t.log.string());
    }
    const bool cancel = (r.cancelled != nullptr && r.cancelled->load()) || !failure.empty();
    if (cancel && !cancel_sent) {
      RunProgram({"scancel", id});
      cancel_sent = true;
      give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    }
    if (ended || std::chrono::steady_clock::now() > give_up) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(o_.poll_interval_ms));
  }
  if (r.cancelled != nullptr && r.cancelled->load())
    return Status(StatusCode::kCancelled, "cancelled");
  if (!failure.empty()) return FailedPreconditionError(failure);
  return Status::Ok();
}

}  // namespace lathe::orchestrate
