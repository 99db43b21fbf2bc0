// TensorFlow Serving's REST API (https://www.tensorflow.org/tfx/serving/api_rest): model status,
// metadata, and :predict (row "instances" or columnar "inputs"), :classify and :regress.
#include <fmt/format.h>

#include "lathe/serve/deployment.h"
#include "lathe/serve/detail/rest_common.h"
#include "lathe/serve/inference.h"
#include "lathe/serve/row_instances.h"

namespace lathe::serve::detail {

namespace {

using transform::Task;

nlohmann::json StatusEntry(const VersionStatus& s) {
  return {{"version", std::to_string(s.version)},
          {"state", VersionStateName(s.state)},
          {"status",
           {{"error_code", s.status.ok() ? "OK" : std::string(StatusCodeName(s.status.code()))},
            {"error_message", s.status.message()}}}};
}

nlohmann::json TensorInfo(const std::string& name, const std::string& dtype, int64_t extra_dim) {
  nlohmann::json dims = nlohmann::json::array({{{"size", "-1"}, {"name", ""}}});
  if (extra_dim > 0) dims.push_back({{"size", std::to_string(extra_dim)}, {"name", ""}});
  return {
      {"dtype", dtype}, {"tensor_shape", {{"dim", dims}, {"unknown_rank", false}}}, {"name", name}};
}

}  // namespace

std::string TfDtype(const std::string& t) {
  if (t == "double") return "DT_DOUBLE";
  if (t == "int64") return "DT_INT64";
  if (t == "bool") return "DT_BOOL";
  return "DT_STRING";
}

HttpResponse TfServingStatus(const ModelManager& manager, const std::string& name,
                             const VersionSelector& sel) {
  auto statuses = manager.Statuses(name);
  if (!statuses.ok()) return ErrorResponse(statuses.status());
  std::optional<int64_t> only = sel.version;
  if (!sel.label.empty()) {
    auto handle = manager.Find(name, std::nullopt, sel.label);
    if (!handle.ok()) return ErrorResponse(handle.status());
    only = (*handle)->version;
  }
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : *statuses)
    if (!only || s.version == *only) list.push_back(StatusEntry(s));
  if (list.empty())
    return ErrorResponse(404, fmt::format("model '{}' has no version {}", name, *only));
  return JsonResponse(200, {{"model_version_status", list}});
}

HttpResponse TfServingMetadata(const ModelManager& manager, const std::string& name,
                               const VersionSelector& sel) {
  auto handle = manager.Find(name, sel.version, sel.label);
  if (!handle.ok()) return ErrorResponse(handle.status());
  const train::LoadedModel& m = *(*handle)->model;
  nlohmann::json inputs = nlohmann::json::object();
  for (const auto& f : m.transform().inputs().fields) {
    const std::string type(data::ColumnTypeName(f.type));
    inputs[f.name] = TensorInfo(f.name, TfDtype(type), 0);
  }
  nlohmann::json outputs = nlohmann::json::object();
  for (const auto& o : Outputs(m))
    outputs[o.name] = TensorInfo(o.name, TfDtype(o.type), o.per_class() ? o.width : 0);
  nlohmann::json sig = {
      {"inputs", inputs}, {"outputs", outputs}, {"method_name", "tensorflow/serving/predict"}};
  return JsonResponse(200, {{"model_spec",
                             {{"name", name},
                              {"signature_name", ""},
                              {"version", std::to_string((*handle)->version)},
                              {"label", sel.label}}},
                            {"metadata",
                             {{"signature_def", {{"signature_def", {{"serving_default", sig}}}}},
                              {"lathe",
                               {{"task", transform::TaskName(m.task())},
                                {"classes", m.transform().classes()},
                                {"model_kind", m.model().kind()}}}}}});
}

