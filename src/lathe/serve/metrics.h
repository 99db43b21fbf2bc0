// Serving metrics in the Prometheus text exposition format (version 0.0.4), for /metrics.
//
// VersionMetrics holds the counters of one loaded model version, split by the label a request
// asked for ("" when it asked by version or for the default); the request path updates it under a
// short per-version lock, never a global one. ServingMetrics owns the per-version blocks and the
// server-wide counters, and renders everything on demand. All methods are thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace lathe::serve {

// Upper bounds of the latency histogram's buckets, in seconds (+Inf is implied).
inline constexpr std::array<double, 14> kLatencyBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
// Upper bounds of the prediction histogram (a probability: binary's positive class, or the
// predicted class's in multiclass).
inline constexpr std::array<double, 10> kProbabilityBuckets = {0.1, 0.2, 0.3, 0.4, 0.5,
                                                               0.6, 0.7, 0.8, 0.9, 1.0};
// Upper bounds of the batch-size histogram, in rows.
inline constexpr std::array<double, 10> kBatchBuckets = {1, 2, 4, 8, 16, 32, 64, 128, 256, 1024};

template <size_t N>
struct Histogram {
  std::array<uint64_t, N + 1> counts{};  // the last is +Inf
  double sum = 0;
  uint64_t count = 0;
  void Observe(const std::array<double, N>& bounds, double v);
};

class VersionMetrics {
 public:
  // One request answered: `rows` predictions in `seconds`; `ok` false for an error answer.
  void RecordRequest(const std::string& label, bool ok, double seconds, size_t rows);
  // A prediction: the probability of the positive class (binary) or of the predicted class.
  void RecordProbability(double p);
  // A multiclass prediction of class `name`, or a regression's value.
  void RecordClass(const std::string& name);
  void RecordValue(double v);
  // One call of the model over `rows` rows with server-side batching on (batcher.h).
  void RecordBatch(size_t rows);

  // One measured input's drift against the training statistics (serve/drift_monitor.h).
  struct DriftGauge {
    std::string feature;
    std::string measure;  // "js", "psi", "linf"
    double value = 0;
    double threshold = 0;
    std::string test;  // "ks", "chi2"
    double p_value = 0;
  };
  // Replaces the drift gauges with those of the latest computation over `window_rows` rows.
  void SetDrift(std::vector<DriftGauge> gauges, int64_t window_rows);

  // One request mirrored to this (shadow) version and compared with the answer returned: `rows`
  // rows, of which `disagreements` predict another class (classifiers), and the sum over rows of
  // the absolute difference of the score (the probability vector's half L1 distance, or the
  // regression value's). `ok` false: the shadow failed.
  void RecordShadow(bool ok, size_t rows, size_t disagreements, double abs_difference_sum);

  // Cumulative counts the rollout controller differences between two looks.
  struct Observed {
    uint64_t requests = 0;  // of the label
    uint64_t errors = 0;
    std::array<uint64_t, kLatencyBuckets.size() + 1> latency{};
    std::array<uint64_t, kProbabilityBuckets.size() + 1> probability{};  // every label
    double max_drift = -1;  // the largest "js" drift gauge; -1: none computed
  };
  Observed Observe(const std::string& label);

 private:
  friend class ServingMetrics;
  struct Series {
    uint64_t requests = 0;
    uint64_t errors = 0;
    Histogram<kLatencyBuckets.size()> latency;
    Histogram<kBatchBuckets.size()> rows;
  };
  std::mutex mu_;
  std::map<std::string, Series> by_label_;
  Histogram<kProbabilityBuckets.size()> probability_;
  std::map<std::string, uint64_t> classes_;
  double value_sum_ = 0;
  uint64_t value_count_ = 0;
  Histogram<kBatchBuckets.size()> batches_;
  std::vector<DriftGauge> drift_;
  int64_t drift_window_rows_ = -1;  // -1: never computed
  struct Shadow {
    uint64_t requests = 0, errors = 0, rows = 0, disagreements = 0;
    double abs_difference_sum = 0;
  } shadow_;
};

class ServingMetrics {
 public:
  // The block of (model, version), created on first use; the same one on every later call.
  std::shared_ptr<VersionMetrics> ForVersion(const std::string& model, int64_t version);
  void RecordLoad(const std::string& model, bool ok);
  // A request that found no model (unknown name, version or label, or a malformed path).
  void RecordUnrouted() { unrouted_.fetch_add(1, std::memory_order_relaxed); }

  // The text exposition; `loaded` lists the (model, version) pairs being served now.
  std::string Render(const std::vector<std::pair<std::string, int64_t>>& loaded) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int64_t>, std::shared_ptr<VersionMetrics>> versions_;
  std::map<std::string, std::pair<uint64_t, uint64_t>> loads_;  // model -> (ok, failed)
  std::atomic<uint64_t> unrouted_{0};
};

// A Prometheus label value, escaped (backslash, double quote, newline).
std::string EscapeLabelValue(const std::string& v);

}  // namespace lathe::serve
