#include "lathe/pipeline/builder.h"

namespace lathe::pipeline {

NodeBuilder::NodeBuilder(std::string name, std::string component) {
  node_.name = std::move(name);
  node_.component = std::move(component);
}

NodeBuilder& NodeBuilder::Param(const std::string& name, nlohmann::json value) {
  node_.parameters[name] = std::move(value);
  return *this;
}

NodeBuilder& NodeBuilder::Input(const std::string& name, const std::string& ref) {
  size_t dot = ref.find('.');
  node_.inputs[name].push_back(
      {ref.substr(0, dot), dot == std::string::npos ? "" : ref.substr(dot + 1)});
  return *this;
}

NodeBuilder& NodeBuilder::ResolverInput(const std::string& name, const std::string& resolver,
                                        nlohmann::json parameters) {
  node_.resolver_inputs[name] = {resolver, std::move(parameters)};
  return *this;
}

NodeBuilder& NodeBuilder::Output(const std::string& name, const std::string& type) {
  node_.outputs[name] = type;
  return *this;
}

NodeBuilder& NodeBuilder::After(const std::string& node) {
  node_.after.push_back(node);
  return *this;
}

NodeBuilder& NodeBuilder::Command(std::vector<std::string> argv) {
  node_.command = std::move(argv);
  return *this;
}

NodeBuilder& NodeBuilder::Code(std::vector<std::string> files) {
  node_.code = std::move(files);
  return *this;
}

NodeBuilder& NodeBuilder::Env(const std::string& name, const std::string& value) {
  node_.env[name] = value;
  return *this;
}

NodeBuilder& NodeBuilder::Retries(int n) {
  node_.retries = n;
  return *this;
}

NodeBuilder& NodeBuilder::Timeout(double seconds) {
  node_.timeout_s = seconds;
  return *this;
}

NodeBuilder& NodeBuilder::Cache(bool enabled) {
  node_.cache = enabled;
  return *this;
}

NodeBuilder& NodeBuilder::CacheMaxAge(double seconds) {
  node_.cache_max_age_s = seconds;
  return *this;
}

PipelineBuilder::PipelineBuilder(std::string name) {
  spec_.name = std::move(name);
  spec_.source.file = "(builder)";
}

PipelineBuilder& PipelineBuilder::Description(std::string text) {
  spec_.description = std::move(text);
  return *this;
}

PipelineBuilder& PipelineBuilder::Parameter(const std::string& name, ParamType type,
                                            nlohmann::json default_value) {
  spec_.parameters.push_back({name, type, std::move(default_value), ""});
  return *this;
}

PipelineBuilder& PipelineBuilder::RequiredParameter(const std::string& name, ParamType type) {
  spec_.parameters.push_back({name, type, std::nullopt, ""});
  return *this;
}

PipelineBuilder& PipelineBuilder::BaseDir(std::string dir) {
  spec_.base_dir = std::move(dir);
  return *this;
}

PipelineBuilder& PipelineBuilder::Add(const NodeBuilder& node) {
  spec_.nodes.push_back(node.spec());
  return *this;
}

}  // namespace lathe::pipeline