namespace {

// The answer to an inference: predictions by row or by column, or classify/regress results.
HttpResponse TfServingAnswer(std::string_view verb, bool columnar, const train::LoadedModel& m,
                             const Inference& inference) {
  const auto& outputs = inference.outputs;
  const size_t rows = inference.rows();
  nlohmann::json out;
  if (verb == "predict") {
    if (columnar) {
      if (outputs.size() == 1) {
        out["outputs"] = outputs[0].second;
      } else {
        out["outputs"] = nlohmann::json::object();
        for (const auto& [key, values] : outputs) out["outputs"][key] = values;
      }
    } else {
      nlohmann::json predictions = nlohmann::json::array();
      for (size_t r = 0; r < rows; ++r) {
        if (outputs.size() == 1) {
          predictions.push_back(outputs[0].second[r]);
          continue;
        }
        nlohmann::json row = nlohmann::json::object();
        for (const auto& [key, values] : outputs) row[key] = values[r];
        predictions.push_back(std::move(row));
      }
      out["predictions"] = std::move(predictions);
    }
  } else if (verb == "regress") {
    out["results"] = outputs[0].second;  // the prediction, or binary's probability
  } else {
    const auto& p = inference.predictions;
    nlohmann::json results = nlohmann::json::array();
    const auto& classes = m.transform().classes();
    for (size_t r = 0; r < rows; ++r) {
      nlohmann::json pairs = nlohmann::json::array();
      if (m.task() == Task::kBinary) {
        const std::string neg = classes.size() == 2 ? classes[0] : "0";
        const std::string pos = classes.size() == 2 ? classes[1] : "1";
        pairs.push_back({neg, 1 - p.values[r]});
        pairs.push_back({pos, p.values[r]});
      } else {
        for (size_t c = 0; c < p.classes; ++c)
          pairs.push_back(
              {c < classes.size() ? classes[c] : std::to_string(c), p.values[r * p.classes + c]});
      }
      results.push_back(std::move(pairs));
    }
    out["results"] = std::move(results);
  }
  return JsonResponse(200, out);
}

// A sticky key from a TF Serving request: a header, or a feature of the first row (of
// "instances", columnar "inputs", or "examples" over "context").
KeyLookup RequestKey(const HttpRequest& request, std::string_view verb) {
  return [&request, verb](const StickyKey& key) -> std::optional<std::string> {
    if (!key.header.empty()) return request.header ? request.header(key.header) : std::nullopt;
    auto body = ParseBody(request);
    if (!body.ok()) return std::nullopt;
    const nlohmann::json* value = nullptr;
    auto first_row = [&](const char* list) -> const nlohmann::json* {
      auto it = body->find(list);
      if (it == body->end() || !it->is_array() || it->empty() || !(*it)[0].is_object())
        return nullptr;
      auto f = (*it)[0].find(key.feature);
      return f == (*it)[0].end() ? nullptr : &*f;
    };
    if (verb == "predict") {
      value = first_row("instances");
      if (auto inputs = body->find("inputs");
          value == nullptr && inputs != body->end() && inputs->is_object()) {
        auto f = inputs->find(key.feature);
        if (f != inputs->end() && f->is_array() && !f->empty()) value = &(*f)[0];
      }
    } else {
      value = first_row("examples");
      if (auto context = body->find("context");
          value == nullptr && context != body->end() && context->is_object()) {
        auto f = context->find(key.feature);
        if (f != context->end()) value = &*f;
      }
    }
    return KeyText(value);
  };
}

}  // namespace

