// Reading back what node runs recorded: an execution's outputs by name, and whether an output is
// still usable (LIVE, its files present and unchanged). The driver's cache lookup and partial
// runs' reuse of upstream outputs both go through FindValidOutputs. Stateless; thread-safety is
// the store's.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lathe/metadata/metadata_store.h"
#include "lathe/pipeline/graph.h"

namespace lathe::pipeline::detail {

using OutputsByName = std::map<std::string, std::vector<metadata::Artifact>>;

// A cheap signature of a path's files (count, bytes, newest modification). When it matches the one
// recorded at publish time the content is taken as unchanged; otherwise the fingerprint decides.
std::string StatSignature(const std::filesystem::path& path);

// LIVE, present, and unchanged since it was published.
bool StillValid(const metadata::Artifact& artifact);

// The outputs of an execution by output name, in the order of their OUTPUT events' paths.
Result<OutputsByName> OutputsOf(metadata::MetadataStore& store, int64_t execution_id);

struct FoundOutputs {
  int64_t execution_id = 0;
  OutputsByName outputs;
};

// The newest execution matching `filter` (among the 10 newest) with every output of `node` still
// valid; nullopt if there is none.
Result<std::optional<FoundOutputs>> FindValidOutputs(metadata::MetadataStore& store,
                                                     const GraphNode& node,
                                                     const std::string& filter);

}  // namespace lathe::pipeline::detail
