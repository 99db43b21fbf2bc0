#include "lathe/server/ui_reports.h"

#include <fmt/format.h>

#include <filesystem>

#include "lathe/components/component_util.h"
#include "lathe/core/fs.h"
#include "lathe/metadata/standard_artifacts.h"
#include "lathe/stats/drift.h"

namespace lathe::server {

namespace fs = std::filesystem;
namespace standard = metadata::standard;
using metadata::Artifact;

namespace {

Result<Artifact> StatisticsArtifact(metadata::MetadataStore& store, int64_t id) {
  LATHE_ASSIGN_OR_RETURN(Artifact a, store.GetArtifact(id));
  if (a.type != standard::kStatistics)
    return InvalidArgumentError(
        fmt::format("artifact {} is a {}, not {}", id, a.type, standard::kStatistics));
  return a;
}

// The split's statistics file of a statistics artifact; NOT_FOUND naming the splits it has.
Result<fs::path> SplitFile(const Artifact& a, const std::string& split) {
  auto files = components::SplitFiles(a.uri, ".json");
  if (auto it = files.find(split); it != files.end()) return it->second;
  std::string names;
  for (const auto& [name, file] : files) names += (names.empty() ? "" : ", ") + name;
  return NotFoundError(fmt::format("statistics {} have no split '{}' (they have: {})", a.id,
                                   split.substr(0, 40), names.empty() ? "none" : names));
}

// The newest ExampleAnomalies an execution made from statistics `id`, or null.
Result<nlohmann::json> AnomaliesOf(metadata::MetadataStore& store, int64_t id) {
  LATHE_ASSIGN_OR_RETURN(auto events, store.GetEventsByArtifactIds({id}));
  std::vector<int64_t> consumers;
  for (const auto& e : events)
    if (metadata::IsInputEvent(e.type)) consumers.push_back(e.execution_id);
  if (consumers.empty()) return nlohmann::json();
  LATHE_ASSIGN_OR_RETURN(auto outputs, store.GetEventsByExecutionIds(consumers));
  std::vector<int64_t> made;
  for (const auto& e : outputs)
    if (metadata::IsOutputEvent(e.type)) made.push_back(e.artifact_id);
  LATHE_ASSIGN_OR_RETURN(auto artifacts, store.GetArtifacts(made));
  const Artifact* newest = nullptr;
  for (const auto& a : artifacts)
    if (a.type == standard::kAnomalies && (!newest || a.id > newest->id)) newest = &a;
  if (!newest) return nlohmann::json();
  LATHE_ASSIGN_OR_RETURN(auto report, ReadJsonFile(fs::path(newest->uri) / "anomalies.json"));
  if (!report.is_object())
    return DataLossError(fmt::format("{}/anomalies.json is not a JSON object", newest->uri));
  report["artifact_id"] = newest->id;
  return report;
}

}  // namespace

Result<nlohmann::json> StatisticsReport(metadata::MetadataStore& store, int64_t id) {
  LATHE_ASSIGN_OR_RETURN(Artifact a, StatisticsArtifact(store, id));
  nlohmann::json splits = nlohmann::json::object();
  for (const auto& [split, file] : components::SplitFiles(a.uri, ".json")) {
    LATHE_ASSIGN_OR_RETURN(auto s, components::ReadStats(file));
    nlohmann::json j = s.ToJson();
    stats::DatasetStats::DropState(j);
    splits[split] = std::move(j);
  }
  auto span = a.custom_properties.find(standard::kSpan);
  LATHE_ASSIGN_OR_RETURN(auto anomalies, AnomaliesOf(store, id));
  return nlohmann::json{
      {"artifact_id", a.id},
      {"uri", a.uri},
      {"span", span == a.custom_properties.end() ? nlohmann::json() : span->second.ToJson()},
      {"splits", std::move(splits)},
      {"anomalies", std::move(anomalies)}};
}

Result<nlohmann::json> StatisticsComparison(metadata::MetadataStore& store, int64_t baseline_id,
                                            const std::string& baseline_split, int64_t current_id,
                                            const std::string& current_split) {
  LATHE_ASSIGN_OR_RETURN(Artifact a, StatisticsArtifact(store, baseline_id));
  LATHE_ASSIGN_OR_RETURN(Artifact b, StatisticsArtifact(store, current_id));
  LATHE_ASSIGN_OR_RETURN(fs::path a_file, SplitFile(a, baseline_split));
  LATHE_ASSIGN_OR_RETURN(fs::path b_file, SplitFile(b, current_split));
  LATHE_ASSIGN_OR_RETURN(auto as, components::ReadStats(a_file));
  LATHE_ASSIGN_OR_RETURN(auto bs, components::ReadStats(b_file));
  const stats::DriftOptions o;
  nlohmann::json j = {{"baseline", a_file.string()},   {"current", b_file.string()},
                      {"baseline_id", a.id},           {"current_id", b.id},
                      {"baseline_split", baseline_split}, {"current_split", current_split},
                      {"baseline_rows", as.rows()},    {"current_rows", bs.rows()},
                      {"min_rows", o.min_rows}};
  j.update(stats::DriftReportToJson(stats::CompareStats(as, bs, o)));
  return j;
}

}  // namespace lathe::server
