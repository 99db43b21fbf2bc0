// The model components in pipelines: transform, train, evaluate against the latest blessed model,
// infra-validate and push only when blessed; warm starts; errors at their place in the spec.
#include "lathe/components/model_components.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "lathe/components/data_components.h"
#include "lathe/orchestrate/local_runner.h"
#include "lathe/orchestrate/repro.h"
#include "lathe/pipeline/graph.h"
#include "lathe/train/bundle.h"
#include "lathe/transform/transform_graph.h"
#include "testing/model_pipeline.h"
#include "testing/temp_dir.h"

namespace lathe::components {
namespace {

namespace fs = std::filesystem;
using testing::kPipeline;
using testing::ModelPipelineTest;
using testing::ReadFile;
using testing::WriteFile;

TEST_F(ModelPipelineTest, BlessedModelsArePushedAndWorseOnesAreNot) {
  auto first = Run();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->state, "COMPLETE");
  const auto& blessing = Node(*first, "evaluate").outputs.at("blessing").at(0);
  EXPECT_EQ(IntProp(blessing, "blessed"), 1);
  EXPECT_EQ(IntProp(blessing, "baseline_model_id"), 0);  // the first model has no baseline
  const auto& pushed = Node(*first, "push").outputs.at("pushed_model").at(0);
  EXPECT_EQ(IntProp(pushed, "pushed"), 1);
  EXPECT_EQ(IntProp(pushed, "version"), 1);
  const fs::path v1 = tmp_ / "models" / "toy" / "1";
  ASSERT_TRUE(fs::exists(v1 / "manifest.json"));
  // The pushed bundle loads and predicts through the serving path.
  auto loaded = train::LoadedModel::Load(v1.string());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  auto p = (*loaded)->PredictInstances(nlohmann::json::parse(
      R"([{"x": 2.0, "y": -1.0, "city": "oslo"}, {"x": -2.0, "y": 1.0, "city": "new"}])"));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_GT(p->values[0], 0.8);
  EXPECT_LT(p->values[1], 0.2);
  // The bundle holds the statistics of the raw inputs it was trained on (for the server's drift
  // gauges): every input, no label, the training rows.
  const auto& training = (*loaded)->training_statistics();
  ASSERT_NE(training, nullptr);
  const auto& model = Node(*first, "train").outputs.at("model").at(0);
  EXPECT_EQ(training->rows(), IntProp(model, "rows_train"));
  std::vector<std::string> features;
  for (const auto& f : training->features()) features.push_back(f.name);
  std::vector<std::string> inputs;
  for (const auto& f : (*loaded)->transform().inputs().fields) inputs.push_back(f.name);
  EXPECT_EQ(features, inputs);
  EXPECT_EQ(training->Find("label"), nullptr);
  EXPECT_GT(training->Find("x")->num.max, training->Find("x")->num.min);
  // Each input's own values (matched by name, whatever the file's column order).
  for (const auto& f : training->features())
    EXPECT_EQ((f.numeric() ? f.num.count : f.cat.count) + f.missing, training->rows()) << f.name;
  EXPECT_GT(training->Find("city")->cat.count, 0) << "city is a category";

  // One boosting round is worse than the blessed model: evaluated against it and not pushed.
  auto second = Run({{"rounds", "1"}});
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->state, "COMPLETE");
  const auto& b2 = Node(*second, "evaluate").outputs.at("blessing").at(0);
  EXPECT_EQ(IntProp(b2, "blessed"), 0);
  EXPECT_EQ(IntProp(b2, "baseline_model_id"), Node(*first, "train").outputs.at("model")[0].id);
  EXPECT_NE(b2.custom_properties.at("reasons").as_string().find("overall auc"), std::string::npos);
  EXPECT_EQ(IntProp(Node(*second, "push").outputs.at("pushed_model").at(0), "pushed"), 0);
  EXPECT_FALSE(fs::exists(tmp_ / "models" / "toy" / "2"));

  // A small loss allowed: blessed against the baseline and pushed as version 2.
  auto third = Run({{"rounds", "1"}, {"min_improvement", "-0.5"}});
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(IntProp(Node(*third, "push").outputs.at("pushed_model").at(0), "version"), 2);
}

TEST_F(ModelPipelineTest, ReproductionMatchesAndPushesNothingNew) {
  ASSERT_TRUE(Run().ok());
  auto second = Run({{"rounds", "20"}, {"min_improvement", "-1"}});
  ASSERT_TRUE(second.ok());
  orchestrate::RunOptions o;
  o.artifact_root = tmp_ / "artifacts";
  auto repro = orchestrate::ReproduceRun(*store_, second->run_id, o, nullptr);
  ASSERT_TRUE(repro.ok()) << repro.status().ToString();
  for (const auto& c : repro->outputs)
    EXPECT_TRUE(c.match()) << c.node << "." << c.output << " " << c.original << " vs "
                           << c.reproduced;
  EXPECT_TRUE(repro->reproducible());
  EXPECT_TRUE(fs::exists(tmp_ / "models" / "toy" / "2"));
  EXPECT_FALSE(fs::exists(tmp_ / "models" / "toy" / "3"));  // the same bundle is not pushed again
}

