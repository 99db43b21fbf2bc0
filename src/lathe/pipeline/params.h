// Checking a node's parameters against what a component accepts, with defaults; shared by the
// built-in components. Errors name the field ("nodes[2].parameters.n: expected ...").
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lathe/core/status.h"
#include "lathe/pipeline/spec.h"

namespace lathe::pipeline {

// kFraction: a number from 0 to 1.
enum class ParamKind {
  kString,
  kPositiveInt,
  kNumber,
  kFraction,
  kBool,
  kObject,
  kStringList,
  kList
};

struct ParamRule {
  const char* name;
  ParamKind kind;
  bool required = false;
  nlohmann::json default_value = nullptr;  // filled in when absent (null: left absent)
};

// Unknown parameters, missing required ones and values of the wrong kind are errors.
Status CheckParams(NodeSpec& node, const SourceMap& source, const std::string& field,
                   const std::vector<ParamRule>& rules);

// The same for a mapping inside the parameters (`values`, at `values_field`, owned by `owner`
// for messages), such as a trainer's hyperparameters.
Status CheckValues(nlohmann::json& values, const std::string& owner, const SourceMap& source,
                   const std::string& field, const std::string& values_field,
                   const std::vector<ParamRule>& rules);

// Components that are not commands take no command, code or env.
Status RejectCommandFields(const NodeSpec& node, const SourceMap& source, const std::string& field);

}  // namespace lathe::pipeline