HttpResponse TfServingInfer(const InferApi& api, const std::string& name,
                            const VersionSelector& sel, std::string_view verb,
                            const HttpRequest& request) {
  if (verb != "predict" && verb != "classify" && verb != "regress")
    return ErrorResponse(404, fmt::format("unknown method ':{}' (expected :predict, :classify or "
                                          ":regress)",
                                          verb.substr(0, 40)));
  auto routed = RouteInference(api, name, sel.version, sel.label, RequestKey(request, verb));
  if (!routed.ok()) return ErrorResponse(routed.status());
  const ServableVersion& servable = *routed->servable;
  const train::LoadedModel& m = *servable.model;
  const InferContext context{routed->label, request.request_id, request.received, api.log};
  // The request's rows as JSON, for the log and a shadow version.
  auto request_instances = [&] {
    auto body = ParseBody(request);
    return body.ok() ? std::move((*body)["instances"]) : nlohmann::json();
  };
  if (verb == "predict") {
    // The common request, rows of plain values, read without a JSON document; anything else
    // (and every error) goes the general way below.
    if (auto batch = ReadRowInstances(request.body, m.transform().inputs())) {
      auto inference = InferBatch(servable, context, *batch, request_instances);
      if (!inference.ok()) return ErrorResponse(inference.status());
      AfterInference(api, *routed, request.request_id, inference->predictions, request_instances);
      return WithRoute(*routed, TfServingAnswer(verb, false, m, *inference));
    }
  }
  auto body = ParseBody(request);
  auto fail = [&](const Status& st) {
    servable.metrics->RecordRequest(sel.label, false, 0, 0);
    return ErrorResponse(st);
  };
  if (!body.ok()) return fail(body.status());
  const auto& fields = m.transform().inputs().fields;

  nlohmann::json instances;
  bool columnar = false;
  if (verb == "predict") {
    const bool has_rows = body->contains("instances"), has_cols = body->contains("inputs");
    if (has_rows == has_cols)
      return fail(InvalidArgumentError(
          "a predict request has either \"instances\" (rows) or \"inputs\" (columns), not " +
          std::string(has_rows ? "both" : "neither")));
    if (has_rows) {
      instances = std::move((*body)["instances"]);
      // One named input: instances may be its bare values.
      if (fields.size() == 1 && instances.is_array())
        for (auto& inst : instances)
          if (!inst.is_object()) inst = nlohmann::json{{fields[0].name, std::move(inst)}};
      if (Status st = NormaliseInstances(instances, "instances"); !st.ok()) return fail(st);
    } else {
      columnar = true;
      nlohmann::json inputs = std::move((*body)["inputs"]);
      if (!inputs.is_object()) {
        if (fields.size() != 1)
          return fail(InvalidArgumentError(fmt::format(
              "\"inputs\": expected an object of input: [values] (the model has {} inputs)",
              fields.size())));
        inputs = nlohmann::json{{fields[0].name, std::move(inputs)}};
      }
      size_t rows = 0;
      bool first = true;
      for (const auto& [key, values] : inputs.items()) {
        if (!values.is_array())
          return fail(InvalidArgumentError(
              fmt::format("inputs.{}: expected a list of values, one per row", key)));
        if (!first && values.size() != rows)
          return fail(InvalidArgumentError(fmt::format(
              "inputs.{}: {} values, but other inputs have {}", key, values.size(), rows)));
        rows = values.size();
        first = false;
      }
      instances = nlohmann::json::array();
      for (size_t r = 0; r < rows; ++r) {
        nlohmann::json inst = nlohmann::json::object();
        for (auto& [key, values] : inputs.items()) inst[key] = std::move(values[r]);
        instances.push_back(std::move(inst));
      }
      if (Status st = NormaliseInstances(instances, "inputs"); !st.ok()) return fail(st);
    }
  } else {
    // classify / regress: "examples", each merged over the optional "context".
    auto examples = body->find("examples");
    if (examples == body->end() || !examples->is_array())
      return fail(InvalidArgumentError("expected \"examples\": a list of objects"));
    nlohmann::json context = body->value("context", nlohmann::json::object());
    if (!context.is_object())
      return fail(InvalidArgumentError("\"context\" must be an object of feature: value"));
    instances = nlohmann::json::array();
    for (size_t i = 0; i < examples->size(); ++i) {
      auto& e = (*examples)[i];
      if (!e.is_object())
        return fail(InvalidArgumentError(fmt::format("examples[{}]: expected an object", i)));
      nlohmann::json inst = context;
      for (auto& [key, value] : e.items()) inst[key] = std::move(value);
      instances.push_back(std::move(inst));
    }
    if (Status st = NormaliseInstances(instances, "examples"); !st.ok()) return fail(st);
    if (verb == "regress" && m.task() == Task::kMulticlass)
      return fail(InvalidArgumentError(
          fmt::format("model '{}' is a multiclass classifier: use :classify or :predict", name)));
    if (verb == "classify" && m.task() == Task::kRegression)
      return fail(InvalidArgumentError(
          fmt::format("model '{}' is a regression model: use :regress or :predict", name)));
  }
  // Unknown inputs are an error: a misspelt feature would otherwise read as missing.
  for (size_t i = 0; i < instances.size(); ++i)
    for (const auto& [key, value] : instances[i].items())
      if (m.transform().inputs().Find(key) < 0)
        return fail(InvalidArgumentError(
            fmt::format("{}[{}].{}: the model has no input '{}'",
                        verb == "predict" ? (columnar ? "inputs" : "instances") : "examples", i,
                        key.substr(0, 80), key.substr(0, 80))));

  nlohmann::json shadow_rows;
  if (routed->shadow) shadow_rows = instances;
  auto inference = Infer(servable, context, std::move(instances));
  if (!inference.ok()) return ErrorResponse(inference.status());
  AfterInference(api, *routed, request.request_id, inference->predictions,
                 [&] { return std::move(shadow_rows); });
  return WithRoute(*routed, TfServingAnswer(verb, columnar, m, *inference));
}

}  // namespace lathe::serve::detail