TEST_F(ModelPipelineTest, WarmStartContinuesTheBlessedModel) {
  std::string yaml = kPipeline;
  yaml.replace(
      yaml.find("inputs: {examples: ingest.examples, transform_graph: transform.transform_graph}"),
      std::string("inputs: {examples: ingest.examples, transform_graph: transform.transform_graph}")
          .size(),
      "inputs: {examples: ingest.examples, transform_graph: transform.transform_graph, "
      "base_model: baseline.result}");
  auto first = Run({{"rounds", "5"}}, yaml);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->state, "COMPLETE");
  const auto& m1 = Node(*first, "train").outputs.at("model").at(0);
  EXPECT_EQ(m1.custom_properties.count("warm_start_from"), 0u);
  auto second = Run({{"rounds", "5"}, {"min_improvement", "-1"}}, yaml);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->state, "COMPLETE") << Node(*second, "train").error;
  const auto& m2 = Node(*second, "train").outputs.at("model").at(0);
  EXPECT_EQ(IntProp(m2, "warm_start_from"), m1.id);
  EXPECT_EQ(IntProp(m2, "rounds"), 10);  // 5 from the base model and 5 new
  auto manifest = nlohmann::json::parse(ReadFile(fs::path(m2.uri) / "manifest.json"));
  EXPECT_EQ(manifest["training"]["base_rounds"], 5);
}

TEST_F(ModelPipelineTest, LinearModels) {
  auto r = Run({{"algorithm", "linear"}, {"rounds", "1"}});
  ASSERT_FALSE(r.ok());  // max_depth is not a linear hyperparameter
  EXPECT_NE(r.status().message().find("hyperparameters.max_depth: the linear trainer has no "
                                      "parameter 'max_depth'"),
            std::string::npos)
      << r.status().message();
  std::string yaml = kPipeline;
  yaml.replace(yaml.find("{rounds: \"${rounds}\", max_depth: 3, seed: 5, threads: 2}"),
               std::string("{rounds: \"${rounds}\", max_depth: 3, seed: 5, threads: 2}").size(),
               "{l2: 0.001}");
  auto lin = Run({{"algorithm", "linear"}}, yaml);
  ASSERT_TRUE(lin.ok()) << lin.status().ToString();
  ASSERT_EQ(lin->state, "COMPLETE") << Node(*lin, "train").error;
  const auto& eval = Node(*lin, "evaluate").outputs.at("evaluation").at(0);
  EXPECT_GT(eval.custom_properties.at("overall_auc").as_double(), 0.8);
  EXPECT_TRUE(fs::exists(tmp_ / "models" / "toy" / "1" / "linear.json"));
}

TEST_F(ModelPipelineTest, Regression) {
  // Predict x from y and the yes/no column (yes means x + noise > y, so both tell about x).
  const char* yaml = R"(apiVersion: lathe/v1
kind: Pipeline
name: reg
nodes:
  - name: ingest
    component: ExampleGen
    parameters: {input: data.csv}
  - name: transform
    component: Transform
    inputs: {examples: ingest.examples}
    parameters:
      label: {column: x}
      features: [{input: y, fill: zero}, {input: label, op: vocabulary, encoding: one_hot}]
  - name: train
    component: Trainer
    inputs: {examples: ingest.examples, transform_graph: transform.transform_graph}
    parameters: {hyperparameters: {rounds: 30, max_depth: 3, eta: 0.2, threads: 2}}
  - name: evaluate
    component: Evaluator
    inputs: {examples: ingest.examples, model: train.model}
    parameters:
      slices: [city]
      thresholds: [{metric: r2, lower: 0.2}, {metric: rmse, slice: "city=oslo", upper: 1.0}]
)";
  auto r = Run({}, yaml);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->state, "COMPLETE") << Node(*r, "train").error << Node(*r, "evaluate").error;
  EXPECT_EQ(Node(*r, "transform")
                .outputs.at("transform_graph")[0]
                .custom_properties.at("task")
                .as_string(),
            "regression");
  const auto& e = Node(*r, "evaluate").outputs.at("evaluation").at(0);
  EXPECT_GT(e.custom_properties.at("overall_r2").as_double(), 0.2);
  EXPECT_LT(e.custom_properties.at("overall_rmse").as_double(), 1.0);
  EXPECT_EQ(IntProp(Node(*r, "evaluate").outputs.at("blessing").at(0), "blessed"), 1);
}

