// A pipeline as written: the YAML spec (apiVersion lathe/v1, kind Pipeline) or the builder API
// (builder.h) produce a PipelineSpec; graph.h validates it against the component registry and
// resolves parameters into a runnable PipelineGraph.
//
// Every field read from YAML keeps its source location, so that errors found later (unknown
// component, dangling input, cycle) still name file, line and field. Plain value types.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "lathe/core/status.h"

namespace lathe::pipeline {

struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown (builder API)
  int column = 0;  // 1-based
};

// Field paths look like "nodes[2].inputs.examples"; the spec maps each to where it was written.
class SourceMap {
 public:
  void Set(const std::string& field, SourceLocation loc) { locations_[field] = std::move(loc); }
  // The location of `field`, or of its nearest parent that has one.
  SourceLocation Find(const std::string& field) const;
  // "pipeline.yaml:12:7: nodes[2].inputs.examples: <message>" (without a location when unknown).
  Status Error(const std::string& field, const std::string& message) const;
  std::string file;  // the spec file, for errors without a field

 private:
  std::map<std::string, SourceLocation> locations_;
};

enum class ParamType { kString, kInt, kDouble, kBool };
std::string_view ParamTypeName(ParamType t);

struct ParameterSpec {
  std::string name;
  ParamType type = ParamType::kString;
  std::optional<nlohmann::json> default_value;  // absent: the parameter is required
  std::string description;
};

// An input of a node: the output `output` of node `node` ("node.output" in YAML).
struct InputRef {
  std::string node;
  std::string output;
};

// An input taken from a resolver instead of a node: `inputs: {model: {resolver:
// latest_blessed_model}}`. It becomes a resolver node named NODE-INPUT whose `result` output feeds
// the input.
struct ResolverInput {
  std::string resolver;  // "latest_artifact", "latest_blessed_model", "latest_spans"
  nlohmann::json parameters = nlohmann::json::object();
};

struct NodeSpec {
  std::string name;
  std::string component;  // "command" or a registered component type
  // Parameter values as written: scalars, lists or maps; strings may hold ${param} references.
  nlohmann::json parameters = nlohmann::json::object();
  std::map<std::string, std::vector<InputRef>> inputs;
  std::map<std::string, ResolverInput> resolver_inputs;
  std::map<std::string, std::string> outputs;  // output name -> artifact type
  std::vector<std::string> after;              // nodes to finish first (ordering, no artifacts)
  // Command components only.
  std::vector<std::string> command;        // argv; may hold ${param} references
  std::vector<std::string> code;           // files (relative to the spec) whose content is hashed
  std::map<std::string, std::string> env;  // extra environment variables
  // Execution policy.
  int retries = 0;
  double timeout_s = 0;  // 0: none
  bool cache = true;
  double cache_max_age_s = 0;  // 0: no limit
  // Data components that split their work (Component::shardable): tasks in separate processes
  // (pipeline/shards.h). The results are the same for every count, so it is not in the cache key.
  int shards = 1;
};

struct PipelineSpec {
  std::string api_version = "lathe/v1";
  std::string name;
  std::string description;
  std::vector<ParameterSpec> parameters;
  std::vector<NodeSpec> nodes;
  std::string base_dir;  // directory of the spec file: commands run and code is found there
  SourceMap source;
};

// Reads a spec file. INVALID_ARGUMENT with "file:line:column: field: message" for malformed YAML,
// unknown or missing fields and values of the wrong type.
Result<PipelineSpec> LoadPipelineSpec(const std::string& path);
Result<PipelineSpec> ParsePipelineSpec(const std::string& yaml_text, const std::string& file_name);

// Durations in specs: "90", "90s", "15m", "2h", "7d" (seconds if no unit).
Result<double> ParseDuration(const std::string& text);

}  // namespace lathe::pipeline
