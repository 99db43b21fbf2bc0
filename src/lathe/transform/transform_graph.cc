#include "lathe/transform/transform_graph.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>

#include "lathe/core/fs.h"

namespace lathe::transform {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool IsNumeric(data::ColumnType t) {
  return t == data::ColumnType::kInt64 || t == data::ColumnType::kDouble ||
         t == data::ColumnType::kBool;
}

// The value of a numeric (or bool) column as a double; NaN when missing.
double NumberAt(const data::Column& c, size_t row) {
  if (c.is_null(row)) return kNaN;
  switch (c.type()) {
    case data::ColumnType::kInt64:
      return static_cast<double>(c.int_at(row));
    case data::ColumnType::kDouble:
      return c.double_at(row);
    case data::ColumnType::kBool:
      return c.bool_at(row) ? 1 : 0;
    case data::ColumnType::kString:
      return kNaN;
  }
  return kNaN;
}

// The value as text without allocating for strings; `scratch` holds other types' text.
std::string_view TextAt(const data::Column& c, size_t row, std::string& scratch) {
  if (c.type() == data::ColumnType::kString) return c.string_at(row);
  scratch = c.ToText(row);
  return scratch;
}

double Bucket(std::string_view text, int buckets) {
  return static_cast<double>(XXH3_64bits(text.data(), text.size()) %
                             static_cast<uint64_t>(buckets));
}

bool Digits(std::string_view s, size_t at, size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// A part of "YYYY-MM-DD[ T]HH:MM[:SS...]" (or of seconds since 1970 for integers); NaN when the
// text is not such a date.
double DatePart(const data::Column& c, size_t row, const std::string& part) {
  using namespace std::chrono;
  if (c.is_null(row)) return kNaN;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  if (c.type() == data::ColumnType::kInt64) {
    int64_t secs = c.int_at(row);
    auto days = floor<std::chrono::days>(sys_seconds(seconds(secs)));
    year_month_day ymd(days);
    y = static_cast<int>(ymd.year());
    mo = static_cast<int>(static_cast<unsigned>(ymd.month()));
    d = static_cast<int>(static_cast<unsigned>(ymd.day()));
    int64_t in_day = secs - duration_cast<seconds>(days.time_since_epoch()).count();
    h = static_cast<int>(in_day / 3600);
    mi = static_cast<int>(in_day % 3600 / 60);
  } else if (c.type() == data::ColumnType::kString) {
    std::string_view s = c.string_at(row);
    if (!Digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, mo) ||
        s[7] != '-' || !Digits(s, 8, 2, d))
      return kNaN;
    if (s.size() > 10) {
      if ((s[10] != ' ' && s[10] != 'T') || !Digits(s, 11, 2, h) || s.size() < 16 || s[13] != ':' ||
          !Digits(s, 14, 2, mi) || h > 23 || mi > 59)
        return kNaN;
    }
  } else {
    return kNaN;
  }
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return kNaN;
  if (part == "year") return y;
  if (part == "month") return mo;
  if (part == "day") return d;
  if (part == "hour") return h;
  if (part == "minute") return mi;
  sys_days sd(ymd);
  if (part == "weekday") return weekday(sd).iso_encoding() - 1;  // Monday 0 .. Sunday 6
  if (part == "day_of_year")
    return static_cast<double>((sd - sys_days(year{y} / January / 1)).count() + 1);
  return kNaN;
}

double Num(const nlohmann::json& j) {
  return j.is_number() ? j.get<double>() : kNaN;
}

// The distinct values of a column with their counts, as text, from its statistics.
Result<std::vector<std::pair<std::string, int64_t>>> ValueCounts(const stats::FeatureStats& f) {
  std::vector<std::pair<std::string, int64_t>> out;
  if (f.type == data::ColumnType::kInt64) {
    if (!f.num.exact)
      return InvalidArgumentError(
          fmt::format("column '{}' has more than {} distinct values: use hash or bucketize", f.name,
                      stats::NumericStats::kExactLimit));
    for (const auto& [v, n] : f.num.values)
      out.emplace_back(fmt::format("{}", static_cast<int64_t>(v)), static_cast<int64_t>(n));
    return out;
  }
  if (f.type == data::ColumnType::kDouble)
    return InvalidArgumentError(
        fmt::format("column '{}' holds real numbers: use bucketize, not a vocabulary", f.name));
  if (!f.cat.exact)
    return InvalidArgumentError(
        fmt::format("column '{}' has more than {} distinct values: use hash", f.name,
                    stats::CategoricalStats::kExactLimit));
  for (const auto& [v, n] : f.cat.counts) out.emplace_back(v, n);
  return out;
}

}  // namespace

