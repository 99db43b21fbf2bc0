// The "command" component: any executable as a pipeline step.
//
// The command runs in the spec's directory with its own process group. It learns its inputs,
// outputs and parameters three ways:
//   - arguments: ${inputs.NAME} (paths joined by ':'), ${outputs.NAME} (a directory to fill) and
//     ${params_file} in `command` are replaced;
//   - environment: LATHE_INPUT_<NAME>, LATHE_OUTPUT_<NAME>, LATHE_PARAM_<NAME> (upper case),
//     LATHE_PARAMS_FILE, LATHE_RUN_ID, LATHE_NODE, plus the node's `env`;
//   - a JSON file (LATHE_PARAMS_FILE): {"parameters", "inputs", "outputs", "run_id", "node"}.
// Standard output and error go to the step's log file. A non-zero exit status is a failure.
#pragma once

#include "lathe/pipeline/component.h"

namespace lathe::pipeline {

class CommandComponent final : public Component {
 public:
  std::string type() const override { return "command"; }
  std::string version() const override { return "1"; }
  Status Prepare(NodeSpec& node, const SourceMap& source, const std::string& field) const override;
  // The declared `code` files: recorded as the step's inputs, so lineage names the script
  // version that made an artifact, and a reproduction refuses to run changed code.
  Result<std::vector<std::filesystem::path>> ExternalInputs(
      const NodeSpec& node, const std::filesystem::path& base_dir) const override;
  Status Execute(const ExecutionRequest& request, ExecutionResult& result) const override;
};

// Runs argv with env in cwd, appending output to log_path, until it exits, `timeout_s` passes
// (DEADLINE_EXCEEDED) or `cancelled` is set (CANCELLED). Non-zero exit: FAILED_PRECONDITION
// naming the status. Shared by components that run programs.
Status RunProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                  const std::filesystem::path& cwd, const std::filesystem::path& log_path,
                  double timeout_s, const std::atomic<bool>* cancelled);

}  // namespace lathe::pipeline
