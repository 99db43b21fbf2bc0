#include "lathe/orchestrate/local_runner.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>

#include "lathe/core/clock.h"
#include "lathe/core/fs.h"
#include "lathe/core/subprocess.h"
#include "lathe/core/threads.h"
#include "lathe/core/version.h"
#include "lathe/orchestrate/detail/graph_width.h"
#include "lathe/orchestrate/detail/run_start.h"
#include "lathe/orchestrate/run_join.h"
#include "lathe/pipeline/run_record.h"

namespace lathe::orchestrate {

namespace fs = std::filesystem;
using metadata::Context;
using metadata::MetadataStore;
using metadata::Value;
using pipeline::NodeOutcome;
using pipeline::NodeState;
using pipeline::PipelineGraph;

namespace {

std::string NewRunId(const std::string& pipeline) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  std::random_device rd;
  return fmt::format("{}-{}-{:08x}", pipeline, stamp, rd());
}

// What a program prints when it succeeds; empty when it cannot run or fails.
std::string Capture(const std::vector<std::string>& argv) {
  ProgramResult r = RunProgram(argv);
  return r.exit_code == 0 ? r.output : std::string();
}

bool IsSelector(const pipeline::GraphNode& n) {
  return !n.component->produces_files();
}

}  // namespace

namespace detail {

// Which nodes run; the others are reused (when something that runs reads them) or left alone.
// Resolvers feeding a node that runs always run with it: a selection is never reused.
Result<std::vector<bool>> Selection(const PipelineGraph& g, const RunOptions& o) {
  std::vector<bool> run(g.nodes.size(), true);
  auto find = [&](const std::string& name, const char* flag) -> Result<size_t> {
    int i = g.Find(name);
    if (i < 0)
      return InvalidArgumentError(
          fmt::format("{} {}: pipeline '{}' has no such node", flag, name, g.name));
    return static_cast<size_t>(i);
  };
  if (!o.only.empty()) {
    LATHE_ASSIGN_OR_RETURN(size_t i, find(o.only, "--only"));
    run.assign(g.nodes.size(), false);
    run[i] = true;
  }
  if (!o.from.empty()) {  // the node and its descendants (nodes are in topological order)
    LATHE_ASSIGN_OR_RETURN(size_t start, find(o.from, "--from"));
    std::vector<bool> down(g.nodes.size(), false);
    down[start] = true;
    for (size_t i = start + 1; i < g.nodes.size(); ++i)
      for (size_t u : g.nodes[i].upstream) down[i] = down[i] || down[u];
    run = down;
  }
  if (!o.to.empty()) {  // the node and its ancestors
    LATHE_ASSIGN_OR_RETURN(size_t end, find(o.to, "--to"));
    std::vector<bool> up(g.nodes.size(), false);
    up[end] = true;
    for (size_t i = end + 1; i-- > 0;)
      if (up[i])
        for (size_t u : g.nodes[i].upstream) up[u] = true;
    for (size_t i = 0; i < run.size(); ++i) run[i] = run[i] && up[i];
  }
  for (size_t i = g.nodes.size(); i-- > 0;)
    if (run[i])
      for (size_t u : g.nodes[i].upstream)
        if (IsSelector(g.nodes[u])) run[u] = true;
  return run;
}

Result<int64_t> PipelineContext(MetadataStore& store, const std::string& name) {
  LATHE_ASSIGN_OR_RETURN(auto found,
                         store.GetContextByTypeAndName(pipeline::kPipelineContextType, name));
  if (found) return found->id;
  Context c;
  c.type = pipeline::kPipelineContextType;
  c.name = name;
  auto ids = store.PutContexts({c});
  if (ids.ok()) return ids->at(0);
  if (ids.status().code() != StatusCode::kAlreadyExists) return ids.status();
  // Created concurrently by another run.
  LATHE_ASSIGN_OR_RETURN(found,
                         store.GetContextByTypeAndName(pipeline::kPipelineContextType, name));
  if (!found) return ids.status();
  return found->id;
}

Context NewRunContext(const PipelineGraph& g, const std::string& run_id, const std::string& runner,
                      const std::string& spec_path) {
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
  return run;
}

// Records the run's context (spec, parameters, environment), a child of the pipeline's.
Status RecordRunStart(MetadataStore& store, const PipelineGraph& g, const RunOptions& o,
                      pipeline::RunSettings& s) {
  s.run_id = NewRunId(g.name);
  Context run = NewRunContext(g, s.run_id, o.runner.empty() ? "local" : o.runner, o.spec_path);
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  run.properties["host"] = std::string(host);
  run.properties["pid"] = static_cast<int64_t>(getpid());
  if (!o.repro_of.empty()) run.properties["repro_of"] = o.repro_of;
  const std::string base = fs::path(g.base_dir).string();
  std::string commit = Capture({"git", "-C", base, "rev-parse", "HEAD"});
  if (!commit.empty()) {
    run.properties["git_commit"] = commit;
    run.properties["git_dirty"] =
        !Capture({"git", "-C", base, "status", "--porcelain", "--untracked-files=normal"}).empty();
  }
  // Run ids are a timestamp and 32 random bits; a collision, however unlikely, takes another id.
  for (int attempt = 0;; ++attempt) {
    auto run_ids = store.PutContexts({run});
    if (run_ids.ok()) {
      s.run_context_id = run_ids->at(0);
      break;
    }
    if (run_ids.status().code() != StatusCode::kAlreadyExists || attempt == 5)
      return run_ids.status();
    run.name = s.run_id = NewRunId(g.name);
  }
  return store.PutParentContext(s.run_context_id, s.pipeline_context_id);
}

}  // namespace detail

