#include "lathe/components/model_components.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <stdio.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "lathe/components/component_util.h"
#include "lathe/core/fs.h"
#include "lathe/data/columnar.h"
#include "lathe/eval/blessing.h"
#include "lathe/eval/evaluation.h"
#include "lathe/metadata/standard_artifacts.h"
#include "lathe/pipeline/params.h"
#include "lathe/registry/model_repository.h"
#include "lathe/stats/dataset_stats.h"
#include "lathe/train/algorithm.h"
#include "lathe/train/bundle.h"
#include "lathe/transform/transform_graph.h"

namespace lathe::components {

namespace fs = std::filesystem;
using pipeline::ExecutionRequest;
using pipeline::ExecutionResult;
using pipeline::NodeSpec;
using pipeline::ParamKind;
using pipeline::SourceMap;
namespace standard = metadata::standard;

namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

void Log(const ExecutionRequest& r, const std::string& line) {
  std::ofstream(r.log_path, std::ios::app) << line << "\n";
}

// A spec error ("features[2].op: unknown op") at its place in the pipeline file.
Status SpecError(const SourceMap& source, const std::string& field, const std::string& path,
                 const Status& st) {
  std::string m = st.message();
  if (m.rfind(path + ": ", 0) == 0) m = m.substr(path.size() + 2);
  return source.Error(field + ".parameters." + path, m);
}

// The columns a transform reads: its inputs and the label.
std::vector<std::string> ColumnsOf(const transform::TransformGraph& g) {
  std::vector<std::string> out;
  for (const auto& f : g.inputs().fields) out.push_back(f.name);
  out.push_back(g.label().column);
  return out;
}

class Transform final : public pipeline::Component {
 public:
  std::string type() const override { return "Transform"; }
  std::string version() const override { return "1"; }
  Status Prepare(NodeSpec& node, const SourceMap& source, const std::string& field) const override {
    LATHE_RETURN_IF_ERROR(NoCommand(node, source, field));
    LATHE_RETURN_IF_ERROR(pipeline::CheckParams(node, source, field,
                                                {{"label", ParamKind::kObject, true},
                                                 {"features", ParamKind::kList, true},
                                                 {"split", ParamKind::kString, false, "train"}}));
    std::string path;
    auto spec = transform::ParseTransformSpec(
        {{"label", node.parameters["label"]}, {"features", node.parameters["features"]}}, &path);
    if (!spec.ok()) return SpecError(source, field, path, spec.status());
    LATHE_RETURN_IF_ERROR(RequireInputs(node, source, field, {"examples"}));
    node.outputs = {{"transform_graph", standard::kTransformGraph}};
    return Status::Ok();
  }
  Status Execute(const ExecutionRequest& r, ExecutionResult& result) const override {
    const auto& p = r.parameters;
    LATHE_ASSIGN_OR_RETURN(auto spec, transform::ParseTransformSpec(
                                          {{"label", p["label"]}, {"features", p["features"]}}));
    const std::string split = p["split"].get<std::string>();
    // Analysis sees the train split of every input span, merged, and only the columns whose
    // statistics it needs (a date part needs none).
    std::vector<std::string> columns = {spec.label.column};
    for (const auto& f : spec.features)
      if (transform::NeedsStatistics(f)) columns.push_back(f.inputs[0]);
    const auto dirs = InputDirs(r, "examples");
    if (dirs.empty()) return FailedPreconditionError("no examples to analyze");
    // The schema of the whole data: every input's type, from every span (a column without
    // values in one span takes its type from the others).
    data::Schema schema;
    for (const auto& dir : dirs) {
      const fs::path file = dir / (split + ".lcol");
      if (!PathExists(file))
        return NotFoundError(fmt::format("{} has no split '{}'", dir.string(), split));
      LATHE_ASSIGN_OR_RETURN(auto reader, data::ColumnarReader::Open(file.string()));
      auto unified = data::UnifySchemas(schema, reader->schema());
      if (!unified.ok())
        return InvalidArgumentError(
            fmt::format("the input spans' columns differ: {}", unified.status().message()));
      schema = *std::move(unified);
    }
    // Row groups are summarised in parallel and merged in file order.
    std::vector<std::optional<stats::DatasetStats>> parts;
    LATHE_RETURN_IF_ERROR(ForEachRowGroupParallel(
        dirs, split, &columns, 0, [&](size_t n) { parts.resize(n); },
        [&](size_t t, const data::Batch& b) {
          parts[t].emplace(b.schema);
          parts[t]->Add(b);
          return Status::Ok();
        }));
    std::optional<stats::DatasetStats> merged;
    data::Schema projected;
    for (auto& part : parts) {
      if (!merged) {
        merged = std::move(part);
        continue;
      }
      Status st = merged->Merge(std::move(*part));
      if (!st.ok())
        return InvalidArgumentError(fmt::format(
            "the input spans' columns differ: {}; a transform needs one schema", st.message()));
    }
    if (!merged) merged.emplace(projected);
    LATHE_ASSIGN_OR_RETURN(auto graph, transform::TransformGraph::Analyze(spec, schema, *merged));
    LATHE_RETURN_IF_ERROR(
        WriteJsonFile(r.output_dirs.at("transform_graph") / "transform.json", graph.ToJson()));
    auto& props = result.output_properties["transform_graph"];
    props["task"] = std::string(transform::TaskName(graph.task()));
    props["features"] = static_cast<int64_t>(graph.FeatureNames().size());
    props["rows_analyzed"] = merged->rows();
    Log(r, fmt::format("fitted {} features ({} task) on {} rows", graph.FeatureNames().size(),
                       transform::TaskName(graph.task()), merged->rows()));
    return Status::Ok();
  }
};

// An algorithm's hyperparameters as parameter rules (kinds only; bounds are checked apart).
std::vector<pipeline::ParamRule> HyperparameterRules(const train::Algorithm& algorithm) {
  std::vector<pipeline::ParamRule> rules;
  for (const auto& h : algorithm.hyperparameters())
    rules.push_back({h.name, h.kind == train::Hyperparameter::Kind::kNumber ? ParamKind::kNumber
                             : h.kind == train::Hyperparameter::Kind::kPositiveInt
                                 ? ParamKind::kPositiveInt
                                 : ParamKind::kString});
  return rules;
}

class Trainer final : public pipeline::Component {
 public:
  std::string type() const override { return "Trainer"; }
  // 2: the bundle holds the training inputs' statistics.
  std::string version() const override { return "2"; }
  Status Prepare(NodeSpec& node, const SourceMap& source, const std::string& field) const override {
    LATHE_RETURN_IF_ERROR(NoCommand(node, source, field));
    LATHE_RETURN_IF_ERROR(pipeline::CheckParams(
        node, source, field,
        {{"algorithm", ParamKind::kString, false, "xgboost"},
         {"hyperparameters", ParamKind::kObject, false, nlohmann::json::object()},
         {"train_split", ParamKind::kString, false, "train"},
         {"eval_split", ParamKind::kString, false, "eval"}}));
    const auto& algorithms = train::AlgorithmRegistry::Builtin();
    const std::string name = node.parameters["algorithm"].get<std::string>();
    const train::Algorithm* algorithm = algorithms.Find(name);
    if (algorithm == nullptr)
      return source.Error(field + ".parameters.algorithm",
                          fmt::format("expected one of: {}", algorithms.NameList()));
    // Hyperparameters are checked like parameters, against the algorithm's list, then their bounds.
    nlohmann::json& hp = node.parameters["hyperparameters"];
    const std::string hp_field = field + ".parameters.hyperparameters";
    LATHE_RETURN_IF_ERROR(pipeline::CheckValues(hp, fmt::format("the {} trainer", name), source,
                                                field, hp_field, HyperparameterRules(*algorithm)));
    const auto params = algorithm->hyperparameters();
    for (const auto& h : params)
      if (h.max && hp.contains(h.name) && hp[h.name].get<int64_t>() > *h.max)
        return source.Error(hp_field + "." + h.name,
                            fmt::format("expected a whole number up to {}", *h.max));
    for (const auto& h : params)
      if (h.min && hp.contains(h.name) && !(hp[h.name].get<double>() >= *h.min))
        return source.Error(hp_field + "." + h.name, fmt::format("expected {} or more", *h.min));
    LATHE_RETURN_IF_ERROR(
        RequireInputs(node, source, field, {"examples", "transform_graph"}, {"base_model"}));
    node.outputs = {{"model", standard::kModel}};
    return Status::Ok();
  }

