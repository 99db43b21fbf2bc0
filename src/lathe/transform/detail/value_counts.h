// The distinct values of a column with their counts, as text, from its statistics: what a
// vocabulary and the label's classes are made of. Inside transform/ only. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "lathe/core/status.h"
#include "lathe/stats/dataset_stats.h"

namespace lathe::transform::detail {

// INVALID_ARGUMENT when the statistics do not hold every value (too many distinct values) or the
// column holds real numbers; the message says what to use instead.
Result<std::vector<std::pair<std::string, int64_t>>> ValueCounts(const stats::FeatureStats& f);

}  // namespace lathe::transform::detail
