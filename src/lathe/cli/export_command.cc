// lathe export argo|airflow PIPELINE.yaml
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

#include "lathe/cli/commands.h"
#include "lathe/cli/pipeline_input.h"
#include "lathe/core/fs.h"
#include "lathe/orchestrate/workflow_export.h"

namespace lathe::cli {

namespace fs = std::filesystem;

namespace {

struct ExportArgs {
  std::string spec;
  std::vector<std::string> params;
  std::string output;  // empty: standard output
  std::string spec_path, lathe = "lathe", image = "lathe:latest", volume_claim, mount_path;
};

int Export(const GlobalOptions& g, const ExportArgs& a, const std::string& engine) {
  int exit_code = kExitOk;
  auto loaded = LoadPipeline(a.spec, a.params, exit_code);
  if (!loaded) return exit_code;
  const auto* graph = &loaded->graph;

  orchestrate::WorkflowExportOptions o;
  o.spec_path =
      a.spec_path.empty() ? fs::absolute(a.spec).lexically_normal().string() : a.spec_path;
  o.lathe = a.lathe;
  // Paths as the tasks see them: absolute, so that no task depends on its working directory.
  o.lathe_global_args = {"--store",
                         g.store_uri,
                         "--artifacts",
                         fs::absolute(g.artifacts_dir).lexically_normal().string(),
                         "--model-repository",
                         fs::absolute(g.model_repository).lexically_normal().string()};
  o.parameters = loaded->overrides;
  o.image = a.image;
  o.volume_claim = a.volume_claim;
  o.mount_path = a.mount_path;
  auto text = engine == "argo" ? orchestrate::ExportArgoWorkflow(*graph, o)
                               : orchestrate::ExportAirflowDag(*graph, o);
  if (!text.ok()) return ReportRequestError(text.status());
  if (a.output.empty()) {
    std::fwrite(text->data(), 1, text->size(), stdout);
    return kExitOk;
  }
  if (Status st = WriteTextFile(a.output, *text); !st.ok()) return ReportError(st);
  fmt::print(stderr, "wrote {} ({} tasks and the run's end)\n", a.output, graph->nodes.size());
  return kExitOk;
}

}  // namespace

void AddExportCommands(CLI::App& app, const GlobalOptions& g, int& exit_code) {
  auto* exp = app.add_subcommand(
      "export", "a pipeline as an Argo Workflow (Kubeflow) or an Airflow DAG (docs/cluster.md)");
  exp->require_subcommand(1);
  for (const char* engine : {"argo", "airflow"}) {
    const bool argo = std::string(engine) == "argo";
    auto* cmd = exp->add_subcommand(
        engine,
        argo ? "an Argo Workflow (YAML): one task per node, then the run's end"
             : "an Airflow DAG file (Python): one BashOperator per node, then the run's end");
    auto a = std::make_shared<ExportArgs>();
    cmd->add_option("PIPELINE", a->spec, "pipeline spec (YAML)")->required();
    cmd->add_option("--param", a->params, "NAME=VALUE of a pipeline parameter, for every task");
    cmd->add_option("-o,--output", a->output, "write to this file (default: standard output)");
    cmd->add_option("--spec-path", a->spec_path,
                    "the pipeline file's path as the tasks see it (default: its absolute path)");
    cmd->add_option("--lathe", a->lathe, "the lathe command in the tasks' environment")
        ->default_str("lathe");
    if (argo) {
      cmd->add_option("--image", a->image, "the container image with lathe")
          ->default_str("lathe:latest");
      cmd->add_option("--volume-claim", a->volume_claim,
                      "a PersistentVolumeClaim every task mounts (the shared artifact root)");
      cmd->add_option("--mount-path", a->mount_path, "where the claim is mounted")
          ->default_str("/lathe");
    }
    const std::string name = engine;
    cmd->callback([&g, &exit_code, a, name] { exit_code = Export(g, *a, name); });
  }
}

}  // namespace lathe::cli
