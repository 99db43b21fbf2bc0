#include "lathe/pipeline/launcher.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "lathe/core/fs.h"
#include "lathe/core/threads.h"
#include "lathe/metadata/standard_artifacts.h"
#include "lathe/pipeline/detail/driver.h"
#include "lathe/pipeline/detail/publisher.h"
#include "lathe/pipeline/run_record.h"

namespace lathe::pipeline {

namespace fs = std::filesystem;
using metadata::Artifact;
using metadata::ArtifactAndEvent;
using metadata::ArtifactState;
using metadata::Context;
using metadata::Event;
using metadata::EventType;
using metadata::Execution;
using metadata::ExecutionState;
using metadata::MetadataStore;
using metadata::PutExecutionRequest;
using metadata::Value;
namespace standard = metadata::standard;

std::string_view NodeStateName(NodeState s) {
  switch (s) {
    case NodeState::kPending:
      return "pending";
    case NodeState::kRunning:
      return "running";
    case NodeState::kComplete:
      return "complete";
    case NodeState::kCached:
      return "cached";
    case NodeState::kReused:
      return "reused";
    case NodeState::kFailed:
      return "failed";
    case NodeState::kCanceled:
      return "canceled";
    case NodeState::kSkipped:
      return "skipped";
  }
  return "pending";
}

namespace {

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// What every record of a node run starts from. Only executions that did the work carry the
// cache key, so a lookup finds one row per distinct result however many runs reused it; a
// reproduction's never do (its outputs must not become anyone's cache hits).
Execution BaseExecution(const GraphNode& n, const RunSettings& s, const std::string& cache_key) {
  Execution e;
  e.type = n.spec.component;
  e.name = n.spec.name;
  e.properties = {{standard::kNode, n.spec.name},
                  {standard::kRun, s.run_id},
                  {"parameters", Value::Struct(n.spec.parameters)}};
  if (!cache_key.empty() && s.reproduction_of.empty()) e.properties["cache_key"] = cache_key;
  return e;
}

// The contexts of a node run's records: the pipeline and the run; a reproduction's only its run.
std::vector<Context> RunContexts(const RunSettings& s) {
  std::vector<Context> out(1);
  out[0].id = s.run_context_id;
  if (s.reproduction_of.empty()) {
    out.emplace_back();
    out.back().id = s.pipeline_context_id;
  }
  return out;
}

void AddInputs(PutExecutionRequest& req, const NodeInputs& inputs) {
  for (const auto& [name, list] : inputs)
    for (size_t i = 0; i < list.size(); ++i)
      req.artifacts.push_back(ArtifactAndEvent::Reference(
          list[i].id, Event{.type = EventType::kInput, .path = {name, static_cast<int64_t>(i)}}));
}

void AddOutputReferences(PutExecutionRequest& req, const detail::OutputsByName& outputs) {
  for (const auto& [name, list] : outputs)
    for (size_t i = 0; i < list.size(); ++i)
      req.artifacts.push_back(ArtifactAndEvent::Reference(
          list[i].id, Event{.type = EventType::kOutput, .path = {name, static_cast<int64_t>(i)}}));
}

bool SleepUnlessCancelled(double seconds, const std::atomic<bool>* cancelled) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (cancelled != nullptr && cancelled->load()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// What an executor of this node gets, whatever the attempt.
ExecutionRequest BaseRequest(MetadataStore& store, const PipelineGraph& graph, const GraphNode& n,
                             const NodeInputs& inputs, const RunSettings& s) {
  ExecutionRequest req;
  req.pipeline = s.pipeline;
  req.run_id = s.run_id;
  req.node = n.spec.name;
  req.base_dir = graph.base_dir;
  req.parameters = n.spec.parameters;
  for (const auto& [name, list] : inputs)
    for (const auto& a : list) req.inputs[name].push_back({a.id, a.type, a.uri, a.fingerprint});
  req.command = &n.spec.command;
  req.env = &n.spec.env;
  req.timeout_s = n.spec.timeout_s;
  req.threads = ThreadCount(s.threads_per_node);
  req.reproduction_of = s.reproduction_of;
  req.cancelled = s.cancelled;
  req.store = &store;
  req.shards = n.spec.shards;
  req.shard_launcher = s.shard_launcher;
  return req;
}

// A component's executor on the node's share of the threads, with any exception turned into an
// INTERNAL error of the node (a bug in a component must fail its node, not the process, and leave
// the records consistent).
Status ExecuteGuarded(const Component& c, const ExecutionRequest& req, ExecutionResult& result) {
  ScopedThreadBudget budget(req.threads);
  try {
    return c.Execute(req, result);
  } catch (const std::exception& e) {
    return InternalError(fmt::format("{} failed unexpectedly: {}", c.type(), e.what()));
  }
}

// Components that select existing artifacts (resolvers): run every time, no files, no cache;
// recorded COMPLETE with OUTPUT events to what they selected.
NodeOutcome LaunchSelector(MetadataStore& store, const PipelineGraph& graph, size_t index,
                           const NodeInputs& inputs, const RunSettings& s) {
  const GraphNode& n = graph.nodes[index];
  const auto t0 = std::chrono::steady_clock::now();
  NodeOutcome out;
  out.attempts = 1;
  ExecutionResult result;
  Status st;
  if (auto pin = s.pinned.find(n.spec.name); pin != s.pinned.end())
    result.existing_outputs = pin->second;
  else
    st = ExecuteGuarded(*n.component, BaseRequest(store, graph, n, inputs, s), result);
  PutExecutionRequest record;
  record.execution = BaseExecution(n, s, "");
  AddInputs(record, inputs);
  record.contexts = RunContexts(s);
  if (st.ok()) {
    for (const auto& [name, ids] : result.existing_outputs) {
      auto artifacts = store.GetArtifacts(ids);
      if (!artifacts.ok()) {
        st = artifacts.status();
        break;
      }
      std::map<int64_t, Artifact> by_id;
      for (auto& a : *artifacts) by_id.emplace(a.id, std::move(a));
      for (int64_t id : ids)  // in the order the component chose
        if (by_id.count(id)) out.outputs[name].push_back(by_id[id]);
    }
  }
  if (st.ok()) AddOutputReferences(record, out.outputs);
  out.seconds = SecondsSince(t0);
  record.execution.properties["attempts"] = 1;
  record.execution.properties["duration_ms"] = static_cast<int64_t>(out.seconds * 1000);
  record.execution.state = st.ok() ? ExecutionState::kComplete : ExecutionState::kFailed;
  out.state = st.ok() ? NodeState::kComplete : NodeState::kFailed;
  if (!st.ok()) {
    record.execution.properties["error"] = st.message();
    out.error = st.message();
    out.outputs.clear();
  }
  auto resp = store.PutExecution(record);
  if (!resp.ok()) {
    out.state = NodeState::kFailed;
    out.error = resp.status().message();
  } else {
    out.execution_id = resp->execution_id;
  }
  return out;
}

// Records a cache hit: a CACHED execution that read the inputs and points at the reused outputs.
NodeOutcome RecordCacheHit(MetadataStore& store, const GraphNode& n, const NodeInputs& inputs,
                           const detail::DriverDecision& d, const RunSettings& s) {
  NodeOutcome out;
  PutExecutionRequest req;
  req.execution = BaseExecution(n, s, "");
  req.execution.state = ExecutionState::kCached;
  req.execution.properties["cached_from"] = d.cache_hit->execution_id;
  AddInputs(req, inputs);
  for (const auto& ae : d.external_inputs) req.artifacts.push_back(ae);
  AddOutputReferences(req, d.cache_hit->outputs);
  req.contexts = RunContexts(s);
  auto resp = store.PutExecution(req);
  if (!resp.ok()) {
    out.state = NodeState::kFailed;
    out.error = resp.status().message();
    return out;
  }
  out.state = NodeState::kCached;
  out.execution_id = resp->execution_id;
  out.outputs = d.cache_hit->outputs;
  return out;
}

// The executor stage: runs the component in a fresh staging directory, retrying failures (with
// backoff) up to the node's retries. CANCELLED ends the retries.
Status ExecuteWithRetries(const ExecutionRequest& base, const GraphNode& n, const fs::path& staging,
                          const RunSettings& s, NodeOutcome& out, ExecutionResult& result) {
  Status st;
  for (int attempt = 0; attempt <= n.spec.retries; ++attempt) {
    out.attempts = attempt + 1;
    std::error_code ec;
    fs::remove_all(staging, ec);
    fs::create_directories(staging, ec);
    ExecutionRequest req = base;
    req.staging_dir = staging;
    for (const auto& [name, type] : n.spec.outputs) {
      req.output_dirs[name] = detail::StagedOutput(staging, name);
      fs::create_directories(req.output_dirs[name], ec);
    }
    if (ec)
      return DataLossError(
          fmt::format("cannot create staging directory {}: {}", staging.string(), ec.message()));
    result = {};
    st = ExecuteGuarded(*n.component, req, result);
    if (st.ok() || st.code() == StatusCode::kCancelled) break;
    if (attempt < n.spec.retries &&
        !SleepUnlessCancelled(std::min(10.0, 0.2 * (1 << attempt)), s.cancelled))
      return Status(StatusCode::kCancelled, "cancelled");
  }
  return st;
}

// The node run itself; `started` is the execution's id once it is recorded RUNNING.
NodeOutcome LaunchNodeUnguarded(MetadataStore& store, const PipelineGraph& graph, size_t index,
                                const NodeInputs& inputs, const RunSettings& s,
                                int64_t& started_out) {
  const GraphNode& n = graph.nodes[index];
  const auto t0 = std::chrono::steady_clock::now();
  NodeOutcome out;
  auto fail = [&](NodeState state, const Status& st) {
    out.state = state;
    out.error = st.message();
    out.seconds = SecondsSince(t0);
    return out;
  };
  Status st = RegisterExecutionType(store, n.spec.component);
  for (const auto& [name, type] : n.spec.outputs)
    if (st.ok()) st = RegisterArtifactType(store, type);
  if (!st.ok()) return fail(NodeState::kFailed, st);
  if (!n.component->produces_files()) return LaunchSelector(store, graph, index, inputs, s);

  // Driver.
  auto decision = detail::RunDriver(store, graph, index, inputs, s);
  if (!decision.ok()) return fail(NodeState::kFailed, decision.status());
  if (decision->cache_hit) {
    out = RecordCacheHit(store, n, inputs, *decision, s);
    out.seconds = SecondsSince(t0);
    return out;
  }

  // The record before any work: the execution RUNNING with its inputs, then its outputs PENDING
  // at their final places (attributed to the run's contexts from the start, so a resolver scoped
  // to the pipeline finds them the moment they are LIVE).
  Execution exec = BaseExecution(n, s, decision->cache_key);
  exec.state = ExecutionState::kRunning;
  PutExecutionRequest start;
  start.execution = exec;
  AddInputs(start, inputs);
  start.artifacts.insert(start.artifacts.end(), decision->external_inputs.begin(),
                         decision->external_inputs.end());
  start.contexts = RunContexts(s);
  auto started = store.PutExecution(start);
  if (!started.ok()) return fail(NodeState::kFailed, started.status());
  exec.id = out.execution_id = started_out = started->execution_id;

  const fs::path log_dir = s.artifact_root / ".logs" / s.run_id;
  const fs::path staging = s.artifact_root / ".staging" / s.run_id / n.spec.name;
  std::error_code ec;
  fs::create_directories(log_dir, ec);
  out.log = (log_dir / (n.spec.name + ".log")).string();
  exec.properties["log"] = out.log;

  std::map<std::string, Artifact> pending;
  PutExecutionRequest declare;
  declare.execution = exec;
  declare.contexts = RunContexts(s);
  for (const auto& [name, type] : n.spec.outputs) {
    Artifact a;
    a.type = type;
    a.name = n.spec.name + "." + name;
    a.uri = fs::absolute(
                s.artifact_root / s.pipeline / n.spec.name / name / std::to_string(exec.id), ec)
                .lexically_normal()
                .string();
    a.state = ArtifactState::kPending;
    a.properties = {
        {standard::kNode, n.spec.name}, {standard::kOutput, name}, {standard::kRun, s.run_id}};
    if (!s.reproduction_of.empty())
      a.custom_properties[standard::kReproductionOf] = s.reproduction_of;
    pending[name] = a;
    declare.artifacts.push_back({a, Event{.type = EventType::kOutput, .path = {name, int64_t{0}}}});
  }
  auto declared = store.PutExecution(declare);
  if (!declared.ok()) return fail(NodeState::kFailed, declared.status());
  {
    size_t i = 0;
    for (auto& [name, a] : pending) a.id = declared->artifact_ids[i++];
  }

  // Executor.
  ExecutionRequest request = BaseRequest(store, graph, n, inputs, s);
  request.external_inputs = decision->external;
  request.log_path = out.log;
  ExecutionResult result;
  Status executed = ExecuteWithRetries(request, n, staging, s, out, result);

  // Publisher: move into place, then record everything in one transaction.
  if (executed.ok()) executed = detail::PublishOutputs(staging, pending, result);
  fs::remove_all(staging, ec);
  out.seconds = SecondsSince(t0);
  PutExecutionRequest finish;
  finish.execution = exec;
  finish.execution.properties["attempts"] = out.attempts;
  finish.execution.properties["duration_ms"] = static_cast<int64_t>(out.seconds * 1000);
  if (executed.ok()) {
    finish.execution.state = ExecutionState::kComplete;
    out.state = NodeState::kComplete;
  } else {
    const bool canceled = executed.code() == StatusCode::kCancelled;
    finish.execution.state = canceled ? ExecutionState::kCanceled : ExecutionState::kFailed;
    finish.execution.properties["error"] = executed.message();
    out.state = canceled ? NodeState::kCanceled : NodeState::kFailed;
    out.error = executed.message();
    for (auto& [name, a] : pending) a.state = ArtifactState::kAbandoned;
  }
  for (auto& [name, a] : pending) finish.artifacts.push_back({a, std::nullopt});
  auto finished = store.PutExecution(finish);
  if (!finished.ok()) {
    // The end could not be recorded (store locked too long, disk full): the execution must not
    // stay RUNNING. One more try to fail it; if that fails too, recovery finds it later.
    out = fail(NodeState::kFailed, finished.status());
    if (Status st = AbandonExecution(store, s.artifact_root, exec, out.error); !st.ok())
      out.error += fmt::format(" (recording the failure failed too: {})", st.message());
    return out;
  }
  if (executed.ok())
    for (auto& [name, a] : pending) out.outputs[name].push_back(a);
  return out;
}

}  // namespace

NodeOutcome LaunchNode(MetadataStore& store, const PipelineGraph& graph, size_t index,
                       const NodeInputs& inputs, const RunSettings& s) {
  int64_t started = 0;
  // No exception leaves a node: a driver, executor or publisher that throws fails its node, and
  // an execution already recorded RUNNING is recorded FAILED.
  std::string error;
  try {
    return LaunchNodeUnguarded(store, graph, index, inputs, s, started);
  } catch (const std::exception& e) {
    error =
        fmt::format("node '{}' failed unexpectedly: {}", graph.nodes[index].spec.name, e.what());
  } catch (...) {
    error = fmt::format("node '{}' failed unexpectedly", graph.nodes[index].spec.name);
  }
  NodeOutcome out;
  out.state = NodeState::kFailed;
  out.execution_id = started;
  out.error = error;
  if (started != 0) {
    auto exec = store.GetExecution(started);
    Status st = exec.ok() ? AbandonExecution(store, s.artifact_root, *exec, error) : exec.status();
    if (!st.ok()) out.error += fmt::format(" (recording the failure failed too: {})", st.message());
  }
  return out;
}

}  // namespace lathe::pipeline
