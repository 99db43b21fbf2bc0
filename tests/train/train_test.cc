#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>

#include "lathe/data/csv.h"
#include "lathe/train/algorithm.h"
#include "lathe/train/bundle.h"
#include "lathe/train/linear_model.h"
#include "lathe/train/xgboost_model.h"
#include "testing/temp_dir.h"

namespace lathe::train {
namespace {

using lathe::testing::ReadFile;
using lathe::testing::TempDir;

// y = 1 when x0 + noise > x1 (two features, a learnable boundary).
void Synthetic(size_t n, uint64_t seed, FeatureMatrix& x, std::vector<float>& y) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> g(0, 1);
  x.names = {"a", "b"};
  x.rows = n;
  for (size_t i = 0; i < n; ++i) {
    float a = g(rng), b = g(rng);
    x.values.push_back(a);
    x.values.push_back(b);
    y.push_back(a + 0.3f * g(rng) > b ? 1 : 0);
  }
}

double Accuracy(const Predictions& p, const std::vector<float>& y) {
  size_t ok = 0;
  for (size_t i = 0; i < y.size(); ++i) ok += (p.values[i] >= 0.5) == (y[i] > 0.5);
  return double(ok) / y.size();
}

TEST(XgboostTest, SameSeedSameModelFileAndGoodPredictions) {
  TempDir dir;
  FeatureMatrix x, ex;
  std::vector<float> y, ey;
  Synthetic(2000, 1, x, y);
  Synthetic(500, 2, ex, ey);
  XgboostParams p;
  p.rounds = 20;
  p.max_depth = 3;
  p.seed = 3;
  p.threads = 2;
  p.subsample = 0.8;  // randomness that the seed must fix
  auto r1 = TrainXgboost(x, y, &ex, &ey, Task::kBinary, 0, p, "", (dir / "a.json").string());
  auto r2 = TrainXgboost(x, y, &ex, &ey, Task::kBinary, 0, p, "", (dir / "b.json").string());
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(ReadFile(dir / "a.json"), ReadFile(dir / "b.json"));
  // The thread count is a share of the machine, not a hyperparameter: the model is the same with
  // one thread or three (reproductions may run with another share than the original run).
  for (int threads : {1, 3}) {
    p.threads = threads;
    auto r = TrainXgboost(x, y, &ex, &ey, Task::kBinary, 0, p, "", (dir / "c.json").string());
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(ReadFile(dir / "a.json"), ReadFile(dir / "c.json")) << threads << " threads";
  }
  p.threads = 2;
  EXPECT_EQ(r1->rounds_trained, 20);
  EXPECT_EQ(r1->eval_history.size(), 1u);  // without early stopping: after the last round
  auto m = XgboostModel::Load((dir / "a.json").string(), Task::kBinary, 0, 2);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto pred = (*m)->Predict(ex);
  ASSERT_TRUE(pred.ok());
  EXPECT_GT(Accuracy(*pred, ey), 0.85);
  FeatureMatrix wrong;
  wrong.names = {"a"};
  EXPECT_FALSE((*m)->Predict(wrong).ok());
}

TEST(XgboostTest, EarlyStoppingKeepsTheBestRoundAndWarmStartContinues) {
  TempDir dir;
  FeatureMatrix x, ex;
  std::vector<float> y, ey;
  Synthetic(300, 4, x, y);
  Synthetic(300, 5, ex, ey);
  XgboostParams p;
  p.rounds = 200;
  p.max_depth = 6;
  p.eta = 0.5;
  p.early_stopping_rounds = 5;
  auto r = TrainXgboost(x, y, &ex, &ey, Task::kBinary, 0, p, "", (dir / "m.json").string());
  ASSERT_TRUE(r.ok());
  EXPECT_LT(r->rounds_trained, 200);  // overfits small data quickly
  EXPECT_EQ(r->rounds_trained, r->best_round + 1 + 5);
  p.rounds = 3;
  p.early_stopping_rounds = 0;
  auto w = TrainXgboost(x, y, nullptr, nullptr, Task::kBinary, 0, p, (dir / "m.json").string(),
                        (dir / "w.json").string());
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->base_rounds, r->best_round + 1);
  FeatureMatrix three;
  three.names = {"a", "b", "c"};
  three.rows = 1;
  three.values = {1, 2, 3};
  std::vector<float> one = {1};
  EXPECT_EQ(TrainXgboost(three, one, nullptr, nullptr, Task::kBinary, 0, p,
                         (dir / "m.json").string(), (dir / "x.json").string())
                .status()
                .message(),
            "the warm-start model takes 2 features; this data has 3");
}

