// Server-side batching: concurrent requests predicted together give each request exactly what it
// would get alone, batches respect their size and wait, and a failed joint prediction does not
// fail the others.
#include "lathe/serve/batcher.h"

#include <gtest/gtest.h>

#include <barrier>
#include <regex>
#include <thread>

#include "lathe/serve/inference.h"
#include "lathe/serve/model_manager.h"
#include "testing/temp_dir.h"
#include "testing/toy_bundle.h"

namespace lathe::serve {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class BatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteToyBundle(tmp_ / "models/toy/1", testing::ToyTask::kMulticlass, "xgboost");
  }

  ServableHandle Load(BatchingOptions batching) {
    ManagerOptions o;
    o.repository = tmp_ / "models";
    o.batching = batching;
    manager_ = std::make_unique<ModelManager>(o, &metrics_);
    manager_->Poll();
    auto h = manager_->Find("toy", std::nullopt, "");
    EXPECT_TRUE(h.ok());
    return h.ok() ? *h : nullptr;
  }

  static json Row(int i) {
    const char* cities[] = {"oslo", "lima", "paris"};
    return {{"x", 0.37 * i - 2}, {"n", i % 10}, {"city", cities[i % 3]}};
  }

  // The model-call histogram's count and sum.
  std::pair<int, int> Batches() {
    const std::string m = metrics_.Render(manager_->Loaded());
    std::smatch count, sum;
    if (!std::regex_search(m, count,
                           std::regex("lathe_serve_model_batch_rows_count\\{[^}]*\\} (\\d+)")) ||
        !std::regex_search(m, sum,
                           std::regex("lathe_serve_model_batch_rows_sum\\{[^}]*\\} (\\d+)")))
      return {0, 0};
    return {std::stoi(count[1]), std::stoi(sum[1])};
  }

  testing::TempDir tmp_;
  ServingMetrics metrics_;
  std::unique_ptr<ModelManager> manager_;
};

TEST_F(BatcherTest, ConcurrentRequestsArePredictedTogetherAndGetTheirOwnRows) {
  const ServableHandle servable = Load({.max_batch_size = 8, .max_wait = 200ms});
  ASSERT_NE(servable->batcher, nullptr);
  constexpr int kThreads = 8;
  std::vector<json> answers(kThreads);
  std::barrier start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      json rows = json::array({Row(t)});
      start.arrive_and_wait();
      auto out = Infer(*servable, {}, rows);
      answers[static_cast<size_t>(t)] = out.ok() ? out->outputs[0].second : json();
    });
  for (auto& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) {
    auto alone = servable->model->PredictInstances(json::array({Row(t)}));
    ASSERT_TRUE(alone.ok());
    ASSERT_EQ(answers[static_cast<size_t>(t)].size(), 1u) << t;
    for (size_t c = 0; c < 3; ++c)
      EXPECT_DOUBLE_EQ(answers[static_cast<size_t>(t)][0][c].get<double>(), alone->values[c]) << t;
  }
  // 8 rows in fewer model calls than requests (all 8 at once unless the threads came late).
  const auto [calls, rows] = Batches();
  EXPECT_EQ(rows, kThreads);
  EXPECT_LT(calls, kThreads);
}

TEST_F(BatcherTest, ALoneRequestWaitsAtMostTheMaxWaitAndBigOnesGoAlone) {
  // Wide margins: a loaded machine (or a sanitizer build) is slow, not 100 ms slow per row.
  const ServableHandle servable = Load({.max_batch_size = 4, .max_wait = 300ms});
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(Infer(*servable, {}, json::array({Row(1)})).ok());
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_GE(waited, 299ms);
  EXPECT_LT(waited, 3s);
  // A request of max_batch_size rows or more does not wait.
  json big = json::array();
  for (int i = 0; i < 6; ++i) big.push_back(Row(i));
  const auto big_started = std::chrono::steady_clock::now();
  auto out = Infer(*servable, {}, big);
  ASSERT_TRUE(out.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - big_started, 200ms);
  EXPECT_EQ(out->rows(), 6u);
  EXPECT_EQ(Batches(), std::make_pair(2, 7));
}

TEST_F(BatcherTest, RequestsWithNullColumnsAndErrorsDoNotDisturbTheOthers) {
  const ServableHandle servable = Load({.max_batch_size = 3, .max_wait = 100ms});
  std::vector<Result<Inference>> results;
  for (int i = 0; i < 3; ++i) results.emplace_back(InternalError("not run"));
  std::barrier start(3);
  std::vector<std::thread> threads;
  const json inputs[] = {json::array({Row(1)}), json::array({{{"x", nullptr}, {"city", "oslo"}}}),
                         json::array({{{"x", "not a number"}}})};
  for (size_t t = 0; t < 3; ++t)
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      results[t] = Infer(*servable, {}, inputs[t]);
    });
  for (auto& t : threads) t.join();
  ASSERT_TRUE(results[0].ok()) << results[0].status().ToString();
  ASSERT_TRUE(results[1].ok()) << results[1].status().ToString();
  EXPECT_EQ(results[2].status().code(), StatusCode::kInvalidArgument);
  auto alone = servable->model->PredictInstances(inputs[1]);
  ASSERT_TRUE(alone.ok());
  EXPECT_DOUBLE_EQ(results[1]->outputs[0].second[0][0].get<double>(), alone->values[0]);
}

TEST_F(BatcherTest, OffByDefault) {
  EXPECT_EQ(Load({})->batcher, nullptr);
  EXPECT_EQ(Load({.max_batch_size = 1})->batcher, nullptr);
}

}  // namespace
}  // namespace lathe::serve