namespace {

using detail::PipelineContext;
using detail::RecordRunStart;
using detail::Selection;

// Nodes that do not run but whose outputs a running node reads (through an input, not an
// ordering edge): their newest outputs are reused.
std::vector<bool> Lenders(const PipelineGraph& g, const std::vector<bool>& selected) {
  std::vector<bool> needed(g.nodes.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!selected[i]) continue;
    for (const auto& [name, refs] : g.nodes[i].spec.inputs)
      for (const auto& ref : refs) {
        int u = g.Find(ref.node);
        if (u >= 0 && !selected[static_cast<size_t>(u)]) needed[static_cast<size_t>(u)] = true;
      }
  }
  return needed;
}

bool Succeeded(NodeState st) {
  return st == NodeState::kComplete || st == NodeState::kCached || st == NodeState::kReused;
}

// Runs the selected nodes on a pool of threads, in topological order as they become ready.
class Scheduler {
 public:
  Scheduler(MetadataStore& store, const PipelineGraph& g, const RunOptions& o,
            const pipeline::RunSettings& s, const std::atomic<bool>* cancelled, RunReport& report)
      : store_(store), g_(g), o_(o), s_(s), cancelled_(cancelled), report_(report) {}

  // A lender's outputs: in a joined run, what it recorded in this run, else its newest.
  Result<NodeOutcome> Lend(size_t i) {
    if (!o_.run_id.empty()) {
      LATHE_ASSIGN_OR_RETURN(auto mine, pipeline::RunOutputs(store_, s_, g_.nodes[i]));
      if (mine) return std::move(*mine);
    }
    return pipeline::NewestOutputs(store_, s_, g_.nodes[i]);
  }

