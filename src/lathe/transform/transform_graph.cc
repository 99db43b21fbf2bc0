#include "lathe/transform/transform_graph.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "lathe/core/fs.h"
#include "lathe/core/json_depth.h"
#include "lathe/transform/detail/column_values.h"
#include "lathe/transform/detail/value_counts.h"

namespace lathe::transform {

namespace {

using detail::IsNumeric;
using detail::kNaN;
using detail::NumberAt;
using detail::TextAt;
using detail::ValueCounts;

double Num(const nlohmann::json& j) {
  return j.is_number() ? j.get<double>() : kNaN;
}

}  // namespace

bool NeedsStatistics(const FeatureSpec& f) {
  return !f.fill.empty() || f.op->NeedsStatistics(f);
}

std::vector<std::string> FittedFeature::OutputNames() const {
  return spec.op->OutputNames(*this);
}

Result<TransformGraph> TransformGraph::Analyze(const TransformSpec& spec,
                                               const data::Schema& schema,
                                               const stats::DatasetStats& train) {
  TransformGraph g;
  g.label_ = spec.label;
  int label_col = schema.Find(spec.label.column);
  if (label_col < 0)
    return InvalidArgumentError(
        fmt::format("label: column '{}' is not in the data", spec.label.column));
  g.label_type_ = schema.fields[static_cast<size_t>(label_col)].type;
  if (spec.label.task) {
    g.task_ = *spec.label.task;
  } else {
    g.task_ = g.label_type_ == data::ColumnType::kString ? Task::kMulticlass
              : g.label_type_ == data::ColumnType::kBool ? Task::kBinary
                                                         : Task::kRegression;
  }
  if (g.task_ == Task::kRegression && !IsNumeric(g.label_type_))
    return InvalidArgumentError(fmt::format(
        "label: regression needs a numeric column; '{}' holds text", spec.label.column));
  if (spec.label.greater_than && !IsNumeric(g.label_type_))
    return InvalidArgumentError(fmt::format(
        "label: greater_than needs a numeric column; '{}' holds text", spec.label.column));
  // A binary label without `positive` or `greater_than` must be bool or hold only 0 and 1.
  if (g.task_ == Task::kBinary && !spec.label.positive && !spec.label.greater_than &&
      g.label_type_ != data::ColumnType::kBool) {
    const auto* f = train.Find(spec.label.column);
    bool zero_one = f != nullptr && IsNumeric(g.label_type_) && f->num.exact;
    if (zero_one)
      for (const auto& [v, n] : f->num.values) zero_one = zero_one && (v == 0 || v == 1);
    if (!zero_one)
      return InvalidArgumentError(
          fmt::format("label: a binary label must hold 0 and 1 (or be bool); for column '{}' give "
                      "positive: VALUE or greater_than: NUMBER",
                      spec.label.column));
  }
  // A positive value must occur: a typo ("adelie" for "Adelie") would train on all-negative labels.
  if (spec.label.positive) {
    const auto* f = train.Find(spec.label.column);
    std::vector<std::pair<std::string, int64_t>> counts;
    if (f != nullptr && f->type == data::ColumnType::kDouble && f->num.exact) {
      for (const auto& [v, n] : f->num.values)
        counts.emplace_back(fmt::format("{}", v), static_cast<int64_t>(n));
    } else if (f != nullptr) {
      if (auto c = ValueCounts(*f); c.ok()) counts = std::move(*c);
    }
    const bool found = std::any_of(counts.begin(), counts.end(),
                                   [&](const auto& c) { return c.first == *spec.label.positive; });
    if (!counts.empty() && !found) {
      std::sort(counts.begin(), counts.end(),
                [](const auto& a, const auto& b) { return a.second > b.second; });
      std::string values;
      for (size_t i = 0; i < counts.size() && i < 10; ++i)
        values += fmt::format("{}'{}' ({})", i ? ", " : "", counts[i].first, counts[i].second);
      if (counts.size() > 10) values += fmt::format(" and {} more", counts.size() - 10);
      return InvalidArgumentError(
          fmt::format("label: positive value '{}' never occurs in column '{}' of the training "
                      "data; its values: {}",
                      *spec.label.positive, spec.label.column, values));
    }
  }
  if (g.task_ == Task::kMulticlass) {
    const auto* f = train.Find(spec.label.column);
    if (f == nullptr)
      return InvalidArgumentError(
          fmt::format("label: no statistics for column '{}'", spec.label.column));
    LATHE_ASSIGN_OR_RETURN(auto counts, ValueCounts(*f));
    for (const auto& [v, n] : counts) g.classes_.push_back(v);
    std::sort(g.classes_.begin(), g.classes_.end());
    if (g.classes_.size() < 2)
      return InvalidArgumentError(fmt::format(
          "label: column '{}' has {} class(es) in the training data; a classifier needs two",
          spec.label.column, g.classes_.size()));
  }
  for (const auto& fs : spec.features) {
    FittedFeature f;
    f.spec = fs;
    auto fail = [&](const std::string& m) {
      return InvalidArgumentError(fmt::format("feature '{}': {}", fs.name, m));
    };
    for (const auto& in : fs.inputs) {
      int c = schema.Find(in);
      if (c < 0) return fail(fmt::format("column '{}' is not in the data", in));
      if (in == spec.label.column) return fail("the label cannot be a feature");
      data::ColumnType t = schema.fields[static_cast<size_t>(c)].type;
      f.input_types.push_back(t);
      if (g.inputs_.Find(in) < 0) g.inputs_.fields.push_back({in, t});
    }
    static const stats::FeatureStats kNoStats;
    const stats::FeatureStats* st = train.Find(fs.inputs[0]);
    if (st == nullptr && NeedsStatistics(fs))
      return fail(fmt::format("no statistics for column '{}'", fs.inputs[0]));
    if (st == nullptr) st = &kNoStats;
    const FeatureOp& op = *fs.op;
    if (Status st_types = op.CheckInputTypes(fs, f.input_types); !st_types.ok())
      return fail(st_types.message());
    if (!fs.fill.empty()) {
      if (!op.numeric()) return fail("fill applies to numeric ops only");
      f.fill_value = fs.fill == "mean"     ? st->num.mean
                     : fs.fill == "median" ? st->num.Quantile(0.5)
                     : fs.fill == "zero"   ? 0.0
                                           : *data::ParseFloat64(fs.fill);
      if (st->num.count == 0 && (fs.fill == "mean" || fs.fill == "median")) f.fill_value = 0;
    }
    if (Status fitted = op.Fit(*st, f); !fitted.ok()) return fail(fitted.message());
    g.features_.push_back(std::move(f));
  }
  g.IndexFeatures();
  return g;
}

void TransformGraph::IndexFeatures() {
  feature_names_.clear();
  feature_widths_.clear();
  for (const auto& f : features_) {
    auto names = f.OutputNames();
    feature_widths_.push_back(names.size());
    for (auto& n : names) feature_names_.push_back(std::move(n));
  }
}

Status TransformGraph::Apply(const data::Batch& batch, FeatureMatrix& out) const {
  const std::vector<std::string>& names = feature_names_;
  if (out.names.empty()) out.names = names;
  if (out.names != names)
    return InvalidArgumentError("the feature matrix was made by another transform");
  // Columns of the batch by input, checked once.
  std::vector<std::vector<const data::Column*>> cols(features_.size());
  for (size_t i = 0; i < features_.size(); ++i) {
    const auto& f = features_[i];
    for (size_t k = 0; k < f.spec.inputs.size(); ++k) {
      int c = batch.schema.Find(f.spec.inputs[k]);
      if (c < 0)
        return InvalidArgumentError(fmt::format("feature '{}': the data has no column '{}'",
                                                f.spec.name, f.spec.inputs[k]));
      const data::Column& col = batch.columns[static_cast<size_t>(c)];
      // A column without values (kNull) fits any input: all its rows are missing.
      const bool typeless =
          col.type() == data::ColumnType::kNull || f.input_types[k] == data::ColumnType::kNull;
      if (!typeless && !f.spec.op->reads_text() &&
          IsNumeric(f.input_types[k]) != IsNumeric(col.type()))
        return InvalidArgumentError(
            fmt::format("feature '{}': column '{}' is {} here but was {} in the training data",
                        f.spec.name, f.spec.inputs[k], data::ColumnTypeName(col.type()),
                        data::ColumnTypeName(f.input_types[k])));
      cols[i].push_back(&col);
    }
  }
  const size_t n = batch.rows(), width = names.size(), first = out.rows;
  if (n == 0) return Status::Ok();  // nothing to write (and no storage to point into yet)
  out.values.resize((first + n) * width, 0.0f);
  out.rows += n;
  size_t at = 0;  // first output column of the feature
  for (size_t i = 0; i < features_.size(); ++i) {
    const FittedFeature& f = features_[i];
    f.spec.op->Apply(f, cols[i], n, {out.values.data() + first * width + at, width});
    at += feature_widths_[i];
  }
  return Status::Ok();
}

Status TransformGraph::Labels(const data::Batch& batch, std::vector<float>& out) const {
  int c = batch.schema.Find(label_.column);
  if (c < 0)
    return InvalidArgumentError(fmt::format("the data has no label column '{}'", label_.column));
  const data::Column& col = batch.columns[static_cast<size_t>(c)];
  std::map<std::string, int, std::less<>> class_index;
  for (size_t i = 0; i < classes_.size(); ++i)
    class_index.emplace(classes_[i], static_cast<int>(i));
  std::string scratch;
  for (size_t r = 0; r < batch.rows(); ++r) {
    double y = kNaN;
    if (col.is_null(r)) {
      // missing stays NaN
    } else if (label_.positive) {
      y = TextAt(col, r, scratch) == *label_.positive ? 1 : 0;
    } else if (label_.greater_than) {
      double x = NumberAt(col, r);
      y = std::isnan(x) ? kNaN : x > *label_.greater_than ? 1 : 0;
    } else if (task_ == Task::kMulticlass) {
      auto it = class_index.find(TextAt(col, r, scratch));
      if (it != class_index.end()) y = it->second;
    } else if (task_ == Task::kBinary) {
      double x = NumberAt(col, r);
      y = x == 0 || x == 1 ? x : kNaN;
    } else {
      y = NumberAt(col, r);
    }
    out.push_back(static_cast<float>(y));
  }
  return Status::Ok();
}

Result<data::Batch> TransformGraph::BatchFromInstances(const nlohmann::json& instances) const {
  if (!instances.is_array())
    return InvalidArgumentError("instances: expected a list of objects (column: value)");
  data::Batch b;
  b.schema = inputs_;
  for (const auto& f : inputs_.fields) b.columns.emplace_back(f.type);
  for (size_t i = 0; i < instances.size(); ++i) {
    const auto& inst = instances[i];
    if (!inst.is_object())
      return InvalidArgumentError(fmt::format("instances[{}]: expected an object", i));
    for (size_t c = 0; c < inputs_.fields.size(); ++c) {
      const auto& f = inputs_.fields[c];
      data::Column& col = b.columns[c];
      auto it = inst.find(f.name);
      if (it == inst.end() || it->is_null()) {
        col.AppendNull();
        continue;
      }
      const auto& v = *it;
      auto bad = [&](const char* want) {
        return InvalidArgumentError(
            fmt::format("instances[{}].{}: expected {}, got {}", i, f.name, want, JsonText(v)));
      };
      switch (f.type) {
        case data::ColumnType::kInt64:
          if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t{INT64_MAX})
            return bad("a whole number that fits 64 bits");
          if (v.is_number_integer()) {
            col.AppendInt(v.get<int64_t>());
          } else if (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>() &&
                     std::abs(v.get<double>()) < 9.2e18) {
            col.AppendInt(static_cast<int64_t>(v.get<double>()));
          } else {
            return bad("a whole number");
          }
          break;
        case data::ColumnType::kDouble:
          if (!v.is_number()) return bad("a number");
          col.AppendDouble(v.get<double>());
          break;
        case data::ColumnType::kBool:
          if (!v.is_boolean()) return bad("true or false");
          col.AppendBool(v.get<bool>());
          break;
        case data::ColumnType::kString:
          if (v.is_string())
            col.AppendString(v.get<std::string>());
          else if (v.is_number() || v.is_boolean())
            col.AppendString(JsonText(v));
          else
            return bad("text");
          break;
        case data::ColumnType::kNull:  // trained on no values: any value reads as missing
          col.AppendNull();
          break;
      }
    }
  }
  return b;
}

