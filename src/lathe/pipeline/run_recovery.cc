// Partial runs and recovery: the newest reusable outputs of a node, and the clean-up of runs whose
// process died.
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include "lathe/core/clock.h"
#include "lathe/core/fs.h"
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

namespace {

std::string HostName() {
  char buf[256] = {0};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

bool ProcessAlive(int64_t pid) {
  return pid > 0 && (kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

}  // namespace

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
    ListOptions e;
    e.filter = fmt::format("context.id = {} AND state IN ('RUNNING', 'NEW')", run.id);
    e.page_size = ListOptions::kMaxPageSize;
    LATHE_ASSIGN_OR_RETURN(auto stale, store.ListExecutions(e));
    for (auto exec : stale.items) {
      LATHE_ASSIGN_OR_RETURN(auto outputs, OutputsOf(store, exec.id));
      PutExecutionRequest req;
      exec.state = ExecutionState::kFailed;
      exec.properties["error"] = "the runner stopped before this node finished (crash or kill)";
      req.execution = exec;
      for (auto& [name, list] : outputs) {
        for (auto a : list) {
          if (a.state != ArtifactState::kPending) continue;
          if (IsWithin(root, a.uri)) RemovePath(a.uri).IgnoreError();
          a.state = ArtifactState::kAbandoned;
          req.artifacts.push_back({a, std::nullopt});
        }
      }
      LATHE_RETURN_IF_ERROR(store.PutExecution(req).status());
    }
    RemovePath(root / ".staging" / run.name).IgnoreError();
    run.properties["state"] = std::string(kRunFailed);
    run.properties["error"] =
        std::string("the runner stopped before the run finished (crash or kill)");
    run.properties["end_time_ms"] = NowMillis();
    LATHE_RETURN_IF_ERROR(store.PutContexts({run}).status());
  }
  return Status::Ok();
}

}  // namespace lathe::pipeline
