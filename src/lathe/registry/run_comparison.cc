#include "lathe/registry/run_comparison.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "lathe/metadata/filter.h"
#include "lathe/metadata/records.h"
#include "lathe/metadata/standard_artifacts.h"
#include "lathe/registry/model_versions.h"

namespace lathe::registry {

namespace {

using metadata::Artifact;
using metadata::ListOptions;
using metadata::MetadataStore;
namespace standard = metadata::standard;

constexpr size_t kBatch = ListOptions::kMaxPageSize;

// Every artifact of a type, oldest first.
Result<std::vector<Artifact>> AllOfType(MetadataStore& store, const char* type) {
  ListOptions o;
  o.filter = fmt::format("type = '{}'", type);
  o.page_size = ListOptions::kMaxPageSize;
  std::vector<Artifact> out;
  while (true) {
    LATHE_ASSIGN_OR_RETURN(auto page, store.ListArtifacts(o));
    for (auto& a : page.items) out.push_back(std::move(a));
    if (page.next_page_token.empty()) return out;
    o.page_token = page.next_page_token;
  }
}

// Run name -> the artifacts among `artifacts` an execution of that run output (made or reused
// from the cache), the newest last.
Result<std::map<std::string, std::vector<const Artifact*>>> ByRun(
    MetadataStore& store, const std::vector<Artifact>& artifacts) {
  std::map<int64_t, const Artifact*> by_id;
  for (const auto& a : artifacts) by_id[a.id] = &a;
  std::vector<metadata::Event> events;
  for (size_t i = 0; i < artifacts.size(); i += kBatch) {
    std::vector<int64_t> ids;
    for (size_t k = i; k < std::min(artifacts.size(), i + kBatch); ++k)
      ids.push_back(artifacts[k].id);
    LATHE_ASSIGN_OR_RETURN(auto batch, store.GetEventsByArtifactIds(ids));
    for (auto& e : batch)
      if (metadata::IsOutputEvent(e.type)) events.push_back(std::move(e));
  }
  std::vector<int64_t> execution_ids;
  for (const auto& e : events) execution_ids.push_back(e.execution_id);
  std::sort(execution_ids.begin(), execution_ids.end());
  execution_ids.erase(std::unique(execution_ids.begin(), execution_ids.end()), execution_ids.end());
  std::map<int64_t, std::string> run_of;
  for (size_t i = 0; i < execution_ids.size(); i += kBatch) {
    std::vector<int64_t> ids(
        execution_ids.begin() + static_cast<ptrdiff_t>(i),
        execution_ids.begin() + static_cast<ptrdiff_t>(std::min(execution_ids.size(), i + kBatch)));
    LATHE_ASSIGN_OR_RETURN(auto executions, store.GetExecutions(ids));
    for (const auto& e : executions) run_of[e.id] = metadata::PropertyText(e, standard::kRun);
  }
  std::map<std::string, std::vector<const Artifact*>> out;
  for (const auto& e : events) {
    auto run = run_of.find(e.execution_id);
    if (run == run_of.end() || run->second.empty()) continue;
    out[run->second].push_back(by_id.at(e.artifact_id));
  }
  for (auto& [run, list] : out)
    std::sort(list.begin(), list.end(),
              [](const Artifact* a, const Artifact* b) { return a->id < b->id; });
  return out;
}

}  // namespace

Result<nlohmann::json> CompareRuns(MetadataStore& store, const RunComparisonOptions& options) {
  if (options.limit < 1 || options.limit > 100000)
    return InvalidArgumentError(fmt::format("limit must be in 1..100000, not {}", options.limit));
  ListOptions o;
  o.filter = fmt::format("type = '{}'", standard::kPipelineRunContext);
  if (!options.pipeline.empty())
    o.filter += " AND properties.pipeline = " + metadata::QuoteFilterString(options.pipeline);
  o.descending = true;
  o.page_size = std::min(options.limit, ListOptions::kMaxPageSize);
  std::vector<metadata::Context> runs;
  while (static_cast<int>(runs.size()) < options.limit) {
    LATHE_ASSIGN_OR_RETURN(auto page, store.ListContexts(o));
    for (auto& c : page.items)
      if (static_cast<int>(runs.size()) < options.limit) runs.push_back(std::move(c));
    if (page.next_page_token.empty()) break;
    o.page_token = page.next_page_token;
  }
  LATHE_ASSIGN_OR_RETURN(auto evaluations, AllOfType(store, standard::kModelEvaluation));
  LATHE_ASSIGN_OR_RETURN(auto blessings, AllOfType(store, standard::kModelBlessing));
  LATHE_ASSIGN_OR_RETURN(auto evaluations_by_run, ByRun(store, evaluations));
  LATHE_ASSIGN_OR_RETURN(auto blessings_by_run, ByRun(store, blessings));

  std::set<std::string> parameter_names, metric_names;
  nlohmann::json items = nlohmann::json::array();
  for (const auto& run : runs) {
    auto params = run.properties.find("parameters");
    nlohmann::json parameters =
        params == run.properties.end() ? nlohmann::json::object() : params->second.ToJson();
    if (parameters.is_object())
      for (const auto& [k, v] : parameters.items()) parameter_names.insert(k);
    const int64_t start = metadata::PropertyInt(run, "start_time_ms");
    const int64_t end = metadata::PropertyInt(run, "end_time_ms");
    nlohmann::json j = {{"run", run.name},
                        {"pipeline", metadata::PropertyText(run, "pipeline")},
                        {"state", metadata::PropertyText(run, "state")},
                        {"start_time_ms", start},
                        {"end_time_ms", end},
                        {"duration_ms", end > 0 ? nlohmann::json(end - start) : nlohmann::json()},
                        {"repro_of", metadata::PropertyText(run, "repro_of")},
                        {"parameters", std::move(parameters)},
                        {"metrics", nlohmann::json::object()},
                        {"evaluation_id", 0},
                        {"model_id", 0},
                        {"blessed", nullptr}};
    if (auto e = evaluations_by_run.find(run.name); e != evaluations_by_run.end()) {
      const Artifact& evaluation = *e->second.back();
      for (const auto& [k, v] : OverallMetrics(evaluation)) {
        j["metrics"][k] = v;
        metric_names.insert(k);
      }
      j["evaluation_id"] = evaluation.id;
      j["model_id"] = metadata::CustomPropertyInt(evaluation, standard::kModelId);
    }
    if (auto b = blessings_by_run.find(run.name); b != blessings_by_run.end()) {
      const Artifact& blessing = *b->second.back();
      if (auto it = blessing.custom_properties.find(standard::kBlessed);
          it != blessing.custom_properties.end() &&
          it->second.type() == metadata::PropertyType::kInt)
        j["blessed"] = it->second.as_int() != 0;
    }
    items.push_back(std::move(j));
  }
  return nlohmann::json{
      {"runs", std::move(items)}, {"parameters", parameter_names}, {"metrics", metric_names}};
}

}  // namespace lathe::registry
