#include "lathe/metadata/value.h"

#include <fmt/format.h>

#include "lathe/core/json_depth.h"
#include "lathe/core/strings.h"

namespace lathe::metadata {

std::string_view PropertyTypeName(PropertyType t) {
  switch (t) {
    case PropertyType::kInt:
      return "INT";
    case PropertyType::kDouble:
      return "DOUBLE";
    case PropertyType::kString:
      return "STRING";
    case PropertyType::kStruct:
      return "STRUCT";
    case PropertyType::kBool:
      return "BOOL";
    case PropertyType::kUnknown:
      break;
  }
  return "UNKNOWN";
}

Result<PropertyType> ParsePropertyType(std::string_view name) {
  std::string n = ToUpper(name);
  if (n == "INT") return PropertyType::kInt;
  if (n == "DOUBLE") return PropertyType::kDouble;
  if (n == "STRING") return PropertyType::kString;
  if (n == "STRUCT") return PropertyType::kStruct;
  if (n == "BOOL" || n == "BOOLEAN") return PropertyType::kBool;
  return InvalidArgumentError(fmt::format(
      "unknown property type '{}' (expected INT, DOUBLE, STRING, BOOL or STRUCT)", name));
}

PropertyType Value::type() const {
  switch (v_.index()) {
    case 0:
      return PropertyType::kInt;
    case 1:
      return PropertyType::kDouble;
    case 2:
      return PropertyType::kString;
    case 3:
      return PropertyType::kBool;
    default:
      return PropertyType::kStruct;
  }
}

nlohmann::json Value::ToJson() const {
  switch (type()) {
    case PropertyType::kInt:
      return as_int();
    case PropertyType::kDouble:
      return as_double();
    case PropertyType::kString:
      return as_string();
    case PropertyType::kBool:
      return as_bool();
    default:
      return as_struct();
  }
}

Result<Value> Value::FromJson(const nlohmann::json& j) {
  if (j.is_boolean()) return Value(j.get<bool>());
  if (j.is_number_integer()) return Value(j.get<int64_t>());
  if (j.is_number()) return Value(j.get<double>());
  if (j.is_string()) return Value(j.get<std::string>());
  if (j.is_object()) return Value::Struct(j);
  return InvalidArgumentError(
      fmt::format("a property value must be a number, string, boolean or "
                  "object, not {}",
                  j.type_name()));
}

Value Value::FromText(std::string_view text) {
  if (auto i = ParseInt(text)) return Value(static_cast<int64_t>(*i));
  if (auto d = ParseDouble(text)) return Value(*d);
  if (text == "true") return Value(true);
  if (text == "false") return Value(false);
  if (!text.empty() && text.front() == '{') {
    auto j = ParseJsonText(text);
    if (j.ok() && j->is_object()) return Value::Struct(std::move(*j));
  }
  return Value(std::string(text));
}

Result<Value> Value::FromText(std::string_view text, PropertyType type) {
  auto bad = [&] {
    return InvalidArgumentError(
        fmt::format("'{}' is not a valid {} value", text, PropertyTypeName(type)));
  };
  switch (type) {
    case PropertyType::kInt:
      if (auto i = ParseInt(text)) return Value(static_cast<int64_t>(*i));
      return bad();
    case PropertyType::kDouble:
      if (auto d = ParseDouble(text)) return Value(*d);
      return bad();
    case PropertyType::kBool:
      if (text == "true" || text == "1") return Value(true);
      if (text == "false" || text == "0") return Value(false);
      return bad();
    case PropertyType::kStruct: {
      auto j = ParseJsonText(text);
      if (!j.ok())
        return InvalidArgumentError(
            fmt::format("not a valid struct value: {}", j.status().message()));
      if (j->is_object()) return Value::Struct(std::move(*j));
      return bad();
    }
    case PropertyType::kString:
      return Value(std::string(text));
    case PropertyType::kUnknown:
      break;
  }
  return bad();
}

std::string Value::ToDisplayString() const {
  switch (type()) {
    case PropertyType::kInt:
      return std::to_string(as_int());
    case PropertyType::kDouble:
      return fmt::format("{}", as_double());
    case PropertyType::kString:
      return as_string();
    case PropertyType::kBool:
      return as_bool() ? "true" : "false";
    default:
      return as_struct().dump();
  }
}

}  // namespace lathe::metadata
