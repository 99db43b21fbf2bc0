// Blessing: whether a candidate model is good enough to ship, judged by thresholds on its sliced
// metrics and on the change against a baseline (the latest blessed model, evaluated on the same
// rows). Without a baseline, change thresholds are skipped, so the first model is judged on value
// thresholds alone. A metric that is undefined (NaN) or a slice that is absent or too small fails
// the threshold that names it. No thresholds: blessed.
//
//   thresholds:
//     - {metric: auc, lower: 0.8}                         # overall value bounds
//     - {metric: rmse, slice: "island=Biscoe", upper: 400}
//     - {metric: auc, min_improvement: 0}                 # not worse than the baseline
//     - {metric: log_loss, min_relative_improvement: 0.01, higher_is_better: false}
//
// Improvement = candidate - baseline when higher is better, baseline - candidate otherwise (the
// direction is known for auc, accuracy, rmse, ...; give higher_is_better for others); relative
// improvement divides it by |baseline|.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "lathe/core/status.h"
#include "lathe/eval/evaluation.h"

namespace lathe::eval {

struct Threshold {
  std::string metric;
  std::string slice = "overall";
  std::optional<double> lower, upper;
  std::optional<double> min_improvement, min_relative_improvement;
  std::optional<bool> higher_is_better;
};

// Parses a list of thresholds; errors name the item ("thresholds[1].metric: ...").
Result<std::vector<Threshold>> ParseThresholds(const nlohmann::json& j,
                                               std::string* error_path = nullptr);

struct Check {
  std::string description;  // "overall auc 0.912 >= 0.8"
  bool passed = false;
};

struct Blessing {
  bool blessed = true;
  bool had_baseline = false;
  std::vector<Check> checks;
  std::vector<std::string> Reasons() const;  // why not blessed (failed checks)
  nlohmann::json ToJson() const;
};

Blessing Decide(const ModelMetrics& candidate, const ModelMetrics* baseline,
                const std::vector<Threshold>& thresholds);

}  // namespace lathe::eval
