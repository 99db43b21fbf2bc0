// A TransformGraph: the feature spec fitted on the training split (means, ranges, quantile
// boundaries, vocabularies). It is the one code path from raw columns to model features: the
// trainer, the evaluator, the infra validator and the model server all call Apply, so training
// and serving cannot disagree. A single request goes through the same Apply on a one-row batch
// (BatchFromInstances), and a test checks row-by-row equality with the batch path.
//
// Stored as transform.json in TransformGraph artifacts and in model bundles. Immutable after
// Analyze/FromJson; Apply is const and safe to call from several threads.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "lathe/core/status.h"
#include "lathe/data/column.h"
#include "lathe/stats/dataset_stats.h"
#include "lathe/transform/feature_matrix.h"
#include "lathe/transform/transform_spec.h"

namespace lathe::transform {

// A feature of the spec with what analysis learnt.
struct FittedFeature {
  FeatureSpec spec;
  std::vector<data::ColumnType> input_types;
  double fill_value = 0;                // used when spec.fill is set
  double shift = 0, scale = 1;          // standardize, min_max: (x - shift) / scale
  double clip_min = 0, clip_max = 0;    // clip
  std::vector<double> boundaries;       // bucketize: bucket = number of boundaries <= x
  std::vector<std::string> vocabulary;  // vocabulary, most frequent first
  std::unordered_map<std::string, int, stats::StringHash, std::equal_to<>> index;  // of vocabulary
  std::vector<std::string> OutputNames() const;
};

// Whether fitting `feature` needs statistics of its input: with `fill`, or when its op says so
// (a date part or a hash does not).
bool NeedsStatistics(const FeatureSpec& feature);

class TransformGraph {
 public:
  // Fits `spec` on the training data described by `schema` and `train` (its statistics; only
  // the label and the inputs of features that NeedsStatistics are required).
  // Errors name the feature ("feature 'bill': column 'bill_mm' is not in the data").
  static Result<TransformGraph> Analyze(const TransformSpec& spec, const data::Schema& schema,
                                        const stats::DatasetStats& train);

  Task task() const { return task_; }
  const LabelSpec& label() const { return label_; }
  // Multiclass: the class names, in label index order.
  const std::vector<std::string>& classes() const { return classes_; }
  // The raw columns the features read (the model's input signature), with their types.
  const data::Schema& inputs() const { return inputs_; }
  const std::vector<FittedFeature>& features() const { return features_; }
  // The model's input columns: each feature's outputs, in order (computed once).
  const std::vector<std::string>& FeatureNames() const { return feature_names_; }

  // Appends the features of every row of `batch` to `out` (whose names must be FeatureNames()
  // or empty). INVALID_ARGUMENT if an input column is absent or has another type.
  Status Apply(const data::Batch& batch, FeatureMatrix& out) const;
  // Appends the label of every row: 0/1 (binary), the class index (multiclass) or the value
  // (regression); NaN where the label is missing (or an unknown class).
  Status Labels(const data::Batch& batch, std::vector<float>& out) const;

  // Instances as a serving request gives them (a JSON array of objects, column -> value) as a
  // batch of the input columns. Unknown keys are ignored; absent keys and nulls are missing.
  // INVALID_ARGUMENT names the instance and key of a value of the wrong type.
  Result<data::Batch> BatchFromInstances(const nlohmann::json& instances) const;

  nlohmann::json ToJson() const;
  static Result<TransformGraph> FromJson(const nlohmann::json& j);
  // Reads a transform.json file, or the one in a directory (a TransformGraph artifact, a model
  // bundle); errors name the file.
  static Result<TransformGraph> Load(const std::filesystem::path& path);

 private:
  Task task_ = Task::kRegression;
  LabelSpec label_;
  data::ColumnType label_type_ = data::ColumnType::kDouble;
  std::vector<std::string> classes_;
  data::Schema inputs_;
  std::vector<FittedFeature> features_;
  // Derived from features_ once it is complete (IndexFeatures), so that Apply, called per
  // request by the server, does not rebuild them.
  void IndexFeatures();
  std::vector<std::string> feature_names_;
  std::vector<size_t> feature_widths_;  // outputs per feature
};

}  // namespace lathe::transform
