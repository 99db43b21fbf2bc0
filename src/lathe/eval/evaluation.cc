#include "lathe/eval/evaluation.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "lathe/stats/dataset_stats.h"

namespace lathe::eval {

namespace {

using transform::Task;

// Poisson(1) draws from a SplitMix64 stream: fast, and the same on every platform.
class PoissonWeights {
 public:
  explicit PoissonWeights(uint64_t seed) : state_(seed) {
    double p = std::exp(-1.0), cdf = 0;
    for (int k = 0; k < kMax; ++k) {
      cdf += p;
      cdf_[k] = cdf;
      p /= (k + 1);
    }
  }
  double Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    double u = static_cast<double>(z >> 11) * 0x1.0p-53;
    int k = 0;
    while (k < kMax - 1 && u > cdf_[k]) ++k;
    return k;
  }

 private:
  static constexpr int kMax = 16;
  uint64_t state_;
  double cdf_[kMax];
};

MetricValues Compute(Task task, const ScoredRows& rows, const std::vector<double>* w,
                     double threshold, nlohmann::json* details) {
  switch (task) {
    case Task::kBinary:
      return BinaryMetrics(rows, w, threshold, details);
    case Task::kMulticlass:
      return MulticlassMetrics(rows, w, details);
    case Task::kRegression:
      return RegressionMetrics(rows, w);
  }
  return {};
}

SliceMetrics MeasureSlice(const EvalConfig& config, Task task, std::string name, ScoredRows rows,
                          uint64_t seed) {
  SliceMetrics s;
  s.slice = std::move(name);
  s.rows = static_cast<int64_t>(rows.labels.size());
  if (s.rows < config.min_slice_size) {
    s.skipped = true;
    return s;
  }
  if (task == Task::kBinary) PrepareBinary(rows);
  if (task == Task::kMulticlass) PrepareMulticlass(rows);
  s.metrics = Compute(task, rows, nullptr, config.threshold, &s.details);
  if (config.bootstrap <= 0) return s;
  PoissonWeights draw(seed);
  std::vector<double> w(rows.labels.size());
  std::map<std::string, std::vector<double>> samples;
  for (int b = 0; b < config.bootstrap; ++b) {
    for (auto& x : w) x = draw.Next();
    for (const auto& [metric, value] : Compute(task, rows, &w, config.threshold, nullptr))
      if (std::isfinite(value) && metric != "count") samples[metric].push_back(value);
  }
  const double alpha = (1 - config.confidence) / 2;
  for (auto& [metric, values] : samples) {
    std::sort(values.begin(), values.end());
    auto at = [&](double q) {
      double pos = q * static_cast<double>(values.size() - 1);
      size_t i = static_cast<size_t>(pos);
      double f = pos - static_cast<double>(i);
      return i + 1 < values.size() ? values[i] * (1 - f) + values[i + 1] * f : values[i];
    };
    s.intervals[metric] = {at(alpha), at(1 - alpha)};
  }
  return s;
}

nlohmann::json Number(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}
double FromNumber(const nlohmann::json& j) {
  return j.is_number() ? j.get<double>() : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

const SliceMetrics* ModelMetrics::Find(const std::string& slice) const {
  for (const auto& s : slices)
    if (s.slice == slice) return &s;
  return nullptr;
}

Result<ModelMetrics> Evaluate(const EvalConfig& config, Task task, const data::Batch& raw,
                              const std::vector<float>& labels,
                              const train::Predictions& predictions) {
  const size_t n = raw.rows(), k = predictions.classes;
  if (labels.size() != n || predictions.values.size() != n * k)
    return InvalidArgumentError(fmt::format("{} rows, {} labels and {} predictions do not match", n,
                                            labels.size(), predictions.rows()));
  for (size_t i = 0; i < predictions.values.size(); ++i)
    if (!std::isfinite(predictions.values[i]))
      return InvalidArgumentError(
          fmt::format("the model predicted {} for row {}", predictions.values[i], i / k));
  ModelMetrics out;
  out.task = std::string(transform::TaskName(task));
  std::vector<uint32_t> labelled;
  for (size_t r = 0; r < n; ++r) {
    if (std::isnan(labels[r]))
      ++out.rows_without_label;
    else
      labelled.push_back(static_cast<uint32_t>(r));
  }
  auto gather = [&](const std::vector<uint32_t>& rows) {
    ScoredRows s;
    s.classes = task == Task::kMulticlass ? k : 1;
    s.labels.reserve(rows.size());
    s.scores.reserve(rows.size() * s.classes);
    for (uint32_t r : rows) {
      s.labels.push_back(labels[r]);
      for (size_t c = 0; c < s.classes; ++c) s.scores.push_back(predictions.values[r * k + c]);
    }
    return s;
  };
  uint64_t seed = config.seed;
  out.slices.push_back(MeasureSlice(config, task, "overall", gather(labelled), seed++));
  for (const auto& features : config.slices) {
    std::vector<const data::Column*> cols;
    for (const auto& f : features) {
      int c = raw.schema.Find(f);
      if (c < 0) return InvalidArgumentError(fmt::format("slice: the data has no column '{}'", f));
      cols.push_back(&raw.columns[static_cast<size_t>(c)]);
    }
    // Rows by slice: each row's values become one id per feature, then one id per combination,
    // without building text per row.
    std::vector<uint32_t> combo(labelled.size(), 0);           // per labelled row
    std::vector<std::vector<std::string>> names(cols.size());  // per feature: id -> value
    std::vector<std::vector<uint32_t>> combo_parts;            // combination -> value ids
    std::string scratch;
    for (size_t f = 0; f < cols.size(); ++f) {
      std::unordered_map<std::string, uint32_t, stats::StringHash, std::equal_to<>> ids;
      // (combination of the features so far, this feature's value id) -> combination id
      std::unordered_map<uint64_t, uint32_t> extended;
      std::vector<std::vector<uint32_t>> next_parts;
      const data::Column& c = *cols[f];
      for (size_t k = 0; k < labelled.size(); ++k) {
        const uint32_t r = labelled[k];
        std::string_view v = c.is_null(r)                            ? std::string_view("(missing)")
                             : c.type() == data::ColumnType::kString ? c.string_at(r)
                                                                     : (scratch = c.ToText(r));
        auto it = ids.find(v);
        if (it == ids.end()) {
          it = ids.emplace(std::string(v), static_cast<uint32_t>(names[f].size())).first;
          names[f].emplace_back(v);
        }
        const uint64_t key = (uint64_t{combo[k]} << 32) | it->second;
        auto [slot, added] = extended.emplace(key, static_cast<uint32_t>(next_parts.size()));
        if (added) {
          std::vector<uint32_t> p = f == 0 ? std::vector<uint32_t>{} : combo_parts[combo[k]];
          p.push_back(it->second);
          next_parts.push_back(std::move(p));
        }
        combo[k] = slot->second;
      }
      combo_parts = std::move(next_parts);
    }
    std::vector<std::vector<uint32_t>> rows_of(combo_parts.size());
    for (size_t k = 0; k < labelled.size(); ++k) rows_of[combo[k]].push_back(labelled[k]);
    std::vector<std::pair<std::string, std::vector<uint32_t>>> groups;
    for (size_t g = 0; g < rows_of.size(); ++g) {
      std::string key;
      for (size_t f = 0; f < cols.size(); ++f)
        key += (f ? "," : "") + features[f] + "=" + names[f][combo_parts[g][f]];
      groups.emplace_back(std::move(key), std::move(rows_of[g]));
    }
    if (config.max_slices > 0 && groups.size() > config.max_slices) {
      std::stable_sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
        return a.second.size() > b.second.size();
      });
      out.slices_omitted += static_cast<int64_t>(groups.size() - config.max_slices);
      groups.resize(config.max_slices);
    }
    std::sort(groups.begin(), groups.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [name, rows] : groups)
      out.slices.push_back(MeasureSlice(config, task, name, gather(rows), seed++));
  }
  return out;
}

