#include "lathe/train/bundle.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "lathe/core/fs.h"
#include "lathe/train/algorithm.h"

namespace lathe::train {

namespace fs = std::filesystem;

nlohmann::json MakeManifest(const transform::TransformGraph& graph, const std::string& kind,
                            const std::string& model_file, const nlohmann::json& training) {
  nlohmann::json inputs = nlohmann::json::array();
  for (const auto& f : graph.inputs().fields)
    inputs.push_back({{"name", f.name}, {"type", data::ColumnTypeName(f.type)}});
  nlohmann::json outputs = nlohmann::json::array();
  switch (graph.task()) {
    case Task::kBinary:
      outputs.push_back({{"name", "probability"}, {"type", "double"}});
      outputs.push_back({{"name", "class"}, {"type", "int64"}});
      break;
    case Task::kMulticlass:
      outputs.push_back(
          {{"name", "probabilities"}, {"type", "double"}, {"shape", {graph.classes().size()}}});
      outputs.push_back({{"name", "class"}, {"type", "string"}});
      break;
    case Task::kRegression:
      outputs.push_back({{"name", "prediction"}, {"type", "double"}});
      break;
  }
  nlohmann::json m = {{"format", kBundleFormat},
                      {"task", TaskName(graph.task())},
                      {"label", graph.label().column},
                      {"model", {{"kind", kind}, {"file", model_file}}},
                      {"transform", "transform.json"},
                      {"features", graph.FeatureNames()},
                      {"signature", {{"inputs", inputs}, {"outputs", outputs}}},
                      {"training", training}};
  if (!graph.classes().empty()) m["classes"] = graph.classes();
  return m;
}

Result<std::unique_ptr<LoadedModel>> LoadedModel::Load(const std::string& dir) {
  auto m = std::make_unique<LoadedModel>();
  const fs::path root(dir);
  LATHE_ASSIGN_OR_RETURN(m->manifest_, ReadJsonFile(root / "manifest.json"));
  const auto& man = m->manifest_;
  auto bad = [&](const std::string& what) {
    return InvalidArgumentError(fmt::format("{}: {}", (root / "manifest.json").string(), what));
  };
  if (!man.is_object() || !man.contains("format") || !man["format"].is_number_integer())
    return bad("no format number");
  if (man["format"].get<int>() != kBundleFormat)
    return bad(fmt::format("bundle format {} is not supported (this Lathe reads format {})",
                           man["format"].dump(), kBundleFormat));
  for (const char* key : {"task", "transform"})
    if (!man.contains(key) || !man[key].is_string())
      return bad(fmt::format("'{}' is missing", key));
  if (!man.contains("model") || !man["model"].is_object() || !man["model"].contains("kind") ||
      !man["model"].contains("file") || !man["model"]["kind"].is_string() ||
      !man["model"]["file"].is_string())
    return bad(fmt::format("'model' must be {{kind: {}, file: NAME}}",
                           fmt::join(AlgorithmRegistry::Builtin().Names(), "|")));
  LATHE_ASSIGN_OR_RETURN(
      auto graph, transform::TransformGraph::Load(root / man["transform"].get<std::string>()));
  m->graph_ = std::move(graph);
  LATHE_ASSIGN_OR_RETURN(Task task, ParseTask(man["task"].get<std::string>()));
  if (task != m->graph_.task())
    return bad(fmt::format("task {} differs from the transform's ({})", TaskName(task),
                           TaskName(m->graph_.task())));
  const auto features = m->graph_.FeatureNames();
  if (man.contains("classes") && man["classes"] != nlohmann::json(m->graph_.classes()))
    return bad("its classes differ from the transform's");
  if (man.contains("features") && man["features"] != nlohmann::json(features))
    return bad("its features differ from the transform's");
  const std::string kind = man["model"]["kind"].get<std::string>();
  const fs::path model_path = root / man["model"]["file"].get<std::string>();
  if (!PathExists(model_path))
    return NotFoundError(fmt::format("{}: missing", model_path.string()));
  const Algorithm* algorithm = AlgorithmRegistry::Builtin().Find(kind);
  if (algorithm == nullptr)
    return bad(fmt::format("unknown model kind '{}' (kinds: {})", kind,
                           AlgorithmRegistry::Builtin().NameList()));
  LATHE_ASSIGN_OR_RETURN(
      m->model_,
      algorithm->Load(model_path, task, static_cast<int>(m->graph_.classes().size()), features));
  if (man.contains("statistics")) {
    const auto& name = man["statistics"];
    if (!name.is_string() || name.get<std::string>().empty() ||
        name.get<std::string>().find('/') != std::string::npos ||
        name.get<std::string>().front() == '.')
      return bad("'statistics' must name a file in the bundle");
    const fs::path file = root / name.get<std::string>();
    LATHE_ASSIGN_OR_RETURN(auto json, ReadJsonFile(file));
    auto statistics = stats::DatasetStats::FromJson(json);
    if (!statistics.ok())
      return InvalidArgumentError(
          fmt::format("{}: {}", file.string(), statistics.status().message()));
    m->training_statistics_ = std::make_shared<const stats::DatasetStats>(std::move(*statistics));
  }
  return m;
}

Result<Predictions> LoadedModel::Predict(const data::Batch& raw) const {
  FeatureMatrix x;
  LATHE_RETURN_IF_ERROR(graph_.Apply(raw, x));
  return model_->Predict(x);
}

Result<Predictions> LoadedModel::PredictInstances(const nlohmann::json& instances) const {
  LATHE_ASSIGN_OR_RETURN(auto batch, graph_.BatchFromInstances(instances));
  return Predict(batch);
}

}  // namespace lathe::train