nlohmann::json TransformGraph::ToJson() const {
  TransformSpec spec{label_, {}};
  nlohmann::json fitted = nlohmann::json::array();
  for (const auto& f : features_) {
    spec.features.push_back(f.spec);
    nlohmann::json types = nlohmann::json::array();
    for (auto t : f.input_types) types.push_back(data::ColumnTypeName(t));
    nlohmann::json j = {{"input_types", types},   {"fill_value", f.fill_value},
                        {"shift", f.shift},       {"scale", f.scale},
                        {"clip_min", f.clip_min}, {"clip_max", f.clip_max}};
    if (!f.boundaries.empty()) j["boundaries"] = f.boundaries;
    if (!f.vocabulary.empty()) j["vocabulary"] = f.vocabulary;
    fitted.push_back(std::move(j));
  }
  nlohmann::json inputs = nlohmann::json::array();
  for (const auto& f : inputs_.fields)
    inputs.push_back({{"name", f.name}, {"type", data::ColumnTypeName(f.type)}});
  nlohmann::json j = {{"format", 1},
                      {"task", TaskName(task_)},
                      {"spec", transform::ToJson(spec)},
                      {"label_type", data::ColumnTypeName(label_type_)},
                      {"inputs", inputs},
                      {"fitted", fitted},
                      {"features", FeatureNames()}};
  if (!classes_.empty()) j["classes"] = classes_;
  return j;
}