bool NeedsStatistics(const FeatureSpec& f) {
  return !f.fill.empty() || f.op == Op::kStandardize || f.op == Op::kMinMax ||
         f.op == Op::kBucketize || f.op == Op::kVocabulary ||
         (f.op == Op::kClip && (f.min_quantile || f.max_quantile));
}

std::vector<std::string> FittedFeature::OutputNames() const {
  if (spec.op != Op::kVocabulary || !spec.one_hot) return {spec.name};
  std::vector<std::string> names;
  for (const auto& v : vocabulary) names.push_back(spec.name + "=" + v);
  if (spec.oov_buckets > 0) names.push_back(spec.name + "=(other)");
  return names;
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
    const data::ColumnType t = f.input_types[0];
    static const stats::FeatureStats kNoStats;
    const stats::FeatureStats* st = train.Find(fs.inputs[0]);
    if (st == nullptr && NeedsStatistics(fs))
      return fail(fmt::format("no statistics for column '{}'", fs.inputs[0]));
    if (st == nullptr) st = &kNoStats;
    bool numeric_op = fs.op == Op::kIdentity || fs.op == Op::kStandardize || fs.op == Op::kMinMax ||
                      fs.op == Op::kLog || fs.op == Op::kClip || fs.op == Op::kBucketize;
    if (numeric_op && !IsNumeric(t))
      return fail(fmt::format("{} needs numbers; column '{}' holds text (use vocabulary or hash)",
                              OpName(fs.op), fs.inputs[0]));
    if (fs.op == Op::kDatePart && t != data::ColumnType::kString && t != data::ColumnType::kInt64)
      return fail("date_part needs text dates (YYYY-MM-DD[ HH:MM]) or seconds since 1970");
    if (!fs.fill.empty()) {
      if (!numeric_op) return fail("fill applies to numeric ops only");
      f.fill_value = fs.fill == "mean"     ? st->num.mean
                     : fs.fill == "median" ? st->num.Quantile(0.5)
                     : fs.fill == "zero"   ? 0.0
                                           : *data::ParseFloat64(fs.fill);
      if (st->num.count == 0 && (fs.fill == "mean" || fs.fill == "median")) f.fill_value = 0;
    }
    const bool empty = st->num.count == 0;
    switch (fs.op) {
      case Op::kStandardize: {
        f.shift = empty ? 0 : st->num.mean;
        double sd = empty ? 0 : st->num.stddev();
        f.scale = sd > 0 && std::isfinite(sd) ? sd : 1;
        break;
      }
      case Op::kMinMax:
        f.shift = empty ? 0 : st->num.min;
        f.scale = !empty && st->num.max > st->num.min ? st->num.max - st->num.min : 1;
        break;
      case Op::kClip:
        f.clip_min = fs.min                      ? *fs.min
                     : fs.min_quantile && !empty ? st->num.Quantile(*fs.min_quantile)
                                                 : -std::numeric_limits<double>::infinity();
        f.clip_max = fs.max                      ? *fs.max
                     : fs.max_quantile && !empty ? st->num.Quantile(*fs.max_quantile)
                                                 : std::numeric_limits<double>::infinity();
        if (f.clip_min > f.clip_max) return fail("clip bounds are reversed (min > max)");
        break;
      case Op::kBucketize: {
        if (empty) break;
        auto edges = st->num.QuantileEdges(fs.buckets);
        for (size_t i = 1; i + 1 < edges.size(); ++i)
          if (f.boundaries.empty() || edges[i] > f.boundaries.back())
            f.boundaries.push_back(edges[i]);
        break;
      }
      case Op::kVocabulary: {
        auto counts = ValueCounts(*st);
        if (!counts.ok()) return fail(counts.status().message());
        std::sort(counts->begin(), counts->end(), [](const auto& a, const auto& b) {
          return a.second != b.second ? a.second > b.second : a.first < b.first;
        });
        for (const auto& [v, n] : *counts) {
          if (n < fs.min_count || (fs.top_k > 0 && f.vocabulary.size() >= fs.top_k)) break;
          f.index.emplace(v, static_cast<int>(f.vocabulary.size()));
          f.vocabulary.push_back(v);
        }
        break;
      }
      default:
        break;
    }
    g.features_.push_back(std::move(f));
  }
  return g;
}

