// The C++ builder API: produces the same PipelineSpec (and so the same graph and cache keys) as
// the YAML spec.
//
//   auto spec = PipelineBuilder("hello")
//                   .Parameter("count", ParamType::kInt, 3)
//                   .Add(NodeBuilder("make", "command")
//                            .Command({"sh", "make.sh", "${count}"})
//                            .Code({"make.sh"})
//                            .Output("numbers"))
//                   .Add(NodeBuilder("sum", "command").Command({"sh", "sum.sh"}).Input("numbers",
//                   "make.numbers")) .Build();
#pragma once

#include <string>
#include <vector>

#include "lathe/pipeline/spec.h"

namespace lathe::pipeline {

class NodeBuilder {
 public:
  NodeBuilder(std::string name, std::string component);
  NodeBuilder& Param(const std::string& name, nlohmann::json value);
  NodeBuilder& Input(const std::string& name, const std::string& node_dot_output);
  // An input taken from a resolver ("latest_blessed_model", ...) with its parameters.
  NodeBuilder& ResolverInput(const std::string& name, const std::string& resolver,
                             nlohmann::json parameters = nlohmann::json::object());
  NodeBuilder& Output(const std::string& name, const std::string& artifact_type = "File");
  // Runs after `node` finishes (ordering only: no artifacts pass).
  NodeBuilder& After(const std::string& node);
  NodeBuilder& Command(std::vector<std::string> argv);
  NodeBuilder& Code(std::vector<std::string> files);
  NodeBuilder& Env(const std::string& name, const std::string& value);
  NodeBuilder& Retries(int n);
  NodeBuilder& Timeout(double seconds);
  NodeBuilder& Cache(bool enabled);
  NodeBuilder& CacheMaxAge(double seconds);
  const NodeSpec& spec() const { return node_; }

 private:
  NodeSpec node_;
};

class PipelineBuilder {
 public:
  explicit PipelineBuilder(std::string name);
  PipelineBuilder& Description(std::string text);
  // A parameter with a default; without one it is required.
  PipelineBuilder& Parameter(const std::string& name, ParamType type, nlohmann::json default_value);
  PipelineBuilder& RequiredParameter(const std::string& name, ParamType type);
  PipelineBuilder& BaseDir(std::string dir);
  PipelineBuilder& Add(const NodeBuilder& node);
  // The spec; validation happens in BuildGraph, as for YAML.
  PipelineSpec Build() const { return spec_; }

 private:
  PipelineSpec spec_;
};

}  // namespace lathe::pipeline
