#include "lathe/orchestrate/run_join.h"

#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "lathe/core/clock.h"
#include "lathe/core/fs.h"
#include "lathe/core/version.h"
#include "lathe/metadata/standard_artifacts.h"
#include "lathe/pipeline/launcher.h"
#include "lathe/pipeline/run_record.h"

namespace lathe::orchestrate {

namespace fs = std::filesystem;
using metadata::Context;
using metadata::ExecutionState;
using metadata::MetadataStore;
using metadata::Value;

namespace {

std::string TextProperty(const Context& c, const char* name) {
  auto it = c.properties.find(name);
  return it != c.properties.end() && it->second.type() == metadata::PropertyType::kString
             ? it->second.as_string()
             : std::string();
}

Result<JoinedRun> Joined(const Context& run, const pipeline::PipelineGraph& g, bool created) {
  if (TextProperty(run, "pipeline") != g.name)
    return InvalidArgumentError(fmt::format("run {} is a run of pipeline '{}', not of '{}'",
                                            run.name, TextProperty(run, "pipeline"), g.name));
  if (TextProperty(run, "state") != pipeline::kRunRunning)
    return FailedPreconditionError(fmt::format("run {} has ended ({}); start another run", run.name,
                                               TextProperty(run, "state")));
  return JoinedRun{run.id, created};
}

std::string ErrorOf(const metadata::Execution& e) {
  for (const auto* props : {&e.properties, &e.custom_properties}) {
    auto it = props->find("error");
    if (it != props->end() && it->second.type() == metadata::PropertyType::kString)
      return it->second.as_string();
  }
  return std::string(metadata::ExecutionStateName(e.state));
}

}  // namespace

Result<JoinedRun> JoinRun(MetadataStore& store, const pipeline::PipelineGraph& g,
                          int64_t pipeline_context_id, const std::string& run_id,
                          const std::string& runner, const std::string& spec_path) {
  LATHE_ASSIGN_OR_RETURN(auto found,
                         store.GetContextByTypeAndName(pipeline::kRunContextType, run_id));
  if (found) return Joined(*found, g, false);
  Context run;
  run.type = pipeline::kRunContextType;
  run.name = run_id;
  run.properties = {{"pipeline", g.name},
                    {"state", std::string(pipeline::kRunRunning)},
                    {"spec", Value::Struct(g.ToJson())},
                    {"parameters", Value::Struct(g.parameters)},
                    {"start_time_ms", NowMillis()},
                    {"lathe_version", std::string(kVersion)},
                    {"runner", runner}};
  std::error_code ec;
  if (!spec_path.empty()) run.properties["spec_path"] = fs::absolute(spec_path, ec).string();
  auto ids = store.PutContexts({run});
  if (!ids.ok()) {
    if (ids.status().code() != StatusCode::kAlreadyExists) return ids.status();
    // Another task created it first.
    LATHE_ASSIGN_OR_RETURN(found, store.GetContextByTypeAndName(pipeline::kRunContextType, run_id));
    if (!found) return ids.status();
    return Joined(*found, g, false);
  }
  LATHE_RETURN_IF_ERROR(store.PutParentContext(ids->at(0), pipeline_context_id));
  return JoinedRun{ids->at(0), true};
}

Result<FinishedRun> FinishRun(MetadataStore& store, const std::string& run_id,
                              const FinishOptions& options) {
  const bool cancelled = options.cancelled;
  LATHE_ASSIGN_OR_RETURN(auto found,
                         store.GetContextByTypeAndName(pipeline::kRunContextType, run_id));
  if (!found) return NotFoundError(fmt::format("no run {}", run_id));
  Context run = std::move(*found);
  FinishedRun out;
  if (TextProperty(run, "state") != pipeline::kRunRunning) {
    out.state = TextProperty(run, "state");
    out.error = TextProperty(run, "error");
    return out;
  }
  std::vector<std::string> expected = options.expected_nodes;
  if (expected.empty()) {
    auto spec = run.properties.find("spec");
    if (spec != run.properties.end() && spec->second.type() == metadata::PropertyType::kStruct)
      for (const auto& n : spec->second.as_struct().value("nodes", nlohmann::json::array()))
        expected.push_back(n.value("name", ""));
  }
  std::set<std::string> ran;
  bool all_ok = true;
  metadata::ListOptions o;
  o.page_size = metadata::ListOptions::kMaxPageSize;
  while (true) {
    LATHE_ASSIGN_OR_RETURN(auto page, store.GetExecutionsByContext(run.id, o));
    for (auto& e : page.items) {
      ++out.executions;
      ran.insert(e.name);
      if (e.state == ExecutionState::kRunning || e.state == ExecutionState::kNew) {
        LATHE_RETURN_IF_ERROR(
            pipeline::AbandonExecution(store, options.artifact_root, e, options.unfinished_error));
        e.state = ExecutionState::kFailed;
        e.properties["error"] = options.unfinished_error;
      }
      if (e.state == ExecutionState::kComplete || e.state == ExecutionState::kCached) continue;
      all_ok = false;
      if (out.error.empty()) out.error = fmt::format("{}: {}", e.name, ErrorOf(e));
    }
    if (page.next_page_token.empty()) break;
    o.page_token = page.next_page_token;
  }
  for (const auto& node : expected) {
    if (ran.count(node)) continue;
    all_ok = false;
    if (out.error.empty()) out.error = fmt::format("{}: it never ran", node);
  }
  out.state = all_ok && !cancelled ? pipeline::kRunComplete
              : cancelled          ? pipeline::kRunCanceled
                                   : pipeline::kRunFailed;
  if (!options.artifact_root.empty())
    RemovePath(options.artifact_root / ".staging" / run_id).IgnoreError();
  run.properties["state"] = out.state;
  run.properties["end_time_ms"] = NowMillis();
  if (!out.error.empty()) run.properties["error"] = out.error;
  LATHE_RETURN_IF_ERROR(store.PutContexts({run}).status());
  return out;
}

}  // namespace lathe::orchestrate
