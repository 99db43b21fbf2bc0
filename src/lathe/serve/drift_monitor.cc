#include "lathe/serve/drift_monitor.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "lathe/serve/model_manager.h"

namespace lathe::serve {

FeatureWindow::FeatureWindow(data::Schema schema, size_t capacity)
    : schema_(std::move(schema)), half_(std::max<size_t>(capacity / 2, 1)) {
  Reset(older_);
  Reset(newer_);
}

void FeatureWindow::Reset(data::Batch& b) const {
  b.schema = schema_;
  b.columns.clear();
  for (const auto& f : schema_.fields) b.columns.emplace_back(f.type);
}

void FeatureWindow::Add(const data::Batch& rows) {
  if (rows.rows() == 0) return;
  std::lock_guard lock(mu_);
  if (newer_.rows() + rows.rows() > half_) {
    std::swap(older_, newer_);
    Reset(newer_);
  }
  // Rows that do not fit the schema (a column of another type) are not the model's inputs as
  // trained; they are left out rather than failing a request that predicted fine.
  if (!data::AppendRows(newer_, rows).ok()) Reset(newer_);
}

data::Batch FeatureWindow::Rows() const {
  data::Batch out;
  std::lock_guard lock(mu_);
  out = older_;
  if (!data::AppendRows(out, newer_).ok()) out = newer_;
  return out;
}

DriftMonitor::DriftMonitor(const ModelManager& manager, DriftMonitorOptions options)
    : manager_(manager), options_(std::move(options)) {}

DriftMonitor::~DriftMonitor() {
  Stop();
}

void DriftMonitor::RunOnce() {
  const auto snapshot = manager_.snapshot();
  for (const auto& [name, model] : snapshot->models)
    for (const auto& [version, servable] : model.versions) {
      const auto& training = servable->model->training_statistics();
      if (servable->window == nullptr || training == nullptr) continue;
      const data::Batch rows = servable->window->Rows();
      stats::DatasetStats served(servable->model->transform().inputs());
      served.Add(rows);
      std::vector<VersionMetrics::DriftGauge> gauges;
      for (const auto& d : stats::CompareStats(*training, served, options_.drift)) {
        if (d.status != stats::DriftStatus::kMeasured) continue;
        gauges.push_back({d.feature, d.measure, d.value, d.threshold, d.test, d.p_value});
      }
      servable->metrics->SetDrift(std::move(gauges), static_cast<int64_t>(rows.rows()));
    }
}

void DriftMonitor::Start() {
  thread_.Start(options_.interval, [this] {
    try {
      RunOnce();
    } catch (const std::exception& e) {  // the monitor must not take the server down
      spdlog::warn("drift: {}", e.what());
    }
  });
}

void DriftMonitor::Stop() {
  thread_.Stop();
}

}  // namespace lathe::serve