// Infinities in a feature (10 of 800 rows) are missing values for fitting and for the model:
// the fitted shift and scale stay finite, features stay usable, training succeeds.
TEST_F(ModelPipelineTest, InfinitiesAreMissingForFittingAndTraining) {
  std::string csv = testing::ReadFile(tmp_ / "data.csv"), out;
  size_t line = 0, at = 0;
  while (at < csv.size()) {
    size_t end = csv.find('\n', at);
    std::string row = csv.substr(at, end - at);
    if (line > 0 && line % 80 == 0)
      row.replace(0, row.find(','), line % 160 == 0 ? "inf" : "-inf");  // x of rows 80, 160, ...
    out += row + "\n";
    at = end + 1;
    ++line;
  }
  WriteFile(tmp_ / "data.csv", out);
  auto r = Run();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(Node(*r, "train").state, pipeline::NodeState::kComplete)
      << Node(*r, "transform").error << Node(*r, "train").error;
  auto graph = nlohmann::json::parse(testing::ReadFile(
      fs::path(Node(*r, "transform").outputs.at("transform_graph")[0].uri) / "transform.json"));
  ASSERT_TRUE(graph.dump().find("null") == std::string::npos) << graph.dump();
  auto loaded = transform::TransformGraph::FromJson(graph);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  for (const auto& f : loaded->features()) {
    EXPECT_TRUE(std::isfinite(f.shift)) << f.spec.name;
    EXPECT_TRUE(std::isfinite(f.scale)) << f.spec.name;
  }
  const auto& e = Node(*r, "evaluate").outputs.at("evaluation").at(0);
  EXPECT_GT(e.custom_properties.at("overall_auc").as_double(), 0.7);
}

TEST_F(ModelPipelineTest, AnEmptyRequiredInputFailsTheNodeNotTheProcess) {
  // The model comes from an optional resolver that finds nothing.
  const char* yaml = R"(apiVersion: lathe/v1
kind: Pipeline
name: empty
nodes:
  - name: ingest
    component: ExampleGen
    parameters: {input: data.csv}
  - name: none
    component: resolver.latest_blessed_model
    parameters: {optional: true}
  - name: evaluate
    component: Evaluator
    inputs: {examples: ingest.examples, model: none.result}
)";
  auto r = Run({}, yaml);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->state, "FAILED");
  EXPECT_EQ(Node(*r, "evaluate").error, "input 'model' needs exactly one artifact; it got 0");
}

TEST_F(ModelPipelineTest, TheEvaluatorReadsSeveralExamplesArtifacts) {
  // The eval splits of two spans, evaluated as one set of rows.
  const std::string data = ReadFile(tmp_ / "data.csv");
  WriteFile(tmp_ / "data2.csv", data.substr(0, data.find('\n', data.size() / 2) + 1));
  const char* yaml = R"(apiVersion: lathe/v1
kind: Pipeline
name: window
nodes:
  - name: span1
    component: ExampleGen
    parameters: {input: data.csv}
  - name: span2
    component: ExampleGen
    parameters: {input: data2.csv}
  - name: transform
    component: Transform
    inputs: {examples: span1.examples}
    parameters:
      label: {column: label, positive: "yes"}
      features: [{input: x}, {input: y}]
  - name: train
    component: Trainer
    inputs: {examples: span1.examples, transform_graph: transform.transform_graph}
    parameters: {hyperparameters: {rounds: 5}}
  - name: evaluate
    component: Evaluator
    inputs: {examples: [span1.examples, span2.examples], model: train.model}
  - name: evaluate1
    component: Evaluator
    inputs: {examples: span1.examples, model: train.model}
  - name: evaluate2
    component: Evaluator
    inputs: {examples: span2.examples, model: train.model}
)";
  auto r = Run({}, yaml);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->state, "COMPLETE") << Node(*r, "evaluate").error;
  auto rows = [&](const char* node) {
    return IntProp(Node(*r, node).outputs.at("evaluation").at(0), "rows");
  };
  EXPECT_GT(rows("evaluate2"), 50);
  EXPECT_EQ(rows("evaluate"), rows("evaluate1") + rows("evaluate2"));
}

TEST_F(ModelPipelineTest, SpecErrorsSayWhere) {
  std::string yaml = kPipeline;
  yaml.replace(yaml.find("op: min_max"), 11, "op: minmax");
  auto r = Run({}, yaml);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(
                "p.yaml:18:9: nodes[1].parameters.features[1].op: unknown op 'minmax'"),
            std::string::npos)
      << r.status().message();
  yaml = kPipeline;
  yaml.replace(yaml.find("{metric: auc, lower: 0.7}"), 25, "{metric: auc, lowr: 0.7}");
  r = Run({}, yaml);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nodes[4].parameters.thresholds[0].lowr: unknown option"),
            std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace lathe::components
