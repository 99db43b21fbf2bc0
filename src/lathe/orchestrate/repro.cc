#include "lathe/orchestrate/repro.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "lathe/components/data_components.h"
#include "lathe/core/hash.h"
#include "lathe/pipeline/graph.h"
#include "lathe/pipeline/run_record.h"

namespace lathe::orchestrate {

using metadata::EventType;
using metadata::ListOptions;

bool ReproReport::reproducible() const {
  if (run.state != pipeline::kRunComplete) return false;
  for (const auto& o : outputs)
    if (!o.match()) return false;
  return true;
}

namespace {

struct RecordedOutputs {
  // (node, output) -> fingerprint
  std::map<std::pair<std::string, std::string>, std::string> fingerprints;
  // node -> output -> artifact ids, in event order (what resolvers selected)
  std::map<std::string, std::map<std::string, std::vector<int64_t>>> selected;
  // node -> the files it read from outside the store, in event order
  std::map<std::string, std::vector<pipeline::PinnedFile>> external;
};

// The outputs of every node in a run.
Result<RecordedOutputs> RunOutputs(metadata::MetadataStore& store, int64_t run_context_id) {
  ListOptions o;
  o.filter = fmt::format("context.id = {}", run_context_id);
  o.page_size = ListOptions::kMaxPageSize;
  LATHE_ASSIGN_OR_RETURN(auto execs, store.ListExecutions(o));
  std::map<int64_t, std::string> node_of;
  std::vector<int64_t> ids;
  for (const auto& e : execs.items) {
    node_of[e.id] = e.name;
    ids.push_back(e.id);
  }
  LATHE_ASSIGN_OR_RETURN(auto events, store.GetEventsByExecutionIds(ids));
  auto is_external = [](const metadata::Event& e) {
    return e.type == EventType::kInput && !e.path.empty() &&
           std::holds_alternative<std::string>(e.path[0]) &&
           std::get<std::string>(e.path[0]) == "external";
  };
  std::vector<int64_t> artifact_ids;
  for (const auto& e : events)
    if (e.type == EventType::kOutput || is_external(e)) artifact_ids.push_back(e.artifact_id);
  LATHE_ASSIGN_OR_RETURN(auto artifacts, store.GetArtifacts(artifact_ids));
  std::map<int64_t, std::string> fingerprint;
  std::map<int64_t, const metadata::Artifact*> by_id;
  for (const auto& a : artifacts) by_id[a.id] = &a;
  for (const auto& a : artifacts)
    if (a.state == metadata::ArtifactState::kLive ||
        a.state == metadata::ArtifactState::kMarkedForDeletion)
      fingerprint[a.id] = a.fingerprint;
  RecordedOutputs out;
  std::vector<const metadata::Event*> external;
  for (const auto& e : events)
    if (is_external(e) && by_id.count(e.artifact_id)) external.push_back(&e);
  std::sort(external.begin(), external.end(), [](const auto* a, const auto* b) {
    return a->execution_id != b->execution_id ? a->execution_id < b->execution_id
                                              : a->path < b->path;
  });
  for (const auto* e : external) {
    const auto* a = by_id[e->artifact_id];
    out.external[node_of[e->execution_id]].push_back({a->uri, a->fingerprint});
  }
  for (const auto& e : events) {
    if (e.type != EventType::kOutput || e.path.empty() ||
        !std::holds_alternative<std::string>(e.path[0]))
      continue;
    const std::string& output = std::get<std::string>(e.path[0]);
    out.selected[node_of[e.execution_id]][output].push_back(e.artifact_id);
    auto fp = fingerprint.find(e.artifact_id);
    if (fp != fingerprint.end()) out.fingerprints[{node_of[e.execution_id], output}] = fp->second;
  }
  return out;
}

}  // namespace

Result<ReproReport> ReproduceRun(metadata::MetadataStore& store, const std::string& run_id,
                                 RunOptions options, const std::atomic<bool>* cancelled) {
  LATHE_ASSIGN_OR_RETURN(auto run,
                         store.GetContextByTypeAndName(pipeline::kRunContextType, run_id));
  if (!run) return NotFoundError(fmt::format("no run '{}' (see `lathe runs list`)", run_id));
  auto spec_prop = run->properties.find("spec");
  if (spec_prop == run->properties.end() ||
      spec_prop->second.type() != metadata::PropertyType::kStruct)
    return FailedPreconditionError(fmt::format("run '{}' has no recorded spec", run_id));
  const nlohmann::json& recorded = spec_prop->second.as_struct();
  LATHE_ASSIGN_OR_RETURN(pipeline::PipelineSpec spec, pipeline::SpecFromGraphJson(recorded));
  LATHE_ASSIGN_OR_RETURN(pipeline::PipelineGraph graph,
                         pipeline::BuildGraph(spec, {}, components::AllComponents()));
  graph.parameters = recorded.value("parameters", nlohmann::json::object());

  ReproReport report;
  report.original_run = run_id;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const auto& was = recorded["nodes"][i];
    if (was.value("definition_hash", "") != graph.nodes[i].definition_hash)
      report.changed_code.push_back(graph.nodes[i].spec.name);
  }
  LATHE_ASSIGN_OR_RETURN(auto original, RunOutputs(store, run->id));
  options.no_cache = true;
  options.from = options.to = options.only = "";
  options.repro_of = run_id;
  // Resolvers select what they selected then (the newest model then, not the newest now).
  for (const auto& n : graph.nodes)
    if (!n.component->produces_files())
      options.pinned[n.spec.name] = original.selected[n.spec.name];
  if (auto p = run->properties.find("spec_path"); p != run->properties.end())
    options.spec_path = p->second.as_string();
  // The files the run read from outside the store are read again, exactly: any that changed or
  // is gone is named, and nothing runs (it could only read other data).
  options.pinned_external = original.external;
  for (const auto& [node, files] : original.external)
    for (const auto& f : files) {
      std::error_code ec;
      auto real = std::filesystem::canonical(f.path, ec);
      if (ec) {
        report.changed_inputs.push_back({node, f.path, f.fingerprint, "", "the file is gone"});
        continue;
      }
      auto now = FingerprintPath(real);
      if (!now.ok() || *now != f.fingerprint)
        report.changed_inputs.push_back(
            {node, f.path, f.fingerprint, now.ok() ? *now : "",
             now.ok() ? "the content changed" : now.status().message()});
    }
  if (!report.changed_inputs.empty()) {
    report.run.state = "NOT RUN";
    return report;
  }
  LATHE_ASSIGN_OR_RETURN(report.run, RunPipeline(store, graph, options, cancelled));
  LATHE_ASSIGN_OR_RETURN(auto now, RunOutputs(store, report.run.run_context_id));
  for (const auto& n : graph.nodes) {
    for (const auto& [output, type] : n.spec.outputs) {
      OutputComparison c{n.spec.name, output, "", ""};
      if (auto it = original.fingerprints.find({n.spec.name, output});
          it != original.fingerprints.end())
        c.original = it->second;
      if (auto it = now.fingerprints.find({n.spec.name, output}); it != now.fingerprints.end())
        c.reproduced = it->second;
      if (!n.component->produces_files())
        c.nothing_selected = original.selected[n.spec.name][output].empty() &&
                             now.selected[n.spec.name][output].empty();
      report.outputs.push_back(std::move(c));
    }
  }
  return report;
}

nlohmann::json ReproReportToJson(const ReproReport& r) {
  nlohmann::json outputs = nlohmann::json::array();
  for (const auto& c : r.outputs)
    outputs.push_back({{"node", c.node},
                       {"output", c.output},
                       {"original", c.original},
                       {"reproduced", c.reproduced},
                       {"match", c.match()}});
  nlohmann::json changed = nlohmann::json::array();
  for (const auto& c : r.changed_inputs)
    changed.push_back({{"node", c.node},
                       {"path", c.path},
                       {"fingerprint_then", c.fingerprint_then},
                       {"fingerprint_now", c.fingerprint_now},
                       {"what", c.what}});
  return {{"original_run", r.original_run},
          {"changed_inputs", changed},
          {"run", r.run.run_id},
          {"run_state", r.run.state},
          {"reproducible", r.reproducible()},
          {"changed_code", r.changed_code},
          {"outputs", outputs}};
}

}  // namespace lathe::orchestrate
