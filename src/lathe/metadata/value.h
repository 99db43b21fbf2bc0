// Property values of artifacts, executions and contexts: int, double, string, bool or a JSON
// struct, following ML Metadata's typed properties. Value is a small immutable value type.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>

#include "lathe/core/status.h"

namespace lathe::metadata {

// Numbering follows ML Metadata's PropertyType (PROTO = 5 is not supported).
enum class PropertyType {
  kUnknown = 0,
  kInt = 1,
  kDouble = 2,
  kString = 3,
  kStruct = 4,
  kBool = 6
};

std::string_view PropertyTypeName(PropertyType t);  // "INT", "DOUBLE", ...
// Accepts the names above, case-insensitively; INVALID_ARGUMENT otherwise.
Result<PropertyType> ParsePropertyType(std::string_view name);

class Value {
 public:
  Value() : v_(int64_t{0}) {}
  Value(int64_t v) : v_(v) {}                   // NOLINT
  Value(int v) : v_(int64_t{v}) {}              // NOLINT
  Value(double v) : v_(v) {}                    // NOLINT
  Value(bool v) : v_(v) {}                      // NOLINT
  Value(std::string v) : v_(std::move(v)) {}    // NOLINT
  Value(const char* v) : v_(std::string(v)) {}  // NOLINT
  static Value Struct(nlohmann::json object) { return Value(StructBox{std::move(object)}); }

  PropertyType type() const;
  int64_t as_int() const { return std::get<int64_t>(v_); }
  double as_double() const { return std::get<double>(v_); }
  bool as_bool() const { return std::get<bool>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const nlohmann::json& as_struct() const { return std::get<StructBox>(v_).json; }

  // Natural JSON: numbers, strings, booleans and objects.
  nlohmann::json ToJson() const;
  // The inverse of ToJson: integers become INT, other numbers DOUBLE, objects STRUCT.
  static Result<Value> FromJson(const nlohmann::json& j);
  // Parses command-line text: an integer, a number, true/false, a JSON object, else a string.
  static Value FromText(std::string_view text);
  // Parses command-line text as the given type; INVALID_ARGUMENT if it does not fit.
  static Result<Value> FromText(std::string_view text, PropertyType type);
  // Short display form for tables.
  std::string ToDisplayString() const;

  friend bool operator==(const Value& a, const Value& b) { return a.v_ == b.v_; }

 private:
  struct StructBox {
    nlohmann::json json;
    friend bool operator==(const StructBox& a, const StructBox& b) { return a.json == b.json; }
  };
  explicit Value(StructBox s) : v_(std::move(s)) {}
  std::variant<int64_t, double, std::string, bool, StructBox> v_;
};

using Properties = std::map<std::string, Value>;

}  // namespace lathe::metadata
