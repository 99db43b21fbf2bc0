// Many pipeline runs side by side: each run's parameters, state and duration with the overall
// metrics of the model it evaluated and whether that model was blessed. `lathe runs compare` and
// the UI's run comparison (server/ui_api.h) both print this.
//
// Cost: a fixed number of queries whatever the number of runs (the runs, every evaluation and
// blessing with their output events and executions, in batches), so 500 runs answer in one go.
// Stateless; the store's thread-safety applies.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "lathe/core/status.h"
#include "lathe/metadata/metadata_store.h"

namespace lathe::registry {

struct RunComparisonOptions {
  std::string pipeline;  // only this pipeline's runs; empty: every pipeline
  int limit = 500;       // the newest this many runs, 1..100000
};

// {"runs": [newest first: {"run", "pipeline", "state", "start_time_ms", "end_time_ms",
// "duration_ms" (null while running), "repro_of", "parameters": {...}, "metrics": {name: value},
// "evaluation_id", "model_id" (0 when the run evaluated nothing), "blessed" (null when unknown)}],
// "parameters": [names], "metrics": [names]} (the names any run has, sorted). A run whose
// Evaluator was a cache hit shows the metrics it reused. INVALID_ARGUMENT for a limit out of
// range; otherwise the store's errors.
Result<nlohmann::json> CompareRuns(metadata::MetadataStore& store,
                                   const RunComparisonOptions& options);

}  // namespace lathe::registry
