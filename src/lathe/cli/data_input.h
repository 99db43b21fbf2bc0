// Reading the data arguments of the data commands: a CSV, JSON Lines or columnar file, statistics
// saved as JSON, or an artifact directory holding one file per split.
#pragma once

#include <string>
#include <vector>

#include "lathe/core/status.h"
#include "lathe/stats/dataset_stats.h"

namespace lathe::cli {

// Statistics of a data file (with progress on large ones) or of a statistics JSON file. A
// directory is refused with the split files it holds, to name one.
Result<stats::DatasetStats> LoadStats(const std::string& path, int threads = 0);

// The split files (.lcol, .json) of an artifact directory, sorted; empty if `path` is not one.
std::vector<std::string> SplitFiles(const std::string& path);

}  // namespace lathe::cli
