// Model quality metrics over labelled predictions, with optional per-row weights (the bootstrap
// reweights rows instead of resampling them, so each resample costs one pass, not one sort).
//
// Binary (labels 0/1, scores = probability of 1): auc (ROC; tied scores count half), auc_pr
// (average precision over tie groups), log_loss, and at `threshold`: accuracy, precision, recall,
// f1; calibration (mean prediction / mean label), prediction_mean, label_mean, count; details
// hold the confusion matrix and 10 calibration bins.
// Binary F1 is 2tp / (2tp + fp + fn) (0 when no positive is found).
// Multiclass (labels = class index, k probabilities a row): accuracy, log_loss, precision,
// recall, f1 (macro averages over the classes that occur as truth or prediction, a never
// predicted class counting precision 0), auc (macro one-vs-rest over classes seen as positive and
// negative),
// count; details hold the k x k confusion matrix (rows: true class).
// Regression: rmse, mae, r2, mape (percent, over rows whose label is not 0), prediction_mean,
// label_mean, count.
// Undefined values (AUC without positives, precision without predicted positives, ...) are NaN.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lathe::eval {

using MetricValues = std::map<std::string, double>;

// One slice's rows, prepared once: binary rows sorted by descending score; multiclass rows with a
// per-class order by descending probability.
struct ScoredRows {
  size_t classes = 1;          // 1: binary or regression
  std::vector<float> labels;   // per row
  std::vector<double> scores;  // per row (binary, regression) or per row x class (multiclass)
  std::vector<std::vector<uint32_t>> class_order;  // multiclass: rows by descending probability
};

// Sorts binary rows by descending score (ties keep their order); builds multiclass orders.
void PrepareBinary(ScoredRows& rows);
void PrepareMulticlass(ScoredRows& rows);

// `weights`: one per row of `rows` as prepared (binary: in descending score order), or null
// for 1. `details` (optional) receives the confusion matrix etc.
MetricValues BinaryMetrics(const ScoredRows& rows, const std::vector<double>* weights,
                           double threshold, nlohmann::json* details = nullptr);
MetricValues MulticlassMetrics(const ScoredRows& rows, const std::vector<double>* weights,
                               nlohmann::json* details = nullptr);
MetricValues RegressionMetrics(const ScoredRows& rows, const std::vector<double>* weights);

// True for metrics where larger is better (auc, accuracy, r2, ...), false where smaller is
// (log_loss, rmse, ...); nullopt where neither (calibration, means, count).
std::optional<bool> HigherIsBetter(const std::string& metric);

}  // namespace lathe::eval
