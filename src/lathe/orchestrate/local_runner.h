// The local runner: runs a pipeline graph on this machine with a pool of threads, independent
// nodes in parallel, recording the run in the metadata store (pipeline/run_record.h).
//
// A failed node stops its downstream nodes; independent branches go on. Cancellation (the flag,
// set e.g. on Ctrl-C) starts nothing new and stops running steps: their executions end CANCELED
// and their outputs never become LIVE. Before starting, runs of the same pipeline whose process
// died are cleaned up, so a re-run after a crash executes only what did not finish (the rest hits
// the cache).
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
  int parallelism = 0;  // 0: one per core
  bool no_cache = false;
  // Partial runs: run only these nodes, reusing the newest outputs of skipped upstream nodes.
  std::string from;                               // this node and everything downstream of it
  std::string to;                                 // this node and everything upstream of it
  std::string only;                               // just this node
  std::string spec_path;                          // recorded with the run
  std::string repro_of;                           // run id this run reproduces
  std::map<std::string, std::string> parameters;  // as given, recorded with the run
  // Resolver selections to repeat (reproductions): node -> output -> artifact ids.
  std::map<std::string, std::map<std::string, std::vector<int64_t>>> pinned;
  // Called (serialised) whenever a node changes state.
  std::function<void(size_t node, const pipeline::NodeOutcome& outcome)> on_progress;
};

struct RunReport {
  std::string run_id;
  int64_t run_context_id = 0;
  std::string state;                         // COMPLETE, FAILED or CANCELED
  std::vector<pipeline::NodeOutcome> nodes;  // graph order
  double seconds = 0;
};

Result<RunReport> RunPipeline(metadata::MetadataStore& store, const pipeline::PipelineGraph& graph,
                              const RunOptions& options, const std::atomic<bool>* cancelled);

}  // namespace lathe::orchestrate
