#include "lathe/registry/model_reports.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "lathe/core/clock.h"
#include "lathe/core/fs.h"
#include "lathe/metadata/records.h"
#include "lathe/metadata/standard_artifacts.h"
#include "lathe/registry/model_repository.h"

namespace lathe::registry {

namespace fs = std::filesystem;
using metadata::Artifact;
using metadata::MetadataStore;
namespace standard = metadata::standard;

namespace {

// An evaluation artifact: the id given, or the newest evaluation of the model with that id.
Result<Artifact> FindEvaluation(MetadataStore& store, int64_t id) {
  LATHE_ASSIGN_OR_RETURN(auto a, store.GetArtifact(id));
  if (a.type == standard::kModelEvaluation) return a;
  metadata::ListOptions o;
  o.filter = fmt::format("type = '{}' AND custom_properties.{} = {}", standard::kModelEvaluation,
                         standard::kModelId, id);
  o.descending = true;
  o.page_size = 1;
  LATHE_ASSIGN_OR_RETURN(auto page, store.ListArtifacts(o));
  if (page.items.empty())
    return NotFoundError(
        fmt::format("artifact {} is a {}, and no evaluation of it exists", id, a.type));
  return page.items[0];
}

nlohmann::json Number(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}

}  // namespace

Result<LoadedEvaluation> LoadEvaluation(MetadataStore& store, int64_t id) {
  LoadedEvaluation e;
  LATHE_ASSIGN_OR_RETURN(e.artifact, FindEvaluation(store, id));
  LATHE_ASSIGN_OR_RETURN(e.file, ReadJsonFile(fs::path(e.artifact.uri) / "metrics.json"));
  if (!e.file.is_object() || !e.file.contains("candidate"))
    return DataLossError(fmt::format("{}/metrics.json has no candidate metrics", e.artifact.uri));
  LATHE_ASSIGN_OR_RETURN(e.candidate, eval::ModelMetrics::FromJson(e.file["candidate"]));
  if (e.file.contains("baseline")) {
    LATHE_ASSIGN_OR_RETURN(e.baseline, eval::ModelMetrics::FromJson(e.file["baseline"]));
  }
  auto producer = ProducerOf(store, e.artifact.id);
  if (producer.ok()) {
    auto outputs = OutputsOf(store, *producer);
    if (outputs.ok() && outputs->count("blessing")) {
      auto b = store.GetArtifact(outputs->at("blessing"));
      if (b.ok()) {
        auto bj = ReadJsonFile(fs::path(b->uri) / "blessing.json");
        if (bj.ok()) e.blessing = *bj;
      }
    }
  }
  return e;
}

std::vector<std::string> MainMetrics(const std::string& task) {
  if (task == "binary")
    return {"auc", "auc_pr", "log_loss", "accuracy", "precision", "recall", "f1"};
  if (task == "multiclass") return {"accuracy", "log_loss", "auc", "precision", "recall", "f1"};
  return {"rmse", "mae", "r2", "mape"};
}

Result<nlohmann::json> DescribeEvaluation(MetadataStore& store, int64_t id) {
  LATHE_ASSIGN_OR_RETURN(LoadedEvaluation e, LoadEvaluation(store, id));
  nlohmann::json out = e.file;
  out["evaluation_id"] = e.artifact.id;
  out["model_id"] = metadata::CustomPropertyInt(e.artifact, standard::kModelId);
  if (e.baseline)
    out["baseline_id"] = metadata::CustomPropertyInt(e.artifact, standard::kBaselineModelId);
  if (e.blessing) out["blessing"] = *e.blessing;
  return out;
}

Result<nlohmann::json> CompareEvaluations(MetadataStore& store, int64_t a_id, int64_t b_id) {
  LATHE_ASSIGN_OR_RETURN(LoadedEvaluation a, LoadEvaluation(store, a_id));
  // One id: the evaluation's candidate against its baseline (both measured on the same rows).
  eval::ModelMetrics left, right;
  std::string left_name, right_name;
  if (b_id == 0) {
    if (!a.baseline)
      return InvalidArgumentError(
          fmt::format("evaluation {} has no baseline: give a second evaluation to compare with",
                      a.artifact.id));
    left = *a.baseline;
    right = a.candidate;
    left_name = fmt::format("baseline {}",
                            metadata::CustomPropertyInt(a.artifact, standard::kBaselineModelId));
    right_name =
        fmt::format("model {}", metadata::CustomPropertyInt(a.artifact, standard::kModelId));
  } else {
    LATHE_ASSIGN_OR_RETURN(LoadedEvaluation b, LoadEvaluation(store, b_id));
    left = a.candidate;
    right = b.candidate;
    left_name = fmt::format("eval {}", a.artifact.id);
    right_name = fmt::format("eval {}", b.artifact.id);
  }
  if (left.task != right.task)
    return InvalidArgumentError(
        fmt::format("cannot compare a {} evaluation with a {} one", left.task, right.task));
  std::vector<std::string> slices;
  for (const auto* m : {&left, &right})
    for (const auto& s : m->slices)
      if (std::find(slices.begin(), slices.end(), s.slice) == slices.end())
        slices.push_back(s.slice);
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& slice : slices) {
    const auto* l = left.Find(slice);
    const auto* r = right.Find(slice);
    for (const auto& m : MainMetrics(left.task)) {
      auto value = [&](const eval::SliceMetrics* s) -> double {
        if (!s || s->skipped) return NAN;
        auto it = s->metrics.find(m);
        return it == s->metrics.end() ? NAN : it->second;
      };
      double lv = value(l), rv = value(r);
      nlohmann::json row = {{"slice", slice}, {"metric", m}, {"a", Number(lv)}, {"b", Number(rv)}};
      // Whether the second is better: by the metric's direction (higher AUC, lower log loss).
      const auto higher = eval::HigherIsBetter(m);
      if (std::isfinite(lv) && std::isfinite(rv) && higher)
        row["change"] = rv == lv ? "same" : (rv > lv) == *higher ? "better" : "worse";
      rows.push_back(std::move(row));
    }
  }
  return nlohmann::json{{"a", left_name}, {"b", right_name}, {"rows", std::move(rows)}};
}

