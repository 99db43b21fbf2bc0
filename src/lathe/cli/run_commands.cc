// lathe run PIPELINE.yaml · lathe runs list|show
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>

#include "lathe/cli/commands.h"
#include "lathe/cli/listing.h"
#include "lathe/cli/pipeline_input.h"
#include "lathe/cli/table.h"
#include "lathe/components/data_components.h"
#include "lathe/components/detail/shard_tasks.h"
#include "lathe/core/json_depth.h"
#include "lathe/core/threads.h"
#include "lathe/metadata/standard_artifacts.h"
#include "lathe/orchestrate/local_runner.h"
#include "lathe/orchestrate/repro.h"
#include "lathe/orchestrate/run_join.h"
#include "lathe/orchestrate/slurm_runner.h"
#include "lathe/orchestrate/slurm_shards.h"
#include "lathe/pipeline/run_record.h"
#include "lathe/pipeline/spec.h"
#include "lathe/registry/run_comparison.h"

namespace lathe::cli {

using namespace lathe::metadata;
using pipeline::NodeOutcome;
using pipeline::NodeState;
namespace standard = metadata::standard;

namespace {

namespace fs = std::filesystem;

std::atomic<bool> g_cancelled{false};

// The first Ctrl-C cancels cleanly; a second one ends the process at once (the next run cleans up).
void OnInterrupt(int sig) {
  if (g_cancelled.exchange(true)) {
    signal(sig, SIG_DFL);
    raise(sig);
  }
}

struct RunArgs {
  std::string spec;
  std::vector<std::string> params;
  bool no_cache = false;
  int parallelism = 0;
  int threads_per_node = 0;
  std::string from, to, only;
  std::string run_id;            // join this run (a node of a run on Slurm, a workflow task)
  std::string runner = "local";  // local or slurm
  std::string recorded_runner;   // recorded with a joined run it creates
  std::string slurm_partition, slurm_time;
  std::vector<std::string> slurm_args;
  std::string shard_engine;  // local or slurm; default: the runner's
};

// Live progress on stdout (logs go to stderr): on a terminal the node table is redrawn in place;
// otherwise one line per finished node. Nothing with --json, whose output is the final report.
class Progress {
 public:
  Progress(const pipeline::PipelineGraph& g, bool json)
      : g_(g), json_(json), tty_(!json && isatty(fileno(stdout))) {
    states_.assign(g.nodes.size(), NodeOutcome{});
  }

  void Update(size_t i, const NodeOutcome& o) {
    std::lock_guard lock(mu_);
    states_[i] = o;
    if (json_) return;
    if (!tty_) {
      if (o.state == NodeState::kRunning) return;  // one line per finished node keeps logs short
      fmt::print(stdout, "{}\n", Line(i));
      std::fflush(stdout);
      return;
    }
    if (drawn_ > 0) fmt::print(stdout, "\x1b[{}A", drawn_);
    for (size_t k = 0; k < states_.size(); ++k) fmt::print(stdout, "\x1b[2K{}\n", Line(k));
    drawn_ = static_cast<int>(states_.size());
    std::fflush(stdout);
  }

 private:
  std::string Line(size_t i) const {
    const NodeOutcome& o = states_[i];
    std::string state(pipeline::NodeStateName(o.state));
    std::string detail;
    if (o.state == NodeState::kComplete || o.state == NodeState::kCached ||
        o.state == NodeState::kFailed || o.state == NodeState::kCanceled)
      detail = fmt::format("{:.2f}s", o.seconds);
    if (o.attempts > 1) detail += fmt::format(" ({} attempts)", o.attempts);
    if (!o.error.empty()) detail += "  " + o.error;
    return fmt::format("  {:<20} {:<9} {}", g_.nodes[i].spec.name, state, detail);
  }

