// Linear models: logistic regression (binary) and ridge regression, L2-regularised, fitted
// exactly (Newton's method / the normal equations with Eigen), so training is deterministic.
// Missing feature values count as 0 (after standardize, the training mean). Stored as
// linear.json: {"task", "features": [...], "weights": [...], "intercept"} -- a format that other
// trainers (a Python script with scikit-learn, say) can write; see docs/bundles.md.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lathe/train/model.h"

namespace lathe::train {

struct LinearParams {
  double l2 = 1e-4;  // on the mean loss; the intercept is not penalised
  int max_iter = 100;
  double tolerance = 1e-10;  // on the largest gradient component
};

struct LinearFit {
  int iterations = 0;
  double loss = 0;  // mean training loss (log loss or squared error), without the penalty
};

class LinearModel final : public Model {
 public:
  std::string kind() const override { return "linear"; }
  Result<Predictions> Predict(const FeatureMatrix& x) const override;

  // Fits on `x`/`y` (binary: 0/1; regression: values; no NaN). With `start`, from its weights
  // (warm start: its features must be the same).
  static Result<std::pair<LinearModel, LinearFit>> Train(const FeatureMatrix& x,
                                                         const std::vector<float>& y, Task task,
                                                         const LinearParams& params,
                                                         const LinearModel* start = nullptr);

  nlohmann::json ToJson() const;
  static Result<LinearModel> FromJson(const nlohmann::json& j);
  static Result<LinearModel> Load(const std::string& path);

  Task task() const { return task_; }
  const std::vector<std::string>& features() const { return features_; }
  const std::vector<double>& weights() const { return weights_; }
  double intercept() const { return intercept_; }

 private:
  Task task_ = Task::kRegression;
  std::vector<std::string> features_;
  std::vector<double> weights_;
  double intercept_ = 0;
};

}  // namespace lathe::train
