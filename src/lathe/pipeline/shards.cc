#include "lathe/pipeline/shards.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "lathe/core/strings.h"
#include "lathe/pipeline/command_component.h"

extern char** environ;

namespace lathe::pipeline {

std::string LastLogLine(const std::filesystem::path& log) {
  std::ifstream in(log);
  std::string line, last;
  while (std::getline(in, line))
    if (!Trim(line).empty()) last = line;
  return std::string(Trim(last));
}

Status LocalShardLauncher::Run(const ShardRequest& r) const {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e)
    if (!StartsWith(*e, "LATHE_THREADS=") && !StartsWith(*e, "OMP_NUM_THREADS="))
      env.emplace_back(*e);
  env.push_back("LATHE_THREADS=1");
  env.push_back("OMP_NUM_THREADS=1");

  std::atomic<bool> stop{false};
  std::mutex mu;
  Status first;  // the first failure, in time
  auto failed = [&](int i, const Status& st, const std::string& where) {
    std::lock_guard lock(mu);
    if (first.ok() && !stop.load())
      first = st.code() == StatusCode::kCancelled
                  ? st
                  : FailedPreconditionError(
                        fmt::format("shard task {} of {}: {}{}", i, r.count, where, st.message()));
    stop = true;
  };
  const bool here = static_cast<bool>(r.in_process) && r.count > 1;
  std::atomic<int> next{here ? 1 : 0};
  auto worker = [&] {
    for (int i = next++; i < r.count && !stop.load(); i = next++) {
      const std::vector<std::string> argv = {binary_, "shard", "run", r.task_file.string(),
                                             std::to_string(i)};
      const auto log = r.log_dir / fmt::format("shard-{}.log", i);
      Status st = RunProcess(argv, env, r.log_dir, log, 0, &stop);
      if (!st.ok()) failed(i, st, LastLogLine(log) + "; ");
    }
  };
  // The cancel flag is the caller's; a watcher passes it on to the tasks' own stop flag.
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done.load()) {
      if (r.cancelled != nullptr && r.cancelled->load()) stop = true;
      usleep(20000);
    }
  });
  auto task0 = [&] {
    Status st = r.in_process(0, &stop);
    if (!st.ok()) failed(0, st, "");
  };
  // Task 0 here takes one of the `parallel` slots: alongside the processes, or first if only one.
  if (here && r.parallel <= 1) task0();
  std::vector<std::thread> pool;
  const int n = std::clamp(r.parallel - (here ? 1 : 0), 1, std::max(1, r.count - (here ? 1 : 0)));
  for (int t = 0; t < n && !stop.load(); ++t) pool.emplace_back(worker);
  if (here && r.parallel > 1) task0();
  for (auto& t : pool) t.join();
  done = true;
  watcher.join();
  if (r.cancelled != nullptr && r.cancelled->load())
    return Status(StatusCode::kCancelled, "cancelled");
  return first;
}

}  // namespace lathe::pipeline
