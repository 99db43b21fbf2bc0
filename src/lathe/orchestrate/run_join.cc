#include "lathe/orchestrate/run_join.h"

#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "lathe/core/clock.h"
#include "lathe/core/fs.h"
#include "lathe/metadata/standard_artifacts.h"
#include "lathe/orchestrate/detail/run_start.h"
#include "lathe/pipeline/launcher.h"
#include "lathe/pipeline/run_record.h"

namespace lathe::orchestrate {

namespace fs = std::filesystem;
using metadata::Context;
using metadata::ExecutionState;
using metadata::MetadataStore;

namespace {

Result<JoinedRun> Joined(const Context& run, const pipeline::PipelineGraph& g, bool created) {
  if (metadata::PropertyText(run, "pipeline") != g.name)
    return InvalidArgumentError(fmt::format("run {} is a run of pipeline '{}', not of '{}'",
                                            run.name, metadata::PropertyText(run, "pipeline"),
                                            g.name));
  if (metadata::PropertyText(run, "state") != pipeline::kRunRunning)
    return FailedPreconditionError(fmt::format("run {} has ended ({}); start another run", run.name,
                                               metadata::PropertyText(run, "state")));
  return JoinedRun{run.id, created};
}

std::string ErrorOf(const metadata::Execution& e) {
  std::string error = metadata::PropertyText(e, "error");
  return error.empty() ? std::string(metadata::ExecutionStateName(e.state)) : error;
}

}  // namespace

Result<JoinedRun> JoinRun(MetadataStore& store, const pipeline::PipelineGraph& g,
                          int64_t pipeline_context_id, const std::string& run_id,
                          const std::string& runner, const std::string& spec_path) {
  LATHE_ASSIGN_OR_RETURN(auto found,
                         store.GetContextByTypeAndName(pipeline::kRunContextType, run_id));
  if (found) return Joined(*found, g, false);
  // No host or pid: the run has no process of its own that a clean-up could find gone.
  Context run = detail::NewRunContext(g, run_id, runner, spec_path);
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
  if (metadata::PropertyText(run, "state") != pipeline::kRunRunning) {
    out.state = metadata::PropertyText(run, "state");
    out.error = metadata::PropertyText(run, "error");
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
