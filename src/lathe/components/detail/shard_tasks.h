// Shard tasks of the built-in data components (pipeline/shards.h): writing the task file, running
// the tasks through the node's ShardLauncher (or in this process), collecting each task's result,
// and the entry point of `lathe shard run`.
//
// A task file (<dir>/tasks.json) is {"component": TYPE, "common": {...}, "tasks": [{...}, ...]};
// task i works in <dir>/part-<i>/ and, last, writes its result there as result.cbor (CBOR), so a
// task that died half-way never passes for a finished one. Stateless functions; thread-safe.
#pragma once

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lathe/core/status.h"
#include "lathe/pipeline/component.h"

namespace lathe::components::detail {

// Runs `tasks` of `component` (each with `common`) in <dir>: through `r.shard_launcher` when there
// is one and more than one task, else in this process, one after another. Returns each task's
// result in task order. The launcher's errors as they are (FAILED_PRECONDITION naming the task's
// log, CANCELLED); DATA_LOSS when a task reported success without a result.
Result<std::vector<nlohmann::json>> RunShardTasks(const pipeline::ExecutionRequest& r,
                                                  const std::string& component,
                                                  const std::filesystem::path& dir,
                                                  const nlohmann::json& common,
                                                  const std::vector<nlohmann::json>& tasks);

// `lathe shard run TASK_FILE INDEX`: task INDEX of the file. INVALID_ARGUMENT for a task file
// that is not one or an index outside it; the task's own errors otherwise.
Status RunShardTask(const std::filesystem::path& task_file, int index);

// At most `count` contiguous, non-empty ranges [begin, end) covering the items, of nearly equal
// total weight (rows, bytes), so that the tasks take about as long.
std::vector<std::pair<size_t, size_t>> ShardRanges(const std::vector<uint64_t>& weights, int count);

// The components' task work: reads `common` and `task`, writes into `part_dir` (created), returns
// the task's result; CANCELLED soon after `cancelled` (may be null) is set.
Result<nlohmann::json> ExampleGenShard(const nlohmann::json& common, const nlohmann::json& task,
                                       const std::filesystem::path& part_dir,
                                       const std::atomic<bool>* cancelled);
Result<nlohmann::json> StatisticsGenShard(const nlohmann::json& common, const nlohmann::json& task,
                                          const std::filesystem::path& part_dir,
                                          const std::atomic<bool>* cancelled);

}  // namespace lathe::components::detail
