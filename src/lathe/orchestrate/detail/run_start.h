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

// Records a new run's context (spec, parameters, environment, this process as its runner), a
// child of the pipeline's; sets s.run_id and s.run_context_id.
Status RecordRunStart(metadata::MetadataStore& store, const pipeline::PipelineGraph& g,
                      const RunOptions& o, pipeline::RunSettings& s);

}  // namespace lathe::orchestrate::detail