std::vector<std::string> TransformGraph::FeatureNames() const {
  std::vector<std::string> names;
  for (const auto& f : features_)
    for (auto& n : f.OutputNames()) names.push_back(std::move(n));
  return names;
}

Status TransformGraph::Apply(const data::Batch& batch, FeatureMatrix& out) const {
  std::vector<std::string> names = FeatureNames();
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
      bool numeric_want = IsNumeric(f.input_types[k]);
      if (numeric_want != IsNumeric(col.type()) && f.spec.op != Op::kHash &&
          f.spec.op != Op::kCross && f.spec.op != Op::kVocabulary)
        return InvalidArgumentError(
            fmt::format("feature '{}': column '{}' is {} here but was {} in the training data",
                        f.spec.name, f.spec.inputs[k], data::ColumnTypeName(col.type()),
                        data::ColumnTypeName(f.input_types[k])));
      cols[i].push_back(&col);
    }
  }
  const size_t n = batch.rows(), width = names.size(), first = out.rows;
  out.values.resize((first + n) * width, 0.0f);
  out.rows += n;
  std::string scratch, joined;
  size_t at = 0;  // first output column of the feature
  for (size_t i = 0; i < features_.size(); ++i) {
    const FittedFeature& f = features_[i];
    const data::Column& c = *cols[i][0];
    float* base = out.values.data() + first * width + at;
    auto put = [&](size_t row, double v) { base[row * width] = static_cast<float>(v); };
    auto number = [&](size_t row) {
      double x = NumberAt(c, row);
      return std::isnan(x) && !f.spec.fill.empty() ? f.fill_value : x;
    };
    switch (f.spec.op) {
      case Op::kIdentity:
        for (size_t r = 0; r < n; ++r) put(r, number(r));
        break;
      case Op::kStandardize:
      case Op::kMinMax:
        for (size_t r = 0; r < n; ++r) put(r, (number(r) - f.shift) / f.scale);
        break;
      case Op::kLog:
        for (size_t r = 0; r < n; ++r) {
          double x = number(r) + f.spec.offset;
          put(r, x > 0 ? std::log(x) : kNaN);
        }
        break;
      case Op::kClip:
        for (size_t r = 0; r < n; ++r) {
          double x = number(r);
          put(r, std::isnan(x) ? x : std::clamp(x, f.clip_min, f.clip_max));
        }
        break;
      case Op::kBucketize:
        for (size_t r = 0; r < n; ++r) {
          double x = number(r);
          put(r, std::isnan(x) ? x
                               : static_cast<double>(
                                     std::upper_bound(f.boundaries.begin(), f.boundaries.end(), x) -
                                     f.boundaries.begin()));
        }
        break;
      case Op::kDatePart:
        for (size_t r = 0; r < n; ++r) put(r, DatePart(c, r, f.spec.part));
        break;
      case Op::kHash:
        for (size_t r = 0; r < n; ++r)
          put(r, c.is_null(r) ? kNaN : Bucket(TextAt(c, r, scratch), f.spec.buckets));
        break;
      case Op::kCross:
        for (size_t r = 0; r < n; ++r) {
          joined.clear();
          bool missing = false;
          for (const data::Column* part : cols[i]) {
            if (part->is_null(r)) missing = true;
            joined += TextAt(*part, r, scratch);
            joined += '\x1f';
          }
          put(r, missing ? kNaN : Bucket(joined, f.spec.buckets));
        }
        break;
      case Op::kVocabulary: {
        const int k = static_cast<int>(f.vocabulary.size());
        for (size_t r = 0; r < n; ++r) {
          if (c.is_null(r)) {
            if (!f.spec.one_hot) put(r, kNaN);
            continue;  // one-hot: all zeros
          }
          std::string_view v = TextAt(c, r, scratch);
          auto it = f.index.find(v);
          int code =
              it != f.index.end() ? it->second
              : f.spec.oov_buckets > 0
                  ? k + (f.spec.one_hot ? 0 : static_cast<int>(Bucket(v, f.spec.oov_buckets)))
                  : -1;
          if (!f.spec.one_hot)
            put(r, code < 0 ? kNaN : code);
          else if (code >= 0)
            base[r * width + static_cast<size_t>(code)] = 1.0f;
        }
        break;
      }
    }
    at += f.OutputNames().size();
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
            fmt::format("instances[{}].{}: expected {}, got {}", i, f.name, want, v.dump()));
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
            col.AppendString(v.dump());
          else
            return bad("text");
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
    LATHE_ASSIGN_OR_RETURN(TransformSpec spec, ParseTransformSpec(j.at("spec")));
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
