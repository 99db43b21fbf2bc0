// Drift gauges: the sliding window of served rows, and drift against the bundle's training
// statistics computed by the monitor, off the request path, as /metrics shows it.
#include "lathe/serve/drift_monitor.h"

#include <gtest/gtest.h>

#include <random>
#include <regex>

#include "lathe/serve/inference.h"
#include "lathe/serve/model_manager.h"
#include "testing/temp_dir.h"
#include "testing/toy_bundle.h"

namespace lathe::serve {
namespace {

using nlohmann::json;

data::Batch Rows(std::initializer_list<double> xs) {
  data::Batch b;
  b.schema.fields = {{"x", data::ColumnType::kDouble}};
  b.columns.emplace_back(data::ColumnType::kDouble);
  for (double x : xs) b.columns[0].AppendDouble(x);
  return b;
}

TEST(FeatureWindowTest, KeepsTheNewestRowsInTwoHalves) {
  FeatureWindow window(Rows({}).schema, 4);
  EXPECT_EQ(window.Rows().rows(), 0u);
  window.Add(Rows({1, 2}));
  window.Add(Rows({3}));  // the newer half (2 rows) is full: 1, 2 become the older half
  auto rows = window.Rows();
  ASSERT_EQ(rows.rows(), 3u);
  EXPECT_EQ(rows.columns[0].double_at(0), 1);
  EXPECT_EQ(rows.columns[0].double_at(2), 3);
  window.Add(Rows({4}));
  window.Add(Rows({5}));  // 1, 2 are dropped
  rows = window.Rows();
  ASSERT_EQ(rows.rows(), 3u);
  EXPECT_EQ(rows.columns[0].double_at(0), 3);
  EXPECT_EQ(rows.columns[0].double_at(2), 5);
  // Rows of another schema are left out, not an error.
  data::Batch other;
  other.schema.fields = {{"city", data::ColumnType::kString}};
  other.columns.emplace_back(data::ColumnType::kString);
  other.columns[0].AppendString("oslo");
  window.Add(other);
  EXPECT_LE(window.Rows().rows(), 3u);
}

class DriftMonitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteToyBundle(tmp_ / "models/toy/1", testing::ToyTask::kBinary, "xgboost");
    ManagerOptions o;
    o.repository = tmp_ / "models";
    o.drift_window_rows = 400;
    manager_ = std::make_unique<ModelManager>(o, &metrics_);
    manager_->Poll();
  }

  // Serves `n` rows like the training rows (x ~ N(0, 1), n in 0..9), x moved by `shift`.
  void Serve(int n, double shift) {
    std::mt19937_64 rng(11);
    std::normal_distribution<double> g(0, 1);
    const char* cities[] = {"oslo", "lima", "paris", "kyiv"};
    auto handle = manager_->Find("toy", std::nullopt, "");
    ASSERT_TRUE(handle.ok());
    for (int i = 0; i < n; ++i) {
      json row = {{"x", g(rng) + shift},
                  {"n", static_cast<int>(rng() % 10)},
                  {"city", cities[static_cast<size_t>(i) % 4]}};
      ASSERT_TRUE(Infer(**handle, {}, json::array({row})).ok());
    }
  }

  double Gauge(const std::string& metrics, const std::string& labels) {
    std::smatch m;
    if (!std::regex_search(metrics, m,
                           std::regex("lathe_serve_feature_drift\\{" + labels + "\\} ([^\\n]+)")))
      return -1;
    return std::stod(m[1]);
  }

  testing::TempDir tmp_;
  ServingMetrics metrics_;
  std::unique_ptr<ModelManager> manager_;
};

TEST_F(DriftMonitorTest, TrafficLikeTrainingIsCloseAndShiftedTrafficDrifts) {
  auto handle = manager_->Find("toy", std::nullopt, "");
  ASSERT_TRUE(handle.ok());
  ASSERT_NE((*handle)->window, nullptr) << "the toy bundle has training statistics";
  DriftMonitor monitor(*manager_, {});
  monitor.RunOnce();  // nothing served yet: an empty window, nothing measured
  std::string metrics = metrics_.Render(manager_->Loaded());
  EXPECT_NE(metrics.find("lathe_serve_drift_window_rows{model=\"toy\",version=\"1\"} 0\n"),
            std::string::npos)
      << metrics;
  EXPECT_EQ(metrics.find("lathe_serve_feature_drift{"), std::string::npos);

  Serve(300, 0);
  monitor.RunOnce();
  metrics = metrics_.Render(manager_->Loaded());
  const std::string x_js = "model=\"toy\",version=\"1\",feature=\"x\",measure=\"js\"";
  const double same = Gauge(metrics, x_js);
  EXPECT_GE(same, 0) << metrics;
  EXPECT_LT(same, 0.1) << metrics;
  EXPECT_GE(Gauge(metrics, "model=\"toy\",version=\"1\",feature=\"city\",measure=\"linf\""), 0);
  EXPECT_NE(metrics.find("lathe_serve_feature_drift_threshold{" + x_js + "} 0.1\n"),
            std::string::npos);
  EXPECT_NE(metrics.find("lathe_serve_feature_drift_p_value{model=\"toy\",version=\"1\","
                         "feature=\"x\",test=\"ks\"}"),
            std::string::npos);

  // The window slides: after 400 shifted rows it holds shifted rows only (700 rows in halves
  // of 200: the older half holds rows 401-600, the newer one rows 601-700).
  Serve(400, 3);
  monitor.RunOnce();
  metrics = metrics_.Render(manager_->Loaded());
  EXPECT_GT(Gauge(metrics, x_js), 0.5) << metrics;
  EXPECT_LT(Gauge(metrics, "model=\"toy\",version=\"1\",feature=\"n\",measure=\"js\""), 0.1);
  EXPECT_NE(metrics.find("lathe_serve_drift_window_rows{model=\"toy\",version=\"1\"} 300\n"),
            std::string::npos)
      << metrics;
}

TEST_F(DriftMonitorTest, TheThreadComputesInTheBackgroundAndStops) {
  Serve(100, 0);
  DriftMonitor monitor(*manager_, {.interval = std::chrono::milliseconds(20)});
  monitor.Start();
  std::string metrics;
  for (int i = 0; i < 200; ++i) {
    metrics = metrics_.Render(manager_->Loaded());
    if (metrics.find("lathe_serve_feature_drift{") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(metrics.find("lathe_serve_feature_drift{"), std::string::npos) << metrics;
  monitor.Stop();
  monitor.Stop();  // twice is fine
}

TEST(DriftWindowOffTest, NoWindowWithoutStatisticsOrWhenTurnedOff) {
  testing::TempDir tmp;
  testing::WriteToyBundle(tmp / "models/toy/1", testing::ToyTask::kBinary, "linear");
  ServingMetrics metrics;
  ManagerOptions o;
  o.repository = tmp / "models";
  o.drift_window_rows = 0;
  ModelManager manager(o, &metrics);
  manager.Poll();
  auto handle = manager.Find("toy", std::nullopt, "");
  ASSERT_TRUE(handle.ok());
  EXPECT_EQ((*handle)->window, nullptr);
}

}  // namespace
}  // namespace lathe::serve
