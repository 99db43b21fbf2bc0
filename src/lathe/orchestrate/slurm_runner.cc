#include "lathe/orchestrate/slurm_runner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "lathe/core/fs.h"
#include "lathe/core/strings.h"
#include "lathe/core/subprocess.h"
#include "lathe/orchestrate/detail/run_start.h"
#include "lathe/orchestrate/detail/slurm_jobs.h"
#include "lathe/orchestrate/run_join.h"
#include "lathe/pipeline/run_record.h"

namespace lathe::orchestrate {

namespace fs = std::filesystem;
using metadata::ExecutionState;
using metadata::MetadataStore;
using pipeline::NodeOutcome;
using pipeline::NodeState;
using pipeline::PipelineGraph;

using detail::Job;
using detail::QueryStates;
using detail::ShellQuote;
using detail::Terminal;

namespace {

// The newest execution of `node` in the run, if any.
Result<std::optional<metadata::Execution>> NodeExecution(MetadataStore& store, int64_t run_context,
                                                         const std::string& node) {
  metadata::ListOptions o;
  o.filter = fmt::format("properties.node = '{}' AND context.id = {}", node, run_context);
  o.descending = true;
  o.page_size = 1;
  LATHE_ASSIGN_OR_RETURN(auto page, store.ListExecutions(o));
  if (page.items.empty()) return std::optional<metadata::Execution>();
  return std::optional<metadata::Execution>(std::move(page.items[0]));
}

NodeState StateOf(ExecutionState s) {
  switch (s) {
    case ExecutionState::kComplete:
      return NodeState::kComplete;
    case ExecutionState::kCached:
      return NodeState::kCached;
    case ExecutionState::kCanceled:
      return NodeState::kCanceled;
    case ExecutionState::kRunning:
    case ExecutionState::kNew:
      return NodeState::kRunning;
    default:
      return NodeState::kFailed;
  }
}

}  // namespace

Result<RunReport> RunPipelineOnSlurm(MetadataStore& store, const PipelineGraph& g,
                                     const RunOptions& o, const SlurmOptions& slurm,
                                     const std::atomic<bool>* cancelled) {
  const auto t0 = std::chrono::steady_clock::now();
  if (slurm.lathe_binary.empty()) return InvalidArgumentError("no lathe command for the jobs");
  if (RunProgram({"sbatch", "--version"}).exit_code != 0)
    return UnavailableError(
        "sbatch cannot run here: install Slurm's client commands (Debian: slurm-client) and set "
        "SLURM_CONF if the cluster's configuration is not in /etc/slurm");
  if (!o.run_id.empty())
    return InvalidArgumentError(
        "--run-id joins a run from one of its nodes; the Slurm runner "
        "starts its own");
  LATHE_ASSIGN_OR_RETURN(std::vector<bool> selected, detail::Selection(g, o));
  LATHE_RETURN_IF_ERROR(pipeline::RegisterRunTypes(store));

  pipeline::RunSettings s;
  std::error_code ec;
  s.artifact_root = fs::absolute(o.artifact_root, ec).lexically_normal();
  s.pipeline = g.name;
  LATHE_ASSIGN_OR_RETURN(s.pipeline_context_id, detail::PipelineContext(store, g.name));
  LATHE_RETURN_IF_ERROR(
      pipeline::CleanUpAbandonedRuns(store, s.artifact_root, s.pipeline_context_id));
  RunOptions start = o;
  start.runner = "slurm";
  LATHE_RETURN_IF_ERROR(detail::RecordRunStart(store, g, start, s));

  RunReport report;
  report.run_id = s.run_id;
  report.run_context_id = s.run_context_id;
  report.parallelism = 0;  // Slurm decides
  report.threads_per_node = o.threads_per_node > 0 ? o.threads_per_node : 1;
  report.nodes.assign(g.nodes.size(), NodeOutcome{});
  auto progress = [&](size_t i) {
    if (o.on_progress) o.on_progress(i, report.nodes[i]);
  };

  const fs::path log_dir = slurm.log_dir.empty() ? s.artifact_root / ".logs" / s.run_id
                                                 : fs::absolute(slurm.log_dir, ec);
  fs::create_directories(log_dir, ec);
  if (ec)
    return FailedPreconditionError(
        fmt::format("cannot create the jobs' folder {}: {}", log_dir.string(), ec.message()));
  const std::string spec = fs::absolute(o.spec_path, ec).string();
  const std::string cwd = fs::current_path(ec).string();

  // Submit in topological order: a job's dependencies are submitted before it.
  std::vector<Job> jobs;
  std::vector<std::string> job_of(g.nodes.size());
  auto cancel_all = [&]() {
    std::vector<std::string> argv = {"scancel"};
    for (const auto& j : jobs)
      if (!Terminal(j.state)) argv.push_back(j.id);
    if (argv.size() > 1) RunProgram(argv);
  };
  std::string submit_error;
  for (size_t i = 0; i < g.nodes.size() && submit_error.empty(); ++i) {
    if (!selected[i]) {
      report.nodes[i].state = NodeState::kSkipped;
      continue;
    }
    const std::string& node = g.nodes[i].spec.name;
    std::vector<std::string> cmd = {slurm.lathe_binary};
    cmd.insert(cmd.end(), slurm.lathe_global_args.begin(), slurm.lathe_global_args.end());
    cmd.insert(cmd.end(), {"--artifacts", s.artifact_root.string(), "run", spec, "--only", node,
                           "--run-id", s.run_id, "--recorded-runner", "slurm", "--threads-per-node",
                           std::to_string(report.threads_per_node)});
    if (o.no_cache) cmd.push_back("--no-cache");
    cmd.insert(cmd.end(), {"--shard-engine", slurm.shard_engine});
    if (!slurm.partition.empty()) cmd.insert(cmd.end(), {"--slurm-partition", slurm.partition});
    if (!slurm.time_limit.empty()) cmd.insert(cmd.end(), {"--slurm-time", slurm.time_limit});
    for (const auto& arg : slurm.extra_args) cmd.push_back("--slurm-arg=" + arg);
    for (const auto& [k, v] : o.parameters) cmd.insert(cmd.end(), {"--param", k + "=" + v});
    std::string script = "#!/bin/sh\n# lathe: node " + node + " of run " + s.run_id + "\nexec";
    for (const auto& c : cmd) script += " " + ShellQuote(c);
    script += "\n";
    const fs::path script_path = log_dir / (node + ".sbatch");
    if (Status st = WriteTextFile(script_path, script); !st.ok()) {
      submit_error = st.message();
      break;
    }
    Job job;
    job.node = i;
    job.log = log_dir / (node + ".log");
    std::vector<std::string> options = {
        "--job-name=lathe:" + g.name + ":" + node, "--output=" + job.log.string(), "--chdir=" + cwd,
        "--cpus-per-task=" + std::to_string(report.threads_per_node), "--export=ALL"};
    std::string deps;
    for (size_t u : g.nodes[i].upstream)
      if (!job_of[u].empty()) deps += ":" + job_of[u];
    if (!deps.empty()) {
      options.push_back("--dependency=afterok" + deps);
      options.push_back("--kill-on-invalid-dep=yes");
    }
    auto id = detail::SubmitBatchJob(options, {slurm.partition, slurm.time_limit, slurm.extra_args},
                                     script_path);
    if (!id.ok()) {
      submit_error = fmt::format("sbatch refused node {}: {}", node, id.status().message());
      break;
    }
    job.id = *id;
    job_of[i] = *id;
    jobs.push_back(job);
    spdlog::debug("node {}: Slurm job {}", node, *id);
  }
  if (!submit_error.empty()) {
    cancel_all();
    FinishRun(store, s.run_id,
              {.cancelled = false,
               .unfinished_error = "the run could not be submitted",
               .expected_nodes = {},
               .artifact_root = s.artifact_root})
        .status()
        .IgnoreError();
    return UnavailableError(submit_error);
  }

  // Follow the jobs until every one has ended.
  bool cancel_sent = false;
  auto cancel_deadline = std::chrono::steady_clock::time_point::max();
  while (true) {
    if (cancelled != nullptr && cancelled->load() && !cancel_sent) {
      cancel_all();
      cancel_sent = true;
      cancel_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    }
    QueryStates(jobs);
    bool all_ended = true;
    for (const auto& j : jobs) {
      if (j.state == "RUNNING" && report.nodes[j.node].state == NodeState::kPending) {
        report.nodes[j.node].state = NodeState::kRunning;
        progress(j.node);
      }
      all_ended = all_ended && Terminal(j.state);
    }
    if (all_ended || std::chrono::steady_clock::now() > cancel_deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(slurm.poll_interval_ms));
  }

  // What each node did, from the store; what the store cannot say, from Slurm.
  const bool was_cancelled = cancelled != nullptr && cancelled->load();
  std::vector<std::string> expected;
  for (const auto& j : jobs) {
    const auto& spec_node = g.nodes[j.node];
    expected.push_back(spec_node.spec.name);
    NodeOutcome& out = report.nodes[j.node];
    out.log = j.log.string();
    LATHE_ASSIGN_OR_RETURN(auto exec, NodeExecution(store, s.run_context_id, spec_node.spec.name));
    if (exec && (exec->state == ExecutionState::kRunning || exec->state == ExecutionState::kNew)) {
      // The job ended without recording the node's end: Slurm killed it.
      std::string error = fmt::format("Slurm job {} ended {}{}; its log: {}", j.id, j.state,
                                      was_cancelled ? " (cancelled)" : "", j.log.string());
      LATHE_RETURN_IF_ERROR(pipeline::AbandonExecution(store, s.artifact_root, *exec, error));
      LATHE_ASSIGN_OR_RETURN(exec, NodeExecution(store, s.run_context_id, spec_node.spec.name));
    }
    if (exec) {
      out.state = StateOf(exec->state);
      out.execution_id = exec->id;
      out.error = metadata::PropertyText(*exec, "error");
      // Slurm ended the job (scancel, time limit, node failure): say so beside the node's error.
      if (j.state != "COMPLETED" && j.state != "FAILED" &&
          out.error.find("Slurm job") == std::string::npos)
        out.error +=
            fmt::format("{}Slurm job {} ended {}", out.error.empty() ? "" : "; ", j.id, j.state);
      if (out.state == NodeState::kComplete || out.state == NodeState::kCached) {
        LATHE_ASSIGN_OR_RETURN(auto outputs, pipeline::RunOutputs(store, s, spec_node));
        if (outputs) out.outputs = std::move(outputs->outputs);
      }
      // Which job ran it, and where its output went.
      exec->custom_properties["slurm_job_id"] = j.id;
      exec->custom_properties["slurm_job_state"] = j.state;
      exec->custom_properties["slurm_log"] = j.log.string();
      store.PutExecutions({*exec}).status().IgnoreError();  // a later writer's change wins
    } else if (j.reason.find("Dependency") != std::string::npos ||
               (j.state == "CANCELLED" && !was_cancelled && j.reason.empty())) {
      out.state = NodeState::kSkipped;
      out.error = "an upstream node did not succeed";
    } else if (was_cancelled || j.state == "CANCELLED") {
      out.state = NodeState::kCanceled;
      out.error = fmt::format("Slurm job {} was cancelled before it started", j.id);
    } else {
      out.state = NodeState::kFailed;
      out.error = fmt::format("Slurm job {} ended {} before recording the node; its log: {}", j.id,
                              Terminal(j.state) ? j.state : "in an unknown state", j.log.string());
    }
    progress(j.node);
  }
  LATHE_ASSIGN_OR_RETURN(
      auto finished, FinishRun(store, s.run_id,
                               {.cancelled = was_cancelled,
                                .unfinished_error = "its Slurm job ended before the node finished",
                                .expected_nodes = expected,
                                .artifact_root = s.artifact_root}));
  report.state = finished.state;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

}  // namespace lathe::orchestrate
