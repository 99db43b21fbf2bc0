// The publisher of a node run, as in TFX: once the executor succeeded, each output moves from the
// staging directory to its final place (a rename on the same file system) and its artifact gets
// the fingerprint, a stat signature, the component's properties and the LIVE state. The caller
// records the artifacts and the execution in one transaction afterwards, so a crash before that
// leaves PENDING artifacts that CleanUpAbandonedRuns removes. Stateless.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "lathe/metadata/records.h"
#include "lathe/pipeline/component.h"

namespace lathe::pipeline::detail {

// `pending` maps output names to their declared artifacts (final uri set). DATA_LOSS when an
// output cannot be fingerprinted or moved; what was already moved is then removed again and
// every artifact left not LIVE.
Status PublishOutputs(const std::filesystem::path& staging,
                      std::map<std::string, metadata::Artifact>& pending,
                      const ExecutionResult& result);

// The staging directory an output is written to before publishing.
std::filesystem::path StagedOutput(const std::filesystem::path& staging, const std::string& output);

}  // namespace lathe::pipeline::detail
