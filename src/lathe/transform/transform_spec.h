// The declarative feature spec of a Transform: what to predict (the label) and how each model
// feature is made from the raw columns. Parsed from the JSON (or YAML) of a pipeline node's
// parameters; docs/components.md lists every op and option.
//
//   label:    {column: species, positive: Adelie}     binary: value == positive
//             {column: delay, greater_than: 15}       binary: value > 15
//             {column: species}                       string: multiclass; bool: binary;
//             {column: body_mass_g}                   numbers: regression (task: binary for 0/1)
//   features: - {name: bill, input: bill_length_mm, op: standardize, fill: mean}
//             - {name: island, input: island, op: vocabulary, encoding: one_hot}
//             - {name: route, inputs: [origin, destination], op: cross, buckets: 1024}
//
// Each feature's op is a FeatureOp from a registry (feature_op.h), which reads and writes the
// op's options. Errors name the field ("features[2].op: unknown op 'scale' (ops: ...)"). Specs
// are plain values; parsing is thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "lathe/core/status.h"
#include "lathe/transform/feature_op.h"

namespace lathe::transform {

enum class Task { kBinary, kMulticlass, kRegression };
std::string_view TaskName(Task t);  // "binary", "multiclass", "regression"
Result<Task> ParseTask(std::string_view name);

struct LabelSpec {
  std::string column;
  std::optional<Task> task;  // unset: decided from the column type at analysis
  std::optional<std::string> positive;
  std::optional<double> greater_than;
};

struct FeatureSpec {
  std::string name;
  const FeatureOp* op = nullptr;    // set by parsing; owned by the registry
  std::vector<std::string> inputs;  // one column; several for ops that take several (cross)
  // Missing numeric inputs: "" (stay missing), "mean", "median", "zero" or a number (as text).
  std::string fill;
  double offset = 1;                                 // log: log(x + offset)
  std::optional<double> min, max;                    // clip bounds
  std::optional<double> min_quantile, max_quantile;  // clip bounds from the training data
  int buckets = 10;                                  // bucketize, hash, cross
  bool one_hot = false;                              // vocabulary: one column per value
  size_t top_k = 0;                                  // vocabulary: most frequent values (0: all)
  int64_t min_count = 1;  // vocabulary: rarer values are out of vocabulary
  int oov_buckets = 1;    // vocabulary: 0 makes unknown values missing
  std::string part;  // date_part: year, month, day, hour, minute, weekday (Monday 0), day_of_year
};

struct TransformSpec {
  LabelSpec label;
  std::vector<FeatureSpec> features;
};

// Where a spec comes from: written by a user (a pipeline file), where an option of another op is a
// mistake, or stored in a transform graph by an earlier Lathe, whose specs kept such options
// (they are ignored, so every bundle ever pushed still loads).
enum class SpecSource { kWritten, kStored };

// Parses {label: ..., features: [...]}. On error, `error_path` (if given) gets the offending
// field's path ("features[2].op") and the message repeats it. Ops are looked up in `ops`.
Result<TransformSpec> ParseTransformSpec(
    const nlohmann::json& j, std::string* error_path = nullptr,
    const FeatureOpRegistry& ops = FeatureOpRegistry::Builtin(),
    SpecSource source = SpecSource::kWritten);
nlohmann::json ToJson(const TransformSpec& spec);

}  // namespace lathe::transform
