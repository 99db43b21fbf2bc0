// The start of a run, shared by the local and the Slurm runner (local_runner.cc).
#pragma once

#include <vector>

#include "lathe/orchestrate/local_runner.h"

namespace lathe::orchestrate::detail {

// Which nodes run (--from/--to/--only; resolvers feeding a node that runs always run with it).
// INVALID_ARGUMENT naming an unknown node.
Result<std::vector<bool>> Selection(const pipeline::PipelineGraph& g, const RunOptions& o);

// The Pipeline context's id, created when missing (also concurrently).
Result<int64_t> PipelineContext(metadata::MetadataStore& store, const std::string& name);

// A new run's PipelineRun context, RUNNING: pipeline, spec, parameters, start time, lathe's
// version, `runner` and the spec's absolute path (when given).
metadata::Context NewRunContext(const pipeline::PipelineGraph& g, const std::string& run_id,
                                const std::string& runner, const std::string& spec_path);

// Records a new run's context (spec, parameters, environment, this process as its runner), a
// child of the pipeline's; sets s.run_id and s.run_context_id.
Status RecordRunStart(metadata::MetadataStore& store, const pipeline::PipelineGraph& g,
                      const RunOptions& o, pipeline::RunSettings& s);

}  // namespace lathe::orchestrate::detail
