// A toy binary-classification pipeline (ingest, transform, the latest blessed model as baseline,
// train, evaluate, infra-validate, push) over 800 seeded rows, and a fixture that runs it in a
// temporary directory with its own store and model repository. Shared by the model component,
// reproduction and partial-run tests.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>

#include "lathe/components/data_components.h"
#include "lathe/orchestrate/local_runner.h"
#include "lathe/orchestrate/repro.h"
#include "lathe/pipeline/graph.h"
#include "testing/temp_dir.h"

namespace lathe::testing {

namespace fs = std::filesystem;

inline const char* kPipeline = R"(apiVersion: lathe/v1
kind: Pipeline
name: toy
parameters:
  rounds: 30
  min_improvement: 0.0
  algorithm: xgboost
nodes:
  - name: ingest
    component: ExampleGen
    parameters: {input: data.csv, splits: {train: 3, eval: 1}}
  - name: transform
    component: Transform
    inputs: {examples: ingest.examples}
    parameters:
      label: {column: label, positive: "yes"}
      features:
        - {input: x, op: standardize}
        - {input: y, op: min_max, fill: median}
        - {input: city, op: vocabulary, encoding: one_hot}
  - name: baseline
    component: resolver.latest_blessed_model
    parameters: {context: toy, optional: true}
  - name: train
    component: Trainer
    inputs: {examples: ingest.examples, transform_graph: transform.transform_graph}
    parameters:
      algorithm: "${algorithm}"
      hyperparameters: {rounds: "${rounds}", max_depth: 3, seed: 5, threads: 2}
  - name: evaluate
    component: Evaluator
    inputs: {examples: ingest.examples, model: train.model, baseline: baseline.result}
    parameters:
      slices: [city]
      bootstrap: 20
      thresholds:
        - {metric: auc, lower: 0.7}
        - {metric: auc, min_improvement: "${min_improvement}"}
  - name: infra
    component: InfraValidator
    inputs: {model: train.model, examples: ingest.examples}
  - name: push
    component: Pusher
    inputs: {model: train.model, blessing: evaluate.blessing, infra_blessing: infra.infra_blessing}
    parameters: {repository: REPO}
)";

class ModelPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937_64 rng(11);
    std::normal_distribution<double> g(0, 1);
    std::string csv = "x,y,city,label\n";
    for (int i = 0; i < 800; ++i) {
      double x = g(rng), y = g(rng);
      const char* city = i % 3 == 0 ? "oslo" : i % 3 == 1 ? "rome" : "lima";
      bool label = x + 0.5 * g(rng) > y;
      csv += fmt::format("{:.4f},{},{},{}\n", x, i % 50 == 0 ? "" : fmt::format("{:.4f}", y), city,
                         label ? "yes" : "no");
    }
    WriteFile(tmp_ / "data.csv", csv);
    auto s = metadata::MetadataStore::Open("sqlite://" + (tmp_ / "m.db").string());
    ASSERT_TRUE(s.ok());
    store_ = std::move(*s);
  }

  Result<orchestrate::RunReport> Run(std::map<std::string, std::string> params = {},
                                     std::string yaml = kPipeline, orchestrate::RunOptions o = {}) {
    auto at = yaml.find("REPO");
    if (at != std::string::npos) yaml.replace(at, 4, (tmp_ / "models").string());
    WriteFile(tmp_ / "p.yaml", yaml);
    LATHE_ASSIGN_OR_RETURN(auto spec, pipeline::LoadPipelineSpec((tmp_ / "p.yaml").string()));
    LATHE_ASSIGN_OR_RETURN(graph_, pipeline::BuildGraph(spec, params, components::AllComponents()));
    o.artifact_root = tmp_ / "artifacts";
    return orchestrate::RunPipeline(*store_, graph_, o, nullptr);
  }

  Result<orchestrate::ReproReport> Reproduce(const std::string& run_id) {
    orchestrate::RunOptions o;
    o.artifact_root = tmp_ / "artifacts";
    return orchestrate::ReproduceRun(*store_, run_id, o, nullptr);
  }

  // The id of the artifact `node`'s output `output` in a run.
  int64_t OutputId(const orchestrate::RunReport& r, const std::string& node,
                   const std::string& output) {
    return Node(r, node).outputs.at(output).at(0).id;
  }

  const pipeline::NodeOutcome& Node(const orchestrate::RunReport& r, const std::string& name) {
    return r.nodes[static_cast<size_t>(graph_.Find(name))];
  }
  int64_t IntProp(const metadata::Artifact& a, const std::string& key) {
    return a.custom_properties.at(key).as_int();
  }

  testing::TempDir tmp_;
  std::unique_ptr<metadata::MetadataStore> store_;
  pipeline::PipelineGraph graph_;
};

}  // namespace lathe::testing