  Status Execute(const ExecutionRequest& r, ExecutionResult& result) const override {
    const auto start = std::chrono::steady_clock::now();
    const auto& p = r.parameters;
    const std::string algorithm_name = p["algorithm"].get<std::string>();
    const train::Algorithm* algorithm = train::AlgorithmRegistry::Builtin().Find(algorithm_name);
    if (algorithm == nullptr)
      return InvalidArgumentError(fmt::format("unknown algorithm '{}'", algorithm_name));
    const nlohmann::json& hp = p["hyperparameters"];
    LATHE_ASSIGN_OR_RETURN(auto base, OptionalInput(r, "base_model"));
    // A warm start keeps the transform of the model it continues: its trees or weights were
    // fitted on those encodings.
    transform::TransformGraph graph;
    std::unique_ptr<train::LoadedModel> base_model;
    if (base) {
      LATHE_ASSIGN_OR_RETURN(base_model, train::LoadedModel::Load(base->uri));
      if (base_model->model().kind() != algorithm->name())
        return InvalidArgumentError(
            fmt::format("base_model {} is a {} model; this trainer trains {}", base->id,
                        base_model->model().kind(), algorithm->name()));
      graph = base_model->transform();
    } else {
      LATHE_ASSIGN_OR_RETURN(fs::path tdir, OneInput(r, "transform_graph"));
      LATHE_ASSIGN_OR_RETURN(graph, transform::TransformGraph::Load(tdir));
    }
    // Features of the train split of every span, and of the newest span's eval split.
    auto dirs = InputDirs(r, "examples");
    const auto columns = ColumnsOf(graph);
    transform::FeatureMatrix x, ex;
    std::vector<float> y, ey;
    // Row groups are read and transformed in parallel, then joined in file order (so the
    // matrix, and the model, do not depend on thread timing).
    std::vector<transform::FeatureMatrix> pieces;
    std::vector<std::vector<float>> piece_labels;
    // Statistics of the raw inputs the model was trained on go into the bundle: the server
    // measures the drift of its traffic against them. The label (last column) is left out.
    std::vector<stats::DatasetStats> piece_stats;
    LATHE_RETURN_IF_ERROR(ForEachRowGroupParallel(
        dirs, p["train_split"].get<std::string>(), &columns, hp.value("threads", 0),
        [&](size_t n) {
          pieces.resize(n);
          piece_labels.resize(n);
          piece_stats.assign(n, stats::DatasetStats(graph.inputs()));
        },
        [&](size_t t, const data::Batch& b) {
          piece_stats[t].Add(b);
          LATHE_RETURN_IF_ERROR(graph.Apply(b, pieces[t]));
          return graph.Labels(b, piece_labels[t]);
        }));
    stats::DatasetStats input_stats(graph.inputs());
    for (auto& part : piece_stats)  // in file order: the same bundle whatever the threads
      LATHE_RETURN_IF_ERROR(input_stats.Merge(std::move(part)));
    x.names = graph.FeatureNames();
    for (size_t t = 0; t < pieces.size(); ++t) {
      x.values.insert(x.values.end(), pieces[t].values.begin(), pieces[t].values.end());
      x.rows += pieces[t].rows;
      y.insert(y.end(), piece_labels[t].begin(), piece_labels[t].end());
      pieces[t] = {};
    }
    const std::string eval_split = p["eval_split"].get<std::string>();
    // The eval split serves early stopping (xgboost); the Evaluator measures the model anyway.
    const bool has_eval =
        algorithm->UsesEvalSplit(hp) && PathExists(dirs.back() / (eval_split + ".lcol"));
    if (has_eval)
      LATHE_RETURN_IF_ERROR(
          ForEachRowGroup({dirs.back()}, eval_split, &columns, [&](const data::Batch& b) {
            LATHE_RETURN_IF_ERROR(graph.Apply(b, ex));
            return graph.Labels(b, ey);
          }));
    const size_t dropped = train::DropMissingLabels(x, y) + train::DropMissingLabels(ex, ey);
    const double seconds_prepare = Seconds(start);
    const fs::path out = r.output_dirs.at("model");
    // Timings and run ids stay out of the bundle (they go to properties), so the same data and
    // seed give a byte-identical bundle that `lathe runs repro` can verify.
    nlohmann::json training = {{"algorithm", algorithm_name},
                               {"hyperparameters", hp},
                               {"rows_train", x.rows},
                               {"rows_eval", ex.rows},
                               {"rows_without_label", dropped}};
    auto& props = result.output_properties["model"];
    // The base model by content, not by id: which of two identical artifacts a resolver picked
    // must not change the bundle.
    if (base) training["warm_start_from"] = base->fingerprint;
    std::string base_file;
    if (base)
      base_file = (fs::path(base->uri) / base_model->manifest()["model"]["file"].get<std::string>())
                      .string();
    LATHE_ASSIGN_OR_RETURN(train::TrainResult trained,
                           algorithm->Train({.x = x,
                                             .y = y,
                                             .eval_x = has_eval ? &ex : nullptr,
                                             .eval_y = has_eval ? &ey : nullptr,
                                             .task = graph.task(),
                                             .num_class = static_cast<int>(graph.classes().size()),
                                             .hyperparameters = hp,
                                             .base = base_model ? &base_model->model() : nullptr,
                                             .base_file = base_file,
                                             .out_dir = out}));
    for (const auto& [key, value] : trained.training.items()) training[key] = value;
    for (auto& [key, value] : trained.properties) props[key] = std::move(value);
    Log(r, trained.log);
    const std::string& file = trained.model_file;
    LATHE_RETURN_IF_ERROR(WriteJsonFile(out / "transform.json", graph.ToJson()));
    LATHE_RETURN_IF_ERROR(WriteJsonFile(out / train::kBundleStatisticsFile, input_stats.ToJson()));
    nlohmann::json manifest = train::MakeManifest(graph, algorithm_name, file, training);
    manifest["statistics"] = train::kBundleStatisticsFile;
    LATHE_RETURN_IF_ERROR(WriteJsonFile(out / "manifest.json", manifest));
    props["seconds_prepare"] = seconds_prepare;
    props["seconds_total"] = Seconds(start);
    props["algorithm"] = algorithm_name;
    props["task"] = std::string(transform::TaskName(graph.task()));
    props["rows_train"] = static_cast<int64_t>(x.rows);
    if (base) props[standard::kWarmStartFrom] = base->id;
    return Status::Ok();
  }
};

class Evaluator final : public pipeline::Component {
 public:
  std::string type() const override { return "Evaluator"; }
  std::string version() const override { return "1"; }
  Status Prepare(NodeSpec& node, const SourceMap& source, const std::string& field) const override {
    LATHE_RETURN_IF_ERROR(NoCommand(node, source, field));
    LATHE_RETURN_IF_ERROR(
        pipeline::CheckParams(node, source, field,
                              {{"split", ParamKind::kString, false, "eval"},
                               {"slices", ParamKind::kList, false, nlohmann::json::array()},
                               {"min_slice_size", ParamKind::kPositiveInt, false, 10},
                               {"max_slices", ParamKind::kPositiveInt},
                               {"bootstrap", ParamKind::kNumber, false, 100},
                               {"confidence", ParamKind::kNumber, false, 0.95},
                               {"seed", ParamKind::kNumber, false, 0},
                               {"threshold", ParamKind::kNumber, false, 0.5},
                               {"thresholds", ParamKind::kList, false, nlohmann::json::array()}}));
    const auto& slices = node.parameters["slices"];
    for (size_t i = 0; i < slices.size(); ++i) {
      bool ok = slices[i].is_string() || (slices[i].is_array() && !slices[i].empty());
      for (const auto& f : slices[i].is_array() ? slices[i] : nlohmann::json::array())
        ok = ok && f.is_string();
      if (!ok)
        return source.Error(fmt::format("{}.parameters.slices[{}]", field, i),
                            "expected a feature name or a list of them (a cross)");
    }
    double confidence = node.parameters["confidence"].get<double>();
    if (confidence <= 0 || confidence >= 1)
      return source.Error(field + ".parameters.confidence", "expected a number between 0 and 1");
    const double bootstrap = node.parameters["bootstrap"].get<double>();
    if (bootstrap < 0 || bootstrap > 100000 || std::floor(bootstrap) != bootstrap)
      return source.Error(field + ".parameters.bootstrap",
                          "expected a whole number of resamples from 0 to 100000");
    const double seed = node.parameters["seed"].get<double>();
    if (seed < 0 || seed > 9e15 || std::floor(seed) != seed)
      return source.Error(field + ".parameters.seed", "expected a whole number, 0 or more");
    std::string path;
    auto th = eval::ParseThresholds(node.parameters["thresholds"], &path);
    if (!th.ok()) return SpecError(source, field, path, th.status());
    LATHE_RETURN_IF_ERROR(RequireInputs(node, source, field, {"examples", "model"}, {"baseline"}));
    node.outputs = {{"evaluation", standard::kModelEvaluation},
                    {"blessing", standard::kModelBlessing}};
    return Status::Ok();
  }

