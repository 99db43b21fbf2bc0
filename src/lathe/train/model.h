// A trained model as the evaluator and the server see it: features in, predictions out.
// Implementations: XgboostModel (xgboost_model.h) and LinearModel (linear_model.h); a model
// bundle (bundle.h) says which one a directory holds. Predict is const and thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "lathe/core/status.h"
#include "lathe/transform/feature_matrix.h"
#include "lathe/transform/transform_spec.h"

namespace lathe::train {

using transform::FeatureMatrix;
using transform::ParseTask;
using transform::Task;
using transform::TaskName;

// Binary: the probability of the positive class per row. Multiclass: `classes` probabilities per
// row (row-major). Regression: the predicted value per row.
struct Predictions {
  size_t classes = 1;
  std::vector<double> values;
  size_t rows() const { return classes == 0 ? 0 : values.size() / classes; }
};

class Model {
 public:
  virtual ~Model() = default;
  virtual std::string kind() const = 0;  // "xgboost", "linear"
  // INVALID_ARGUMENT if `x` has another number of features than the model was trained on.
  virtual Result<Predictions> Predict(const FeatureMatrix& x) const = 0;
};

// Drops the rows whose label is NaN (missing), from both; returns how many were dropped.
size_t DropMissingLabels(FeatureMatrix& x, std::vector<float>& labels);

}  // namespace lathe::train
