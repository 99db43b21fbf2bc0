// Gradient-boosted trees through XGBoost's C API: training (binary, multiclass, regression; early
// stopping on an eval set; warm start from an earlier model file) and prediction. Training is
// deterministic for a fixed seed and thread count: the same data gives the same model file.
// Models are saved in XGBoost's JSON format, which XGBoost's Python package also reads.
// Small batches (a serving request) are predicted by TreeEnsemble (tree_ensemble.h) when it gives
// XGBoost's results bit for bit on probe rows, checked at load; larger ones by XGBoost's threads.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lathe/train/model.h"
#include "lathe/train/tree_ensemble.h"

namespace lathe::train {

struct XgboostParams {
  int rounds = 100;
  int max_depth = 6;
  double eta = 0.3;
  std::string tree_method = "hist";
  int early_stopping_rounds = 0;  // 0: train every round
  int seed = 0;
  int threads = 0;  // 0: one per core
  double subsample = 1;
  double colsample_bytree = 1;
  double min_child_weight = 1;
  double lambda = 1;
  int max_bin = 256;
};

struct TrainReport {
  int base_rounds = 0;     // rounds in the warm-start model
  int rounds_trained = 0;  // new rounds run (before trimming to the best)
  int best_round = -1;     // with early stopping: the last kept round (counting the base)
  std::string eval_metric;
  // The eval metric after each new round with early stopping, else after the last round only.
  std::vector<double> eval_history;
  double seconds_boosting = 0;  // inside the boosting iterations (not scoring the eval set)
};

// Trains on `x`/`y` (labels 0/1, class indexes or values; no NaN) and saves the model to
// `out_path`. With `eval_x`, the eval metric is tracked and, with early stopping, the model is
// trimmed to its best round. With `warm_start`, boosting continues from that model file.
Result<TrainReport> TrainXgboost(const FeatureMatrix& x, const std::vector<float>& y,
                                 const FeatureMatrix* eval_x, const std::vector<float>* eval_y,
                                 Task task, int num_class, const XgboostParams& params,
                                 const std::string& warm_start, const std::string& out_path);

class XgboostModel final : public Model {
 public:
  // Loads a model file; `features` is the number of columns it must take.
  static Result<std::unique_ptr<XgboostModel>> Load(const std::string& path, Task task,
                                                    int num_class, size_t features);
  ~XgboostModel() override;
  XgboostModel(const XgboostModel&) = delete;
  XgboostModel& operator=(const XgboostModel&) = delete;
  std::string kind() const override { return "xgboost"; }
  Result<Predictions> Predict(const FeatureMatrix& x) const override;

  // Batches of at most this many rows go to the TreeEnsemble, when it is in use.
  static constexpr size_t kEnsembleMaxRows = 256;
  // Whether small batches are predicted by the TreeEnsemble; when not, why not (an objective or
  // split it does not evaluate, or a probe row where it differed from XGBoost).
  bool uses_tree_ensemble() const { return ensemble_ != nullptr; }
  const std::string& tree_ensemble_problem() const { return ensemble_problem_; }

 private:
  XgboostModel() = default;
  // Through XGBoost's in-place prediction, into `out` (rows x classes floats).
  Status PredictWithXgboost(const FeatureMatrix& x, std::vector<float>& out) const;
  // Builds the TreeEnsemble and keeps it if it agrees with XGBoost on probe rows.
  void AdoptTreeEnsemble();
  std::unique_ptr<const TreeEnsemble> ensemble_;
  std::string ensemble_problem_;
  void* booster_ = nullptr;
  Task task_ = Task::kRegression;
  size_t classes_ = 1;
  size_t features_ = 0;
};

}  // namespace lathe::train
