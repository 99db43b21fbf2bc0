// The local runner: runs a pipeline graph on this machine with a pool of threads, independent
// nodes in parallel, recording the run in the metadata store (pipeline/run_record.h).
//
// A failed node stops its downstream nodes; independent branches go on. Cancellation (the flag,
// set e.g. on Ctrl-C) starts nothing new and stops running steps: their executions end CANCELED
// and their outputs never become LIVE. Before starting, runs of the same pipeline whose process
// died are cleaned up, so a re-run after a crash executes only what did not finish (the rest hits
// the cache).
//
// Threads: at most `parallelism` nodes run at once (default: one per core, and never more than
// the graph lets run side by side), and each node's executor gets an equal share of the cores
// (cores / nodes at once, at least 1; `threads_per_node` overrides), which XGBoost, the readers
// and command steps (OMP_NUM_THREADS, LATHE_THREADS) draw on, so nodes at once x threads per node
// stays within the cores unless asked otherwise. A model does not depend on its thread count.
//
// Resolver nodes run in every run, partial ones too: a node selected by --from/--to/--only
// re-resolves its resolver inputs rather than reusing an old selection.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "lathe/metadata/metadata_store.h"
#include "lathe/pipeline/graph.h"
#include "lathe/pipeline/launcher.h"

namespace lathe::orchestrate {

struct RunOptions {
  std::filesystem::path artifact_root = ".lathe/artifacts";
  int parallelism = 0;       // nodes at once; 0: one per core
  int threads_per_node = 0;  // each node's share of threads; 0: cores / nodes at once
  bool no_cache = false;
  // Partial runs: run only these nodes, reusing the newest outputs of skipped upstream nodes.
  std::string from;       // this node and everything downstream of it
  std::string to;         // this node and everything upstream of it
  std::string only;       // just this node
  std::string spec_path;  // recorded with the run
  // Reproductions: the run id reproduced. The run then stays out of production (see
  // pipeline::RunSettings::reproduction_of).
  std::string repro_of;
  std::map<std::string, std::string> parameters;  // as given, recorded with the run
  // Join run `run_id` instead of starting a new one (orchestrate/run_join.h): a node run by a
  // Slurm job or a workflow task. Its upstream nodes' outputs in that run are its inputs; the run
  // is created when missing (recorded with `runner`), and its end is not recorded here.
  std::string run_id;
  // Recorded with the run: "local", "slurm"; a joined run created here: "external" by default.
  std::string runner;
  // Resolver selections to repeat (reproductions): node -> output -> artifact ids.
  std::map<std::string, std::map<std::string, std::vector<int64_t>>> pinned;
  // Files read from outside the store to read again, unchanged (reproductions): node -> files.
  std::map<std::string, std::vector<pipeline::PinnedFile>> pinned_external;
  // What runs shardable nodes' shard tasks (this machine's processes, a Slurm job array); null:
  // each node's own process, one task after another. Not owned.
  const pipeline::ShardLauncher* shard_launcher = nullptr;
  // Called (serialised) whenever a node changes state.
  std::function<void(size_t node, const pipeline::NodeOutcome& outcome)> on_progress;
};

struct RunReport {
  std::string run_id;
  int64_t run_context_id = 0;
  int parallelism = 0;                       // nodes at once
  int threads_per_node = 0;                  // each node's share
  std::string state;                         // COMPLETE, FAILED or CANCELED
  std::vector<pipeline::NodeOutcome> nodes;  // graph order
  double seconds = 0;
};

Result<RunReport> RunPipeline(metadata::MetadataStore& store, const pipeline::PipelineGraph& graph,
                              const RunOptions& options, const std::atomic<bool>* cancelled);

}  // namespace lathe::orchestrate
