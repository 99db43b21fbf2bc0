// JSON descriptions of store records with their surroundings, shared by the CLI's --json output and
// the UI's API so that both say the same: an artifact or execution with its events and contexts, a
// context with its parents, children and first members, a lineage graph as nodes and edges.
//
// Thread-safety: as the store's (each function makes its own calls). Errors: the store's;
// NOT_FOUND names the missing id.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

#include "lathe/core/status.h"
#include "lathe/metadata/metadata_store.h"

namespace lathe::metadata {

// {"artifact": {...}, "events": [...], "contexts": [...]}.
Result<nlohmann::json> DescribeArtifact(MetadataStore& store, int64_t id);
// {"execution": {...}, "events": [...], "contexts": [...]}.
Result<nlohmann::json> DescribeExecution(MetadataStore& store, int64_t id);
// {"context", "parents", "children", "artifacts", "artifacts_next_page_token", "executions",
// "executions_next_page_token"}: the first `members` artifacts and executions (1..1000).
Result<nlohmann::json> DescribeContext(MetadataStore& store, int64_t id, int members = 20);

// {"nodes": [...], "edges": [...], "truncated": bool}. Nodes are the records' JSON with "kind"
// ("artifact" or "execution") and "hops" (and "cache_hits" for executions); edges point the way
// data flows (input artifact -> execution -> output artifact), ids "artifact:ID"/"execution:ID".
nlohmann::json LineageToJson(const LineageGraph& graph);

}  // namespace lathe::metadata