Result<TransformGraph> TransformGraph::FromJson(const nlohmann::json& j) {
  try {
    if (j.at("format").get<int>() != 1)
      return FailedPreconditionError(
          fmt::format("transform format {} is not supported (this Lathe reads format 1)",
                      j.at("format").dump()));
    TransformGraph g;
    LATHE_ASSIGN_OR_RETURN(g.task_, ParseTask(j.at("task").get<std::string>()));
    LATHE_ASSIGN_OR_RETURN(TransformSpec spec,
                           ParseTransformSpec(j.at("spec"), nullptr, FeatureOpRegistry::Builtin(),
                                              SpecSource::kStored));
    g.label_ = spec.label;
    LATHE_ASSIGN_OR_RETURN(g.label_type_,
                           data::ParseColumnType(j.at("label_type").get<std::string>()));
    if (j.contains("classes")) g.classes_ = j["classes"].get<std::vector<std::string>>();
    if (g.task_ == Task::kMulticlass && g.classes_.size() < 2)
      return DataLossError("transform: a multiclass label needs at least two classes");
    for (const auto& in : j.at("inputs")) {
      LATHE_ASSIGN_OR_RETURN(auto t, data::ParseColumnType(in.at("type").get<std::string>()));
      g.inputs_.fields.push_back({in.at("name").get<std::string>(), t});
    }
    const auto& fitted = j.at("fitted");
    if (fitted.size() != spec.features.size())
      return DataLossError("transform: fitted values do not match the features");
    for (size_t i = 0; i < spec.features.size(); ++i) {
      FittedFeature f;
      f.spec = spec.features[i];
      const auto& x = fitted[i];
      for (const auto& t : x.at("input_types")) {
        LATHE_ASSIGN_OR_RETURN(auto ct, data::ParseColumnType(t.get<std::string>()));
        f.input_types.push_back(ct);
      }
      if (f.input_types.size() != f.spec.inputs.size())
        return DataLossError(
            fmt::format("transform: feature '{}' lists {} input types for {} inputs", f.spec.name,
                        f.input_types.size(), f.spec.inputs.size()));
      f.fill_value = Num(x.at("fill_value"));
      f.shift = Num(x.at("shift"));
      f.scale = Num(x.at("scale"));
      f.clip_min = x.at("clip_min").is_null() ? -std::numeric_limits<double>::infinity()
                                              : x["clip_min"].get<double>();
      f.clip_max = x.at("clip_max").is_null() ? std::numeric_limits<double>::infinity()
                                              : x["clip_max"].get<double>();
      if (x.contains("boundaries")) f.boundaries = x["boundaries"].get<std::vector<double>>();
      if (!std::is_sorted(f.boundaries.begin(), f.boundaries.end()))
        return DataLossError(
            fmt::format("transform: feature '{}' has unsorted bucket boundaries", f.spec.name));
      if (x.contains("vocabulary")) f.vocabulary = x["vocabulary"].get<std::vector<std::string>>();
      for (size_t k = 0; k < f.vocabulary.size(); ++k)
        f.index.emplace(f.vocabulary[k], static_cast<int>(k));
      g.features_.push_back(std::move(f));
    }
    g.IndexFeatures();
    return g;
  } catch (const nlohmann::json::exception& e) {
    return DataLossError(fmt::format("transform: malformed JSON ({})", e.what()));
  }
}

Result<TransformGraph> TransformGraph::Load(const std::filesystem::path& path) {
  const std::filesystem::path file =
      std::filesystem::is_directory(path) ? path / "transform.json" : path;
  LATHE_ASSIGN_OR_RETURN(auto j, ReadJsonFile(file));
  auto g = FromJson(j);
  if (!g.ok())
    return InvalidArgumentError(fmt::format("{}: {}", file.string(), g.status().message()));
  return g;
}

}  // namespace lathe::transform
