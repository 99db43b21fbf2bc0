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
#include "lathe/core/threads.h"
#include "lathe/core/version.h"
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

// Output of a shell command, trimmed; empty on failure.
std::string Capture(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[256];
  while (fgets(buf, sizeof buf, p) != nullptr) out += buf;
  if (pclose(p) != 0) return "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// Which nodes run; the others are reused (when something that runs needs them) or skipped.
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
    return run;
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
  return run;
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
  s.pinned = o.pinned;
  LATHE_ASSIGN_OR_RETURN(auto pipeline_ctx,
                         store.GetContextByTypeAndName(pipeline::kPipelineContextType, g.name));
  if (pipeline_ctx) {
    s.pipeline_context_id = pipeline_ctx->id;
  } else {
    Context c;
    c.type = pipeline::kPipelineContextType;
    c.name = g.name;
    auto ids = store.PutContexts({c});
    if (!ids.ok() && ids.status().code() == StatusCode::kAlreadyExists) {  // created concurrently
      LATHE_ASSIGN_OR_RETURN(pipeline_ctx,
                             store.GetContextByTypeAndName(pipeline::kPipelineContextType, g.name));
      s.pipeline_context_id = pipeline_ctx->id;
    } else {
      LATHE_RETURN_IF_ERROR(ids.status());
      s.pipeline_context_id = ids->at(0);
    }
  }
  LATHE_RETURN_IF_ERROR(
      pipeline::CleanUpAbandonedRuns(store, s.artifact_root, s.pipeline_context_id));

  // The run's record: spec, parameters and environment.
  Context run;
  run.type = pipeline::kRunContextType;
  run.name = s.run_id = NewRunId(g.name);
  nlohmann::json given = o.parameters;
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  run.properties = {{"pipeline", g.name},
                    {"state", std::string(pipeline::kRunRunning)},
                    {"spec", Value::Struct(g.ToJson())},
                    {"parameters", Value::Struct(g.parameters)},
                    {"start_time_ms", NowMillis()},
                    {"lathe_version", std::string(kVersion)},
                    {"host", std::string(host)},
                    {"pid", static_cast<int64_t>(getpid())}};
  if (!o.spec_path.empty()) run.properties["spec_path"] = fs::absolute(o.spec_path, ec).string();
  if (!o.repro_of.empty()) run.properties["repro_of"] = o.repro_of;
  std::string commit = Capture(fmt::format("git -C '{}' rev-parse HEAD 2>/dev/null", g.base_dir));
  if (!commit.empty()) {
    run.properties["git_commit"] = commit;
    run.properties["git_dirty"] =
        !Capture(fmt::format("git -C '{}' status --porcelain 2>/dev/null | head -1", g.base_dir))
             .empty();
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
  LATHE_RETURN_IF_ERROR(store.PutParentContext(s.run_context_id, s.pipeline_context_id));

  // Which skipped nodes must lend their newest outputs to nodes that run.
  const size_t n = g.nodes.size();
  std::vector<bool> needed(n, false);
  for (size_t i = 0; i < n; ++i)
    if (selected[i])
      for (size_t u : g.nodes[i].upstream)
        if (!selected[u]) needed[u] = true;

  RunReport report;
  report.run_id = s.run_id;
  report.run_context_id = s.run_context_id;
  report.nodes.assign(n, NodeOutcome{});
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int> state(n, 0);  // 0 waiting, 1 running, 2 done
  auto progress = [&](size_t i) {
    if (o.on_progress) o.on_progress(i, report.nodes[i]);
  };
  for (size_t i = 0; i < n; ++i) {
    if (selected[i]) continue;
    state[i] = 2;
    if (needed[i]) {
      auto reused = pipeline::NewestOutputs(store, s, g.nodes[i]);
      if (!reused.ok()) {
        report.nodes[i].state = NodeState::kFailed;
        report.nodes[i].error = reused.status().message();
      } else {
        report.nodes[i] = std::move(*reused);
      }
    } else {
      report.nodes[i].state = NodeState::kSkipped;
    }
    progress(i);
  }

  auto ok_state = [](NodeState st) {
    return st == NodeState::kComplete || st == NodeState::kCached || st == NodeState::kReused;
  };
  int workers = ThreadCount(o.parallelism);
  // Marks waiting nodes that can no longer run: all of them once cancelled, and those with an
  // upstream node that did not succeed. One pass suffices: nodes are in topological order.
  auto settle = [&] {
    bool cancel = cancelled != nullptr && cancelled->load();
    for (size_t i = 0; i < n; ++i) {
      if (state[i] != 0) continue;
      bool blocked = false;
      for (size_t u : g.nodes[i].upstream)
        blocked = blocked || (state[u] == 2 && !ok_state(report.nodes[u].state));
      if (!cancel && !blocked) continue;
      state[i] = 2;
      report.nodes[i].state = cancel ? NodeState::kCanceled : NodeState::kSkipped;
      report.nodes[i].error =
          cancel ? "cancelled before it started" : "an upstream node did not succeed";
      progress(i);
    }
  };
  auto worker = [&] {
    std::unique_lock lock(mu);
    while (true) {
      settle();
      size_t pick = n;
      bool waiting = false;
      for (size_t i = 0; i < n && pick == n; ++i) {
        if (state[i] != 0) continue;
        waiting = true;
        bool ready = true;
        for (size_t u : g.nodes[i].upstream) ready = ready && state[u] == 2;
        if (ready) pick = i;
      }
      if (pick == n) {
        if (!waiting) return;
        cv.wait(lock);  // a running node will finish and notify
        continue;
      }
      state[pick] = 1;
      report.nodes[pick].state = NodeState::kRunning;
      progress(pick);
      pipeline::NodeInputs inputs;
      for (const auto& [name, refs] : g.nodes[pick].spec.inputs)
        for (const auto& ref : refs) {
          const auto& up = report.nodes[static_cast<size_t>(g.Find(ref.node))];
          auto it = up.outputs.find(ref.output);
          if (it != up.outputs.end())
            for (const auto& a : it->second) inputs[name].push_back(a);
        }
      lock.unlock();
      NodeOutcome outcome = pipeline::LaunchNode(store, g, pick, inputs, s);
      lock.lock();
      report.nodes[pick] = std::move(outcome);
      state[pick] = 2;
      progress(pick);
      cv.notify_all();
    }
  };
  std::vector<std::thread> pool;
  for (int w = 0; w < std::min<int>(workers, static_cast<int>(n)); ++w) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  RemovePath(s.artifact_root / ".staging" / s.run_id).IgnoreError();

  bool all_ok = true;
  std::string error;
  for (size_t i = 0; i < n; ++i) {
    if (report.nodes[i].state == NodeState::kSkipped && !selected[i]) continue;
    if (!ok_state(report.nodes[i].state)) {
      all_ok = false;
      if (error.empty() && !report.nodes[i].error.empty())
        error = fmt::format("{}: {}", g.nodes[i].spec.name, report.nodes[i].error);
    }
  }
  bool was_cancelled = cancelled != nullptr && cancelled->load();
  report.state = all_ok          ? pipeline::kRunComplete
                 : was_cancelled ? pipeline::kRunCanceled
                                 : pipeline::kRunFailed;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  LATHE_ASSIGN_OR_RETURN(Context done, store.GetContext(s.run_context_id));
  done.properties["state"] = report.state;
  done.properties["end_time_ms"] = NowMillis();
  if (!error.empty()) done.properties["error"] = error;
  LATHE_RETURN_IF_ERROR(store.PutContexts({done}).status());
  return report;
}

}  // namespace lathe::orchestrate
