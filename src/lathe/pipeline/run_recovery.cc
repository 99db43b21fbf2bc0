// Partial runs and recovery: the newest reusable outputs of a node, and the clean-up of runs whose
// process died.
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>

#include "lathe/core/clock.h"
#include "lathe/core/fs.h"
#include "lathe/metadata/standard_artifacts.h"
#include "lathe/pipeline/detail/recorded_outputs.h"
#include "lathe/pipeline/launcher.h"
#include "lathe/pipeline/run_record.h"

namespace lathe::pipeline {

namespace fs = std::filesystem;
using detail::FindValidOutputs;
using detail::OutputsOf;
using metadata::ArtifactState;
using metadata::ExecutionState;
using metadata::ListOptions;
using metadata::MetadataStore;
using metadata::PutExecutionRequest;

Result<NodeOutcome> NewestOutputs(MetadataStore& store, const RunSettings& s,
                                  const GraphNode& node) {
  std::string filter =
      fmt::format("properties.node = '{}' AND context.id = {} AND state IN ('COMPLETE', 'CACHED')",
                  node.spec.name, s.pipeline_context_id);
  LATHE_ASSIGN_OR_RETURN(auto found, FindValidOutputs(store, node, filter));
  if (!found)
    return NotFoundError(
        fmt::format("node '{}' has no outputs to reuse: run it first", node.spec.name));
  NodeOutcome out;
  out.state = NodeState::kReused;
  out.execution_id = (*found).execution_id;
  out.outputs = std::move((*found).outputs);
  return out;
}

Result<std::optional<NodeOutcome>> RunOutputs(MetadataStore& store, const RunSettings& s,
                                              const GraphNode& node) {
  std::string filter =
      fmt::format("properties.node = '{}' AND context.id = {} AND state IN ('COMPLETE', 'CACHED')",
                  node.spec.name, s.run_context_id);
  LATHE_ASSIGN_OR_RETURN(auto found, FindValidOutputs(store, node, filter));
  if (!found) {
    // A node that ran in this run and made nothing (a resolver that found no model) lends that.
    ListOptions o;
    o.filter = filter;
    o.descending = true;
    o.page_size = 1;
    LATHE_ASSIGN_OR_RETURN(auto page, store.ListExecutions(o));
    if (page.items.empty()) return std::optional<NodeOutcome>();
    LATHE_ASSIGN_OR_RETURN(auto outputs, OutputsOf(store, page.items[0].id));
    if (!outputs.empty()) return std::optional<NodeOutcome>();  // made files, no longer valid
    NodeOutcome none;
    none.state = NodeState::kReused;
    none.execution_id = page.items[0].id;
    return std::optional<NodeOutcome>(std::move(none));
  }
  NodeOutcome out;
  out.state = NodeState::kReused;
  out.execution_id = (*found).execution_id;
  out.outputs = std::move((*found).outputs);
  return std::optional<NodeOutcome>(std::move(out));
}

namespace {

std::string HostName() {
  char buf[256] = {0};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

bool ProcessAlive(int64_t pid) {
  return pid > 0 && (kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

// Kills what is left of a dead run's steps: every process of this user whose environment says
// LATHE_RUN_ID=<run> (steps get it from the runner and their children inherit it). The step
// itself dies with the runner (parent-death signal); this stops what it started.
void StopStepProcesses(const std::string& run_id) {
  const std::string marker = "LATHE_RUN_ID=" + run_id;
  std::error_code ec;
  for (auto it = fs::directory_iterator("/proc", ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::strtol(name.c_str(), nullptr, 10));
    if (pid == getpid()) continue;
    std::ifstream in(it->path() / "environ", std::ios::binary);  // unreadable if not ours
    std::string var;
    while (std::getline(in, var, '\0'))
      if (var == marker) {
        kill(pid, SIGKILL);
        break;
      }
  }
}

}  // namespace

Status AbandonExecution(MetadataStore& store, const fs::path& root, metadata::Execution exec,
                        std::string_view error) {
  LATHE_ASSIGN_OR_RETURN(auto outputs, OutputsOf(store, exec.id));
  PutExecutionRequest req;
  exec.state = ExecutionState::kFailed;
  exec.properties["error"] = std::string(error);
  req.execution = exec;
  for (auto& [name, list] : outputs) {
    for (auto a : list) {
      if (a.state != ArtifactState::kPending) continue;
      if (IsWithin(root, a.uri)) RemovePath(a.uri).IgnoreError();
      a.state = ArtifactState::kAbandoned;
      req.artifacts.push_back({a, std::nullopt});
    }
  }
  return store.PutExecution(req).status();
}

Result<std::vector<UnfinishedExecution>> FindUnfinishedExecutions(MetadataStore& store) {
  std::vector<UnfinishedExecution> found;
  const std::string host = HostName();
  std::map<std::string, std::optional<metadata::Context>> runs;  // by run id
  ListOptions o;
  o.filter = "state IN ('RUNNING', 'NEW')";
  o.page_size = ListOptions::kMaxPageSize;
  while (true) {
    LATHE_ASSIGN_OR_RETURN(auto page, store.ListExecutions(o));
    for (auto& exec : page.items) {
      auto run_id = exec.properties.find(metadata::standard::kRun);
      if (run_id == exec.properties.end() ||
          run_id->second.type() != metadata::PropertyType::kString)
        continue;  // not recorded by a runner
      const std::string id = run_id->second.as_string();
      auto it = runs.find(id);
      if (it == runs.end()) {
        LATHE_ASSIGN_OR_RETURN(auto run, store.GetContextByTypeAndName(kRunContextType, id));
        it = runs.emplace(id, std::move(run)).first;
      }
      if (!it->second) continue;
      const auto& props = it->second->properties;
      auto text = [&](const char* key) {
        auto p = props.find(key);
        return p != props.end() && p->second.type() == metadata::PropertyType::kString
                   ? p->second.as_string()
                   : std::string();
      };
      std::string reason;
      if (text("state") != kRunRunning) {
        reason = fmt::format("its run ended {}", text("state"));
      } else if (text("host") == host) {
        auto pid = props.find("pid");
        if (pid != props.end() && pid->second.type() == metadata::PropertyType::kInt &&
            !ProcessAlive(pid->second.as_int()))
          reason = fmt::format("its runner (pid {} on {}) is gone", pid->second.as_int(), host);
      }
      if (reason.empty()) continue;
      found.push_back({std::move(exec), id, text("pipeline"), std::move(reason)});
    }
    if (page.next_page_token.empty()) break;
    o.page_token = page.next_page_token;
  }
  return found;
}

Status CleanUpAbandonedRuns(MetadataStore& store, const fs::path& root,
                            int64_t pipeline_context_id) {
  ListOptions o;
  o.filter = fmt::format("type = '{}' AND parent.id = {} AND properties.state = '{}'",
                         kRunContextType, pipeline_context_id, kRunRunning);
  o.page_size = ListOptions::kMaxPageSize;
  LATHE_ASSIGN_OR_RETURN(auto runs, store.ListContexts(o));
  const std::string host = HostName();
  for (auto run : runs.items) {
    auto h = run.properties.find("host");
    auto pid = run.properties.find("pid");
    bool here = h != run.properties.end() && h->second.as_string() == host;
    if (!here || (pid != run.properties.end() && ProcessAlive(pid->second.as_int()))) continue;
    StopStepProcesses(run.name);
    ListOptions e;
    e.filter = fmt::format("context.id = {} AND state IN ('RUNNING', 'NEW')", run.id);
    e.page_size = ListOptions::kMaxPageSize;
    LATHE_ASSIGN_OR_RETURN(auto stale, store.ListExecutions(e));
    for (auto& exec : stale.items)
      LATHE_RETURN_IF_ERROR(AbandonExecution(
          store, root, exec, "the runner stopped before this node finished (crash or kill)"));
    RemovePath(root / ".staging" / run.name).IgnoreError();
    run.properties["state"] = std::string(kRunFailed);
    run.properties["error"] =
        std::string("the runner stopped before the run finished (crash or kill)");
    run.properties["end_time_ms"] = NowMillis();
    LATHE_RETURN_IF_ERROR(store.PutContexts({run}).status());
  }
  // Executions whose run ended without recording their end.
  LATHE_ASSIGN_OR_RETURN(auto pipeline, store.GetContext(pipeline_context_id));
  LATHE_ASSIGN_OR_RETURN(auto unfinished, FindUnfinishedExecutions(store));
  for (auto& u : unfinished)
    if (u.pipeline == pipeline.name)
      LATHE_RETURN_IF_ERROR(AbandonExecution(
          store, root, u.execution,
          fmt::format("found unfinished after {}: its end could not be recorded", u.reason)));
  return Status::Ok();
}

}  // namespace lathe::pipeline
