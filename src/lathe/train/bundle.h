// Model bundles: a directory that holds everything needed to use a model, so that the evaluator,
// the infra validator and the server load it through one path (LoadBundle):
//
//   manifest.json   {"format": 1, "task", "model": {"kind": "xgboost"|"linear", "file"},
//                    "transform": "transform.json", "features": [...], "classes": [...],
//                    "signature": {"inputs": [{name, type}], "outputs": [{name, type}]},
//                    "label", "training": {...}}
//   transform.json  the TransformGraph (raw columns -> features)
//   model.json      XGBoost's JSON model, or linear.json (linear_model.h): the model kind names
//                   the Algorithm (algorithm.h) that loads it
//   statistics.json optional ("statistics" in the manifest): stats::DatasetStats of the raw inputs
//                   the model was trained on, for the server's drift gauges
//
// Anyone may write a bundle (a Python trainer, for one): docs/bundles.md is the contract.
// LoadedModel is immutable after loading; Predict is thread-safe.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "lathe/core/status.h"
#include "lathe/data/column.h"
#include "lathe/stats/dataset_stats.h"
#include "lathe/train/model.h"
#include "lathe/transform/transform_graph.h"

namespace lathe::train {

inline constexpr int kBundleFormat = 1;
inline constexpr const char* kBundleStatisticsFile = "statistics.json";

// The manifest of a bundle whose model is `kind` (stored in `model_file`), using `graph`.
nlohmann::json MakeManifest(const transform::TransformGraph& graph, const std::string& kind,
                            const std::string& model_file, const nlohmann::json& training);

class LoadedModel {
 public:
  // Loads and checks a bundle directory: the manifest, the transform, the model file and that
  // they agree (features, task). Errors name the file.
  static Result<std::unique_ptr<LoadedModel>> Load(const std::string& dir);

  const nlohmann::json& manifest() const { return manifest_; }
  const transform::TransformGraph& transform() const { return graph_; }
  const Model& model() const { return *model_; }
  Task task() const { return graph_.task(); }
  // The training inputs' statistics, when the bundle has them (null otherwise).
  const std::shared_ptr<const stats::DatasetStats>& training_statistics() const {
    return training_statistics_;
  }

  // Raw rows -> transform -> model.
  Result<Predictions> Predict(const data::Batch& raw) const;
  // A serving request's instances (a JSON array of objects) -> predictions.
  Result<Predictions> PredictInstances(const nlohmann::json& instances) const;

 private:
  nlohmann::json manifest_;
  transform::TransformGraph graph_;
  std::unique_ptr<Model> model_;
  std::shared_ptr<const stats::DatasetStats> training_statistics_;
};

}  // namespace lathe::train
