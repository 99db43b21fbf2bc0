// Runs whose nodes run in separate processes: each node of a run on Slurm, or each task of an
// exported Argo or Airflow workflow, is `lathe run PIPELINE --only NODE --run-id RUN`. They share
// one PipelineRun context, found (or created) by its id; a node reads what its upstream nodes
// recorded in that run. The run's end is recorded by whoever started it (the Slurm runner) or by
// `lathe runs finish RUN` (the workflow's last task).
//
// Thread-safety: as the store's. Errors: the store's; INVALID_ARGUMENT for a run of another
// pipeline, FAILED_PRECONDITION for a run that has ended.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "lathe/metadata/metadata_store.h"
#include "lathe/pipeline/graph.h"

namespace lathe::orchestrate {

struct JoinedRun {
  int64_t run_context_id = 0;
  bool created = false;  // this call created the run context
};

// Finds the RUNNING run `run_id` of `graph`'s pipeline (a child of `pipeline_context_id`), or
// creates it recorded with `runner` ("argo", "airflow", "external"), the spec and parameters, and
// no runner process (so that no other run's clean-up judges it abandoned). Safe when several
// tasks start at once.
Result<JoinedRun> JoinRun(metadata::MetadataStore& store, const pipeline::PipelineGraph& graph,
                          int64_t pipeline_context_id, const std::string& run_id,
                          const std::string& runner, const std::string& spec_path);

struct FinishedRun {
  std::string state;  // COMPLETE, FAILED or CANCELED
  std::string error;  // the first failed node's error
  int executions = 0;
};

struct FinishOptions {
  bool cancelled = false;
  // Executions still RUNNING or NEW are recorded FAILED with this error (their process is gone).
  std::string unfinished_error = "its process ended before the node finished";
  // Nodes that had to run; one without an execution in the run fails it. Empty: every node of
  // the spec recorded with the run.
  std::vector<std::string> expected_nodes;
  // Files of abandoned outputs are removed only under this directory.
  std::filesystem::path artifact_root;
};

// Records the end of run `run_id` from its executions: COMPLETE when every expected node has an
// execution and each one completed or was cached, else FAILED (CANCELED when cancelled) with the
// first error. NOT_FOUND for an unknown run; a run that has ended is left as it is (its state is
// returned).
Result<FinishedRun> FinishRun(metadata::MetadataStore& store, const std::string& run_id,
                              const FinishOptions& options = {});

}  // namespace lathe::orchestrate
