#include "lathe/pipeline/params.h"

#include <fmt/format.h>

#include "lathe/core/json_depth.h"

namespace lathe::pipeline {

namespace {

bool Fits(const nlohmann::json& v, ParamKind kind) {
  switch (kind) {
    case ParamKind::kString:
      return v.is_string();
    case ParamKind::kPositiveInt:
      return v.is_number_integer() && v.get<int64_t>() > 0;
    case ParamKind::kNumber:
      return v.is_number();
    case ParamKind::kFraction:
      return v.is_number() && v.get<double>() >= 0 && v.get<double>() <= 1;
    case ParamKind::kBool:
      return v.is_boolean();
    case ParamKind::kObject:
      return v.is_object();
    case ParamKind::kStringList:
      if (!v.is_array()) return false;
      for (const auto& item : v)
        if (!item.is_string()) return false;
      return true;
    case ParamKind::kList:
      return v.is_array();
  }
  return false;
}

const char* Expected(ParamKind kind) {
  switch (kind) {
    case ParamKind::kString:
      return "text";
    case ParamKind::kPositiveInt:
      return "a positive whole number";
    case ParamKind::kNumber:
      return "a number";
    case ParamKind::kFraction:
      return "a number from 0 to 1";
    case ParamKind::kBool:
      return "true or false";
    case ParamKind::kObject:
      return "a mapping";
    case ParamKind::kStringList:
      return "a list of text values";
    case ParamKind::kList:
      return "a list";
  }
  return "a value";
}

}  // namespace

Status CheckValues(nlohmann::json& values, const std::string& owner, const SourceMap& source,
                   const std::string& field, const std::string& values_field,
                   const std::vector<ParamRule>& rules) {
  for (auto it = values.begin(); it != values.end(); ++it) {
    bool known = false;
    for (const auto& r : rules) known = known || it.key() == r.name;
    if (!known) {
      std::string names;
      for (const auto& r : rules) names += (names.empty() ? "" : ", ") + std::string(r.name);
      return source.Error(
          values_field + "." + it.key(),
          fmt::format("{} has no parameter '{}' (parameters: {})", owner, it.key(), names));
    }
  }
  for (const auto& r : rules) {
    if (!values.contains(r.name)) {
      if (r.required)
        return source.Error(field, fmt::format("{} needs parameter '{}'", owner, r.name));
      if (!r.default_value.is_null()) values[r.name] = r.default_value;
      continue;
    }
    const auto& v = values[r.name];
    if (!Fits(v, r.kind))
      return source.Error(values_field + "." + r.name,
                          fmt::format("expected {}, got {}", Expected(r.kind), JsonText(v)));
  }
  return Status::Ok();
}

Status CheckParams(NodeSpec& node, const SourceMap& source, const std::string& field,
                   const std::vector<ParamRule>& rules) {
  return CheckValues(node.parameters, node.component, source, field, field + ".parameters", rules);
}

Status RejectCommandFields(const NodeSpec& node, const SourceMap& source,
                           const std::string& field) {
  if (!node.command.empty() || !node.code.empty() || !node.env.empty())
    return source.Error(field, fmt::format("{} takes no command, code or env", node.component));
  return Status::Ok();
}

}  // namespace lathe::pipeline
