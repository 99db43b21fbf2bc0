#include "lathe/transform/transform_spec.h"

#include <fmt/format.h>

#include <limits>
#include <set>

#include "lathe/data/column.h"

namespace lathe::transform {

namespace {

constexpr std::pair<Op, std::string_view> kOps[] = {{Op::kIdentity, "identity"},
                                                    {Op::kStandardize, "standardize"},
                                                    {Op::kMinMax, "min_max"},
                                                    {Op::kLog, "log"},
                                                    {Op::kClip, "clip"},
                                                    {Op::kBucketize, "bucketize"},
                                                    {Op::kVocabulary, "vocabulary"},
                                                    {Op::kHash, "hash"},
                                                    {Op::kDatePart, "date_part"},
                                                    {Op::kCross, "cross"}};

const std::set<std::string> kDateParts = {"year",   "month",   "day",        "hour",
                                          "minute", "weekday", "day_of_year"};

// Collects the first error with its path.
struct Parser {
  std::string path;
  std::string message;
  bool failed() const { return !message.empty(); }
  void Fail(std::string p, std::string m) {
    if (failed()) return;
    path = std::move(p);
    message = std::move(m);
  }
  // Keys of `obj` outside `allowed` are errors (a misspelt option must not be ignored).
  void OnlyKeys(const nlohmann::json& obj, const std::string& at,
                std::initializer_list<const char*> allowed) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      bool ok = false;
      std::string names;
      for (const char* a : allowed) {
        ok = ok || it.key() == a;
        names += (names.empty() ? "" : ", ") + std::string(a);
      }
      if (!ok)
        Fail(at + "." + it.key(),
             fmt::format("unknown option '{}' (options: {})", it.key(), names));
    }
  }
  std::optional<double> Number(const nlohmann::json& obj, const char* key, const std::string& at) {
    if (!obj.contains(key)) return std::nullopt;
    if (!obj[key].is_number()) {
      Fail(at + "." + key, "expected a number");
      return std::nullopt;
    }
    return obj[key].get<double>();
  }
  // A whole number in [min, max] (max bounds buckets: hash tables of features stay sane).
  int64_t Int(const nlohmann::json& obj, const char* key, const std::string& at, int64_t def,
              int64_t min, int64_t max = int64_t{1} << 24) {
    if (!obj.contains(key)) return def;
    if (!obj[key].is_number_integer() || obj[key].get<int64_t>() < min ||
        obj[key].get<int64_t>() > max) {
      Fail(at + "." + key, fmt::format("expected a whole number from {} to {}", min, max));
      return def;
    }
    return obj[key].get<int64_t>();
  }
  std::string Text(const nlohmann::json& obj, const char* key, const std::string& at,
                   bool required = false) {
    if (!obj.contains(key)) {
      if (required) Fail(at + "." + key, fmt::format("'{}' is required", key));
      return "";
    }
    if (!obj[key].is_string() || obj[key].get<std::string>().empty()) {
      Fail(at + "." + key, "expected non-empty text");
      return "";
    }
    return obj[key].get<std::string>();
  }
};

}  // namespace

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

std::string_view OpName(Op op) {
  for (const auto& [o, name] : kOps)
    if (o == op) return name;
  return "?";
}

