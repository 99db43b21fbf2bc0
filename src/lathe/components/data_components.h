// The data components of a pipeline, as in TFX: ExampleGen (CSV -> Examples, one Lathe columnar
// file per split), StatisticsGen (Examples -> Statistics, one JSON file per split), SchemaGen
// (Statistics -> Schema, inferred or a curated file), ExampleValidator (Statistics + Schema
// [+ baseline Statistics] -> Anomalies, optionally stopping the pipeline). Each is a thin
// executor over data/ and stats/. Parameters are documented in docs/components.md.
#pragma once

#include <string>

#include "lathe/core/status.h"
#include "lathe/pipeline/component.h"

namespace lathe::components {

void RegisterDataComponents(pipeline::ComponentRegistry& registry);

// Every component Lathe ships: command, resolvers and the data components.
const pipeline::ComponentRegistry& AllComponents();

// The file an input pattern picks: {SPAN}, {VERSION}, {YYYY}, {MM}, {DD} in `pattern` (relative to
// `base_dir`) match digits; the given span, or the highest, then the highest version, wins. A span
// from date parts is YYYYMMDD. NOT_FOUND when nothing matches.
struct InputFile {
  std::string path;
  int64_t span = 0;
  int64_t version = 0;
};
Result<InputFile> ResolveInputPattern(const std::string& base_dir, const std::string& pattern,
                                      std::optional<int64_t> span);

}  // namespace lathe::components
