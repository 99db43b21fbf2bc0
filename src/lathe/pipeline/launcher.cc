#include "lathe/pipeline/launcher.h"

#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "lathe/core/clock.h"
#include "lathe/core/fs.h"
#include "lathe/core/hash.h"
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
using metadata::ListOptions;
using metadata::MetadataStore;
using metadata::PutExecutionRequest;
using metadata::Value;

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

// A cheap signature of a path's files (count, bytes, newest modification). When it matches the one
// recorded at publish time the content is taken as unchanged; otherwise the fingerprint decides.
std::string StatSignature(const fs::path& path) {
  std::error_code ec;
  int64_t files = 0, bytes = 0, newest = 0;
  auto add = [&](const fs::path& p) {
    struct stat st {};
    if (lstat(p.c_str(), &st) != 0) return;
    ++files;
    bytes += st.st_size;
    newest = std::max<int64_t>(newest, st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec);
  };
  add(path);
  if (fs::is_directory(path, ec))
    for (auto it = fs::recursive_directory_iterator(path, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      add(it->path());
  return fmt::format("files:{} bytes:{} mtime:{}", files, bytes, newest);
}

bool StillValid(const Artifact& a) {
  if (a.state != ArtifactState::kLive || a.uri.empty()) return false;
  std::error_code ec;
  if (!fs::exists(a.uri, ec)) return false;
  auto stat = a.properties.find("stat");
  if (stat != a.properties.end() && stat->second.type() == metadata::PropertyType::kString &&
      stat->second.as_string() == StatSignature(a.uri))
    return true;
  auto fp = FingerprintPath(a.uri);
  return fp.ok() && *fp == a.fingerprint;
}

// Outputs of an execution by output name, from the paths of its OUTPUT events.
Result<std::map<std::string, std::vector<Artifact>>> OutputsOf(MetadataStore& store,
                                                               int64_t execution_id) {
  LATHE_ASSIGN_OR_RETURN(auto events, store.GetEventsByExecutionIds({execution_id}));
  std::vector<int64_t> ids;
  std::vector<std::string> names;
  for (const auto& e : events) {
    if (e.type != EventType::kOutput || e.path.empty()) continue;
    auto* name = std::get_if<std::string>(&e.path[0]);
    if (name == nullptr) continue;
    ids.push_back(e.artifact_id);
    names.push_back(*name);
  }
  LATHE_ASSIGN_OR_RETURN(auto artifacts, store.GetArtifacts(ids));
  std::map<int64_t, Artifact> by_id;
  for (auto& a : artifacts) by_id.emplace(a.id, std::move(a));
  std::map<std::string, std::vector<Artifact>> out;
  for (size_t i = 0; i < ids.size(); ++i) {
    auto it = by_id.find(ids[i]);
    if (it != by_id.end()) out[names[i]].push_back(it->second);
  }
  return out;
}

// The first execution matching `filter` (newest first) whose outputs are all still valid.
Result<std::optional<std::pair<int64_t, std::map<std::string, std::vector<Artifact>>>>>
FindValidOutputs(MetadataStore& store, const GraphNode& node, const std::string& filter) {
  ListOptions o;
  o.filter = filter;
  o.descending = true;
  o.page_size = 10;
  LATHE_ASSIGN_OR_RETURN(auto page, store.ListExecutions(o));
  for (const auto& e : page.items) {
    LATHE_ASSIGN_OR_RETURN(auto outputs, OutputsOf(store, e.id));
    bool ok = true;
    for (const auto& [name, type] : node.spec.outputs) {
      auto it = outputs.find(name);
      if (it == outputs.end() || it->second.empty()) ok = false;
      for (const auto& a : it == outputs.end() ? std::vector<Artifact>{} : it->second)
        ok = ok && StillValid(a);
    }
    if (ok)
      return std::optional<std::pair<int64_t, std::map<std::string, std::vector<Artifact>>>>(
          {e.id, outputs});
  }
  return std::optional<std::pair<int64_t, std::map<std::string, std::vector<Artifact>>>>();
}

Execution BaseExecution(const GraphNode& n, const RunSettings& s, const std::string& cache_key) {
  Execution e;
  e.type = n.spec.component;
  e.name = n.spec.name;
  e.properties = {
      {"node", n.spec.name}, {"run", s.run_id}, {"parameters", Value::Struct(n.spec.parameters)}};
  // Only executions that made their outputs carry the key, so a lookup finds one row per
  // distinct result however many runs reused it.
  if (!cache_key.empty()) e.properties["cache_key"] = cache_key;
  return e;
}

std::vector<Context> RunContexts(const RunSettings& s) {
  Context p, r;
  p.id = s.pipeline_context_id;
  r.id = s.run_context_id;
  return {p, r};
}

void AddInputs(PutExecutionRequest& req, const NodeInputs& inputs) {
  for (const auto& [name, list] : inputs)
    for (size_t i = 0; i < list.size(); ++i)
      req.artifacts.push_back(ArtifactAndEvent::Reference(
          list[i].id, Event{.type = EventType::kInput, .path = {name, static_cast<int64_t>(i)}}));
}

bool SleepUnlessCancelled(double seconds, const std::atomic<bool>* cancelled) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (cancelled != nullptr && cancelled->load()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// A component's executor, with any exception turned into an INTERNAL error of the node (a bug in
// a component must fail its node, not the process, and leave the records consistent).
Status ExecuteGuarded(const Component& c, const ExecutionRequest& req, ExecutionResult& result) {
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
  ExecutionRequest req;
  req.pipeline = s.pipeline;
  req.run_id = s.run_id;
  req.node = n.spec.name;
  req.base_dir = graph.base_dir;
  req.parameters = n.spec.parameters;
  req.cancelled = s.cancelled;
  req.store = &store;
  for (const auto& [name, list] : inputs)
    for (const auto& a : list) req.inputs[name].push_back({a.id, a.type, a.uri, a.fingerprint});
  ExecutionResult result;
  Status st;
  if (auto pin = s.pinned.find(n.spec.name); pin != s.pinned.end())
    result.existing_outputs = pin->second;
  else
    st = ExecuteGuarded(*n.component, req, result);
  PutExecutionRequest record;
  record.execution = BaseExecution(n, s, "");
  AddInputs(record, inputs);
  record.contexts = RunContexts(s);
  std::map<std::string, std::vector<int64_t>> selected = result.existing_outputs;
  if (st.ok()) {
    for (const auto& [name, ids] : selected) {
      auto artifacts = store.GetArtifacts(ids);
      if (!artifacts.ok()) {
        st = artifacts.status();
        break;
      }
      std::map<int64_t, metadata::Artifact> by_id;
      for (auto& a : *artifacts) by_id.emplace(a.id, std::move(a));
      for (int64_t id : ids)  // in the order the component chose
        if (by_id.count(id)) out.outputs[name].push_back(by_id[id]);
      for (size_t i = 0; i < ids.size(); ++i)
        record.artifacts.push_back(ArtifactAndEvent::Reference(
            ids[i], Event{.type = EventType::kOutput, .path = {name, static_cast<int64_t>(i)}}));
    }
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  record.execution.properties["attempts"] = 1;
  record.execution.properties["duration_ms"] = static_cast<int64_t>(out.seconds * 1000);
  if (st.ok()) {
    record.execution.state = ExecutionState::kComplete;
    out.state = NodeState::kComplete;
  } else {
    record.execution.state = ExecutionState::kFailed;
    record.execution.properties["error"] = st.message();
    record.artifacts.erase(std::remove_if(record.artifacts.begin(), record.artifacts.end(),
                                          [](const ArtifactAndEvent& a) {
                                            return a.event->type == EventType::kOutput;
                                          }),
                           record.artifacts.end());
    out.state = NodeState::kFailed;
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

}  // namespace

NodeOutcome LaunchNode(MetadataStore& store, const PipelineGraph& graph, size_t index,
                       const NodeInputs& inputs, const RunSettings& s) {
  const GraphNode& n = graph.nodes[index];
  const auto t0 = std::chrono::steady_clock::now();
  NodeOutcome out;
  auto fail = [&](NodeState state, const Status& st) {
    out.state = state;
    out.error = st.message();
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
  };
  Status st = RegisterExecutionType(store, n.spec.component);
  for (const auto& [name, type] : n.spec.outputs)
    if (st.ok()) st = RegisterArtifactType(store, type);
  if (!st.ok()) return fail(NodeState::kFailed, st);

  if (!n.component->produces_files()) return LaunchSelector(store, graph, index, inputs, s);

  // Driver: the cache key from the definition and the inputs' content.
  std::map<std::string, std::vector<std::string>> fingerprints;
  // An artifact recorded without a fingerprint (outside Lathe) counts by identity instead.
  for (const auto& [name, list] : inputs)
    for (const auto& a : list)
      fingerprints[name].push_back(a.fingerprint.empty() ? fmt::format("id:{}", a.id)
                                                         : a.fingerprint);
  // Resolved once: the executor reads exactly the files whose content made the key.
  std::vector<fs::path> external;
  {
    auto resolved = n.component->ExternalInputs(n.spec.parameters, graph.base_dir);
    if (!resolved.ok()) return fail(NodeState::kFailed, resolved.status());
    external = std::move(*resolved);
    for (const auto& path : external) {
      std::error_code ec;
      auto real = fs::canonical(path, ec);  // a link to the data counts as the data
      auto fp = FingerprintPath(ec ? path : real);
      if (!fp.ok()) return fail(NodeState::kFailed, fp.status());
      fingerprints["(external)"].push_back(path.string() + "=" + *fp);
    }
  }
  const std::string key = CacheKey(n, fingerprints);
  if (n.spec.cache && !s.no_cache) {
    std::string filter = fmt::format("properties.cache_key = '{}' AND state = 'COMPLETE'", key);
    if (n.spec.cache_max_age_s > 0)
      filter += fmt::format(" AND update_time >= {}",
                            NowMillis() - static_cast<int64_t>(n.spec.cache_max_age_s * 1000));
    auto hit = FindValidOutputs(store, n, filter);
    if (!hit.ok()) return fail(NodeState::kFailed, hit.status());
    if (hit->has_value()) {
      PutExecutionRequest req;
      req.execution = BaseExecution(n, s, "");
      req.execution.state = ExecutionState::kCached;
      req.execution.properties["cached_from"] = (*hit)->first;
      AddInputs(req, inputs);
      for (const auto& [name, list] : (*hit)->second)
        for (size_t i = 0; i < list.size(); ++i)
          req.artifacts.push_back(ArtifactAndEvent::Reference(
              list[i].id,
              Event{.type = EventType::kOutput, .path = {name, static_cast<int64_t>(i)}}));
      req.contexts = RunContexts(s);
      auto resp = store.PutExecution(req);
      if (!resp.ok()) return fail(NodeState::kFailed, resp.status());
      out.state = NodeState::kCached;
      out.execution_id = resp->execution_id;
      out.outputs = std::move((*hit)->second);
      out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      return out;
    }
  }

  // Executor: record the execution RUNNING, its outputs PENDING at their final places.
  Execution exec = BaseExecution(n, s, key);
  exec.state = ExecutionState::kRunning;
  PutExecutionRequest start;
  start.execution = exec;
  AddInputs(start, inputs);
  start.contexts = RunContexts(s);
  auto started = store.PutExecution(start);
  if (!started.ok()) return fail(NodeState::kFailed, started.status());
  exec.id = out.execution_id = started->execution_id;

  const fs::path log_dir = s.artifact_root / ".logs" / s.run_id;
  const fs::path staging = s.artifact_root / ".staging" / s.run_id / n.spec.name;
  std::error_code ec;
  fs::create_directories(log_dir, ec);
  out.log = (log_dir / (n.spec.name + ".log")).string();
  exec.properties["log"] = out.log;

  std::map<std::string, Artifact> pending;
  PutExecutionRequest declare;
  declare.execution = exec;
  // Outputs belong to the pipeline and the run from the start, so a resolver scoped to the
  // pipeline finds them the moment they are LIVE (not once some consumer has read them).
  declare.contexts = RunContexts(s);
  for (const auto& [name, type] : n.spec.outputs) {
    Artifact a;
    a.type = type;
    a.name = n.spec.name + "." + name;
    a.uri = (s.artifact_root / s.pipeline / n.spec.name / name / std::to_string(exec.id))
                .lexically_normal()
                .string();
    if (!a.uri.empty() && a.uri[0] != '/')
      a.uri = fs::absolute(a.uri, ec).lexically_normal().string();
    a.state = ArtifactState::kPending;
    a.properties = {{"node", n.spec.name}, {"output", name}, {"run", s.run_id}};
    pending[name] = a;
    declare.artifacts.push_back({a, Event{.type = EventType::kOutput, .path = {name, int64_t{0}}}});
  }
  auto declared = store.PutExecution(declare);
  if (!declared.ok()) return fail(NodeState::kFailed, declared.status());
  {
    size_t i = 0;
    for (auto& [name, a] : pending) a.id = declared->artifact_ids[i++];
  }

  Status result;
  ExecutionResult exec_result;
  for (int attempt = 0; attempt <= n.spec.retries; ++attempt) {
    out.attempts = attempt + 1;
    fs::remove_all(staging, ec);
    fs::create_directories(staging, ec);
    ExecutionRequest req;
    req.pipeline = s.pipeline;
    req.run_id = s.run_id;
    req.node = n.spec.name;
    req.base_dir = graph.base_dir;
    req.staging_dir = staging;
    for (const auto& [name, type] : n.spec.outputs) {
      req.output_dirs[name] = staging / "outputs" / name;
      fs::create_directories(req.output_dirs[name], ec);
    }
    if (ec) {
      result = DataLossError(
          fmt::format("cannot create staging directory {}: {}", staging.string(), ec.message()));
      break;
    }
    for (const auto& [name, list] : inputs)
      for (const auto& a : list) req.inputs[name].push_back({a.id, a.type, a.uri, a.fingerprint});
    req.parameters = n.spec.parameters;
    req.external_inputs = external;
    req.command = &n.spec.command;
    req.env = &n.spec.env;
    req.log_path = out.log;
    req.timeout_s = n.spec.timeout_s;
    req.cancelled = s.cancelled;
    req.store = &store;
    result = ExecuteGuarded(*n.component, req, exec_result);
    if (result.ok() || result.code() == StatusCode::kCancelled) break;
    if (attempt < n.spec.retries) {
      double backoff = std::min(10.0, 0.2 * (1 << attempt));
      if (!SleepUnlessCancelled(backoff, s.cancelled)) {
        result = Status(StatusCode::kCancelled, "cancelled");
        break;
      }
    }
  }

  // Publisher: fingerprint, move into place, then record everything LIVE in one transaction.
  PutExecutionRequest finish;
  finish.execution = exec;
  if (result.ok()) {
    for (auto& [name, a] : pending) {
      fs::path from = staging / "outputs" / name;
      auto fp = FingerprintPath(from);
      if (!fp.ok()) {
        result = fp.status();
        break;
      }
      fs::remove_all(a.uri, ec);  // a leftover of an interrupted publish
      fs::create_directories(fs::path(a.uri).parent_path(), ec);
      fs::rename(from, a.uri, ec);
      if (ec) {
        result = DataLossError(
            fmt::format("cannot move {} to {}: {}", from.string(), a.uri, ec.message()));
        break;
      }
      a.fingerprint = *fp;
      a.properties["stat"] = StatSignature(a.uri);
      a.state = ArtifactState::kLive;
      if (auto props = exec_result.output_properties.find(name);
          props != exec_result.output_properties.end())
        for (const auto& [k, v] : props->second) a.custom_properties[k] = v;
    }
  }
  fs::remove_all(staging, ec);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  finish.execution.properties["attempts"] = out.attempts;
  finish.execution.properties["duration_ms"] = static_cast<int64_t>(out.seconds * 1000);
  if (result.ok()) {
    finish.execution.state = ExecutionState::kComplete;
    out.state = NodeState::kComplete;
  } else {
    bool canceled = result.code() == StatusCode::kCancelled;
    finish.execution.state = canceled ? ExecutionState::kCanceled : ExecutionState::kFailed;
    finish.execution.properties["error"] = result.message();
    out.state = canceled ? NodeState::kCanceled : NodeState::kFailed;
    out.error = result.message();
    for (auto& [name, a] : pending) {
      if (a.state == ArtifactState::kLive)
        RemovePath(a.uri).IgnoreError();  // moved before a later failure
      a.state = ArtifactState::kAbandoned;
    }
  }
  for (auto& [name, a] : pending) finish.artifacts.push_back({a, std::nullopt});
  auto finished = store.PutExecution(finish);
  if (!finished.ok()) return fail(NodeState::kFailed, finished.status());
  if (result.ok())
    for (auto& [name, a] : pending) out.outputs[name].push_back(a);
  return out;
}

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
  out.execution_id = found->first;
  out.outputs = std::move(found->second);
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
