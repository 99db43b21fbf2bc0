#include "lathe/server/ui_reports.h"

#include <fmt/format.h>

#include <filesystem>
#include <optional>

#include "lathe/components/component_util.h"
#include "lathe/core/fs.h"
#include "lathe/core/json_depth.h"
#include "lathe/data/jsonl.h"
#include "lathe/metadata/standard_artifacts.h"
#include "lathe/stats/drift.h"
#include "lathe/train/bundle.h"

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

// Statistics as people read them: without the mergeable state.
nlohmann::json Summary(const stats::DatasetStats& s) {
  nlohmann::json j = s.ToJson();
  stats::DatasetStats::DropState(j);
  return j;
}

}  // namespace

Result<nlohmann::json> StatisticsReport(metadata::MetadataStore& store, int64_t id) {
  LATHE_ASSIGN_OR_RETURN(Artifact a, StatisticsArtifact(store, id));
  nlohmann::json splits = nlohmann::json::object();
  for (const auto& [split, file] : components::SplitFiles(a.uri, ".json")) {
    LATHE_ASSIGN_OR_RETURN(auto s, components::ReadStats(file));
    splits[split] = Summary(s);
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
  nlohmann::json j = {{"baseline", a_file.string()},
                      {"current", b_file.string()},
                      {"baseline_id", a.id},
                      {"current_id", b.id},
                      {"baseline_split", baseline_split},
                      {"current_split", current_split},
                      {"baseline_rows", as.rows()},
                      {"current_rows", bs.rows()},
                      {"min_rows", o.min_rows}};
  j.update(stats::DriftReportToJson(stats::CompareStats(as, bs, o)));
  return j;
}

Result<nlohmann::json> ServedStatisticsReport(const registry::ModelRepository& repository,
                                              const std::string& reference,
                                              const std::string& request_log) {
  LATHE_ASSIGN_OR_RETURN(registry::ModelVersion v, repository.Resolve(reference));
  const fs::path training_file = v.dir / train::kBundleStatisticsFile;
  if (!fs::exists(training_file))
    return NotFoundError(fmt::format("{} version {} has no training statistics ({})", v.name,
                                     v.version, training_file.string()));
  LATHE_ASSIGN_OR_RETURN(auto training_json, ReadJsonFile(training_file));
  LATHE_ASSIGN_OR_RETURN(auto training, stats::DatasetStats::FromJson(training_json));
  // The version's lines, without their "lathe" details: what is left are the raw inputs.
  LATHE_ASSIGN_OR_RETURN(std::string log, ReadTextFile(request_log, "request log", 1ull << 30));
  std::string rows;
  int64_t lines = 0, kept = 0;
  size_t start = 0;
  while (start < log.size()) {
    size_t end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    std::string_view line(log.data() + start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    ++lines;
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object())
      return DataLossError(fmt::format("{}:{}: not a JSON object", request_log, lines));
    const auto details = j.find("lathe");
    if (details == j.end() || !details->is_object() || details->value("model", "") != v.name ||
        details->value("version", int64_t{0}) != v.version)
      continue;
    j.erase("lathe");
    rows += JsonText(j);
    rows += '\n';
    ++kept;
  }
  if (kept == 0)
    return NotFoundError(fmt::format("{} has no rows served by {} version {} ({} lines)",
                                     request_log, v.name, v.version, lines));
  // Batches come in file order; a read that widens a column starts over (on_restart).
  std::optional<stats::DatasetStats> part_sum;
  data::JsonLinesOptions read;
  read.on_restart = [&] { part_sum.reset(); };
  LATHE_RETURN_IF_ERROR(data::ReadJsonLinesText(rows, request_log, read, [&](data::Batch&& b) {
                          stats::DatasetStats part(b.schema);
                          part.Add(b);
                          if (!part_sum) {
                            part_sum = std::move(part);
                            return Status::Ok();
                          }
                          return part_sum->Merge(std::move(part));
                        }).status());
  const stats::DatasetStats served = part_sum ? std::move(*part_sum) : stats::DatasetStats();
  const stats::DriftOptions o;
  nlohmann::json j = {{"model", v.name},
                      {"version", v.version},
                      {"request_log", request_log},
                      {"log_lines", lines},
                      {"served_rows", kept},
                      {"baseline_rows", training.rows()},
                      {"current_rows", served.rows()},
                      {"min_rows", o.min_rows}};
  j.update(stats::DriftReportToJson(stats::CompareStats(training, served, o)));
  j["training"] = Summary(training);
  j["served"] = Summary(served);
  return j;
}

}  // namespace lathe::server
