// One inference through a served version, shared by every API (TF Serving REST, KServe v2):
// request instances (JSON objects of raw input values) -> the bundle's transform -> the model ->
// named outputs, with the version's metrics recorded. The APIs differ only in how they read
// instances and write outputs.
//
// Stateless functions; thread-safe (LoadedModel::Predict is).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "lathe/core/status.h"
#include "lathe/serve/metrics.h"
#include "lathe/serve/request_log.h"
#include "lathe/serve/servable.h"

namespace lathe::serve {

// A model's outputs, by the names of its bundle's signature (train/bundle.h):
//   binary      probability (double), class (int64: 1 when probability >= 0.5)
//   multiclass  probabilities (double, one per class), class (string)
//   regression  prediction (double)
// Both APIs describe and answer with these, in this order.
struct OutputSpec {
  std::string name;
  std::string type;  // a column type name: "double", "int64", "string"
  int64_t width;     // values per row: the classes for "probabilities", else 1
  bool per_class() const { return name == "probabilities"; }
};
std::vector<OutputSpec> Outputs(const train::LoadedModel& model);

struct Inference {
  train::Predictions predictions;
  // Column form of the outputs: name -> one JSON value per row (a list for probabilities).
  std::vector<std::pair<std::string, nlohmann::json>> outputs;
  size_t rows() const { return predictions.rows(); }
};

// Normalises request values in place: {"b64": "..."} becomes the decoded text and a one-element
// list its element. INVALID_ARGUMENT naming the instance and input for anything else that is not
// a scalar.
Status NormaliseInstances(nlohmann::json& instances, const std::string& what);

class ModelManager;
class Deployments;
class ShadowMirror;
struct Deployment;
struct StickyKey;

// What every API's inference handler works with; not owned.
struct InferApi {
  const ModelManager& manager;
  ServingMetrics& metrics;             // counts requests no version could take
  RequestLog* log;                     // optional
  Deployments* deployments = nullptr;  // optional: route by deployments (deployments.h)
  ShadowMirror* shadow = nullptr;      // optional: mirror to deployments' shadow versions
};

// The version that answers a request, and what else the request is owed.
struct RoutedServable {
  ServableHandle servable;
  std::string label;  // for metrics and the log: the label asked for, or the deployment's role
  std::shared_ptr<const Deployment> deployment;  // set when a deployment routed the request
  ServableHandle shadow;                         // also mirror the request here; null: no
  std::optional<std::string> key;                // the sticky key, when the deployment has one
};

// A request's sticky key as a deployment defines it (a header's or a feature's value); nullopt
// when the request has none.
using KeyLookup = std::function<std::optional<std::string>(const StickyKey&)>;

// The version for a request to `name`: `version` or `label` when given (manager.Find); else, when
// a deployment serves `name`, the one its split routes to (its stable version while a routed
// version is not loaded yet, then the newest); else the newest. Counts an unroutable request.
// Errors: those of ModelManager::Find.
Result<RoutedServable> RouteInference(const InferApi& api, const std::string& name,
                                      std::optional<int64_t> version, const std::string& label,
                                      const KeyLookup& key);

// After a deployment-routed answer: remembers which version answered `request_id` (for
// feedback) and mirrors the request to the shadow version, if any. `instances` (the request's
// rows as JSON objects) is called only then.
void AfterInference(const InferApi& api, const RoutedServable& routed,
                    const std::string& request_id, const train::Predictions& answered,
                    const std::function<nlohmann::json()>& instances);

// Where a request came from, for its metrics and the request log.
struct InferContext {
  std::string label;  // the label it asked for ("" when by version or the default)
  std::string request_id;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  RequestLog* log = nullptr;  // optional; sampled rows go there
};

// Predicts `instances` (a JSON list of objects) with `servable`, records the request in its
// metrics and, when sampled, in the request log. Errors: INVALID_ARGUMENT for wrong names, types or
// shapes, naming the instance and input.
Result<Inference> Infer(const ServableVersion& servable, const InferContext& context,
                        nlohmann::json instances);

// As Infer, for instances already read into a batch of the model's raw inputs (row_instances.h).
// `instances` gives them as JSON for the request log; it is called only for a sampled request.
Result<Inference> InferBatch(const ServableVersion& servable, const InferContext& context,
                             const data::Batch& batch,
                             const std::function<nlohmann::json()>& instances);

}  // namespace lathe::serve