nlohmann::json ModelMetrics::ToJson() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : slices) {
    nlohmann::json m = nlohmann::json::object(), ci = nlohmann::json::object();
    for (const auto& [k, v] : s.metrics) m[k] = Number(v);
    for (const auto& [k, v] : s.intervals) ci[k] = {Number(v.first), Number(v.second)};
    nlohmann::json j = {{"slice", s.slice}, {"rows", s.rows}, {"metrics", m}};
    if (s.skipped) j["skipped"] = true;
    if (!ci.empty()) j["intervals"] = ci;
    if (!s.details.empty()) j["details"] = s.details;
    list.push_back(std::move(j));
  }
  return {{"task", task},
          {"rows_without_label", rows_without_label},
          {"slices_omitted", slices_omitted},
          {"slices", list}};
}

Result<ModelMetrics> ModelMetrics::FromJson(const nlohmann::json& j) {
  try {
    ModelMetrics m;
    m.task = j.at("task").get<std::string>();
    m.rows_without_label = j.value("rows_without_label", int64_t{0});
    m.slices_omitted = j.value("slices_omitted", int64_t{0});
    for (const auto& s : j.at("slices")) {
      SliceMetrics x;
      x.slice = s.at("slice").get<std::string>();
      x.rows = s.at("rows").get<int64_t>();
      x.skipped = s.value("skipped", false);
      for (auto it = s.at("metrics").begin(); it != s.at("metrics").end(); ++it)
        x.metrics[it.key()] = FromNumber(it.value());
      if (s.contains("intervals"))
        for (auto it = s["intervals"].begin(); it != s["intervals"].end(); ++it)
          x.intervals[it.key()] = {FromNumber(it.value().at(0)), FromNumber(it.value().at(1))};
      if (s.contains("details")) x.details = s["details"];
      m.slices.push_back(std::move(x));
    }
    return m;
  } catch (const nlohmann::json::exception& e) {
    return DataLossError(fmt::format("evaluation: malformed JSON ({})", e.what()));
  }
}

}  // namespace lathe::eval