  Status Execute(const ExecutionRequest& r, ExecutionResult& result) const override {
    const auto& p = r.parameters;
    eval::EvalConfig config;
    for (const auto& s : p["slices"])
      config.slices.push_back(s.is_string() ? std::vector<std::string>{s.get<std::string>()}
                                            : s.get<std::vector<std::string>>());
    config.min_slice_size = p["min_slice_size"].get<int64_t>();
    config.max_slices = p.value("max_slices", size_t{0});
    config.bootstrap = static_cast<int>(p["bootstrap"].get<double>());
    config.confidence = p["confidence"].get<double>();
    config.seed = static_cast<uint64_t>(p["seed"].get<double>());
    config.threshold = p["threshold"].get<double>();
    LATHE_ASSIGN_OR_RETURN(auto thresholds, eval::ParseThresholds(p["thresholds"]));
    // Every Examples artifact given (the eval splits of a window of spans, say), read as one.
    const auto examples = InputDirs(r, "examples");
    if (examples.empty()) return InvalidArgumentError("input 'examples' holds no artifact");
    LATHE_ASSIGN_OR_RETURN(const pipeline::InputArtifact model_in, RequiredInput(r, "model"));
    LATHE_ASSIGN_OR_RETURN(auto candidate, train::LoadedModel::Load(model_in.uri));
    LATHE_ASSIGN_OR_RETURN(auto baseline_in, OptionalInput(r, "baseline"));
    // A baseline with the candidate's content is the candidate itself (a cached model that is
    // the latest blessed one, or its reproduction): nothing to compare with. By content, not id,
    // so the outcome does not depend on which of two identical artifacts was selected.
    const bool same_model =
        baseline_in &&
        (baseline_in->id == model_in.id ||
         (!baseline_in->fingerprint.empty() && baseline_in->fingerprint == model_in.fingerprint));
    std::unique_ptr<train::LoadedModel> baseline_model;
    if (baseline_in && !same_model) {
      LATHE_ASSIGN_OR_RETURN(baseline_model, train::LoadedModel::Load(baseline_in->uri));
      if (baseline_model->task() != candidate->task())
        return InvalidArgumentError(fmt::format(
            "the baseline model {} is a {} model; the candidate is {}", baseline_in->id,
            transform::TaskName(baseline_model->task()), transform::TaskName(candidate->task())));
      // Comparing metrics means nothing unless both predict the same label the same way.
      const auto& a = candidate->transform();
      const auto& b = baseline_model->transform();
      if (a.label().column != b.label().column || a.label().positive != b.label().positive ||
          a.label().greater_than != b.label().greater_than || a.classes() != b.classes())
        return InvalidArgumentError(fmt::format(
            "the baseline model {} predicts another label (column, positive value, threshold or "
            "classes differ); compare models of the same label",
            baseline_in->id));
    }
    // Only the columns the models and the slices read.
    std::vector<std::string> columns = ColumnsOf(candidate->transform());
    if (baseline_model)
      for (auto& c : ColumnsOf(baseline_model->transform())) columns.push_back(std::move(c));
    for (const auto& spec : config.slices) columns.insert(columns.end(), spec.begin(), spec.end());
    LATHE_ASSIGN_OR_RETURN(auto raw, ReadSplit(examples, p["split"].get<std::string>(), &columns));
    auto measure = [&](const train::LoadedModel& m) -> Result<eval::ModelMetrics> {
      LATHE_ASSIGN_OR_RETURN(auto predictions, m.Predict(raw));
      std::vector<float> labels;
      LATHE_RETURN_IF_ERROR(m.transform().Labels(raw, labels));
      return eval::Evaluate(config, m.task(), raw, labels, predictions);
    };
    LATHE_ASSIGN_OR_RETURN(auto metrics, measure(*candidate));
    std::optional<eval::ModelMetrics> baseline;
    if (baseline_model) {
      LATHE_ASSIGN_OR_RETURN(baseline, measure(*baseline_model));
    }
    const auto blessing = eval::Decide(metrics, baseline ? &*baseline : nullptr, thresholds);
    const int64_t baseline_id = baseline ? baseline_in->id : 0;
    nlohmann::json ej = {{"split", p["split"]}, {"candidate", metrics.ToJson()}};
    if (baseline) {
      ej["baseline"] = baseline->ToJson();
    }
    LATHE_RETURN_IF_ERROR(WriteJsonFile(r.output_dirs.at("evaluation") / "metrics.json", ej));
    nlohmann::json bj = blessing.ToJson();
    LATHE_RETURN_IF_ERROR(WriteJsonFile(r.output_dirs.at("blessing") / "blessing.json", bj));
    auto& eprops = result.output_properties["evaluation"];
    // Artifact ids live in properties, not in the files, so a reproduction (new artifacts, same
    // content) gives the same fingerprints.
    eprops[standard::kModelId] = model_in.id;
    eprops[standard::kBaselineModelId] = baseline_id;
    eprops["rows"] = metrics.slices.at(0).rows;
    for (const auto& [k, v] : metrics.slices.at(0).metrics)
      if (std::isfinite(v) && k != "count") eprops["overall_" + k] = v;
    std::string reasons;
    for (const auto& why : blessing.Reasons()) reasons += (reasons.empty() ? "" : "; ") + why;
    auto& bprops = result.output_properties["blessing"];
    bprops[standard::kBlessed] = int64_t{blessing.blessed ? 1 : 0};
    bprops[standard::kCurrentModelId] = model_in.id;
    bprops[standard::kBaselineModelId] = baseline_id;
    if (!reasons.empty()) bprops[standard::kReasons] = reasons;
    std::string summary;
    for (const auto& [k, v] : metrics.slices.at(0).metrics)
      if (k != "count") summary += fmt::format(" {}={:.4g}", k, v);
    Log(r, fmt::format("overall ({} rows):{}", metrics.slices.at(0).rows, summary));
    Log(r, blessing.blessed ? fmt::format("blessed ({})",
                                          baseline ? fmt::format("baseline model {}", baseline_id)
                                                   : "no baseline: value thresholds only")
                            : "not blessed: " + reasons);
    return Status::Ok();
  }
};

class InfraValidator final : public pipeline::Component {
 public:
  std::string type() const override { return "InfraValidator"; }
  std::string version() const override { return "1"; }
  Status Prepare(NodeSpec& node, const SourceMap& source, const std::string& field) const override {
    LATHE_RETURN_IF_ERROR(NoCommand(node, source, field));
    LATHE_RETURN_IF_ERROR(pipeline::CheckParams(node, source, field,
                                                {{"split", ParamKind::kString, false, "eval"},
                                                 {"rows", ParamKind::kPositiveInt, false, 100}}));
    LATHE_RETURN_IF_ERROR(RequireInputs(node, source, field, {"model", "examples"}));
    node.outputs = {{"infra_blessing", standard::kInfraBlessing}};
    return Status::Ok();
  }
  Status Execute(const ExecutionRequest& r, ExecutionResult& result) const override {
    const auto start = std::chrono::steady_clock::now();
    LATHE_ASSIGN_OR_RETURN(fs::path model_dir, OneInput(r, "model"));
    auto model = train::LoadedModel::Load(model_dir.string());
    if (!model.ok())
      return FailedPreconditionError("the model does not load: " + model.status().message());
    const double load_s = Seconds(start);
    LATHE_ASSIGN_OR_RETURN(fs::path examples, OneInput(r, "examples"));
    LATHE_ASSIGN_OR_RETURN(auto raw,
                           ReadSplit({examples}, r.parameters["split"].get<std::string>()));
    const size_t rows = std::min<size_t>(raw.rows(), r.parameters["rows"].get<size_t>());
    if (rows == 0) return FailedPreconditionError("no rows to send to the model");
    // The sample goes through the serving path: each row as a JSON instance, as a request
    // would carry it.
    nlohmann::json instances = nlohmann::json::array();
    for (size_t row = 0; row < rows; ++row) {
      nlohmann::json inst = nlohmann::json::object();
      for (const auto& f : (*model)->transform().inputs().fields) {
        int c = raw.schema.Find(f.name);
        if (c < 0)
          return FailedPreconditionError(
              fmt::format("the examples lack the model's input '{}'", f.name));
        const auto& col = raw.columns[static_cast<size_t>(c)];
        if (col.is_null(row)) continue;
        switch (col.type()) {
          case data::ColumnType::kInt64:
            inst[f.name] = col.int_at(row);
            break;
          case data::ColumnType::kDouble:
            inst[f.name] = col.double_at(row);
            break;
          case data::ColumnType::kBool:
            inst[f.name] = col.bool_at(row);
            break;
          case data::ColumnType::kString:
            inst[f.name] = std::string(col.string_at(row));
            break;
          case data::ColumnType::kNull:
            break;
        }
      }
      instances.push_back(std::move(inst));
    }
    const auto predict_start = std::chrono::steady_clock::now();
    auto predictions = (*model)->PredictInstances(instances);
    if (!predictions.ok())
      return FailedPreconditionError("prediction failed: " + predictions.status().message());
    const double predict_s = Seconds(predict_start);
    if (predictions->rows() != rows)
      return FailedPreconditionError(
          fmt::format("the model returned {} predictions for {} rows", predictions->rows(), rows));
    for (size_t i = 0; i < predictions->values.size(); ++i)
      if (!std::isfinite(predictions->values[i]))
        return FailedPreconditionError(
            fmt::format("the model predicted {} for row {} of the sample", predictions->values[i],
                        i / predictions->classes));
    LATHE_RETURN_IF_ERROR(WriteJsonFile(r.output_dirs.at("infra_blessing") / "infra.json",
                                        {{"blessed", true}, {"rows_checked", rows}}));
    result.output_properties["infra_blessing"][standard::kBlessed] = int64_t{1};
    result.output_properties["infra_blessing"]["seconds_load"] = load_s;
    result.output_properties["infra_blessing"]["seconds_predict"] = predict_s;
    LATHE_ASSIGN_OR_RETURN(const pipeline::InputArtifact model_in, RequiredInput(r, "model"));
    result.output_properties["infra_blessing"][standard::kCurrentModelId] = model_in.id;
    Log(r, fmt::format("loaded in {:.3f} s; {} requests' rows predicted in {:.4f} s, all finite",
                       load_s, rows, predict_s));
    return Status::Ok();
  }
};

// The blessing's (or infra blessing's) `current_model_id` names `model`: a blessing of another
// model never lets this one through.
Status CheckAbout(const ExecutionRequest& r, const pipeline::InputArtifact& blessing,
                  const pipeline::InputArtifact& model, const char* what, const char* wire) {
  LATHE_ASSIGN_OR_RETURN(auto artifact, r.store->GetArtifact(blessing.id));
  auto about = artifact.custom_properties.find(standard::kCurrentModelId);
  if (about == artifact.custom_properties.end() ||
      about->second.type() != metadata::PropertyType::kInt || about->second.as_int() != model.id)
    return FailedPreconditionError(
        fmt::format("{} {} is not about model {} (wire the {} of this model)", what, blessing.id,
                    model.id, wire));
  return Status::Ok();
}

class Pusher final : public pipeline::Component {
 public:
  std::string type() const override { return "Pusher"; }
  std::string version() const override { return "2"; }
  Status Prepare(NodeSpec& node, const SourceMap& source, const std::string& field) const override {
    LATHE_RETURN_IF_ERROR(NoCommand(node, source, field));
    LATHE_RETURN_IF_ERROR(
        pipeline::CheckParams(node, source, field,
                              {{"repository", ParamKind::kString, false, ".lathe/models"},
                               {"model_name", ParamKind::kString}}));
    if (node.parameters.contains("model_name")) {
      Status st = registry::ModelRepository::CheckModelName(
          node.parameters["model_name"].get<std::string>());
      if (!st.ok()) return source.Error(field + ".parameters.model_name", st.message());
    }
    LATHE_RETURN_IF_ERROR(
        RequireInputs(node, source, field, {"model", "blessing"}, {"infra_blessing"}));
    node.outputs = {{"pushed_model", standard::kPushedModel}};
    return Status::Ok();
  }

