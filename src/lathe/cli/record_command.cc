// lathe record TYPE --input T=PATH --output T=PATH --context T=NAME --property K=V
// Records work done outside Lathe (a script, a notebook, a manual step) as an execution with its
// input and output files, so that it takes part in lineage like any pipeline step.
#include <fmt/format.h>

#include <filesystem>

#include "lathe/cli/commands.h"
#include "lathe/core/hash.h"

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

Status EnsureType(MetadataStore& store, TypeKind kind, const std::string& name) {
  Type t;
  t.kind = kind;
  t.name = name;
  // An existing type keeps its properties; a new one starts without any.
  return store.PutType(t, {.can_add_fields = true, .can_omit_fields = true}).status();
}

// Resolves "TYPE=PATH" to an artifact: an input already recorded with the same location and
// content is reused, so that records chain into lineage; anything else is new.
Result<ArtifactAndEvent> FileArtifact(MetadataStore& store, const std::string& spec, bool input,
                                      int index) {
  LATHE_ASSIGN_OR_RETURN(auto kv, SplitAssignment(spec, input ? "--input" : "--output"));
  auto& [type, path_text] = kv;
  std::error_code ec;
  fs::path path = fs::absolute(path_text, ec).lexically_normal();
  if (!fs::exists(path, ec))
    return NotFoundError(
        fmt::format("{} {} does not exist", input ? "input" : "output", path_text));
  LATHE_ASSIGN_OR_RETURN(std::string fingerprint, FingerprintPath(path));
  LATHE_RETURN_IF_ERROR(EnsureType(store, TypeKind::kArtifact, type));
  Event event;
  event.type = input ? EventType::kInput : EventType::kOutput;
  event.path = {type, int64_t{index}};
  if (input) {
    ListOptions o;
    o.filter = fmt::format("fingerprint = '{}' AND state = 'LIVE'", fingerprint);
    o.descending = true;
    o.page_size = 1;
    LATHE_ASSIGN_OR_RETURN(auto page, store.GetArtifactsByUri(path.string(), o));
    if (!page.items.empty()) return ArtifactAndEvent::Reference(page.items.front().id, event);
  }
  ArtifactAndEvent ae;
  ae.artifact.type = type;
  ae.artifact.name = path.filename().string();
  ae.artifact.uri = path.string();
  ae.artifact.state = ArtifactState::kLive;
  ae.artifact.fingerprint = fingerprint;
  ae.event = event;
  return ae;
}

Result<PutExecutionResponse> Record(MetadataStore& store, const RecordArgs& args) {
  LATHE_RETURN_IF_ERROR(EnsureType(store, TypeKind::kExecution, args.type));
  LATHE_ASSIGN_OR_RETURN(Type exec_type, store.GetType(TypeKind::kExecution, args.type));
  PutExecutionRequest req;
  req.execution.type = args.type;
  req.execution.name = args.name;
  LATHE_ASSIGN_OR_RETURN(req.execution.state, ParseExecutionState(args.state));
  for (const auto& p : args.properties) {
    LATHE_ASSIGN_OR_RETURN(auto kv, SplitAssignment(p, "--property"));
    auto declared = exec_type.properties.find(kv.first);
    if (declared == exec_type.properties.end()) {
      req.execution.custom_properties[kv.first] = Value::FromText(kv.second);
    } else {
      auto v = Value::FromText(kv.second, declared->second);
      if (!v.ok()) return v.status().WithContext(fmt::format("--property {}", kv.first));
      req.execution.properties[kv.first] = *v;
    }
  }
  for (size_t i = 0; i < args.inputs.size(); ++i) {
    LATHE_ASSIGN_OR_RETURN(auto ae, FileArtifact(store, args.inputs[i], true, static_cast<int>(i)));
    req.artifacts.push_back(std::move(ae));
  }
  for (size_t i = 0; i < args.outputs.size(); ++i) {
    LATHE_ASSIGN_OR_RETURN(auto ae,
                           FileArtifact(store, args.outputs[i], false, static_cast<int>(i)));
    req.artifacts.push_back(std::move(ae));
  }
  for (const auto& c : args.contexts) {
    LATHE_ASSIGN_OR_RETURN(auto kv, SplitAssignment(c, "--context"));
    LATHE_RETURN_IF_ERROR(EnsureType(store, TypeKind::kContext, kv.first));
    Context ctx;
    ctx.type = kv.first;
    ctx.name = kv.second;
    req.contexts.push_back(std::move(ctx));
  }
  return store.PutExecution(req);
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
    auto store = OpenStore(g, true);
    if (!store.ok()) {
      exit_code = ReportError(store.status());
      return;
    }
    auto r = Record(**store, *args);
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
