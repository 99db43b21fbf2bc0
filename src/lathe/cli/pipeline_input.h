// A pipeline file with --param NAME=VALUE overrides, as `lathe run` and `lathe export` read it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lathe/pipeline/graph.h"

namespace lathe::cli {

struct LoadedPipeline {
  pipeline::PipelineGraph graph;
  std::map<std::string, std::string> overrides;  // the --param items by name
};

// Loads `spec` and builds its graph with the overrides. On an error prints it and sets
// `exit_code`: 2 for a spec or parameter that is wrong, 1 for a file that cannot be read.
std::optional<LoadedPipeline> LoadPipeline(const std::string& spec,
                                           const std::vector<std::string>& params, int& exit_code);

}  // namespace lathe::cli
