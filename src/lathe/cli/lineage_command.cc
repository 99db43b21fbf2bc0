// lathe lineage ID [--execution] [--direction up|down|both] [--hops N] [--json|--dot]
#include <fmt/format.h>

#include "lathe/cli/commands.h"
#include "lathe/cli/table.h"
#include "lathe/metadata/describe.h"

namespace lathe::cli {

using namespace lathe::metadata;

namespace {

struct LineageArgs {
  int64_t id = 0;
  bool from_execution = false;
  std::string direction = "up";
  int hops = 20;
  std::string artifact_filter;
  std::string execution_filter;
  int max_nodes = 10000;
  bool dot = false;
  bool include_cache_hits = false;
};

std::string ArtifactLabel(const Artifact& a) {
  return a.name.empty() ? a.uri : a.name;
}

void PrintDot(const LineageGraph& graph) {
  auto quote = [](const std::string& s) {
    std::string out;
    for (char c : s) out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
    return out;
  };
  fmt::print("digraph lineage {{\n  rankdir=LR;\n");
  for (const auto& a : graph.artifacts)
    fmt::print("  a{} [shape=box, label=\"{}\\n{} #{}\"];\n", a.id, quote(ArtifactLabel(a)),
               quote(a.type), a.id);
  for (const auto& e : graph.executions)
    fmt::print(
        "  e{} [shape=ellipse, label=\"{}\\n#{}{}\"];\n", e.id, quote(e.type), e.id,
        graph.cache_hits[&e - graph.executions.data()] > 0
            ? fmt::format("\\n+{} cache hits", graph.cache_hits[&e - graph.executions.data()])
            : "");
  for (const auto& ev : graph.events) {
    if (IsInputEvent(ev.type))
      fmt::print("  a{} -> e{};\n", ev.artifact_id, ev.execution_id);
    else
      fmt::print("  e{} -> a{};\n", ev.execution_id, ev.artifact_id);
  }
  fmt::print("}}\n");
}

void PrintTable(const LineageGraph& graph, const LineageArgs& args) {
  fmt::print("lineage of {} {} ({}, up to {} hops): {} artifacts, {} executions{}\n",
             args.from_execution ? "execution" : "artifact", args.id, args.direction, args.hops,
             graph.artifacts.size(), graph.executions.size(),
             graph.truncated ? " (truncated)" : "");
  Table table({"HOPS", "NODE", "TYPE", "NAME", "STATE", "INPUTS", "OUTPUTS"});
  struct Row {
    int hops;
    std::vector<std::string> cells;
  };
  std::vector<Row> rows;
  std::map<int64_t, std::string> inputs, outputs;  // execution id -> artifact ids
  for (const auto& e : graph.events) {
    auto& m = IsInputEvent(e.type) ? inputs : outputs;
    m[e.execution_id] += (m[e.execution_id].empty() ? "" : ",") + std::to_string(e.artifact_id);
  }
  for (size_t i = 0; i < graph.artifacts.size(); ++i) {
    const auto& a = graph.artifacts[i];
    rows.push_back({graph.artifact_hops[i].hops,
                    {std::to_string(graph.artifact_hops[i].hops), fmt::format("artifact {}", a.id),
                     a.type, ArtifactLabel(a), std::string(ArtifactStateName(a.state)), "", ""}});
  }
  for (size_t i = 0; i < graph.executions.size(); ++i) {
    const auto& e = graph.executions[i];
    rows.push_back(
        {graph.execution_hops[i].hops,
         {std::to_string(graph.execution_hops[i].hops), fmt::format("execution {}", e.id), e.type,
          e.name,
          graph.cache_hits[i] > 0
              ? fmt::format("{} (+{} cache hits)", ExecutionStateName(e.state), graph.cache_hits[i])
              : std::string(ExecutionStateName(e.state)),
          inputs[e.id], outputs[e.id]}});
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.hops < b.hops; });
  for (auto& r : rows) table.AddRow(std::move(r.cells));
  table.Print(stdout, TerminalWidth(stdout));
}

int RunLineage(const GlobalOptions& g, const LineageArgs& args) {
  auto store = OpenStoreReadOnly(g);
  if (!store.ok()) return ReportError(store.status());
  LineageRequest req;
  (args.from_execution ? req.execution_ids : req.artifact_ids).push_back(args.id);
  req.direction = args.direction == "down"   ? LineageDirection::kDownstream
                  : args.direction == "both" ? LineageDirection::kBoth
                                             : LineageDirection::kUpstream;
  req.max_hops = args.hops;
  req.artifact_filter = args.artifact_filter;
  req.execution_filter = args.execution_filter;
  req.max_nodes = args.max_nodes;
  req.include_cache_hits = args.include_cache_hits;
  auto graph = (*store)->GetLineage(req);
  if (!graph.ok()) return ReportRequestError(graph.status());
  if (g.json)
    PrintJson(LineageToJson(*graph));
  else if (args.dot)
    PrintDot(*graph);
  else
    PrintTable(*graph, args);
  return kExitOk;
}

}  // namespace

void AddLineageCommand(CLI::App& app, const GlobalOptions& g, int& exit_code) {
  auto* cmd = app.add_subcommand("lineage", "what an artifact came from, or what was made from it");
  auto args = std::make_shared<LineageArgs>();
  cmd->add_option("ID", args->id, "artifact id (execution id with --execution)")->required();
  cmd->add_flag("--execution", args->from_execution, "ID is an execution");
  cmd->add_option("--direction", args->direction,
                  "up (what produced it), down (what used it) or both")
      ->check(CLI::IsMember({"up", "down", "both"}))
      ->default_str("up");
  cmd->add_option("--hops", args->hops, "maximum number of event edges from the start")
      ->check(CLI::Range(0, 1000))
      ->default_str("20");
  cmd->add_option("--artifact-filter", args->artifact_filter,
                  "keep only artifacts matching this filter");
  cmd->add_option("--execution-filter", args->execution_filter,
                  "keep only executions matching this filter");
  cmd->add_option("--max-nodes", args->max_nodes, "at most this many nodes, nearest first")
      ->check(CLI::Range(1, 1000000))
      ->default_str("10000");
  cmd->add_flag("--dot", args->dot, "print a Graphviz graph");
  cmd->add_flag("--include-cache-hits", args->include_cache_hits,
                "walk through cached executions too (by default each producer shows a count)");
  cmd->callback([&g, &exit_code, args] { exit_code = RunLineage(g, *args); });
}

}  // namespace lathe::cli
