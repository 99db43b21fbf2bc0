#include "lathe/serve/kserve_v2.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "lathe/core/json_depth.h"
#include "lathe/core/strings.h"
#include "lathe/core/version.h"
#include "lathe/serve/deployment.h"

namespace lathe::serve::kserve {

namespace {

enum class Family { kBool, kInt, kFloat, kBytes, kUnknown };

Family FamilyOf(const std::string& datatype) {
  if (datatype == "BOOL") return Family::kBool;
  if (datatype == "INT8" || datatype == "INT16" || datatype == "INT32" || datatype == "INT64" ||
      datatype == "UINT8" || datatype == "UINT16" || datatype == "UINT32" || datatype == "UINT64")
    return Family::kInt;
  if (datatype == "FP16" || datatype == "FP32" || datatype == "FP64") return Family::kFloat;
  if (datatype == "BYTES") return Family::kBytes;
  return Family::kUnknown;
}

// Appends the scalars of a (possibly nested) JSON list to `out`, row-major.
void Flatten(const nlohmann::json& data, std::vector<const nlohmann::json*>& out, int depth = 0) {
  if (data.is_array() && depth < 8) {
    for (const auto& v : data) Flatten(v, out, depth + 1);
  } else {
    out.push_back(&data);
  }
}

// The request's inputs as instances (one JSON object per row), checked against the model's
// inputs. INVALID_ARGUMENT naming the tensor otherwise.
Result<nlohmann::json> ReadInputs(const train::LoadedModel& m, const nlohmann::json& inputs) {
  if (!inputs.is_array() || inputs.empty())
    return InvalidArgumentError("expected \"inputs\": a list of tensors");
  const auto& schema = m.transform().inputs();
  std::optional<size_t> rows;
  nlohmann::json instances = nlohmann::json::array();
  std::vector<const nlohmann::json*> values;
  for (size_t t = 0; t < inputs.size(); ++t) {
    const auto& tensor = inputs[t];
    const std::string where = fmt::format("inputs[{}]", t);
    if (!tensor.is_object() || !tensor.contains("name") || !tensor["name"].is_string())
      return InvalidArgumentError(where + ": expected a tensor with a \"name\"");
    const std::string tname = tensor["name"].get<std::string>();
    const int column = schema.Find(tname);
    if (column < 0)
      return InvalidArgumentError(fmt::format("{} ({}): the model has no input '{}'", where,
                                              tname.substr(0, 80), tname.substr(0, 80)));
    if (!tensor.contains("datatype") || !tensor["datatype"].is_string())
      return InvalidArgumentError(fmt::format("{} ({}): \"datatype\" is missing", where, tname));
    const std::string datatype = tensor["datatype"].get<std::string>();
    const Family family = FamilyOf(datatype);
    if (family == Family::kUnknown)
      return InvalidArgumentError(
          fmt::format("{} ({}): unknown datatype '{}'", where, tname, datatype.substr(0, 20)));
    const auto type = schema.fields[static_cast<size_t>(column)].type;
    const bool fits = type == data::ColumnType::kNull ||
                      (type == data::ColumnType::kBool && family == Family::kBool) ||
                      (type == data::ColumnType::kString && family == Family::kBytes) ||
                      ((type == data::ColumnType::kDouble || type == data::ColumnType::kInt64) &&
                       (family == Family::kInt || family == Family::kFloat));
    if (!fits)
      return InvalidArgumentError(fmt::format(
          "{} ({}): datatype {} does not fit the model's input of type {} (send {})", where, tname,
          datatype, data::ColumnTypeName(type), Datatype(std::string(data::ColumnTypeName(type)))));
    if (!tensor.contains("shape") || !tensor["shape"].is_array() || tensor["shape"].empty() ||
        tensor["shape"].size() > 2)
      return InvalidArgumentError(
          fmt::format("{} ({}): \"shape\" must be [N] or [N, 1]", where, tname));
    int64_t n = 0;
    for (size_t d = 0; d < tensor["shape"].size(); ++d) {
      const auto& dim = tensor["shape"][d];
      if (!dim.is_number_integer() || dim.get<int64_t>() < 0 || dim.get<int64_t>() > 1000000 ||
          (d == 1 && dim.get<int64_t>() != 1))
        return InvalidArgumentError(
            fmt::format("{} ({}): \"shape\" must be [N] or [N, 1]", where, tname));
      if (d == 0) n = dim.get<int64_t>();
    }
    if (!tensor.contains("data"))
      return InvalidArgumentError(fmt::format("{} ({}): \"data\" is missing", where, tname));
    values.clear();
    Flatten(tensor["data"], values);
    if (values.size() != static_cast<size_t>(n))
      return InvalidArgumentError(fmt::format("{} ({}): shape {} holds {} values; \"data\" has {}",
                                              where, tname, JsonText(tensor["shape"]), n,
                                              values.size()));
    if (rows && *rows != static_cast<size_t>(n))
      return InvalidArgumentError(
          fmt::format("{} ({}): {} rows, but the inputs before have {}", where, tname, n, *rows));
    if (!rows) {
      rows = static_cast<size_t>(n);
      for (size_t r = 0; r < *rows; ++r) instances.push_back(nlohmann::json::object());
    }
    for (size_t r = 0; r < values.size(); ++r) {
      const nlohmann::json& v = *values[r];
      const bool ok = v.is_null() || (family == Family::kBool && v.is_boolean()) ||
                      (family == Family::kBytes && v.is_string()) ||
                      (family == Family::kInt && v.is_number_integer()) ||
                      (family == Family::kFloat && v.is_number());
      if (!ok)
        return InvalidArgumentError(fmt::format("{} ({}): data[{}] is {}, not a {} value", where,
                                                tname, r, JsonText(v).substr(0, 40), datatype));
      instances[r][tname] = v;
    }
  }
  return instances;
}

// The names of the outputs asked for; empty for all.
Result<std::vector<std::string>> RequestedOutputs(const std::vector<OutputSpec>& specs,
                                                  const nlohmann::json& request) {
  std::vector<std::string> wanted;
  auto it = request.find("outputs");
  if (it == request.end()) return wanted;
  if (!it->is_array()) return InvalidArgumentError("\"outputs\" must be a list");
  for (size_t o = 0; o < it->size(); ++o) {
    const auto& req = (*it)[o];
    if (!req.is_object() || !req.contains("name") || !req["name"].is_string())
      return InvalidArgumentError(fmt::format("outputs[{}]: expected {{\"name\": ...}}", o));
    const std::string oname = req["name"].get<std::string>();
    if (std::none_of(specs.begin(), specs.end(), [&](const auto& s) { return s.name == oname; })) {
      std::vector<std::string> names;
      for (const auto& s : specs) names.push_back(s.name);
      return InvalidArgumentError(
          fmt::format("outputs[{}]: the model has no output '{}' "
                      "(outputs: {})",
                      o, oname.substr(0, 80), fmt::join(names, ", ")));
    }
    wanted.push_back(oname);
  }
  return wanted;
}

}  // namespace

std::string Datatype(const std::string& t) {
  if (t == "double") return "FP64";
  if (t == "int64") return "INT64";
  if (t == "bool") return "BOOL";
  return "BYTES";
}

nlohmann::json ServerMetadata() {
  return {{"name", "lathe"}, {"version", kVersion}, {"extensions", nlohmann::json::array()}};
}

Result<std::optional<int64_t>> ParseVersion(const std::string& text) {
  if (text.empty()) return std::optional<int64_t>();
  auto v = ParseInt(text);
  if (!v || *v < 1)
    return InvalidArgumentError(
        fmt::format("version '{}' is not a positive whole number", text.substr(0, 40)));
  return std::optional<int64_t>(*v);
}

Result<nlohmann::json> ModelMetadata(const ModelManager& manager, const std::string& name,
                                     std::optional<int64_t> version) {
  LATHE_ASSIGN_OR_RETURN(ServableHandle handle, manager.Find(name, version, ""));
  const train::LoadedModel& m = *handle->model;
  nlohmann::json versions = nlohmann::json::array();
  const auto snap = manager.snapshot();
  if (auto it = snap->models.find(name); it != snap->models.end())
    for (const auto& [v, h] : it->second.versions) versions.push_back(std::to_string(v));
  nlohmann::json inputs = nlohmann::json::array();
  for (const auto& f : m.transform().inputs().fields)
    inputs.push_back({{"name", f.name},
                      {"datatype", Datatype(std::string(data::ColumnTypeName(f.type)))},
                      {"shape", {-1}}});
  nlohmann::json outputs = nlohmann::json::array();
  for (const auto& o : Outputs(m))
    outputs.push_back(
        {{"name", o.name},
         {"datatype", Datatype(o.type)},
         {"shape", o.per_class() ? nlohmann::json{-1, o.width} : nlohmann::json{-1}}});
  return nlohmann::json{{"name", name},
                        {"versions", versions},
                        {"platform", "lathe_" + m.model().kind()},
                        {"inputs", inputs},
                        {"outputs", outputs}};
}

Status ModelReady(const ModelManager& manager, const std::string& name,
                  std::optional<int64_t> version) {
  return manager.Find(name, version, "").status();
}

Status RecordRejected(const InferApi& api, const std::string& name,
                      std::optional<int64_t> version) {
  auto handle = api.manager.Find(name, version, "");
  if (!handle.ok()) {
    api.metrics.RecordUnrouted();
    return handle.status();
  }
  (*handle)->metrics->RecordRequest("", false, 0, 0);
  return Status::Ok();
}

namespace {

// A sticky key from a v2 request: a header, or the first value of the input tensor named by
// the feature.
KeyLookup RequestKey(const nlohmann::json& request, const HeaderLookup& header) {
  return [&request, &header](const StickyKey& key) -> std::optional<std::string> {
    if (!key.header.empty()) return header ? header(key.header) : std::nullopt;
    auto inputs = request.find("inputs");
    if (inputs == request.end() || !inputs->is_array()) return std::nullopt;
    for (const auto& t : *inputs) {
      if (!t.is_object() || t.value("name", "") != key.feature) continue;
      auto data = t.find("data");
      if (data == t.end()) return std::nullopt;
      const nlohmann::json* v = &*data;
      while (v->is_array() && !v->empty()) v = &(*v)[0];
      if (v->is_array() || v->is_object() || v->is_null()) return std::nullopt;
      return v->is_string() ? v->get<std::string>() : JsonText(*v);
    }
    return std::nullopt;
  };
}

}  // namespace

Result<nlohmann::json> Infer(const InferApi& api, const std::string& name,
                             std::optional<int64_t> version, const nlohmann::json& request,
                             const InferContext& request_context, const HeaderLookup& header) {
  LATHE_ASSIGN_OR_RETURN(RoutedServable routed,
                         RouteInference(api, name, version, "", RequestKey(request, header)));
  const ServableVersion& servable = *routed.servable;
  InferContext context = request_context;
  context.label = routed.label;
  const train::LoadedModel& m = *servable.model;
  auto fail = [&](const Status& st) {
    servable.metrics->RecordRequest("", false, 0, 0);
    return st;
  };
  if (!request.is_object()) return fail(InvalidArgumentError("the request must be an object"));
  std::string id;
  if (auto it = request.find("id"); it != request.end()) {
    if (!it->is_string()) return fail(InvalidArgumentError("\"id\" must be a string"));
    id = it->get<std::string>();
  }
  auto inputs = request.find("inputs");
  auto instances = ReadInputs(m, inputs == request.end() ? nlohmann::json() : *inputs);
  if (!instances.ok()) return fail(instances.status());
  const auto specs = Outputs(m);
  auto wanted = RequestedOutputs(specs, request);
  if (!wanted.ok()) return fail(wanted.status());
  nlohmann::json shadow_rows;
  if (routed.shadow) shadow_rows = *instances;
  LATHE_ASSIGN_OR_RETURN(Inference inference,
                         serve::Infer(servable, context, *std::move(instances)));
  AfterInference(api, routed, context.request_id, inference.predictions,
                 [&] { return std::move(shadow_rows); });
  nlohmann::json outputs = nlohmann::json::array();
  for (const auto& spec : specs) {
    if (!wanted->empty() && std::find(wanted->begin(), wanted->end(), spec.name) == wanted->end())
      continue;
    nlohmann::json flat = nlohmann::json::array();
    for (const auto& [key, values] : inference.outputs)
      if (key == spec.name)
        for (const auto& v : values) {
          if (v.is_array())
            for (const auto& x : v) flat.push_back(x);
          else
            flat.push_back(v);
        }
    const int64_t n = static_cast<int64_t>(inference.rows());
    outputs.push_back(
        {{"name", spec.name},
         {"datatype", Datatype(spec.type)},
         {"shape", spec.per_class() ? nlohmann::json{n, spec.width} : nlohmann::json{n}},
         {"data", std::move(flat)}});
  }
  nlohmann::json out = {{"model_name", name},
                        {"model_version", std::to_string(servable.version)},
                        {"outputs", std::move(outputs)}};
  if (!id.empty()) out["id"] = id;
  return out;
}

}  // namespace lathe::serve::kserve
