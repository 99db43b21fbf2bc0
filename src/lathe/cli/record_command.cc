// lathe record TYPE --input T=PATH --output T=PATH --context T=NAME --property K=V
// Records work done outside Lathe (a script, a notebook, a manual step) as an execution with its
// input and output files, so that it takes part in lineage like any pipeline step.
#include <fmt/format.h>

#include <filesystem>

#include "lathe/cli/commands.h"
#include "lathe/metadata/external_record.h"

namespace lathe::cli {

using namespace lathe::metadata;
namespace fs = std::filesystem;

namespace {

struct RecordArgs {
  std::string type;
  std::string name;
  std::vector<std::string> inputs, outputs, contexts, properties;
  std::string state = "COMPLETE";
};

// The command line as a RecordRequest; INVALID_ARGUMENT (a usage error) for a malformed item.
Result<RecordRequest> ToRequest(const RecordArgs& args) {
  RecordRequest r;
  r.execution_type = args.type;
  r.name = args.name;
  LATHE_ASSIGN_OR_RETURN(r.state, ParseExecutionState(args.state));
  for (const auto& p : args.properties) {
    LATHE_ASSIGN_OR_RETURN(auto kv, SplitAssignment(p, "--property"));
    r.properties.push_back(std::move(kv));
  }
  for (const auto& i : args.inputs) {
    LATHE_ASSIGN_OR_RETURN(auto kv, SplitAssignment(i, "--input"));
    r.inputs.emplace_back(kv.first, kv.second);
  }
  for (const auto& o : args.outputs) {
    LATHE_ASSIGN_OR_RETURN(auto kv, SplitAssignment(o, "--output"));
    r.outputs.emplace_back(kv.first, kv.second);
  }
  for (const auto& c : args.contexts) {
    LATHE_ASSIGN_OR_RETURN(auto kv, SplitAssignment(c, "--context"));
    r.contexts.push_back(std::move(kv));
  }
  return r;
}

}  // namespace

void AddRecordCommand(CLI::App& app, const GlobalOptions& g, int& exit_code) {
  auto* cmd = app.add_subcommand("record",
                                 "record work done outside Lathe, with its input and output files");
  auto args = std::make_shared<RecordArgs>();
  cmd->add_option("TYPE", args->type, "execution type, e.g. Trainer")->required();
  cmd->add_option("--name", args->name, "execution name");
  cmd->add_option("--input", args->inputs, "TYPE=PATH of a file or directory read");
  cmd->add_option("--output", args->outputs, "TYPE=PATH of a file or directory written");
  cmd->add_option("--context", args->contexts,
                  "TYPE=NAME of a context (pipeline, run, experiment)");
  cmd->add_option("--property", args->properties, "NAME=VALUE of the execution");
  cmd->add_option("--state", args->state, "final state of the execution")->default_str("COMPLETE");
  cmd->callback([&g, &exit_code, args] {
    auto request = ToRequest(*args);
    if (!request.ok()) {
      exit_code = ReportUsageError(request.status());
      return;
    }
    auto store = OpenStore(g, true);
    if (!store.ok()) {
      exit_code = ReportError(store.status());
      return;
    }
    auto r = RecordExecution(**store, *request);
    if (!r.ok()) {
      exit_code = ReportError(r.status());
      return;
    }
    size_t n_in = args->inputs.size();
    std::vector<int64_t> in(r->artifact_ids.begin(), r->artifact_ids.begin() + n_in);
    std::vector<int64_t> out(r->artifact_ids.begin() + n_in, r->artifact_ids.end());
    if (g.json) {
      PrintJson({{"execution_id", r->execution_id},
                 {"inputs", in},
                 {"outputs", out},
                 {"contexts", r->context_ids}});
    } else {
      fmt::print("recorded execution {} ({}): inputs {} outputs {}\n", r->execution_id, args->type,
                 fmt::join(in, ","), fmt::join(out, ","));
    }
  });
}

}  // namespace lathe::cli
