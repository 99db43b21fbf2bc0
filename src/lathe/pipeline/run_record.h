// How pipeline runs are recorded in the metadata store: the types Lathe registers and the names
// of their properties. A pipeline is a "Pipeline" context; each run a "PipelineRun" context (its
// child) holding the resolved spec, parameters, environment and state; each node run an execution
// of the component's type, associated with both, with INPUT and OUTPUT events to its artifacts.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "lathe/core/status.h"
#include "lathe/metadata/metadata_store.h"
#include "lathe/metadata/standard_artifacts.h"

namespace lathe::pipeline {

inline constexpr const char* kPipelineContextType = metadata::standard::kPipelineContext;
inline constexpr const char* kRunContextType = metadata::standard::kPipelineRunContext;

// Run states (the "state" property of a PipelineRun context).
inline constexpr const char* kRunRunning = "RUNNING";
inline constexpr const char* kRunComplete = "COMPLETE";
inline constexpr const char* kRunFailed = "FAILED";
inline constexpr const char* kRunCanceled = "CANCELED";

// Registers the context types, and an execution type for `component` and an artifact type for
// `artifact_type` when given. Idempotent.
Status RegisterRunTypes(metadata::MetadataStore& store);
Status RegisterExecutionType(metadata::MetadataStore& store, const std::string& component);
Status RegisterArtifactType(metadata::MetadataStore& store, const std::string& artifact_type);

// A run as `lathe runs show --json` and the UI give it: the PipelineRun context's JSON with
// "nodes", one per execution of the run in id order: {"node", "execution_id", "state",
// "duration_ms", "attempts", "cache_key", "cached_from", "parameters", "inputs", "outputs"
// ([{"name", "artifact_id"}]), "log", "error"}. NOT_FOUND when there is no run `run_id`.
Result<nlohmann::json> DescribeRun(metadata::MetadataStore& store, const std::string& run_id);

}  // namespace lathe::pipeline
