// Training algorithms: what the Trainer component trains and what kind of model a bundle holds.
// Each is an Algorithm registered by name in an AlgorithmRegistry; its name is the model kind in
// bundle manifests ("xgboost", "linear"). An algorithm declares its hyperparameters, trains a
// model file into a bundle directory and loads that file back as a Model; the Trainer component
// and LoadedModel (bundle.h) do the rest the same way for all. Adding one is one file
// (train/<name>_algorithm.cc) and one line in the built-in list (algorithm.cc).
//
// Algorithms hold no state: the registry owns them, every method is const and safe to call from
// several threads. Train and Load return INVALID_ARGUMENT for data or files that do not fit (the
// message names the file), NOT_FOUND for a missing file, INTERNAL for a library failure.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lathe/core/registry.h"
#include "lathe/core/status.h"
#include "lathe/metadata/value.h"
#include "lathe/train/model.h"

namespace lathe::train {

// A hyperparameter an algorithm takes; the Trainer refuses others and values of another kind.
struct Hyperparameter {
  enum class Kind { kNumber, kPositiveInt, kText };
  const char* name;
  Kind kind;
  std::optional<int64_t> max = std::nullopt;  // whole numbers: the largest allowed
  std::optional<double> min = std::nullopt;   // numbers: the smallest allowed
};

// What an algorithm trains on and from. The eval split is given only to algorithms that
// UsesEvalSplit, when it exists.
struct TrainRequest {
  const FeatureMatrix& x;
  const std::vector<float>& y;  // 0/1, class indexes or values; no NaN
  const FeatureMatrix* eval_x = nullptr;
  const std::vector<float>* eval_y = nullptr;
  Task task = Task::kRegression;
  int num_class = 0;                      // multiclass: the number of classes
  const nlohmann::json& hyperparameters;  // checked against hyperparameters(); defaults absent
  // A warm start: the base model (of this algorithm, with the same features) and its file.
  const Model* base = nullptr;
  std::filesystem::path base_file;
  std::filesystem::path out_dir;  // the bundle directory: the model file goes here
};

struct TrainResult {
  std::string model_file;           // the file written in out_dir ("model.json")
  nlohmann::json training;          // added to the manifest's "training" (byte-stable: no timings)
  metadata::Properties properties;  // added to the Model artifact's properties (timings welcome)
  std::string log;                  // one line for the step's log
};

class Algorithm {
 public:
  virtual ~Algorithm() = default;
  // The name in pipelines and the model kind in manifests.
  virtual std::string_view name() const = 0;
  virtual std::vector<Hyperparameter> hyperparameters() const = 0;
  // Whether it trains with the eval split (xgboost: for early stopping).
  virtual bool UsesEvalSplit(const nlohmann::json& /*hyperparameters*/) const { return false; }
  virtual Result<TrainResult> Train(const TrainRequest& request) const = 0;
  // Loads the model file of a bundle whose transform makes `features` for `task` (multiclass:
  // `num_class` classes), checking that the file agrees.
  virtual Result<std::unique_ptr<Model>> Load(const std::filesystem::path& file, Task task,
                                              int num_class,
                                              const std::vector<std::string>& features) const = 0;
};

class AlgorithmRegistry : public Registry<Algorithm> {
 public:
  // The built-in algorithms: linear, xgboost.
  static const AlgorithmRegistry& Builtin();
};

}  // namespace lathe::train
