#include "lathe/cli/data_input.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "lathe/cli/output.h"
#include "lathe/core/fs.h"

namespace lathe::cli {

namespace fs = std::filesystem;

std::vector<std::string> SplitFiles(const std::string& path) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return out;
  for (const auto& e : fs::directory_iterator(path, ec))
    if (e.path().extension() == ".lcol" || e.path().extension() == ".json")
      out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

Result<stats::DatasetStats> LoadStats(const std::string& path, int threads) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::string files;
    for (const auto& f : SplitFiles(path))
      files += (files.empty() ? "" : ", ") + fs::path(f).filename().string();
    return InvalidArgumentError(fmt::format("{} is a directory; name one of its split files ({})",
                                            path, files.empty() ? "none found" : files));
  }
  if (path.size() > 5 && path.substr(path.size() - 5) == ".json") {
    LATHE_ASSIGN_OR_RETURN(auto j, ReadJsonFile(path));
    auto s = stats::DatasetStats::FromJson(j);
    if (!s.ok())
      return s.status().WithContext(path +
                                    " (save statistics with `lathe stats compute --json --full`)");
    return s;
  }
  FileProgress progress(path);
  return stats::ComputeFileStats(path, threads, progress.callback());
}

}  // namespace lathe::cli
