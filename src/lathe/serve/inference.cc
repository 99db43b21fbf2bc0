#include "lathe/serve/inference.h"

#include <fmt/format.h>

#include "lathe/core/strings.h"
#include "lathe/serve/deployments.h"
#include "lathe/serve/model_manager.h"
#include "lathe/serve/shadow_mirror.h"

namespace lathe::serve {

using transform::Task;

std::vector<OutputSpec> Outputs(const train::LoadedModel& model) {
  switch (model.task()) {
    case Task::kBinary:
      return {{"probability", "double", 1}, {"class", "int64", 1}};
    case Task::kMulticlass:
      return {{"probabilities", "double", static_cast<int64_t>(model.transform().classes().size())},
              {"class", "string", 1}};
    case Task::kRegression:
      return {{"prediction", "double", 1}};
  }
  return {};
}

Status NormaliseInstances(nlohmann::json& instances, const std::string& what) {
  if (!instances.is_array()) return InvalidArgumentError(what + ": expected a list");
  for (size_t i = 0; i < instances.size(); ++i) {
    auto& inst = instances[i];
    if (!inst.is_object())
      return InvalidArgumentError(
          fmt::format("{}[{}]: expected an object of input: value", what, i));
    for (auto& [name, v] : inst.items()) {
      if (v.is_array()) {
        if (v.size() != 1)
          return InvalidArgumentError(fmt::format("{}[{}].{}: expected one value, got a list of {}",
                                                  what, i, name, v.size()));
        nlohmann::json inner = v[0];
        v = std::move(inner);
      }
      if (v.is_object()) {
        auto b64 = v.find("b64");
        if (v.size() != 1 || b64 == v.end() || !b64->is_string())
          return InvalidArgumentError(fmt::format(
              "{}[{}].{}: expected a value or {{\"b64\": text}}, got an object", what, i, name));
        auto text = Base64Decode(b64->get<std::string>());
        if (!text)
          return InvalidArgumentError(fmt::format("{}[{}].{}: not valid base64", what, i, name));
        v = std::move(*text);
      } else if (v.is_array()) {
        return InvalidArgumentError(
            fmt::format("{}[{}].{}: expected one value, got a nested list", what, i, name));
      }
    }
  }
  return Status::Ok();
}

namespace {

// The seconds since the request arrived, recorded in the version's metrics.
double RecordOutcome(const ServableVersion& servable, const InferContext& context, bool ok,
                     size_t rows) {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - context.started).count();
  servable.metrics->RecordRequest(context.label, ok, seconds, rows);
  return seconds;
}

}  // namespace

Result<Inference> Infer(const ServableVersion& servable, const InferContext& context,
                        nlohmann::json instances) {
  auto batch = servable.model->transform().BatchFromInstances(instances);
  if (!batch.ok()) {
    RecordOutcome(servable, context, false, 0);
    return batch.status();
  }
  return InferBatch(servable, context, *batch, [&] { return std::move(instances); });
}

