#include "lathe/transform/transform_spec.h"

#include <fmt/format.h>

#include <cmath>
#include <set>

#include "lathe/data/column.h"

namespace lathe::transform {

std::string_view TaskName(Task t) {
  switch (t) {
    case Task::kBinary:
      return "binary";
    case Task::kMulticlass:
      return "multiclass";
    case Task::kRegression:
      return "regression";
  }
  return "?";
}

Result<Task> ParseTask(std::string_view name) {
  for (Task t : {Task::kBinary, Task::kMulticlass, Task::kRegression})
    if (TaskName(t) == name) return t;
  return InvalidArgumentError(
      fmt::format("unknown task '{}' (tasks: binary, multiclass, regression)", name));
}

Result<TransformSpec> ParseTransformSpec(const nlohmann::json& j, std::string* error_path,
                                         const FeatureOpRegistry& ops, SpecSource source) {
  OptionReader p;
  TransformSpec spec;
  if (!j.is_object() || !j.contains("label") || !j["label"].is_object()) {
    p.Fail("label", "expected {column: NAME, ...}: the column to predict");
  } else {
    const auto& l = j["label"];
    p.OnlyKeys(l, "label", {"column", "task", "positive", "greater_than"});
    spec.label.column = p.Text(l, "column", "label", true);
    if (l.contains("task")) {
      auto t = ParseTask(p.Text(l, "task", "label"));
      if (t.ok())
        spec.label.task = *t;
      else
        p.Fail("label.task", t.status().message());
    }
    if (l.contains("positive")) {
      if (l["positive"].is_string())
        spec.label.positive = l["positive"].get<std::string>();
      else if (l["positive"].is_number_integer() || l["positive"].is_boolean())
        spec.label.positive = l["positive"].dump();
      else
        p.Fail("label.positive", "expected a value of the label column");
    }
    spec.label.greater_than = p.Number(l, "greater_than", "label");
    if (spec.label.positive && spec.label.greater_than)
      p.Fail("label", "give either 'positive' or 'greater_than', not both");
    if ((spec.label.positive || spec.label.greater_than) && spec.label.task &&
        *spec.label.task != Task::kBinary)
      p.Fail("label.task", "'positive' and 'greater_than' make a binary label");
    if (spec.label.positive || spec.label.greater_than) spec.label.task = Task::kBinary;
  }
  if (!j.contains("features") || !j["features"].is_array() || j["features"].empty()) {
    p.Fail("features", "expected a list of features: [{name: N, input: COLUMN, op: OP}, ...]");
  } else {
    std::set<std::string> names;
    for (size_t i = 0; i < j["features"].size() && !p.failed(); ++i) {
      const auto& f = j["features"][i];
      std::string at = fmt::format("features[{}]", i);
      if (!f.is_object()) {
        p.Fail(at, "expected {name: N, input: COLUMN, op: OP, ...}");
        break;
      }
      // The op first, for its options; an unknown op is reported after misspelt options, against
      // the options of every op.
      const FeatureOp* op = nullptr;
      if (!f.contains("op"))
        op = ops.Find("identity");
      else if (f["op"].is_string())
        op = ops.Find(f["op"].get<std::string>());
      std::vector<std::string> allowed = {"name", "input", "inputs", "op", "fill"};
      for (auto& o : op&& source == SpecSource::kWritten ? op->options() : ops.AllOptions())
        allowed.push_back(std::move(o));
      p.OnlyKeys(f, at, allowed);
      const std::string op_name = f.contains("op") ? p.Text(f, "op", at) : "identity";
      if (op == nullptr && !p.failed())
        p.Fail(at + ".op", fmt::format("unknown op '{}' (ops: {})", op_name, ops.NameList()));
      if (op == nullptr) break;
      FeatureSpec fs;
      fs.op = op;
      if (f.contains("inputs")) {
        if (!f["inputs"].is_array() || f["inputs"].size() < 2) {
          p.Fail(at + ".inputs", "expected a list of at least two columns");
        } else {
          for (const auto& c : f["inputs"])
            if (c.is_string())
              fs.inputs.push_back(c.get<std::string>());
            else
              p.Fail(at + ".inputs", "expected column names");
        }
        if (f.contains("input")) p.Fail(at, "give 'input' or 'inputs', not both");
        if (!op->several_inputs()) {
          std::string several;
          for (const FeatureOp* o : ops.All())
            if (o->several_inputs())
              several += fmt::format("{}{}", several.empty() ? "" : " or ", o->name());
          p.Fail(at + ".inputs", fmt::format("only a {} takes several inputs", several));
        }
      } else {
        fs.inputs.push_back(p.Text(f, "input", at, true));
        if (op->several_inputs())
          p.Fail(at + ".input", fmt::format("a {} takes 'inputs: [A, B, ...]'", op->name()));
      }
      fs.name =
          f.contains("name") ? p.Text(f, "name", at) : (fs.inputs.empty() ? "" : fs.inputs[0]);
      if (!p.failed() && !names.insert(fs.name).second)
        p.Fail(at + ".name", fmt::format("duplicate feature name '{}'", fs.name));
      if (f.contains("fill")) {
        if (f["fill"].is_number()) {
          fs.fill = f["fill"].dump();
        } else {
          fs.fill = p.Text(f, "fill", at);
          auto number = data::ParseFloat64(fs.fill);
          if (fs.fill != "mean" && fs.fill != "median" && fs.fill != "zero" &&
              !(number && std::isfinite(*number)))
            p.Fail(at + ".fill", "expected mean, median, zero or a finite number");
        }
      }
      op->ParseOptions(f, at, p, fs);
      spec.features.push_back(std::move(fs));
    }
  }
  if (p.failed()) {
    if (error_path) *error_path = p.path();
    return InvalidArgumentError(fmt::format("{}: {}", p.path(), p.message()));
  }
  return spec;
}

nlohmann::json ToJson(const TransformSpec& spec) {
  nlohmann::json label = {{"column", spec.label.column}};
  if (spec.label.task) label["task"] = TaskName(*spec.label.task);
  if (spec.label.positive) label["positive"] = *spec.label.positive;
  if (spec.label.greater_than) label["greater_than"] = *spec.label.greater_than;
  nlohmann::json features = nlohmann::json::array();
  for (const auto& f : spec.features) {
    nlohmann::json j = {{"name", f.name}, {"op", f.op->name()}};
    if (f.op->several_inputs())
      j["inputs"] = f.inputs;
    else
      j["input"] = f.inputs.at(0);
    if (!f.fill.empty()) j["fill"] = f.fill;
    f.op->OptionsToJson(f, j);
    features.push_back(std::move(j));
  }
  return {{"label", label}, {"features", features}};
}

}  // namespace lathe::transform
