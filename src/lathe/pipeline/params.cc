#include "lathe/pipeline/params.h"

#include <fmt/format.h>

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

Status CheckParams(NodeSpec& node, const SourceMap& source, const std::string& field,
                   const std::vector<ParamRule>& rules) {
  for (auto it = node.parameters.begin(); it != node.parameters.end(); ++it) {
    bool known = false;
    for (const auto& r : rules) known = known || it.key() == r.name;
    if (!known) {
      std::string names;
      for (const auto& r : rules) names += (names.empty() ? "" : ", ") + std::string(r.name);
      return source.Error(field + ".parameters." + it.key(),
                          fmt::format("{} has no parameter '{}' (parameters: {})", node.component,
                                      it.key(), names));
    }
  }
  for (const auto& r : rules) {
    if (!node.parameters.contains(r.name)) {
      if (r.required)
        return source.Error(field, fmt::format("{} needs parameter '{}'", node.component, r.name));
      if (!r.default_value.is_null()) node.parameters[r.name] = r.default_value;
      continue;
    }
    const auto& v = node.parameters[r.name];
    if (!Fits(v, r.kind))
      return source.Error(field + ".parameters." + r.name,
                          fmt::format("expected {}, got {}", Expected(r.kind), v.dump()));
  }
  return Status::Ok();
}

Status RejectCommandFields(const NodeSpec& node, const SourceMap& source,
                           const std::string& field) {
  if (!node.command.empty() || !node.code.empty() || !node.env.empty())
    return source.Error(field, fmt::format("{} takes no command, code or env", node.component));
  return Status::Ok();
}

}  // namespace lathe::pipeline
