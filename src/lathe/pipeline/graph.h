// A validated, runnable pipeline: parameters resolved, components found, inputs wired, nodes in
// topological order, and each node's definition hashed for its cache key.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lathe/core/status.h"
#include "lathe/pipeline/component.h"
#include "lathe/pipeline/spec.h"

namespace lathe::pipeline {

struct GraphNode {
  NodeSpec spec;      // parameters, command and env with ${param} references resolved
  std::string field;  // "nodes[3]", for messages
  const Component* component = nullptr;
  std::vector<size_t> upstream;  // indices of the nodes it reads from
  // Hash of everything that defines the node's work except its inputs: component type and
  // version, canonical parameters, outputs, and for commands the command line, the content of
  // the declared code files and the environment.
  std::string definition_hash;
};

struct PipelineGraph {
  std::string name;
  std::string base_dir;
  nlohmann::json parameters = nlohmann::json::object();  // resolved values by name
  std::vector<GraphNode> nodes;                          // topological order
  // The resolved pipeline as JSON (nodes with their resolved parameters); recorded with every
  // run so that `lathe runs repro` can rebuild the graph.
  nlohmann::json ToJson() const;

  // Index of the node named `name`, or -1.
  int Find(const std::string& name) const;
};

// Validates `spec` and resolves its parameters (defaults, overridden by `overrides` given as text
// and parsed by the declared type). Errors name file, line and field: unknown component, unknown
// or missing parameter, a value of the wrong type, a dangling input reference, a cycle.
Result<PipelineGraph> BuildGraph(const PipelineSpec& spec,
                                 const std::map<std::string, std::string>& overrides,
                                 const ComponentRegistry& registry = ComponentRegistry::Builtin());

// The cache key of a node run: its definition hash with the fingerprints of its inputs.
std::string CacheKey(const GraphNode& node,
                     const std::map<std::string, std::vector<std::string>>& input_fingerprints);

// Checks parameter values given on the command line against the spec's declarations: every
// name declared, every value of its declared type, every parameter without a default given.
// INVALID_ARGUMENT names the parameter (a usage error for a CLI).
Status CheckOverrides(const PipelineSpec& spec,
                      const std::map<std::string, std::string>& overrides);

// Rebuilds a spec from PipelineGraph::ToJson (for reproducing a recorded run).
Result<PipelineSpec> SpecFromGraphJson(const nlohmann::json& j);

}  // namespace lathe::pipeline