Result<Inference> InferBatch(const ServableVersion& servable, const InferContext& context,
                             const data::Batch& batch,
                             const std::function<nlohmann::json()>& instances) {
  const train::LoadedModel& model = *servable.model;
  auto predictions =
      servable.batcher != nullptr ? servable.batcher->Predict(batch) : model.Predict(batch);
  if (!predictions.ok()) {
    RecordOutcome(servable, context, false, 0);
    return predictions.status();
  }
  if (servable.window != nullptr) servable.window->Add(batch);
  Inference out;
  out.predictions = std::move(*predictions);
  const auto& p = out.predictions;
  const size_t rows = p.rows();
  VersionMetrics& metrics = *servable.metrics;
  switch (model.task()) {
    case Task::kBinary: {
      nlohmann::json prob = nlohmann::json::array(), cls = nlohmann::json::array();
      for (size_t r = 0; r < rows; ++r) {
        prob.push_back(p.values[r]);
        cls.push_back(p.values[r] >= 0.5 ? 1 : 0);
        metrics.RecordProbability(p.values[r]);
      }
      out.outputs = {{"probability", std::move(prob)}, {"class", std::move(cls)}};
      break;
    }
    case Task::kMulticlass: {
      const auto& classes = model.transform().classes();
      nlohmann::json probs = nlohmann::json::array(), cls = nlohmann::json::array();
      for (size_t r = 0; r < rows; ++r) {
        const double* v = p.values.data() + r * p.classes;
        size_t best = 0;
        for (size_t c = 1; c < p.classes; ++c)
          if (v[c] > v[best]) best = c;
        probs.push_back(std::vector<double>(v, v + p.classes));
        const std::string& name = best < classes.size() ? classes[best] : std::to_string(best);
        cls.push_back(name);
        metrics.RecordProbability(v[best]);
        metrics.RecordClass(name);
      }
      out.outputs = {{"probabilities", std::move(probs)}, {"class", std::move(cls)}};
      break;
    }
    case Task::kRegression: {
      nlohmann::json values = nlohmann::json::array();
      for (size_t r = 0; r < rows; ++r) {
        values.push_back(p.values[r]);
        metrics.RecordValue(p.values[r]);
      }
      out.outputs = {{"prediction", std::move(values)}};
      break;
    }
  }
  const double seconds = RecordOutcome(servable, context, true, rows);
  if (context.log != nullptr && context.log->Sample()) {
    const nlohmann::json logged = instances();
    context.log->Record({.request_id = context.request_id,
                         .model = servable.name,
                         .version = servable.version,
                         .label = context.label,
                         .instances = &logged,
                         .outputs = &out.outputs,
                         .latency_ms = seconds * 1000});
  }
  return out;
}

Result<RoutedServable> RouteInference(const InferApi& api, const std::string& name,
                                      std::optional<int64_t> version, const std::string& label,
                                      const KeyLookup& key) {
  RoutedServable out;
  out.label = label;
  std::optional<DeploymentRoute> route;
  if (!version && label.empty() && api.deployments != nullptr) {
    if (auto d = api.deployments->ForModel(name)) {
      if (!d->key.empty() && key) out.key = key(d->key);
      route = Deployments::Route(std::move(d), out.key);
    }
  }
  if (!route) {
    auto handle = api.manager.Find(name, version, label);
    if (!handle.ok()) {
      api.metrics.RecordUnrouted();
      return handle.status();
    }
    out.servable = std::move(*handle);
    return out;
  }
  const Deployment& d = *route->deployment;
  out.deployment = route->deployment;
  out.label = route->role();
  auto handle = api.manager.Find(name, route->route.version, "");
  if (!handle.ok() && route->route.version != d.split.stable) {
    out.label = "stable";  // the canary is not loaded yet (or failed to): stable answers
    handle = api.manager.Find(name, d.split.stable, "");
  }
  if (!handle.ok()) handle = api.manager.Find(name, std::nullopt, "");
  if (!handle.ok()) {
    api.metrics.RecordUnrouted();
    return handle.status();
  }
  out.servable = std::move(*handle);
  if (route->route.shadow != 0 && api.shadow != nullptr)
    if (auto shadow = api.manager.Find(name, route->route.shadow, ""); shadow.ok())
      out.shadow = std::move(*shadow);
  return out;
}

void AfterInference(const InferApi& api, const RoutedServable& routed,
                    const std::string& request_id, const train::Predictions& answered,
                    const std::function<nlohmann::json()>& instances) {
  if (!routed.deployment || api.deployments == nullptr) return;
  api.deployments->RecordAssignment(*routed.deployment, routed.servable->version, request_id,
                                    routed.key);
  if (routed.shadow && api.shadow != nullptr) {
    nlohmann::json rows = instances();
    if (rows.is_array())
      api.shadow->Submit(routed.shadow, std::move(rows), answered, request_id, api.log);
  }
}

}  // namespace lathe::serve