TEST(LinearTest, RidgeRecoversALineAndLogisticSeparates) {
  FeatureMatrix x;
  x.names = {"v"};
  std::vector<float> y;
  for (int i = 0; i < 50; ++i) {
    x.values.push_back(static_cast<float>(i) / 10);
    y.push_back(2 * static_cast<float>(i) / 10 + 1);
  }
  x.rows = 50;
  LinearParams p;
  p.l2 = 0;
  auto fit = LinearModel::Train(x, y, Task::kRegression, p);
  ASSERT_TRUE(fit.ok()) << fit.status().ToString();
  EXPECT_NEAR(fit->first.weights()[0], 2, 1e-4);
  EXPECT_NEAR(fit->first.intercept(), 1, 1e-4);
  FeatureMatrix bx;
  std::vector<float> by;
  Synthetic(1000, 9, bx, by);
  auto logit = LinearModel::Train(bx, by, Task::kBinary, {});
  ASSERT_TRUE(logit.ok());
  EXPECT_GT(logit->first.weights()[0], 0);
  EXPECT_LT(logit->first.weights()[1], 0);
  auto pred = logit->first.Predict(bx);
  EXPECT_GT(Accuracy(*pred, by), 0.85);
  // Deterministic, and a warm start from the answer converges at once.
  auto again = LinearModel::Train(bx, by, Task::kBinary, {});
  EXPECT_EQ(again->first.ToJson(), logit->first.ToJson());
  auto warm = LinearModel::Train(bx, by, Task::kBinary, {}, &logit->first);
  EXPECT_LE(warm->second.iterations, 2);
  auto back = LinearModel::FromJson(logit->first.ToJson());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->Predict(bx)->values, pred->values);
}

void WriteJson(const std::filesystem::path& p, const nlohmann::json& j) {
  std::ofstream(p) << j.dump();
}

TEST(BundleTest, LoadsWhatTheTrainerWritesAndNamesWhatIsWrong) {
  TempDir dir;
  std::string csv = "x,c,y\n";
  for (int i = 0; i < 200; ++i)
    csv += std::to_string(i % 17 - 8) + "," + (i % 2 ? "a" : "b") + "," +
           std::to_string((i % 17 - 8) + (i % 2 ? 3 : -3)) + "\n";
  data::Batch b;
  ASSERT_TRUE(data::ReadCsvText(csv, "t.csv", {}, [&](data::Batch&& x) {
                return data::AppendRows(b, x);
              }).ok());
  stats::DatasetStats st(b.schema);
  st.Add(b);
  auto spec = transform::ParseTransformSpec(nlohmann::json::parse(
      R"({"label": {"column": "y", "greater_than": 0},
          "features": [{"input": "x"}, {"input": "c", "op": "vocabulary"}]})"));
  ASSERT_TRUE(spec.ok());
  auto graph = transform::TransformGraph::Analyze(*spec, b.schema, st);
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  FeatureMatrix x;
  std::vector<float> y;
  ASSERT_TRUE(graph->Apply(b, x).ok());
  ASSERT_TRUE(graph->Labels(b, y).ok());
  XgboostParams p;
  p.rounds = 10;
  ASSERT_TRUE(
      TrainXgboost(x, y, nullptr, nullptr, Task::kBinary, 0, p, "", (dir / "model.json").string())
          .ok());
  WriteJson(dir / "transform.json", graph->ToJson());
  const auto manifest = MakeManifest(*graph, "xgboost", "model.json", {});
  WriteJson(dir / "manifest.json", manifest);
  auto m = LoadedModel::Load(dir.path().string());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto direct = XgboostModel::Load((dir / "model.json").string(), Task::kBinary, 0, x.cols());
  EXPECT_EQ((*m)->Predict(b)->values, (*direct)->Predict(x)->values);
  EXPECT_EQ(manifest["signature"]["inputs"][1]["name"], "c");

  auto bad = manifest;
  bad["format"] = 2;
  WriteJson(dir / "manifest.json", bad);
  EXPECT_NE(LoadedModel::Load(dir.path().string())
                .status()
                .message()
                .find("bundle format 2 is not supported"),
            std::string::npos);
  bad = manifest;
  bad["model"]["kind"] = "forest";
  WriteJson(dir / "manifest.json", bad);
  EXPECT_NE(
      LoadedModel::Load(dir.path().string()).status().message().find("unknown model kind 'forest'"),
      std::string::npos);
  bad = manifest;
  bad["features"] = {"x"};
  WriteJson(dir / "manifest.json", bad);
  EXPECT_NE(LoadedModel::Load(dir.path().string())
                .status()
                .message()
                .find("its features differ from the transform's"),
            std::string::npos);
  // Training statistics are optional; when named they must be a file of the bundle holding
  // statistics.
  EXPECT_EQ((*m)->training_statistics(), nullptr);
  bad = manifest;
  bad["statistics"] = "statistics.json";
  WriteJson(dir / "manifest.json", bad);
  WriteJson(dir / "statistics.json", st.ToJson());
  auto with_stats = LoadedModel::Load(dir.path().string());
  ASSERT_TRUE(with_stats.ok()) << with_stats.status().ToString();
  ASSERT_NE((*with_stats)->training_statistics(), nullptr);
  EXPECT_EQ((*with_stats)->training_statistics()->rows(), 200);
  WriteJson(dir / "statistics.json", nlohmann::json{{"features", 3}});
  EXPECT_EQ(LoadedModel::Load(dir.path().string())
                .status()
                .message()
                .find((dir / "statistics.json").string() + ": "),
            0u);
  bad["statistics"] = "../statistics.json";
  WriteJson(dir / "manifest.json", bad);
  EXPECT_NE(LoadedModel::Load(dir.path().string())
                .status()
                .message()
                .find("'statistics' must name a file in the bundle"),
            std::string::npos);
  WriteJson(dir / "manifest.json", manifest);
  std::filesystem::remove(dir / "model.json");
  EXPECT_EQ(LoadedModel::Load(dir.path().string()).status().message(),
            (dir / "model.json").string() + ": missing");
  EXPECT_EQ(LoadedModel::Load((dir / "nope").string()).status().code(), StatusCode::kNotFound);
}

