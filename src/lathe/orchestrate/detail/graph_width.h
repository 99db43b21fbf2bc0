// The width of a pipeline graph: the most nodes that can ever run at the same time (the largest
// set of nodes none of which depends on another, directly or not). The runner uses it to share
// the cores among the nodes that can actually run together. Pure function.
#pragma once

#include <vector>

#include "lathe/pipeline/graph.h"

namespace lathe::orchestrate::detail {

// The width of the subgraph of `selected` nodes (dependencies through unselected nodes count);
// at least 1. By Dilworth's theorem: selected nodes minus a maximum matching in the bipartite
// graph of "i runs before j" pairs.
int GraphWidth(const pipeline::PipelineGraph& g, const std::vector<bool>& selected);

}  // namespace lathe::orchestrate::detail
