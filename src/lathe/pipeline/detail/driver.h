// The driver of a node run, as in TFX: before any work, it resolves what the node will read
// (its input artifacts, and files from outside the store, pinned to what a reproduced run read),
// records those files as artifacts, computes the cache key and looks for a cache hit.
// Stateless; thread-safety is the store's.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "lathe/metadata/metadata_store.h"
#include "lathe/pipeline/detail/recorded_outputs.h"
#include "lathe/pipeline/launcher.h"

namespace lathe::pipeline::detail {

struct DriverDecision {
  std::string cache_key;
  // Files from outside the store, as the executor must read them, and their artifacts with the
  // INPUT events ("external", i) that tie them to the execution.
  std::vector<std::filesystem::path> external;
  std::vector<metadata::ArtifactAndEvent> external_inputs;
  std::optional<FoundOutputs> cache_hit;  // outputs of an earlier execution to reuse
};

// FAILED_PRECONDITION names a pinned file that changed or is gone (with its fingerprints);
// NOT_FOUND an external input that cannot be resolved; the store's errors otherwise.
Result<DriverDecision> RunDriver(metadata::MetadataStore& store, const PipelineGraph& graph,
                                 size_t node, const NodeInputs& inputs,
                                 const RunSettings& settings);

}  // namespace lathe::pipeline::detail
