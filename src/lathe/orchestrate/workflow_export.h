// Pipelines as workflows of other engines: an Argo Workflow (which Kubeflow Pipelines also runs)
// and an Airflow DAG file. Each task runs one node as `lathe run PIPELINE --only NODE --run-id RUN
// --recorded-runner ENGINE` against a shared store and artifact root (orchestrate/run_join.h),
// ordered by the pipeline's edges; a last task, whatever happened before it, runs `lathe runs
// finish RUN`. Pure functions of the graph and the options; thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lathe/core/status.h"
#include "lathe/pipeline/graph.h"

namespace lathe::orchestrate {

struct WorkflowExportOptions {
  std::string spec_path;        // the pipeline file as the tasks see it (absolute)
  std::string lathe = "lathe";  // the command in the tasks' environment
  // Global options every task passes to lathe: --store URI, --artifacts DIR, ...
  std::vector<std::string> lathe_global_args;
  std::map<std::string, std::string> parameters;  // --param NAME=VALUE of every task
  // Argo: the container image with lathe, and a PersistentVolumeClaim mounted at `mount_path`
  // (the shared artifact root and the pipeline's folder); no volume when empty.
  std::string image = "lathe:latest";
  std::string volume_claim;
  std::string mount_path;
};

// An Argo Workflow (apiVersion argoproj.io/v1alpha1) as YAML: a DAG template with one task per
// node (task names are node names made DNS-safe: lowercase, '-'), a container template running a
// node, and an exit handler finishing the run; the run id is the workflow's name.
// INVALID_ARGUMENT when two node names map to one task name.
Result<std::string> ExportArgoWorkflow(const pipeline::PipelineGraph& graph,
                                       const WorkflowExportOptions& options);

// An Airflow DAG file (Python): one BashOperator per node, dependencies with >>, a finishing task
// with trigger_rule "all_done"; the run id is Airflow's run_id. dag_id: "lathe_<pipeline>".
Result<std::string> ExportAirflowDag(const pipeline::PipelineGraph& graph,
                                     const WorkflowExportOptions& options);

}  // namespace lathe::orchestrate