  const pipeline::PipelineGraph& g_;
  const bool json_, tty_;
  std::mutex mu_;
  std::vector<NodeOutcome> states_;
  int drawn_ = 0;
};

int RunCommand(const GlobalOptions& g, const RunArgs& a) {
  int exit_code = kExitOk;
  auto loaded = LoadPipeline(a.spec, a.params, exit_code);
  if (!loaded) return exit_code;
  const auto& overrides = loaded->overrides;
  const pipeline::PipelineGraph* graph = &loaded->graph;
  auto store = OpenStore(g, true);
  if (!store.ok()) return ReportError(store.status());

  Progress progress(*graph, g.json);
  orchestrate::RunOptions o;
  o.artifact_root = g.artifacts_dir;
  o.parallelism = a.parallelism;
  o.threads_per_node = a.threads_per_node;
  o.no_cache = a.no_cache;
  o.from = a.from;
  o.to = a.to;
  o.only = a.only;
  o.spec_path = a.spec;
  o.parameters = overrides;
  o.run_id = a.run_id;
  o.runner = a.recorded_runner;
  o.on_progress = [&](size_t i, const NodeOutcome& out) { progress.Update(i, out); };
  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  if (!g.json) fmt::print(stdout, "pipeline {} ({} nodes)\n", graph->name, graph->nodes.size());
  std::error_code ec;
  const std::string self = fs::read_symlink("/proc/self/exe", ec).string();
  const std::string shard_engine =
      !a.shard_engine.empty() ? a.shard_engine : (a.runner == "slurm" ? "slurm" : "local");
  std::unique_ptr<pipeline::ShardLauncher> shards;
  if (shard_engine == "slurm")
    shards = std::make_unique<orchestrate::SlurmShardLauncher>(
        orchestrate::SlurmShardOptions{.lathe_binary = self,
                                       .partition = a.slurm_partition,
                                       .time_limit = a.slurm_time,
                                       .extra_args = a.slurm_args});
  else
    shards = std::make_unique<pipeline::LocalShardLauncher>(self);
  o.shard_launcher = shards.get();
  auto run = [&]() -> Result<orchestrate::RunReport> {
    if (a.runner != "slurm") return orchestrate::RunPipeline(**store, *graph, o, &g_cancelled);
    orchestrate::SlurmOptions slurm;
    slurm.lathe_binary = self;
    slurm.shard_engine = shard_engine;
    slurm.lathe_global_args = {"--store", g.store_uri, "--model-repository",
                               fs::absolute(g.model_repository, ec).string()};
    slurm.partition = a.slurm_partition;
    slurm.time_limit = a.slurm_time;
    slurm.extra_args = a.slurm_args;
    return orchestrate::RunPipelineOnSlurm(**store, *graph, o, slurm, &g_cancelled);
  };
  auto report = run();
  if (!report.ok()) return ReportError(report.status());

  int counts[8] = {0};
  for (const auto& n : report->nodes) counts[static_cast<int>(n.state)]++;
  if (g.json) {
    nlohmann::json nodes = nlohmann::json::array();
    for (size_t i = 0; i < report->nodes.size(); ++i) {
      const auto& n = report->nodes[i];
      nlohmann::json outs = nlohmann::json::object();
      for (const auto& [name, list] : n.outputs)
        for (const auto& art : list) outs[name].push_back({{"id", art.id}, {"uri", art.uri}});
      nodes.push_back({{"node", graph->nodes[i].spec.name},
                       {"state", pipeline::NodeStateName(n.state)},
                       {"execution_id", n.execution_id},
                       {"seconds", n.seconds},
                       {"attempts", n.attempts},
                       {"error", n.error},
                       {"log", n.log},
                       {"outputs", outs}});
    }
    PrintJson({{"run", report->run_id},
               {"state", report->state},
               {"seconds", report->seconds},
               {"parallelism", report->parallelism},
               {"threads_per_node", report->threads_per_node},
               {"nodes", nodes}});
  } else {
    fmt::print(
        stdout,
        "run {} {} in {:.2f}s: {} executed, {} cached, {} reused, {} failed, {} skipped, {} "
        "canceled ({} at once, {} thread{} each)\n",
        report->run_id, report->state, report->seconds,
        counts[static_cast<int>(NodeState::kComplete)],
        counts[static_cast<int>(NodeState::kCached)], counts[static_cast<int>(NodeState::kReused)],
        counts[static_cast<int>(NodeState::kFailed)], counts[static_cast<int>(NodeState::kSkipped)],
        counts[static_cast<int>(NodeState::kCanceled)], report->parallelism,
        report->threads_per_node, report->threads_per_node == 1 ? "" : "s");
    // Where models went: the one thing a user looks for after a training run.
    for (const auto& n : report->nodes)
      for (const auto& [name, list] : n.outputs)
        for (const auto& a : list) {
          if (a.type != standard::kPushedModel) continue;
          auto text = [&](const char* key) {
            auto it = a.custom_properties.find(key);
            return it == a.custom_properties.end() ? std::string() : it->second.ToDisplayString();
          };
          if (text(standard::kPushed) == "1")
            fmt::print(stdout,
                       "model {} version {} is in {}\n  its lineage: lathe models show {}/{} "
                       "(or lathe lineage {})\n",
                       text(standard::kModelName), text(standard::kModelVersion),
                       text(standard::kDestination), text(standard::kModelName),
                       text(standard::kModelVersion), a.id);
          else if (text(standard::kDryRun) != "1")
            fmt::print(stdout, "model {} was not blessed, so not pushed: lathe eval show {}\n",
                       text(standard::kModelId), text(standard::kModelId));
        }
  }
  if (report->state == pipeline::kRunComplete) return kExitOk;
  return report->state == pipeline::kRunCanceled ? 130 : kExitFailure;
}

std::string Duration(int64_t ms) {
  return ms <= 0 ? "" : fmt::format("{:.2f}s", ms / 1000.0);
}

// "run", or "repro of RUN" for a reproduction.
std::string RunKind(const Context& c) {
  std::string of = PropertyText(c, "repro_of");
  return of.empty() ? "run" : "repro of " + of;
}

int RunsList(const GlobalOptions& g, const std::string& pipeline_name, const PageArgs& page) {
  auto store = OpenStoreReadOnly(g);
  if (!store.ok()) return ReportError(store.status());
  ListOptions o;
  o.filter = fmt::format("type = '{}'", pipeline::kRunContextType);
  if (!pipeline_name.empty())
    o.filter += " AND properties.pipeline = " + QuoteFilterString(pipeline_name);
  o.descending = true;
  return PrintListing<Context>(
      g, o, page, {"RUN", "PIPELINE", "STATE", "STARTED", "DURATION", "KIND"},
      [&](const ListOptions& lo) { return (*store)->ListContexts(lo); },
      [](const Context& c) -> std::vector<std::string> {
        int64_t start = PropertyInt(c, "start_time_ms"), end = PropertyInt(c, "end_time_ms");
        return {c.name,
                PropertyText(c, "pipeline"),
                PropertyText(c, "state"),
                FormatTime(start),
                Duration(end > 0 ? end - start : 0),
                RunKind(c)};
      },
      [](const Context& c) { return ToJson(c); });
}

// A parameter value as a cell ("" when the run does not set it).
std::string ParameterCell(const nlohmann::json& parameters, const std::string& name) {
  if (!parameters.is_object() || !parameters.contains(name)) return "";
  const auto& v = parameters[name];
  return v.is_string() ? v.get<std::string>() : JsonText(v);
}

int RunsCompare(const GlobalOptions& g, const registry::RunComparisonOptions& o) {
  auto store = OpenStoreReadOnly(g);
  if (!store.ok()) return ReportError(store.status());
  auto j = registry::CompareRuns(**store, o);
  if (!j.ok()) return ReportError(j.status());
  if (g.json) {
    PrintJson(*j);
    return kExitOk;
  }
  const auto& runs = (*j)["runs"];
  if (runs.empty()) {
    fmt::print("no runs{}\n", o.pipeline.empty() ? "" : " of pipeline " + o.pipeline);
    return kExitOk;
  }
  // Only the parameters that differ between the runs get a column.
  std::vector<std::string> varying;
  for (const auto& name : (*j)["parameters"]) {
    std::set<std::string> values;
    for (const auto& r : runs) values.insert(ParameterCell(r["parameters"], name));
    if (values.size() > 1) varying.push_back(name);
  }
  std::vector<std::string> headers = {"RUN", "STATE", "DURATION"};
  for (const auto& p : varying) headers.push_back(p);
  for (const auto& m : (*j)["metrics"]) headers.push_back(m.get<std::string>());
  headers.push_back("BLESSED");
  Table t(headers);
  for (const auto& r : runs) {
    std::vector<std::string> row = {
        r["run"].get<std::string>(), r["state"].get<std::string>(),
        r["duration_ms"].is_number() ? fmt::format("{:.1f}s", r["duration_ms"].get<double>() / 1000)
                                     : ""};
    for (const auto& p : varying) row.push_back(ParameterCell(r["parameters"], p));
    for (const auto& m : (*j)["metrics"]) {
      const auto& metrics = r["metrics"];
      const std::string name = m.get<std::string>();
      row.push_back(metrics.contains(name) ? fmt::format("{:.4f}", metrics[name].get<double>())
                                           : "");
    }
    row.push_back(r["blessed"].is_boolean() ? (r["blessed"].get<bool>() ? "yes" : "no") : "");
    t.AddRow(std::move(row));
  }
  t.Print(stdout, TerminalWidth(stdout));
  return kExitOk;
}

int RunsShow(const GlobalOptions& g, const std::string& run_id) {
  auto store = OpenStoreReadOnly(g);
  if (!store.ok()) return ReportError(store.status());
  auto& s = **store;
  auto described = pipeline::DescribeRun(s, run_id);
  if (!described.ok()) return ReportError(described.status());
  if (g.json) {
    PrintJson(*described);
    return kExitOk;
  }
  auto run = s.GetContextByTypeAndName(pipeline::kRunContextType, run_id);
  if (!run.ok()) return ReportError(run.status());
  if (!*run) return ReportError(NotFoundError(fmt::format("no run '{}'", run_id)));
  const Context& r = **run;
  Table t({"NODE", "STATE", "DURATION", "INPUTS", "OUTPUTS", "LOG"});
  for (const auto& n : (*described)["nodes"]) {
    auto links = [](const nlohmann::json& events) {
      std::string out;
      for (const auto& ev : events)
        out += fmt::format("{}{}={}", out.empty() ? "" : " ", ev["name"].get<std::string>(),
                           ev["artifact_id"].get<int64_t>());
      return out;
    };
    t.AddRow({n["node"].get<std::string>(), n["state"].get<std::string>(),
              Duration(n["duration_ms"].get<int64_t>()), links(n["inputs"]), links(n["outputs"]),
              n["log"].get<std::string>()});
  }
  int64_t start = PropertyInt(r, "start_time_ms"), end = PropertyInt(r, "end_time_ms");
  fmt::print("run {}\n  pipeline  {}\n  state     {}\n  started   {}\n  duration  {}\n", r.name,
             PropertyText(r, "pipeline"), PropertyText(r, "state"), FormatTime(start),
             Duration(end > 0 ? end - start : 0));
  if (!PropertyText(r, "repro_of").empty())
    fmt::print("  kind      a reproduction of run {} (it changed nothing in production)\n",
               PropertyText(r, "repro_of"));
  if (!PropertyText(r, "error").empty()) fmt::print("  error     {}\n", PropertyText(r, "error"));
  fmt::print("  params    {}\n  spec      {}\n  lathe     {} on {}\n",
             PropertyText(r, "parameters"), PropertyText(r, "spec_path"),
             PropertyText(r, "lathe_version"), PropertyText(r, "host"));
  if (!PropertyText(r, "git_commit").empty())
    fmt::print("  git       {}{}\n", PropertyText(r, "git_commit"),
               PropertyText(r, "git_dirty") == "true" ? " (dirty)" : "");
  fmt::print("\n");
  t.Print(stdout, TerminalWidth(stdout));
  return kExitOk;
}

int RunsRepro(const GlobalOptions& g, const std::string& run_id, int parallelism) {
  auto store = OpenStore(g, false);
  if (!store.ok()) return ReportError(store.status());
  orchestrate::RunOptions o;
  o.artifact_root = g.artifacts_dir;
  o.parallelism = parallelism;
  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sigaction(SIGINT, &sa, nullptr);
  auto report = orchestrate::ReproduceRun(**store, run_id, o, &g_cancelled);
  if (!report.ok()) return ReportError(report.status());
  const auto& r = *report;
  if (g.json) {
    PrintJson(orchestrate::ReproReportToJson(r));
  } else if (!r.changed_inputs.empty()) {
    fmt::print("cannot reproduce {}: files it read have changed, so nothing was run\n",
               r.original_run);
    for (const auto& c : r.changed_inputs)
      fmt::print("  {} (read by node {}): {}; fingerprint then {}, now {}\n", c.path, c.node,
                 c.what, c.fingerprint_then, c.fingerprint_now.empty() ? "-" : c.fingerprint_now);
    fmt::print("NOT reproducible: restore these files to reproduce the run\n");
  } else {
    fmt::print("reproducing {} as {}: {}\n", r.original_run, r.run.run_id, r.run.state);
    for (const auto& n : r.changed_code)
      fmt::print("note: node {} is defined differently now (its code files changed)\n", n);
    Table t({"NODE", "OUTPUT", "RESULT", "ORIGINAL", "REPRODUCED"});
    int differ = 0;
    for (const auto& c : r.outputs) {
      if (!c.match()) ++differ;
      t.AddRow({c.node, c.output, c.match() ? "same" : "DIFFERS",
                c.nothing_selected ? "(nothing selected)" : c.original, c.reproduced});
    }
    t.Print(stdout, TerminalWidth(stdout));
    fmt::print("{}: {} of {} outputs reproduced\n",
               r.reproducible() ? "reproducible" : "NOT reproducible", r.outputs.size() - differ,
               r.outputs.size());
  }
  return r.reproducible() ? kExitOk : kExitFailure;
}

}  // namespace

void AddRunCommands(CLI::App& app, const GlobalOptions& g, int& exit_code) {
  auto* run =
      app.add_subcommand("run", "run a pipeline: unchanged steps are reused from the cache");
  auto a = std::make_shared<RunArgs>();
  run->add_option("PIPELINE", a->spec, "pipeline spec (YAML)")->required();
  run->add_option("--param", a->params, "NAME=VALUE of a pipeline parameter");
  run->add_flag("--no-cache", a->no_cache, "execute every node, even when a cached result exists");
  run->add_option("--parallelism", a->parallelism,
                  "nodes run at once (default: one per core, at most as many as can run together)")
      ->check(CLI::Range(1, 256));
  run->add_option("--threads-per-node", a->threads_per_node,
                  "threads each node may use (default: cores / nodes at once)")
      ->check(CLI::Range(1, 1024));
  run->add_option("--from", a->from, "run this node and everything downstream of it");
  run->add_option("--to", a->to, "run this node and everything upstream of it");
  run->add_option("--only", a->only, "run just this node");
  run->add_option(
         "--runner", a->runner,
         "local: this machine's cores; slurm: each node a Slurm batch job (docs/cluster.md)")
      ->check(CLI::IsMember({"local", "slurm"}));
  run->add_option("--run-id", a->run_id,
                  "join run RUN (created when missing) instead of starting one: how Slurm jobs "
                  "and exported workflow tasks run a node (with --only)");
  run->add_option("--recorded-runner", a->recorded_runner,
                  "what a run created by --run-id records as its runner (argo, airflow, ...)");
  run->add_option("--slurm-partition", a->slurm_partition, "sbatch --partition of every job");
  run->add_option("--slurm-time", a->slurm_time, "sbatch --time of every job (e.g. 1:00:00)");
  run->add_option("--slurm-arg", a->slurm_args,
                  "one more sbatch option for every job, e.g. --slurm-arg=--mem=4G (repeatable)")
      ->allow_extra_args(false);
  run->add_option("--shard-engine", a->shard_engine,
                  "where nodes with shards run their shard tasks: local (processes here) or slurm "
                  "(a job array); default: the runner's")
      ->check(CLI::IsMember({"local", "slurm"}));
  run->callback([&g, &exit_code, a] { exit_code = RunCommand(g, *a); });

  // The shard tasks' entry point (pipeline/shards.h): a process started by a shard launcher.
  auto* shard = app.add_subcommand("shard", "shard tasks of ExampleGen and StatisticsGen");
  shard->require_subcommand(1);
  auto* shard_run = shard->add_subcommand(
      "run", "run task INDEX of a shard task file (what a node with `shards` starts)");
  auto task_file = std::make_shared<std::string>();
  auto task_index = std::make_shared<int>(-1);
  shard_run->add_option("TASK_FILE", *task_file, "the node's tasks.json")->required();
  shard_run->add_option("INDEX", *task_index, "the task (from 0)")->required();
  shard_run->callback([&exit_code, task_file, task_index] {
    // The task's share of the threads, as its launcher set it (one by default).
    const char* share = std::getenv("LATHE_THREADS");
    ScopedThreadBudget budget(share != nullptr ? std::max(1, std::atoi(share)) : 1);
    Status st = components::detail::RunShardTask(*task_file, *task_index);
    exit_code = st.ok() ? kExitOk : ReportError(st);
  });

  auto* runs = app.add_subcommand("runs", "pipeline runs");
  runs->require_subcommand(1);
  auto* finish = runs->add_subcommand(
      "finish",
      "record the end of a run whose nodes ran as separate tasks (--run-id): COMPLETE when every "
      "node completed; exit 1 when it did not");
  auto finish_run = std::make_shared<std::string>();
  auto finish_cancelled = std::make_shared<bool>(false);
  finish->add_option("RUN", *finish_run, "the run's id")->required();
  finish->add_flag("--cancelled", *finish_cancelled, "the workflow was cancelled");
  finish->callback([&g, &exit_code, finish_run, finish_cancelled] {
    auto store = OpenStore(g, false);
    if (!store.ok()) {
      exit_code = ReportError(store.status());
      return;
    }
    auto done = orchestrate::FinishRun(
        **store, *finish_run,
        {.cancelled = *finish_cancelled, .artifact_root = fs::absolute(g.artifacts_dir)});
    if (!done.ok()) {
      exit_code = ReportError(done.status());
      return;
    }
    if (g.json)
      PrintJson({{"run", *finish_run}, {"state", done->state}, {"error", done->error}});
    else
      fmt::print("run {} {}{}\n", *finish_run, done->state,
                 done->error.empty() ? "" : ": " + done->error);
    exit_code = done->state == pipeline::kRunComplete ? kExitOk : kExitFailure;
  });

  auto* list = runs->add_subcommand("list", "recorded runs, newest first (reproductions marked)");
  auto pipeline_name = std::make_shared<std::string>();
  auto page = std::make_shared<PageArgs>();
  list->add_option("--pipeline", *pipeline_name, "only runs of this pipeline");
  AddPageOptions(list, *page);
  list->callback(
      [&g, &exit_code, pipeline_name, page] { exit_code = RunsList(g, *pipeline_name, *page); });
  auto* show =
      runs->add_subcommand("show", "one run: nodes, states, durations, inputs, outputs, logs");
  auto run_id = std::make_shared<std::string>();
  show->add_option("RUN", *run_id, "run id")->required();
  show->callback([&g, &exit_code, run_id] { exit_code = RunsShow(g, *run_id); });
  auto* compare = runs->add_subcommand(
      "compare", "runs side by side: the parameters that differ, metrics, blessing (newest first)");
  auto compare_options = std::make_shared<registry::RunComparisonOptions>();
  compare->add_option("--pipeline", compare_options->pipeline, "only runs of this pipeline");
  compare->add_option("--limit", compare_options->limit, "the newest this many runs")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  compare->callback(
      [&g, &exit_code, compare_options] { exit_code = RunsCompare(g, *compare_options); });
  auto* repro = runs->add_subcommand("repro",
                                     "execute a past run again from its record, cache off, and "
                                     "compare every output's fingerprint");
  auto repro_id = std::make_shared<std::string>();
  auto repro_parallelism = std::make_shared<int>(0);
  repro->add_option("RUN", *repro_id, "run id")->required();
  repro
      ->add_option("--parallelism", *repro_parallelism, "nodes run at once (default: one per core)")
      ->check(CLI::Range(1, 256));
  repro->callback([&g, &exit_code, repro_id, repro_parallelism] {
    exit_code = RunsRepro(g, *repro_id, *repro_parallelism);
  });
}

}  // namespace lathe::cli
