// Feature ops: how one model feature is made from raw columns (standardize, vocabulary, cross...).
// Each op is a FeatureOp registered by name in a FeatureOpRegistry; a FeatureSpec points at its
// op, and the generic transform code (the spec parser, TransformGraph's Analyze, Apply, ToJson)
// asks the op for everything op-specific: its options, the inputs it takes, whether and how it is
// fitted, its output columns and how it computes them. Adding an op is one file under
// transform/ops/ and one line in the built-in list (feature_op.cc); docs/components.md lists them.
//
// Ops hold no state: the registry owns them, every method is const and safe to call from several
// threads. Option errors go through OptionReader (the first error, with its path); analysis errors
// are INVALID_ARGUMENT with a message that the caller prefixes with the feature ("feature 'x': ").
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lathe/core/registry.h"
#include "lathe/core/status.h"
#include "lathe/data/column.h"
#include "lathe/stats/dataset_stats.h"

namespace lathe::transform {

struct FeatureSpec;    // transform_spec.h
struct FittedFeature;  // transform_graph.h

// Reads the options of a spec object and keeps the first error with its path
// ("features[2].buckets: expected a whole number from 2 to 16777216"). Not thread-safe.
class OptionReader {
 public:
  bool failed() const { return !message_.empty(); }
  const std::string& path() const { return path_; }
  const std::string& message() const { return message_; }
  // Records an error unless one is recorded already.
  void Fail(std::string path, std::string message);
  // Keys of `obj` outside `allowed` are errors (a misspelt option must not be ignored).
  void OnlyKeys(const nlohmann::json& obj, const std::string& at,
                const std::vector<std::string>& allowed);
  // The number at `key` of `obj` (at path `at`); nullopt when absent or not a number.
  std::optional<double> Number(const nlohmann::json& obj, const char* key, const std::string& at);
  // A whole number in [min, max], `def` when absent (max bounds buckets: tables stay sane).
  int64_t Int(const nlohmann::json& obj, const char* key, const std::string& at, int64_t def,
              int64_t min, int64_t max = int64_t{1} << 24);
  // Non-empty text; "" when absent (an error if `required`).
  std::string Text(const nlohmann::json& obj, const char* key, const std::string& at,
                   bool required = false);

 private:
  std::string path_;
  std::string message_;
};

// Where an op writes the features of a batch: the k-th output column (of OutputNames) of row r is
// values[r * stride + k]. Every value starts as 0. A value that is not a finite float (NaN, an
// infinity, a double beyond the float range) is written as NaN: missing, for every model.
struct FeatureOutput {
  float* values = nullptr;
  size_t stride = 0;
  void Set(size_t row, double v, size_t k = 0) const {
    const float f = static_cast<float>(v);
    values[row * stride + k] = std::isfinite(f) ? f : std::numeric_limits<float>::quiet_NaN();
  }
};

class FeatureOp {
 public:
  virtual ~FeatureOp() = default;
  // The name in specs ("standardize").
  virtual std::string_view name() const = 0;

  // The options it takes besides the common ones (name, input or inputs, op, fill).
  virtual std::vector<std::string> options() const { return {}; }
  // Reads those options of the feature object `f` (at path `at`, "features[2]") into `spec`,
  // defaults included; bad values are reported to `reader`.
  virtual void ParseOptions(const nlohmann::json& /*f*/, const std::string& /*at*/,
                            OptionReader& /*reader*/, FeatureSpec& /*spec*/) const {}
  // Writes those options into `out` (the feature's JSON) so that ParseOptions reads them back.
  virtual void OptionsToJson(const FeatureSpec& /*spec*/, nlohmann::json& /*out*/) const {}

  // Whether it reads several columns (`inputs: [A, B, ...]`) instead of one (`input: A`).
  virtual bool several_inputs() const { return false; }
  // Whether it reads its input as a number: then text inputs are refused and `fill` applies.
  virtual bool numeric() const { return false; }
  // Whether it reads its inputs as text, so that a column typed differently when applied than in
  // training (numbers for text) is accepted.
  virtual bool reads_text() const { return false; }
  // Checks the types of the input columns at analysis; INVALID_ARGUMENT says what it needs.
  // By default numeric ops refuse text.
  virtual Status CheckInputTypes(const FeatureSpec& spec,
                                 const std::vector<data::ColumnType>& types) const;

  // Whether fitting needs statistics of the (first) input column; `fill` always does.
  virtual bool NeedsStatistics(const FeatureSpec& /*spec*/) const { return false; }
  // Fits `f` (its spec, input types and fill value set) on the statistics of its first input
  // (empty statistics when none were needed). INVALID_ARGUMENT when the data does not fit.
  virtual Status Fit(const stats::FeatureStats& /*stats*/, FittedFeature& /*f*/) const {
    return Status::Ok();
  }

  // The names of the model features it makes. By default one: the feature's name.
  virtual std::vector<std::string> OutputNames(const FittedFeature& f) const;
  // Computes the features of `rows` rows from `inputs` (one column per input of the spec, of the
  // types checked at analysis) into `out`.
  virtual void Apply(const FittedFeature& f, const std::vector<const data::Column*>& inputs,
                     size_t rows, const FeatureOutput& out) const = 0;
};

class FeatureOpRegistry : public Registry<FeatureOp> {
 public:
  // Every option an op of this registry takes, each once, in registration order.
  std::vector<std::string> AllOptions() const;
  // The built-in ops: identity, standardize, min_max, log, clip, bucketize, vocabulary, hash,
  // date_part, cross.
  static const FeatureOpRegistry& Builtin();
};

}  // namespace lathe::transform