TEST(AlgorithmTest, TheRegistryListsTheAlgorithmsAndBundlesNameTheKnownKinds) {
  const auto& algorithms = AlgorithmRegistry::Builtin();
  EXPECT_EQ(algorithms.Names(), (std::vector<std::string>{"linear", "xgboost"}));
  EXPECT_EQ(algorithms.Find("forest"), nullptr);
  const Algorithm* linear = algorithms.Find("linear");
  ASSERT_NE(linear, nullptr);
  EXPECT_FALSE(linear->UsesEvalSplit({{"early_stopping_rounds", 5}}));
  EXPECT_TRUE(algorithms.Find("xgboost")->UsesEvalSplit({{"early_stopping_rounds", 5}}));

  // A bundle trained through the registry loads; with an unknown kind it names the known ones.
  TempDir dir;
  std::string csv = "x,y\n";
  for (int i = 0; i < 50; ++i) csv += fmt::format("{},{}\n", i % 7, i % 7 > 3 ? 1 : 0);
  data::Batch b;
  ASSERT_TRUE(data::ReadCsvText(csv, "t.csv", {}, [&](data::Batch&& x) {
                return data::AppendRows(b, x);
              }).ok());
  stats::DatasetStats st(b.schema);
  st.Add(b);
  auto spec = transform::ParseTransformSpec(nlohmann::json::parse(
      R"({"label": {"column": "y", "task": "binary"}, "features": [{"input": "x"}]})"));
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  auto graph = transform::TransformGraph::Analyze(*spec, b.schema, st);
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  FeatureMatrix x;
  std::vector<float> y;
  ASSERT_TRUE(graph->Apply(b, x).ok());
  ASSERT_TRUE(graph->Labels(b, y).ok());
  const nlohmann::json hp = {{"l2", 0.01}};
  auto trained = linear->Train(
      {.x = x, .y = y, .task = Task::kBinary, .hyperparameters = hp, .out_dir = dir.path()});
  ASSERT_TRUE(trained.ok()) << trained.status().ToString();
  EXPECT_EQ(trained->model_file, "linear.json");
  EXPECT_TRUE(trained->training.contains("iterations"));
  WriteJson(dir / "transform.json", graph->ToJson());
  const auto manifest = MakeManifest(*graph, "linear", trained->model_file, trained->training);
  WriteJson(dir / "manifest.json", manifest);
  auto m = LoadedModel::Load(dir.path().string());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ((*m)->model().kind(), "linear");
  auto bad = manifest;
  bad["model"]["kind"] = "forest";
  WriteJson(dir / "manifest.json", bad);
  EXPECT_EQ(
      LoadedModel::Load(dir.path().string()).status().message(),
      (dir / "manifest.json").string() + ": unknown model kind 'forest' (kinds: linear, xgboost)");
}

}  // namespace
}  // namespace lathe::train
