#include "lathe/serve/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "lathe/core/strings.h"

namespace lathe::serve {

template <size_t N>
void Histogram<N>::Observe(const std::array<double, N>& bounds, double v) {
  const size_t i = static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), v) -
                                       bounds.begin());  // first bound >= v: le is inclusive
  ++counts[i];
  sum += v;
  ++count;
}

void VersionMetrics::RecordRequest(const std::string& label, bool ok, double seconds, size_t rows) {
  std::lock_guard lock(mu_);
  Series& s = by_label_[label];
  ++s.requests;
  if (!ok) ++s.errors;
  s.latency.Observe(kLatencyBuckets, seconds);
  if (ok) s.rows.Observe(kBatchBuckets, static_cast<double>(rows));
}

void VersionMetrics::RecordProbability(double p) {
  std::lock_guard lock(mu_);
  probability_.Observe(kProbabilityBuckets, p);
}

void VersionMetrics::RecordClass(const std::string& name) {
  std::lock_guard lock(mu_);
  if (classes_.size() < 1000 || classes_.count(name)) ++classes_[name];
}

void VersionMetrics::RecordValue(double v) {
  std::lock_guard lock(mu_);
  value_sum_ += v;
  ++value_count_;
}

std::shared_ptr<VersionMetrics> ServingMetrics::ForVersion(const std::string& model,
                                                           int64_t version) {
  std::lock_guard lock(mu_);
  auto& m = versions_[{model, version}];
  if (!m) m = std::make_shared<VersionMetrics>();
  return m;
}

void ServingMetrics::RecordLoad(const std::string& model, bool ok) {
  std::lock_guard lock(mu_);
  auto& [loaded, failed] = loads_[model];
  ++(ok ? loaded : failed);
}