nlohmann::json PushedVersionToJson(const PushedVersion& v) {
  nlohmann::json spans = nlohmann::json::array();
  for (const auto& [id, span] : v.spans)
    spans.push_back({{"examples_id", id}, {"span", span ? nlohmann::json(*span) : nullptr}});
  nlohmann::json j = {{"name", v.name},
                      {"version", v.version},
                      {"destination", v.destination},
                      {"pushed_model_id", v.pushed.id},
                      {"model_id", v.model_id},
                      {"run", v.run},
                      {"pushed_at", FormatMillisUtc(v.pushed.create_time_ms)},
                      {"pushed_at_ms", v.pushed.create_time_ms},
                      {"spans", spans}};
  if (v.evaluation) {
    j["evaluation_id"] = v.evaluation->id;
    j["metrics"] = OverallMetrics(*v.evaluation);
  }
  if (v.blessing) j["blessing_id"] = v.blessing->id;
  return j;
}

Result<nlohmann::json> ListModelVersions(MetadataStore& store, const std::string& name) {
  LATHE_ASSIGN_OR_RETURN(auto versions, ListPushedVersions(store, name));
  nlohmann::json list = nlohmann::json::array();
  for (const auto& v : versions) list.push_back(PushedVersionToJson(v));
  return list;
}

Result<PushedVersion> FindPushedVersion(MetadataStore& store, const std::string& reference) {
  LATHE_ASSIGN_OR_RETURN(ModelReference ref, ParseModelReference(reference));
  LATHE_ASSIGN_OR_RETURN(auto versions, ListPushedVersions(store, ref.name));
  const PushedVersion* v = nullptr;
  for (const auto& x : versions)
    if (!ref.version || x.version == *ref.version) v = &x;
  if (v == nullptr)
    return NotFoundError(fmt::format("no pushed model {} (see `lathe models list`)", reference));
  return *v;
}

Result<nlohmann::json> DescribeModelVersion(MetadataStore& store, const std::string& reference) {
  LATHE_ASSIGN_OR_RETURN(PushedVersion v, FindPushedVersion(store, reference));
  return DescribeModelVersion(store, v);
}

nlohmann::json DescribeModelVersion(MetadataStore& store, const PushedVersion& v) {
  nlohmann::json j = PushedVersionToJson(v);
  auto manifest = ReadJsonFile(fs::path(v.destination) / "manifest.json");
  if (manifest.ok())
    j["manifest"] = *manifest;
  else
    j["manifest_error"] = manifest.status().message();
  // What deployments measured of this version (serve/deployment.h writes it on the model).
  j["business_metrics"] = nlohmann::json::object();
  if (auto model = store.GetArtifact(v.model_id); model.ok()) {
    if (auto it = model->custom_properties.find("business_metrics");
        it != model->custom_properties.end() &&
        it->second.type() == metadata::PropertyType::kStruct)
      j["business_metrics"] = it->second.as_struct();
    if (int64_t base = metadata::CustomPropertyInt(*model, standard::kWarmStartFrom); base > 0)
      j["warm_start_from"] = base;
  }
  if (v.blessing) {
    j["blessing_reasons"] = metadata::CustomPropertyText(*v.blessing, standard::kReasons);
    j["baseline_model_id"] = metadata::CustomPropertyInt(*v.blessing, standard::kBaselineModelId);
  }
  return j;
}

}  // namespace lathe::registry