Result<TransformSpec> ParseTransformSpec(const nlohmann::json& j, std::string* error_path) {
  Parser p;
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
      p.OnlyKeys(
          f, at,
          {"name", "input", "inputs", "op", "fill", "offset", "min", "max", "min_quantile",
           "max_quantile", "buckets", "encoding", "top_k", "min_count", "oov_buckets", "part"});
      FeatureSpec fs;
      std::string op = f.contains("op") ? p.Text(f, "op", at) : "identity";
      bool found = false;
      std::string ops;
      for (const auto& [o, name] : kOps) {
        ops += (ops.empty() ? "" : ", ") + std::string(name);
        if (name == op) {
          fs.op = o;
          found = true;
        }
      }
      if (!found && !p.failed())
        p.Fail(at + ".op", fmt::format("unknown op '{}' (ops: {})", op, ops));
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
        if (fs.op != Op::kCross) p.Fail(at + ".inputs", "only a cross takes several inputs");
      } else {
        fs.inputs.push_back(p.Text(f, "input", at, true));
        if (fs.op == Op::kCross) p.Fail(at + ".input", "a cross takes 'inputs: [A, B, ...]'");
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
          if (fs.fill != "mean" && fs.fill != "median" && fs.fill != "zero" &&
              !data::ParseFloat64(fs.fill))
            p.Fail(at + ".fill", "expected mean, median, zero or a number");
        }
      }
      fs.offset = p.Number(f, "offset", at).value_or(1.0);
      fs.min = p.Number(f, "min", at);
      fs.max = p.Number(f, "max", at);
      fs.min_quantile = p.Number(f, "min_quantile", at);
      fs.max_quantile = p.Number(f, "max_quantile", at);
      for (const auto& [q, key] :
           {std::pair{fs.min_quantile, "min_quantile"}, std::pair{fs.max_quantile, "max_quantile"}})
        if (q && (*q < 0 || *q > 1)) p.Fail(at + "." + key, "expected a number from 0 to 1");
      if (fs.op == Op::kClip && !fs.min && !fs.max && !fs.min_quantile && !fs.max_quantile)
        p.Fail(at, "clip needs min, max, min_quantile or max_quantile");
      fs.buckets = static_cast<int>(
          p.Int(f, "buckets", at, fs.op == Op::kCross || fs.op == Op::kHash ? 1024 : 10, 2));
      if (f.contains("encoding")) {
        std::string e = p.Text(f, "encoding", at);
        if (e != "ordinal" && e != "one_hot")
          p.Fail(at + ".encoding", "expected ordinal or one_hot");
        fs.one_hot = e == "one_hot";
      }
      fs.top_k = static_cast<size_t>(p.Int(f, "top_k", at, 0, 0));
      fs.min_count = p.Int(f, "min_count", at, 1, 1, std::numeric_limits<int64_t>::max());
      fs.oov_buckets = static_cast<int>(p.Int(f, "oov_buckets", at, 1, 0));
      if (fs.op == Op::kDatePart) {
        fs.part = p.Text(f, "part", at, true);
        if (!fs.part.empty() && !kDateParts.count(fs.part))
          p.Fail(at + ".part", "expected year, month, day, hour, minute, weekday or day_of_year");
      }
      spec.features.push_back(std::move(fs));
    }
  }
  if (p.failed()) {
    if (error_path) *error_path = p.path;
    return InvalidArgumentError(fmt::format("{}: {}", p.path, p.message));
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
    nlohmann::json j = {{"name", f.name}, {"op", OpName(f.op)}};
    if (f.op == Op::kCross)
      j["inputs"] = f.inputs;
    else
      j["input"] = f.inputs.at(0);
    if (!f.fill.empty()) j["fill"] = f.fill;
    if (f.op == Op::kLog) j["offset"] = f.offset;
    if (f.min) j["min"] = *f.min;
    if (f.max) j["max"] = *f.max;
    if (f.min_quantile) j["min_quantile"] = *f.min_quantile;
    if (f.max_quantile) j["max_quantile"] = *f.max_quantile;
    if (f.op == Op::kBucketize || f.op == Op::kHash || f.op == Op::kCross) j["buckets"] = f.buckets;
    if (f.op == Op::kVocabulary) {
      j["encoding"] = f.one_hot ? "one_hot" : "ordinal";
      j["top_k"] = f.top_k;
      j["min_count"] = f.min_count;
      j["oov_buckets"] = f.oov_buckets;
    }
    if (f.op == Op::kDatePart) j["part"] = f.part;
    features.push_back(std::move(j));
  }
  return {{"label", label}, {"features", features}};
}

}  // namespace lathe::transform
