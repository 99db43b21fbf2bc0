// Runs one node of a pipeline run: the driver (resolve inputs and external files, decide about the
// cache; detail/driver.h), the executor (the component's work, in a staging directory, with
// retries, on the node's share of the threads) and the publisher (fingerprint the outputs, move
// them into place, record them LIVE; detail/publisher.h), as in TFX.
//
// Record of a node run, in order: the execution RUNNING with its INPUT events; its outputs as
// PENDING artifacts with OUTPUT events and their final URIs; then, after the files are renamed
// into place, the execution COMPLETE and the artifacts LIVE in one transaction. A crash at any
// point leaves either nothing LIVE or everything LIVE; CleanUpAbandonedRuns tidies the rest.
// Thread-safe: nodes of one run are launched from several threads.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lathe/metadata/metadata_store.h"
#include "lathe/pipeline/graph.h"

namespace lathe::pipeline {

// A file a node read from outside the store, as a recorded run read it.
struct PinnedFile {
  std::string path;
  std::string fingerprint;
};

struct RunSettings {
  std::filesystem::path artifact_root;  // <root>/<pipeline>/<node>/<output>/<execution-id>/
  std::string pipeline;
  std::string run_id;
  int64_t pipeline_context_id = 0;
  int64_t run_context_id = 0;
  bool no_cache = false;
  const std::atomic<bool>* cancelled = nullptr;
  // Threads each node's executor may use (ThreadCount inside it); 0: one per core.
  int threads_per_node = 0;
  // What runs shardable components' shard tasks (pipeline/shards.h); null: the executor's own
  // process, one task after another. Not owned.
  const ShardLauncher* shard_launcher = nullptr;
  // Reproductions: the run reproduced. Their records stay out of production: outputs carry
  // `reproduction_of` and belong to the reproduction's run context only (never the pipeline's),
  // executions carry no cache key, and components with side effects only check what they would
  // do (ExecutionRequest::reproduction_of).
  std::string reproduction_of;
  // Reproductions: what each resolver node selected in the original run (node -> output ->
  // artifact ids), selected again instead of resolving anew.
  std::map<std::string, std::map<std::string, std::vector<int64_t>>> pinned;
  // Reproductions: the files each node read from outside the store; a node fails, naming the
  // file, if one changed or is gone.
  std::map<std::string, std::vector<PinnedFile>> pinned_external;
};

enum class NodeState {
  kPending,
  kRunning,
  kComplete,
  kCached,
  kReused,
  kFailed,
  kCanceled,
  kSkipped
};
std::string_view NodeStateName(NodeState s);  // "complete", "cached", ...

struct NodeOutcome {
  NodeState state = NodeState::kPending;
  int64_t execution_id = 0;
  // Output artifacts by output name (the order of the event paths).
  std::map<std::string, std::vector<metadata::Artifact>> outputs;
  std::string error;
  std::string log;
  int attempts = 0;
  double seconds = 0;
};

// Inputs by input name, as artifacts produced (or reused) upstream.
using NodeInputs = std::map<std::string, std::vector<metadata::Artifact>>;

NodeOutcome LaunchNode(metadata::MetadataStore& store, const PipelineGraph& graph, size_t node,
                       const NodeInputs& inputs, const RunSettings& settings);

// The newest outputs of `node` in the pipeline (for partial runs): from its latest COMPLETE or
// CACHED execution (never a reproduction's) whose outputs are still LIVE. NOT_FOUND if it never
// ran.
Result<NodeOutcome> NewestOutputs(metadata::MetadataStore& store, const RunSettings& settings,
                                  const GraphNode& node);

// The outputs `node` recorded in this run (settings.run_context_id), for a run whose nodes run in
// separate processes (Slurm jobs, workflow tasks): from its COMPLETE or CACHED execution of the
// run whose outputs are still LIVE; nullopt when it has none (yet).
Result<std::optional<NodeOutcome>> RunOutputs(metadata::MetadataStore& store,
                                              const RunSettings& settings, const GraphNode& node);

// Finishes the record of runs of `pipeline` whose process died (crash, kill -9): their RUNNING
// executions end FAILED, their PENDING artifacts ABANDONED with files removed, their staging
// directories deleted, the run FAILED. Also finishes executions of the pipeline's runs that were
// left RUNNING by a run that ended (its final record could not be written: store locked, disk
// full). Runs of live processes are left alone.
Status CleanUpAbandonedRuns(metadata::MetadataStore& store,
                            const std::filesystem::path& artifact_root,
                            int64_t pipeline_context_id);

// An execution left RUNNING or NEW with nobody to finish it, and why.
struct UnfinishedExecution {
  metadata::Execution execution;
  std::string run;       // the run's id (context name)
  std::string pipeline;  // the run's pipeline
  std::string reason;    // "its run ended FAILED", "its runner (pid 12 on host) is gone"
};

// Every execution in the store that is RUNNING or NEW although its run has ended, or whose run's
// process on this host is gone. Runs on other hosts are never judged. Read-only.
Result<std::vector<UnfinishedExecution>> FindUnfinishedExecutions(metadata::MetadataStore& store);

// Records `execution` FAILED with `error`, and its PENDING outputs ABANDONED with their files
// removed when they lie under `artifact_root`. Errors are the store's.
Status AbandonExecution(metadata::MetadataStore& store, const std::filesystem::path& artifact_root,
                        metadata::Execution execution, std::string_view error);

}  // namespace lathe::pipeline
