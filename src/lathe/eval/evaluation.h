// Sliced evaluation: metrics (metrics.h) overall and per slice, where a slice is a value of one
// raw feature or of a cross of several ("island=Biscoe", "island=Biscoe,sex=male"), with
// bootstrap confidence intervals. Slices smaller than `min_slice_size` are listed as skipped,
// without metrics. Rows without a label are left out (and counted).
//
// The bootstrap is the Poisson bootstrap: each resample weighs every row by a Poisson(1) draw
// from a generator seeded with `seed`, so results are reproducible; intervals are percentile
// intervals at `confidence`.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lathe/core/status.h"
#include "lathe/data/column.h"
#include "lathe/eval/metrics.h"
#include "lathe/train/model.h"

namespace lathe::eval {

struct EvalConfig {
  std::vector<std::vector<std::string>> slices;  // each a feature or a cross; overall always
  int64_t min_slice_size = 1;
  // Per slice spec, measure only this many slices, the largest (0: all); the rest are counted in
  // ModelMetrics::slices_omitted. For features with many values.
  size_t max_slices = 0;
  int bootstrap = 0;  // resamples; 0: no intervals
  double confidence = 0.95;
  uint64_t seed = 0;
  double threshold = 0.5;  // binary: the decision threshold
};

struct SliceMetrics {
  std::string slice;  // "overall", "island=Biscoe", ...
  int64_t rows = 0;
  bool skipped = false;  // fewer rows than min_slice_size
  MetricValues metrics;
  std::map<std::string, std::pair<double, double>> intervals;
  nlohmann::json details = nlohmann::json::object();
};

struct ModelMetrics {
  std::string task;
  int64_t rows_without_label = 0;
  int64_t slices_omitted = 0;        // beyond max_slices
  std::vector<SliceMetrics> slices;  // overall first, then by spec and slice name
  const SliceMetrics* Find(const std::string& slice) const;
  nlohmann::json ToJson() const;
  static Result<ModelMetrics> FromJson(const nlohmann::json& j);
};

// Metrics of `predictions` for `labels` (as TransformGraph::Labels makes them) over `raw` (the
// rows, for slicing). INVALID_ARGUMENT if a slice feature is not a column of `raw`.
Result<ModelMetrics> Evaluate(const EvalConfig& config, transform::Task task,
                              const data::Batch& raw, const std::vector<float>& labels,
                              const train::Predictions& predictions);

}  // namespace lathe::eval
