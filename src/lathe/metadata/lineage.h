// Lineage requests and results: the subgraph of artifacts and executions connected by events,
// upstream (what produced this), downstream (what was made from this) or both, from a set of
// starting nodes. One hop is one event edge, so an artifact's producing execution is 1 hop away
// and that execution's inputs 2 hops, as in ML Metadata.
//
// Walks follow real history. An artifact is produced once, by the execution of its first OUTPUT
// event; later OUTPUT events to it are reuse -- a cache hit (an execution in state CACHED, which
// did no work) or a resolver selecting it -- and are not walked, and a cache hit is no consumer
// either. Each execution reports how many cache hits reused its outputs: a model reused by 150
// cached runs has one producer with 150 cache hits, and the hop and node limits go to real
// history.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lathe/metadata/records.h"

namespace lathe::metadata {

enum class LineageDirection { kUpstream, kDownstream, kBoth };

struct LineageRequest {
  std::vector<int64_t> artifact_ids;   // starting artifacts
  std::vector<int64_t> execution_ids;  // starting executions
  LineageDirection direction = LineageDirection::kUpstream;
  int max_hops = 20;
  // Filters (filter language) on the nodes returned; starting nodes are always kept. Edges to a
  // filtered-out node are dropped with it.
  std::string artifact_filter;
  std::string execution_filter;
  // At most this many nodes are returned (nearest first); `truncated` tells if more existed.
  int max_nodes = 10000;
  // Walk every event instead: cache hits and resolver selections become nodes of their own.
  bool include_cache_hits = false;
};

struct LineageNodeDistance {
  int64_t id = 0;
  int hops = 0;
};

struct LineageGraph {
  std::vector<Artifact> artifacts;
  std::vector<Execution> executions;
  std::vector<Event> events;                        // the edges: events between returned nodes
  std::vector<LineageNodeDistance> artifact_hops;   // same order as artifacts
  std::vector<LineageNodeDistance> execution_hops;  // same order as executions
  // Per returned execution (same order): how many CACHED executions reused its outputs.
  std::vector<int64_t> cache_hits;
  bool truncated = false;
};

}  // namespace lathe::metadata
