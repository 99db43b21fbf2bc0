// What the built-in components share: checking a node's inputs, finding input artifacts'
// directories and split files, and reading the JSON files components write.
#pragma once

#include <filesystem>
#include <functional>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "lathe/core/fs.h"
#include "lathe/core/status.h"
#include "lathe/data/column.h"
#include "lathe/pipeline/component.h"
#include "lathe/stats/dataset_stats.h"

namespace lathe::components {

// Built-in components take no command, code or env.
Status NoCommand(const pipeline::NodeSpec& node, const pipeline::SourceMap& source,
                 const std::string& field);

// Every `required` input is wired and nothing outside `required` and `optional` is.
Status RequireInputs(const pipeline::NodeSpec& node, const pipeline::SourceMap& source,
                     const std::string& field, std::initializer_list<const char*> required,
                     std::initializer_list<const char*> optional = {});

// The artifact of an input that must hold exactly one (INVALID_ARGUMENT otherwise: an empty
// optional resolver feeding a required input, say).
Result<pipeline::InputArtifact> RequiredInput(const pipeline::ExecutionRequest& r,
                                              const std::string& name);
// The directory of an input that must hold exactly one artifact.
Result<std::filesystem::path> OneInput(const pipeline::ExecutionRequest& r,
                                       const std::string& name);
// The directory of an optional input: nullopt when absent or empty (a resolver found nothing).
Result<std::optional<pipeline::InputArtifact>> OptionalInput(const pipeline::ExecutionRequest& r,
                                                             const std::string& name);

// Split files (<split>.<ext>) of an artifact directory, by split name.
std::map<std::string, std::filesystem::path> SplitFiles(const std::filesystem::path& dir,
                                                        const std::string& ext);

// Calls `fn` with each row group of a split of each Examples directory. With `columns`, only
// those columns are read (the ones the file has: a missing one is the consumer's error to
// report). NOT_FOUND names a missing split; INVALID_ARGUMENT says "the train split has 0 rows"
// when the split is empty, before any work.
Status ForEachRowGroup(const std::vector<std::filesystem::path>& dirs, const std::string& split,
                       const std::vector<std::string>* columns,
                       const std::function<Status(const data::Batch&)>& fn);
// The same from `threads` threads (0: one per core): `on_tasks` first learns how many row groups
// there are, then `fn(task, batch)` runs concurrently for each, tasks numbered in file order so
// that callers can put results back in order.
Status ForEachRowGroupParallel(const std::vector<std::filesystem::path>& dirs,
                               const std::string& split, const std::vector<std::string>* columns,
                               int threads, const std::function<void(size_t tasks)>& on_tasks,
                               const std::function<Status(size_t task, const data::Batch&)>& fn);
// A split of Examples artifacts, read whole and in order (all row groups of each; with `columns`,
// only those). INVALID_ARGUMENT if the artifacts' columns differ.
Result<data::Batch> ReadSplit(const std::vector<std::filesystem::path>& examples,
                              const std::string& split,
                              const std::vector<std::string>* columns = nullptr);
// The directories of every artifact of an input, in input order (oldest span first, as
// resolvers give them); empty when the input is absent.
std::vector<std::filesystem::path> InputDirs(const pipeline::ExecutionRequest& r,
                                             const std::string& name);

Result<stats::DatasetStats> ReadStats(const std::filesystem::path& file);

}  // namespace lathe::components
