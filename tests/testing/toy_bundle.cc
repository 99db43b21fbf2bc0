#include "testing/toy_bundle.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>

#include "lathe/core/fs.h"
#include "lathe/data/csv.h"
#include "lathe/stats/dataset_stats.h"
#include "lathe/train/algorithm.h"
#include "lathe/train/bundle.h"
#include "lathe/transform/transform_graph.h"

namespace lathe::testing {

namespace {

const char* City(int i) {
  return i % 3 == 0 ? "oslo" : i % 3 == 1 ? "rome" : "lima";
}

}  // namespace

std::string ToyRowsCsv(int rows, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0, 1);
  std::string csv = "x,n,city\n";
  for (int i = 0; i < rows; ++i)
    csv += fmt::format("{:.4f},{},{}\n", g(rng), static_cast<int>(rng() % 10), City(i));
  return csv;
}

void WriteToyBundle(const std::filesystem::path& dir, ToyTask task, const std::string& algorithm,
                    double shift) {
  std::filesystem::create_directories(dir);
  std::mt19937_64 rng(7);
  std::normal_distribution<double> g(0, 1);
  std::string csv = "x,n,city,y\n";
  for (int i = 0; i < 300; ++i) {
    const double x = g(rng);
    const int n = static_cast<int>(rng() % 10);
    const double score = x + 0.2 * n - 1 + (i % 3 == 0 ? 0.5 : 0) + 0.3 * g(rng) - shift;
    std::string y;
    switch (task) {
      case ToyTask::kBinary:
        y = score > 0 ? "yes" : "no";
        break;
      case ToyTask::kMulticlass:
        y = score < -0.7 ? "low" : score < 0.7 ? "mid" : "high";
        break;
      case ToyTask::kRegression:
        y = fmt::format("{:.4f}", 3 * score + 10);
        break;
    }
    csv += fmt::format("{:.4f},{},{},{}\n", x, n, City(i), y);
  }
  data::Batch b;
  ASSERT_TRUE(data::ReadCsvText(csv, "toy.csv", {}, [&](data::Batch&& x) {
                return data::AppendRows(b, x);
              }).ok());
  stats::DatasetStats st(b.schema);
  st.Add(b);
  const char* label = task == ToyTask::kBinary       ? R"({"column": "y", "positive": "yes"})"
                      : task == ToyTask::kMulticlass ? R"({"column": "y", "task": "multiclass"})"
                                                     : R"({"column": "y"})";
  auto spec = transform::ParseTransformSpec(nlohmann::json::parse(fmt::format(
      R"({{"label": {}, "features": [{{"input": "x", "op": "standardize"}},
          {{"input": "n"}}, {{"input": "city", "op": "vocabulary", "encoding": "one_hot"}}]}})",
      label)));
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  auto graph = transform::TransformGraph::Analyze(*spec, b.schema, st);
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  transform::FeatureMatrix x;
  std::vector<float> y;
  ASSERT_TRUE(graph->Apply(b, x).ok());
  ASSERT_TRUE(graph->Labels(b, y).ok());
  const train::Algorithm* algo = train::AlgorithmRegistry::Builtin().Find(algorithm);
  ASSERT_NE(algo, nullptr);
  const nlohmann::json hp =
      algorithm == "xgboost"
          ? nlohmann::json{{"rounds", 10}, {"max_depth", 3}, {"seed", 1}, {"threads", 1}}
          : nlohmann::json{{"l2", 0.01}};
  auto trained = algo->Train({.x = x,
                              .y = y,
                              .task = graph->task(),
                              .num_class = static_cast<int>(graph->classes().size()),
                              .hyperparameters = hp,
                              .out_dir = dir});
  ASSERT_TRUE(trained.ok()) << trained.status().ToString();
  ASSERT_TRUE(WriteJsonFile(dir / "transform.json", graph->ToJson()).ok());
  // The training inputs' statistics, as the Trainer writes them (the label left out).
  stats::DatasetStats inputs(graph->inputs());
  inputs.Add(b);
  ASSERT_TRUE(WriteJsonFile(dir / train::kBundleStatisticsFile, inputs.ToJson()).ok());
  nlohmann::json manifest =
      train::MakeManifest(*graph, algorithm, trained->model_file, trained->training);
  manifest["statistics"] = train::kBundleStatisticsFile;
  ASSERT_TRUE(WriteJsonFile(dir / "manifest.json", manifest).ok());
}

}  // namespace lathe::testing