  // `selected` nodes run; `lenders` lend their newest outputs; the rest take no part (they
  // never hold back a node that runs).
  void Run(const std::vector<bool>& selected, const std::vector<bool>& lenders, int workers) {
    const size_t n = g_.nodes.size();
    report_.nodes.assign(n, NodeOutcome{});
    state_.assign(n, kWaiting);
    satisfied_.assign(n, false);
    for (size_t i = 0; i < n; ++i) {
      if (selected[i]) continue;
      state_[i] = kDone;
      if (lenders[i]) {
        auto reused = Lend(i);
        if (!reused.ok()) {
          report_.nodes[i].state = NodeState::kFailed;
          report_.nodes[i].error = reused.status().message();
        } else {
          report_.nodes[i] = std::move(*reused);
          satisfied_[i] = true;
        }
      } else {
        report_.nodes[i].state = NodeState::kSkipped;
        satisfied_[i] = true;
      }
      Progress(i);
    }
    std::vector<std::thread> pool;
    for (int w = 0; w < workers; ++w) pool.emplace_back([this] { Work(); });
    for (auto& t : pool) t.join();
  }

 private:
  enum { kWaiting, kRunning, kDone };

  void Progress(size_t i) {
    if (o_.on_progress) o_.on_progress(i, report_.nodes[i]);
  }

  // Marks waiting nodes that can no longer run: all of them once cancelled, and those with an
  // upstream node that did not succeed. One pass suffices: nodes are in topological order.
  void Settle() {
    const bool cancel = cancelled_ != nullptr && cancelled_->load();
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      if (state_[i] != kWaiting) continue;
      bool blocked = false;
      for (size_t u : g_.nodes[i].upstream)
        blocked = blocked || (state_[u] == kDone && !satisfied_[u]);
      if (!cancel && !blocked) continue;
      state_[i] = kDone;
      report_.nodes[i].state = cancel ? NodeState::kCanceled : NodeState::kSkipped;
      report_.nodes[i].error =
          cancel ? "cancelled before it started" : "an upstream node did not succeed";
      Progress(i);
    }
  }

  pipeline::NodeInputs InputsOf(size_t i) const {
    pipeline::NodeInputs inputs;
    for (const auto& [name, refs] : g_.nodes[i].spec.inputs)
      for (const auto& ref : refs) {
        const auto& up = report_.nodes[static_cast<size_t>(g_.Find(ref.node))];
        auto it = up.outputs.find(ref.output);
        if (it != up.outputs.end())
          for (const auto& a : it->second) inputs[name].push_back(a);
      }
    return inputs;
  }

  void Work() {
    std::unique_lock lock(mu_);
    while (true) {
      Settle();
      size_t pick = g_.nodes.size();
      bool waiting = false;
      for (size_t i = 0; i < g_.nodes.size() && pick == g_.nodes.size(); ++i) {
        if (state_[i] != kWaiting) continue;
        waiting = true;
        bool ready = true;
        for (size_t u : g_.nodes[i].upstream) ready = ready && state_[u] == kDone;
        if (ready) pick = i;
      }
      if (pick == g_.nodes.size()) {
        if (!waiting) return;
        cv_.wait(lock);  // a running node will finish and notify
        continue;
      }
      state_[pick] = kRunning;
      report_.nodes[pick].state = NodeState::kRunning;
      Progress(pick);
      pipeline::NodeInputs inputs = InputsOf(pick);
      lock.unlock();
      NodeOutcome outcome = pipeline::LaunchNode(store_, g_, pick, inputs, s_);
      lock.lock();
      report_.nodes[pick] = std::move(outcome);
      state_[pick] = kDone;
      satisfied_[pick] = Succeeded(report_.nodes[pick].state);
      Progress(pick);
      cv_.notify_all();
    }
  }

  MetadataStore& store_;
  const PipelineGraph& g_;
  const RunOptions& o_;
  const pipeline::RunSettings& s_;
  const std::atomic<bool>* cancelled_;
  RunReport& report_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<int> state_;       // guarded by mu_
  std::vector<bool> satisfied_;  // guarded by mu_: done, and downstream may go on
};

