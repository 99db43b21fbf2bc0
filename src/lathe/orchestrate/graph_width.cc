#include "lathe/orchestrate/detail/graph_width.h"

#include <functional>

namespace lathe::orchestrate::detail {

int GraphWidth(const pipeline::PipelineGraph& g, const std::vector<bool>& selected) {
  const size_t n = g.nodes.size();
  // before[i][j]: i must finish before j starts (transitive). Nodes are in topological order, so
  // every upstream index is smaller.
  std::vector<std::vector<bool>> before(n, std::vector<bool>(n, false));
  for (size_t j = 0; j < n; ++j)
    for (size_t u : g.nodes[j].upstream) {
      before[u][j] = true;
      for (size_t i = 0; i < u; ++i)
        if (before[i][u]) before[i][j] = true;
    }
  std::vector<size_t> nodes;
  for (size_t i = 0; i < n; ++i)
    if (selected[i]) nodes.push_back(i);
  // Maximum bipartite matching (Kuhn's augmenting paths): left i -> right j when i before j.
  std::vector<int> match(n, -1);  // right node -> matched left node
  std::function<bool(size_t, std::vector<bool>&)> augment = [&](size_t i, std::vector<bool>& seen) {
    for (size_t j : nodes) {
      if (!before[i][j] || seen[j]) continue;
      seen[j] = true;
      if (match[j] < 0 || augment(static_cast<size_t>(match[j]), seen)) {
        match[j] = static_cast<int>(i);
        return true;
      }
    }
    return false;
  };
  int matched = 0;
  for (size_t i : nodes) {
    std::vector<bool> seen(n, false);
    if (augment(i, seen)) ++matched;
  }
  return std::max(1, static_cast<int>(nodes.size()) - matched);
}

}  // namespace lathe::orchestrate::detail
