#include "lathe/components/detail/shard_tasks.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

#include "lathe/core/fs.h"
#include "lathe/core/threads.h"

namespace lathe::components::detail {

namespace fs = std::filesystem;

namespace {

using ShardWork = Result<nlohmann::json> (*)(const nlohmann::json&, const nlohmann::json&,
                                             const fs::path&, const std::atomic<bool>*);

Result<ShardWork> WorkOf(const std::string& component) {
  if (component == "ExampleGen") return &ExampleGenShard;
  if (component == "StatisticsGen") return &StatisticsGenShard;
  return InvalidArgumentError(fmt::format("no shard tasks for component '{}'", component));
}

fs::path PartDir(const fs::path& dir, size_t index) {
  return dir / fmt::format("part-{}", index);
}

// Task `index` of `file`'s content, its result written last.
Status RunTask(const nlohmann::json& file, const fs::path& dir, size_t index,
               const std::atomic<bool>* cancelled) {
  LATHE_ASSIGN_OR_RETURN(ShardWork work, WorkOf(file.at("component").get<std::string>()));
  const fs::path part = PartDir(dir, index);
  std::error_code ec;
  fs::remove_all(part, ec);
  fs::create_directories(part, ec);
  if (ec) return DataLossError(fmt::format("cannot create {}: {}", part.string(), ec.message()));
  LATHE_ASSIGN_OR_RETURN(nlohmann::json result,
                         work(file.at("common"), file.at("tasks").at(index), part, cancelled));
  // CBOR: binary numbers (exact, and far cheaper to write and read than decimal text).
  const std::vector<uint8_t> bytes = nlohmann::json::to_cbor(result);
  return WriteTextFile(part / "result.cbor",
                       std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace

std::vector<std::pair<size_t, size_t>> ShardRanges(const std::vector<uint64_t>& weights,
                                                   int count) {
  const size_t n = weights.size();
  const size_t k = std::min(n, static_cast<size_t>(std::max(1, count)));
  long double total = 0;
  for (uint64_t w : weights) total += static_cast<long double>(w) + 1;  // +1: no empty items
  std::vector<std::pair<size_t, size_t>> out;
  size_t begin = 0;
  long double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    sum += static_cast<long double>(weights[i]) + 1;
    // Cut after item i once its range reaches its share, leaving an item for each later range.
    const size_t left = k - out.size() - 1;
    if (left > 0 && (sum >= total * (out.size() + 1) / k || n - i - 1 == left)) {
      out.emplace_back(begin, i + 1);
      begin = i + 1;
    }
  }
  if (begin < n) out.emplace_back(begin, n);
  return out;
}

Result<std::vector<nlohmann::json>> RunShardTasks(const pipeline::ExecutionRequest& r,
                                                  const std::string& component, const fs::path& dir,
                                                  const nlohmann::json& common,
                                                  const std::vector<nlohmann::json>& tasks) {
  const nlohmann::json file = {{"component", component}, {"common", common}, {"tasks", tasks}};
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return DataLossError(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  const fs::path task_file = dir / "tasks.json";
  LATHE_RETURN_IF_ERROR(WriteTextFile(task_file, file.dump() + "\n"));
  if (r.shard_launcher != nullptr && tasks.size() > 1) {
    // Beside the node's log (the staging directory goes once the node ends).
    const fs::path logs = r.log_path.parent_path() / (r.node + ".shards") / dir.filename();
    fs::create_directories(logs, ec);
    if (ec) return DataLossError(fmt::format("cannot create {}: {}", logs.string(), ec.message()));
    std::ofstream(r.log_path, std::ios::app)
        << fmt::format("{}: {} shard tasks ({}), logs in {}\n", component, tasks.size(),
                       r.shard_launcher->engine(), logs.string());
    LATHE_RETURN_IF_ERROR(
        r.shard_launcher->Run({.task_file = task_file,
                               .count = static_cast<int>(tasks.size()),
                               .parallel = r.threads,
                               .log_dir = logs,
                               .cancelled = r.cancelled,
                               .in_process = [&](int index, const std::atomic<bool>* stop) {
                                 ScopedThreadBudget one(1);
                                 return RunTask(file, dir, static_cast<size_t>(index), stop);
                               }}));
  } else {
    for (size_t i = 0; i < tasks.size(); ++i) {
      if (r.cancelled != nullptr && r.cancelled->load())
        return Status(StatusCode::kCancelled, "cancelled");
      LATHE_RETURN_IF_ERROR(RunTask(file, dir, i, r.cancelled));
    }
  }
  std::vector<nlohmann::json> results;
  for (size_t i = 0; i < tasks.size(); ++i) {
    const fs::path path = PartDir(dir, i) / "result.cbor";
    auto bytes = ReadTextFile(path, "shard result", size_t{4} << 30);
    if (!bytes.ok())
      return DataLossError(fmt::format("shard task {} of {} left no result ({})", i, tasks.size(),
                                       bytes.status().message()));
    try {
      results.push_back(nlohmann::json::from_cbor(*bytes));
    } catch (const nlohmann::json::exception& e) {
      return DataLossError(fmt::format("{}: {}", path.string(), e.what()));
    }
  }
  return results;
}

Status RunShardTask(const fs::path& task_file, int index) {
  LATHE_ASSIGN_OR_RETURN(nlohmann::json file, ReadJsonFile(task_file));
  try {
    if (!file.is_object() || !file.contains("component") || !file.contains("tasks") ||
        !file["tasks"].is_array())
      return InvalidArgumentError(fmt::format("{} is not a shard task file", task_file.string()));
    if (index < 0 || static_cast<size_t>(index) >= file["tasks"].size())
      return InvalidArgumentError(fmt::format("{} has tasks 0 to {}, not {}", task_file.string(),
                                              file["tasks"].size() - 1, index));
    return RunTask(file, task_file.parent_path(), static_cast<size_t>(index), nullptr);
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(fmt::format("{}: {}", task_file.string(), e.what()));
  }
}

}  // namespace lathe::components::detail