  // push.json records the decision (push or not, which model by content, why not), never where
  // it went: the version and directory are properties, so a reproduction, which pushes nothing,
  // writes the same file when it would push the same model.
  Status Execute(const ExecutionRequest& r, ExecutionResult& result) const override {
    LATHE_ASSIGN_OR_RETURN(const pipeline::InputArtifact model_in, RequiredInput(r, "model"));
    LATHE_ASSIGN_OR_RETURN(const pipeline::InputArtifact blessing_in, RequiredInput(r, "blessing"));
    LATHE_ASSIGN_OR_RETURN(auto bj, ReadJsonFile(fs::path(blessing_in.uri) / "blessing.json"));
    LATHE_RETURN_IF_ERROR(CheckAbout(r, blessing_in, model_in, "blessing", "Evaluator's blessing"));
    LATHE_ASSIGN_OR_RETURN(auto infra, OptionalInput(r, "infra_blessing"));
    if (infra) {
      if (!PathExists(fs::path(infra->uri) / "infra.json"))
        return FailedPreconditionError("the infra blessing holds no infra.json");
      LATHE_RETURN_IF_ERROR(CheckAbout(r, *infra, model_in, "infra blessing", "InfraValidator"));
    }
    const std::string name = r.parameters.value("model_name", r.pipeline);
    const fs::path out = r.output_dirs.at("pushed_model");
    auto& props = result.output_properties["pushed_model"];
    props[standard::kModelId] = model_in.id;
    props[standard::kModelName] = name;
    const bool blessed = bj.is_object() && bj.value("blessed", false);
    nlohmann::json decision = {
        {"push", blessed}, {"model_name", name}, {"model_fingerprint", model_in.fingerprint}};
    if (!blessed) {
      nlohmann::json reasons = nlohmann::json::array();
      for (const auto& c : bj.value("checks", nlohmann::json::array()))
        if (c.is_object() && !c.value("passed", true)) reasons.push_back(c.value("check", ""));
      decision["reasons"] = reasons;
    }
    LATHE_RETURN_IF_ERROR(WriteJsonFile(out / "push.json", decision));
    props[standard::kPushed] = int64_t{0};
    if (!blessed) {
      Log(r, fmt::format("model {} is not blessed: not pushed", model_in.id));
      return Status::Ok();
    }
    // Relative to where `lathe run` started, like the store and the artifact root.
    const registry::ModelRepository repository(r.parameters["repository"].get<std::string>());
    if (!r.reproduction_of.empty()) {
      // A reproduction checks what it would push and where that bundle already is.
      props[standard::kDryRun] = int64_t{1};
      auto version = repository.FindBundle(name, model_in.fingerprint);
      if (version) props[standard::kRepositoryVersion] = *version;
      Log(r, version ? fmt::format("would push model {}: the repository holds the same bundle as "
                                   "{} version {} (nothing pushed: a reproduction)",
                                   model_in.id, name, *version)
                     : fmt::format("would push model {} as a new version of {} (nothing pushed: "
                                   "a reproduction)",
                                   model_in.id, name));
      return Status::Ok();
    }
    LATHE_ASSIGN_OR_RETURN(int64_t version, repository.Publish(name, model_in.uri,
                                                               {model_in.id, model_in.fingerprint,
                                                                r.pipeline, r.run_id}));
    const fs::path dest = repository.root() / name / std::to_string(version);
    props[standard::kPushed] = int64_t{1};
    props[standard::kModelVersion] = version;
    props[standard::kDestination] = dest.string();
    Log(r, fmt::format("pushed model {} to {}", model_in.id, dest.string()));
    return Status::Ok();
  }
};

}  // namespace

void RegisterModelComponents(pipeline::ComponentRegistry& registry) {
  registry.Register(std::make_unique<Transform>());
  registry.Register(std::make_unique<Trainer>());
  registry.Register(std::make_unique<Evaluator>());
  registry.Register(std::make_unique<InfraValidator>());
  registry.Register(std::make_unique<Pusher>());
}

}  // namespace lathe::components
