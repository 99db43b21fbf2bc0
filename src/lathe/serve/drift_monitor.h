// Feature drift of served traffic against the training statistics in each bundle
// (train/bundle.h, statistics.json), as gauges on /metrics.
//
// The request path only appends each request's raw rows to its version's FeatureWindow (a copy of
// a few values under a per-version lock). A DriftMonitor thread wakes every `interval`, copies
// each window, computes its statistics and compares them with the training statistics
// (stats/drift.h: Jensen-Shannon divergence and PSI for numeric inputs, L-infinity for
// categorical ones, with their thresholds and the KS / chi-square tests), and publishes the result
// in the version's metrics. Nothing of this runs on the request path.
//
// The window is sliding by rows: it holds the most recent rows in two halves, and when the newer
// half is full the older one is dropped, so a computation sees between capacity/2 and capacity
// of the latest rows.
//
// Thread-safety: FeatureWindow::Add and Rows may be called from any thread; DriftMonitor's
// methods from one controlling thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>

#include "lathe/core/periodic_thread.h"
#include "lathe/data/column.h"
#include "lathe/stats/drift.h"

namespace lathe::serve {

class ModelManager;

class FeatureWindow {
 public:
  // `schema`: the model's raw inputs (the rows Add receives have these columns, in this order).
  // `capacity` >= 2 rows.
  FeatureWindow(data::Schema schema, size_t capacity);

  // Appends `rows` (a request's raw inputs, columns as the schema).
  void Add(const data::Batch& rows);
  // A copy of the rows held, oldest first.
  data::Batch Rows() const;

 private:
  void Reset(data::Batch& b) const;
  mutable std::mutex mu_;
  const data::Schema schema_;
  const size_t half_;
  data::Batch older_, newer_;
};

struct DriftMonitorOptions {
  std::chrono::milliseconds interval{10000};
  // Measures, thresholds and the least rows a feature needs on each side to be measured.
  stats::DriftOptions drift;
};

class DriftMonitor {
 public:
  // `manager` must outlive the monitor.
  DriftMonitor(const ModelManager& manager, DriftMonitorOptions options);
  ~DriftMonitor();  // Stop()

  // Computes the drift of every served version that has training statistics and a window, and
  // publishes it in the version's metrics.
  void RunOnce();
  // RunOnce now and every interval on a thread of its own, until Stop.
  void Start();
  void Stop();

 private:
  const ModelManager& manager_;
  const DriftMonitorOptions options_;
  PeriodicThread thread_;
};

}  // namespace lathe::serve
