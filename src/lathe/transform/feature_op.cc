#include "lathe/transform/feature_op.h"

#include <fmt/format.h>

#include <algorithm>

#include "lathe/transform/detail/column_values.h"
#include "lathe/transform/ops/builtin_ops.h"
#include "lathe/transform/transform_graph.h"

namespace lathe::transform {

void OptionReader::Fail(std::string path, std::string message) {
  if (failed()) return;
  path_ = std::move(path);
  message_ = std::move(message);
}

void OptionReader::OnlyKeys(const nlohmann::json& obj, const std::string& at,
                            const std::vector<std::string>& allowed) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (std::find(allowed.begin(), allowed.end(), it.key()) != allowed.end()) continue;
    std::string names;
    for (const auto& a : allowed) names += (names.empty() ? "" : ", ") + a;
    Fail(at + "." + it.key(), fmt::format("unknown option '{}' (options: {})", it.key(), names));
  }
}

std::optional<double> OptionReader::Number(const nlohmann::json& obj, const char* key,
                                           const std::string& at) {
  if (!obj.contains(key)) return std::nullopt;
  if (!obj[key].is_number()) {
    Fail(at + "." + key, "expected a number");
    return std::nullopt;
  }
  return obj[key].get<double>();
}

int64_t OptionReader::Int(const nlohmann::json& obj, const char* key, const std::string& at,
                          int64_t def, int64_t min, int64_t max) {
  if (!obj.contains(key)) return def;
  if (!obj[key].is_number_integer() || obj[key].get<int64_t>() < min ||
      obj[key].get<int64_t>() > max) {
    Fail(at + "." + key, fmt::format("expected a whole number from {} to {}", min, max));
    return def;
  }
  return obj[key].get<int64_t>();
}

std::string OptionReader::Text(const nlohmann::json& obj, const char* key, const std::string& at,
                               bool required) {
  if (!obj.contains(key)) {
    if (required) Fail(at + "." + key, fmt::format("'{}' is required", key));
    return "";
  }
  if (!obj[key].is_string() || obj[key].get<std::string>().empty()) {
    Fail(at + "." + key, "expected non-empty text");
    return "";
  }
  return obj[key].get<std::string>();
}

Status FeatureOp::CheckInputTypes(const FeatureSpec& spec,
                                  const std::vector<data::ColumnType>& types) const {
  if (numeric() && !detail::IsNumeric(types.at(0)) && types.at(0) != data::ColumnType::kNull)
    return InvalidArgumentError(
        fmt::format("{} needs numbers; column '{}' holds text (use vocabulary or hash)", name(),
                    spec.inputs.at(0)));
  return Status::Ok();
}

std::vector<std::string> FeatureOp::OutputNames(const FittedFeature& f) const {
  return {f.spec.name};
}

std::vector<std::string> FeatureOpRegistry::AllOptions() const {
  std::vector<std::string> out;
  for (const FeatureOp* op : All())
    for (auto& o : op->options())
      if (std::find(out.begin(), out.end(), o) == out.end()) out.push_back(std::move(o));
  return out;
}

const FeatureOpRegistry& FeatureOpRegistry::Builtin() {
  static const FeatureOpRegistry* registry = [] {
    auto* r = new FeatureOpRegistry();
    // The order of error messages ("unknown op 'x' (ops: identity, standardize, ...)").
    ops::RegisterIdentity(*r);
    ops::RegisterScaling(*r);  // standardize, min_max
    ops::RegisterLog(*r);
    ops::RegisterClip(*r);
    ops::RegisterBucketize(*r);
    ops::RegisterVocabulary(*r);
    ops::RegisterHash(*r);
    ops::RegisterDatePart(*r);
    ops::RegisterCross(*r);
    return r;
  }();
  return *registry;
}

}  // namespace lathe::transform
