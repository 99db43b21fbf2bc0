#include "lathe/transform/detail/value_counts.h"

#include <fmt/format.h>

namespace lathe::transform::detail {

Result<std::vector<std::pair<std::string, int64_t>>> ValueCounts(const stats::FeatureStats& f) {
  std::vector<std::pair<std::string, int64_t>> out;
  if (f.type == data::ColumnType::kInt64) {
    if (!f.num.exact)
      return InvalidArgumentError(
          fmt::format("column '{}' has more than {} distinct values: use hash or bucketize", f.name,
                      stats::NumericStats::kExactLimit));
    for (const auto& [v, n] : f.num.values)
      out.emplace_back(fmt::format("{}", static_cast<int64_t>(v)), static_cast<int64_t>(n));
    return out;
  }
  if (f.type == data::ColumnType::kDouble)
    return InvalidArgumentError(
        fmt::format("column '{}' holds real numbers: use bucketize, not a vocabulary", f.name));
  if (!f.cat.exact)
    return InvalidArgumentError(
        fmt::format("column '{}' has more than {} distinct values: use hash", f.name,
                    stats::CategoricalStats::kExactLimit));
  for (const auto& [v, n] : f.cat.counts) out.emplace_back(v, n);
  return out;
}

}  // namespace lathe::transform::detail