std::string EscapeLabelValue(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

namespace {

// A sample value as the exposition format spells it (NaN, +Inf and -Inf included).
std::string Number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return ShortestNumber(v);
}

template <size_t N>
void AppendHistogram(std::string& out, const std::string& name, const std::string& labels,
                     const std::array<double, N>& bounds, const Histogram<N>& h) {
  uint64_t cumulative = 0;
  const std::string sep = labels.empty() ? "" : ",";
  for (size_t i = 0; i < N; ++i) {
    cumulative += h.counts[i];
    out += fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep, Number(bounds[i]),
                       cumulative);
  }
  cumulative += h.counts[N];
  out += fmt::format("{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, labels, sep, cumulative);
  out += fmt::format("{}_sum{{{}}} {}\n", name, labels, Number(h.sum));
  out += fmt::format("{}_count{{{}}} {}\n", name, labels, h.count);
}

void Header(std::string& out, const char* name, const char* type, const char* help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

void VersionMetrics::RecordBatch(size_t rows) {
  std::lock_guard lock(mu_);
  batches_.Observe(kBatchBuckets, static_cast<double>(rows));
}

void VersionMetrics::SetDrift(std::vector<DriftGauge> gauges, int64_t window_rows) {
  std::lock_guard lock(mu_);
  drift_ = std::move(gauges);
  drift_window_rows_ = window_rows;
}

void VersionMetrics::RecordShadow(bool ok, size_t rows, size_t disagreements,
                                  double abs_difference_sum) {
  std::lock_guard lock(mu_);
  ++shadow_.requests;
  if (!ok) {
    ++shadow_.errors;
    return;
  }
  shadow_.rows += rows;
  shadow_.disagreements += disagreements;
  shadow_.abs_difference_sum += abs_difference_sum;
}

VersionMetrics::Observed VersionMetrics::Observe(const std::string& label) {
  std::lock_guard lock(mu_);
  Observed o;
  if (auto it = by_label_.find(label); it != by_label_.end()) {
    o.requests = it->second.requests;
    o.errors = it->second.errors;
    o.latency = it->second.latency.counts;
  }
  o.probability = probability_.counts;
  for (const auto& g : drift_)
    if (g.measure == "js" && std::isfinite(g.value)) o.max_drift = std::max(o.max_drift, g.value);
  return o;
}

std::string ServingMetrics::Render(
    const std::vector<std::pair<std::string, int64_t>>& loaded) const {
  // Copy the blocks' contents under their locks first, then format without holding any.
  struct Copy {
    std::string model;
    int64_t version;
    std::map<std::string, VersionMetrics::Series> by_label;
    Histogram<kProbabilityBuckets.size()> probability;
    std::map<std::string, uint64_t> classes;
    double value_sum;
    uint64_t value_count;
    std::vector<VersionMetrics::DriftGauge> drift;
    int64_t drift_window_rows;
    Histogram<kBatchBuckets.size()> batches;
    VersionMetrics::Shadow shadow;
  };
  std::vector<Copy> copies;
  std::map<std::string, std::pair<uint64_t, uint64_t>> loads;
  {
    std::lock_guard lock(mu_);
    loads = loads_;
    for (const auto& [key, m] : versions_) {
      std::lock_guard vlock(m->mu_);
      copies.push_back({key.first, key.second, m->by_label_, m->probability_, m->classes_,
                        m->value_sum_, m->value_count_, m->drift_, m->drift_window_rows_,
                        m->batches_, m->shadow_});
    }
  }
  auto version_labels = [](const Copy& c) {
    return fmt::format("model=\"{}\",version=\"{}\"", EscapeLabelValue(c.model), c.version);
  };
  auto series_labels = [&](const Copy& c, const std::string& label) {
    return fmt::format("{},label=\"{}\"", version_labels(c), EscapeLabelValue(label));
  };
  std::string out;
  Header(out, "lathe_serve_requests_total", "counter",
         "Requests answered, by model, version and the label asked for.");
  for (const auto& c : copies)
    for (const auto& [label, s] : c.by_label)
      out +=
          fmt::format("lathe_serve_requests_total{{{}}} {}\n", series_labels(c, label), s.requests);
  Header(out, "lathe_serve_request_errors_total", "counter",
         "Requests answered with an error, by model, version and label.");
  for (const auto& c : copies)
    for (const auto& [label, s] : c.by_label)
      out += fmt::format("lathe_serve_request_errors_total{{{}}} {}\n", series_labels(c, label),
                         s.errors);
  Header(out, "lathe_serve_request_duration_seconds", "histogram",
         "Time from a parsed request to its answer, in seconds.");
  for (const auto& c : copies)
    for (const auto& [label, s] : c.by_label)
      AppendHistogram(out, "lathe_serve_request_duration_seconds", series_labels(c, label),
                      kLatencyBuckets, s.latency);
  Header(out, "lathe_serve_batch_rows", "histogram", "Rows (instances) per answered request.");
  for (const auto& c : copies)
    for (const auto& [label, s] : c.by_label)
      AppendHistogram(out, "lathe_serve_batch_rows", series_labels(c, label), kBatchBuckets,
                      s.rows);
  Header(out, "lathe_serve_model_batch_rows", "histogram",
         "Rows per call of the model with server-side batching (requests predicted together).");
  for (const auto& c : copies)
    if (c.batches.count > 0)
      AppendHistogram(out, "lathe_serve_model_batch_rows", version_labels(c), kBatchBuckets,
                      c.batches);
  Header(out, "lathe_serve_prediction_probability", "histogram",
         "Predicted probability: the positive class's (binary) or the predicted class's.");
  for (const auto& c : copies)
    if (c.probability.count > 0)
      AppendHistogram(out, "lathe_serve_prediction_probability", version_labels(c),
                      kProbabilityBuckets, c.probability);
  Header(out, "lathe_serve_predicted_class_total", "counter",
         "Multiclass predictions by predicted class.");
  for (const auto& c : copies)
    for (const auto& [cls, n] : c.classes)
      out += fmt::format("lathe_serve_predicted_class_total{{{},class=\"{}\"}} {}\n",
                         version_labels(c), EscapeLabelValue(cls), n);
  Header(out, "lathe_serve_prediction_value_sum", "counter", "Sum of regression predictions.");
  for (const auto& c : copies)
    if (c.value_count > 0)
      out += fmt::format("lathe_serve_prediction_value_sum{{{}}} {}\n", version_labels(c),
                         Number(c.value_sum));
  Header(out, "lathe_serve_prediction_value_count", "counter", "Regression predictions.");
  for (const auto& c : copies)
    if (c.value_count > 0)
      out += fmt::format("lathe_serve_prediction_value_count{{{}}} {}\n", version_labels(c),
                         c.value_count);
  Header(out, "lathe_serve_drift_window_rows", "gauge",
         "Served rows the latest drift computation saw (a sliding window of the newest rows).");
  for (const auto& c : copies)
    if (c.drift_window_rows >= 0)
      out += fmt::format("lathe_serve_drift_window_rows{{{}}} {}\n", version_labels(c),
                         c.drift_window_rows);
  Header(out, "lathe_serve_feature_drift", "gauge",
         "Drift of an input in served traffic from the training data: Jensen-Shannon divergence "
         "(js) and population stability index (psi) for numbers, L-infinity distance (linf) for "
         "categories.");
  auto drift_labels = [&](const Copy& c, const VersionMetrics::DriftGauge& g) {
    return fmt::format("{},feature=\"{}\",measure=\"{}\"", version_labels(c),
                       EscapeLabelValue(g.feature), EscapeLabelValue(g.measure));
  };
  for (const auto& c : copies)
    for (const auto& g : c.drift)
      out +=
          fmt::format("lathe_serve_feature_drift{{{}}} {}\n", drift_labels(c, g), Number(g.value));
  Header(out, "lathe_serve_feature_drift_threshold", "gauge",
         "The threshold of each drift measure: above it the input has drifted.");
  for (const auto& c : copies)
    for (const auto& g : c.drift)
      out += fmt::format("lathe_serve_feature_drift_threshold{{{}}} {}\n", drift_labels(c, g),
                         Number(g.threshold));
  Header(out, "lathe_serve_feature_drift_p_value", "gauge",
         "P-value of the input's two-sample test (ks: Kolmogorov-Smirnov, chi2: chi-square) "
         "between served and training values.");
  for (const auto& c : copies) {
    std::string last;  // one series per feature: its measures share the test
    for (const auto& g : c.drift) {
      if (g.test.empty() || std::isnan(g.p_value) || g.feature == last) continue;
      last = g.feature;
      out += fmt::format("lathe_serve_feature_drift_p_value{{{},feature=\"{}\",test=\"{}\"}} {}\n",
                         version_labels(c), EscapeLabelValue(g.feature), g.test, Number(g.p_value));
    }
  }
  struct ShadowSeries {
    const char* name;
    const char* help;
    double (*value)(const VersionMetrics::Shadow&);
  };
  static constexpr ShadowSeries kShadowSeries[] = {
      {"lathe_serve_shadow_requests_total", "Requests mirrored to this version as a shadow.",
       [](const VersionMetrics::Shadow& s) { return double(s.requests); }},
      {"lathe_serve_shadow_errors_total", "Mirrored requests this shadow version failed.",
       [](const VersionMetrics::Shadow& s) { return double(s.errors); }},
      {"lathe_serve_shadow_rows_total", "Rows this shadow version predicted and compared.",
       [](const VersionMetrics::Shadow& s) { return double(s.rows); }},
      {"lathe_serve_shadow_disagreements_total",
       "Compared rows whose predicted class differs from the answer returned.",
       [](const VersionMetrics::Shadow& s) { return double(s.disagreements); }},
      {"lathe_serve_shadow_abs_difference_sum",
       "Sum over compared rows of the absolute difference of the score from the answer "
       "returned.",
       [](const VersionMetrics::Shadow& s) { return s.abs_difference_sum; }},
  };
  for (const auto& series : kShadowSeries) {
    Header(out, series.name, "counter", series.help);
    for (const auto& c : copies)
      if (c.shadow.requests > 0)
        out += fmt::format("{}{{{}}} {}\n", series.name, version_labels(c),
                           Number(series.value(c.shadow)));
  }
  Header(out, "lathe_serve_loaded_versions", "gauge",
         "Model versions being served (1 per loaded version).");
  for (const auto& [model, version] : loaded)
    out += fmt::format("lathe_serve_loaded_versions{{model=\"{}\",version=\"{}\"}} 1\n",
                       EscapeLabelValue(model), version);
  Header(out, "lathe_serve_loads_total", "counter", "Model versions loaded and warmed up.");
  for (const auto& [model, n] : loads)
    out += fmt::format("lathe_serve_loads_total{{model=\"{}\"}} {}\n", EscapeLabelValue(model),
                       n.first);
  Header(out, "lathe_serve_load_failures_total", "counter",
         "Model versions that failed to load or to warm up (never served).");
  for (const auto& [model, n] : loads)
    out += fmt::format("lathe_serve_load_failures_total{{model=\"{}\"}} {}\n",
                       EscapeLabelValue(model), n.second);
  Header(out, "lathe_serve_unrouted_requests_total", "counter",
         "Requests that named no served model, version or label.");
  out += fmt::format("lathe_serve_unrouted_requests_total {}\n",
                     unrouted_.load(std::memory_order_relaxed));
  return out;
}

}  // namespace lathe::serve
