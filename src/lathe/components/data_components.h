// The data components of a pipeline, as in TFX: ExampleGen (CSV -> Examples, one Lathe columnar
// file per split), StatisticsGen (Examples -> Statistics, one JSON file per split), SchemaGen
// (Statistics -> Schema, inferred or a curated file), ExampleValidator (Statistics + Schema
// [+ baseline Statistics] -> Anomalies, optionally stopping the pipeline). Each is a thin
// executor over data/ and stats/. Parameters are documented in docs/components.md.
#pragma once

#include <string>

#include "lathe/components/input_pattern.h"
#include "lathe/core/status.h"
#include "lathe/pipeline/component.h"

namespace lathe::components {

void RegisterDataComponents(pipeline::ComponentRegistry& registry);
void RegisterExampleGen(pipeline::ComponentRegistry& registry);  // example_gen.cc

// Every component Lathe ships: command, resolvers and the data components.
const pipeline::ComponentRegistry& AllComponents();

}  // namespace lathe::components