// The run's end state and first error, recorded on its context unless `record` is false (a
// joined run's end is recorded by whoever started it).
Status RecordRunEnd(MetadataStore& store, const PipelineGraph& g, const std::vector<bool>& selected,
                    const std::atomic<bool>* cancelled, RunReport& report, bool record) {
  bool all_ok = true;
  std::string error;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (report.nodes[i].state == NodeState::kSkipped && !selected[i]) continue;
    if (!Succeeded(report.nodes[i].state)) {
      all_ok = false;
      if (error.empty() && !report.nodes[i].error.empty())
        error = fmt::format("{}: {}", g.nodes[i].spec.name, report.nodes[i].error);
    }
  }
  const bool was_cancelled = cancelled != nullptr && cancelled->load();
  report.state = all_ok          ? pipeline::kRunComplete
                 : was_cancelled ? pipeline::kRunCanceled
                                 : pipeline::kRunFailed;
  if (!record) return Status::Ok();
  LATHE_ASSIGN_OR_RETURN(Context done, store.GetContext(report.run_context_id));
  done.properties["state"] = report.state;
  done.properties["end_time_ms"] = NowMillis();
  if (!error.empty()) done.properties["error"] = error;
  return store.PutContexts({done}).status();
}

}  // namespace

Result<RunReport> RunPipeline(MetadataStore& store, const PipelineGraph& g, const RunOptions& o,
                              const std::atomic<bool>* cancelled) {
  const auto t0 = std::chrono::steady_clock::now();
  LATHE_ASSIGN_OR_RETURN(std::vector<bool> selected, Selection(g, o));
  LATHE_RETURN_IF_ERROR(pipeline::RegisterRunTypes(store));

  pipeline::RunSettings s;
  std::error_code ec;
  s.artifact_root = fs::absolute(o.artifact_root, ec).lexically_normal();
  s.pipeline = g.name;
  s.no_cache = o.no_cache;
  s.cancelled = cancelled;
  s.reproduction_of = o.repro_of;
  s.pinned = o.pinned;
  s.pinned_external = o.pinned_external;
  LATHE_ASSIGN_OR_RETURN(s.pipeline_context_id, PipelineContext(store, g.name));
  const bool joining = !o.run_id.empty();
  if (joining) {
    LATHE_ASSIGN_OR_RETURN(JoinedRun joined,
                           JoinRun(store, g, s.pipeline_context_id, o.run_id,
                                   o.runner.empty() ? "external" : o.runner, o.spec_path));
    s.run_id = o.run_id;
    s.run_context_id = joined.run_context_id;
    // A resolver that already selected in this run lends its selection: one selection per run.
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      if (!selected[i] || !IsSelector(g.nodes[i]) || g.nodes[i].spec.name == o.only) continue;
      LATHE_ASSIGN_OR_RETURN(auto mine, pipeline::RunOutputs(store, s, g.nodes[i]));
      if (mine) selected[i] = false;
    }
  } else {
    LATHE_RETURN_IF_ERROR(
        pipeline::CleanUpAbandonedRuns(store, s.artifact_root, s.pipeline_context_id));
  }

  // Nodes at once, and each one's share of the cores.
  RunReport report;
  const int width = detail::GraphWidth(g, selected);
  report.parallelism = std::max(1, std::min(ThreadCount(o.parallelism), width));
  report.threads_per_node =
      o.threads_per_node > 0 ? o.threads_per_node : std::max(1, CoreCount() / report.parallelism);
  s.threads_per_node = report.threads_per_node;
  s.shard_launcher = o.shard_launcher;

  if (!joining) LATHE_RETURN_IF_ERROR(RecordRunStart(store, g, o, s));
  report.run_id = s.run_id;
  report.run_context_id = s.run_context_id;
  Scheduler(store, g, o, s, cancelled, report)
      .Run(selected, Lenders(g, selected), report.parallelism);
  // Other nodes of a joined run may be staging files now: FinishRun removes the run's folder.
  if (!joining) RemovePath(s.artifact_root / ".staging" / s.run_id).IgnoreError();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  LATHE_RETURN_IF_ERROR(RecordRunEnd(store, g, selected, cancelled, report, !joining));
  return report;
}

}  // namespace lathe::orchestrate
