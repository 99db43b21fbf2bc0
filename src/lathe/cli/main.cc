// The lathe command: parses the command line and runs one subcommand.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "lathe/cli/commands.h"
#include "lathe/core/version.h"

namespace {

// OpenMP threads (XGBoost's) spin while idle unless told otherwise, and with two runs on two
// cores the spinning starves the threads doing work (20-60x slower). libgomp reads its policy
// from the environment once, when it is loaded -- before main -- so the process starts again
// with the policy set. A user's own OMP_WAIT_POLICY is kept.
void UsePassiveOpenMp(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", /*overwrite=*/1);
  execv("/proc/self/exe", argv);  // returns only on failure: go on as we are
}

}  // namespace

int main(int argc, char** argv) {
  using namespace lathe::cli;
  UsePassiveOpenMp(argv);
  // Pipeline steps that call lathe back find it here (see the command component).
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) setenv("LATHE_BIN", self.c_str(), /*overwrite=*/1);
  CLI::App app{"Lathe: pipelines, metadata and serving for machine learning"};
  app.set_version_flag("--version", lathe::kVersion);
  app.require_subcommand(1);
  app.fallthrough();

  GlobalOptions g;
  app.add_option("--store", g.store_uri, "metadata store URI")
      ->default_str(g.store_uri)
      ->envname("LATHE_STORE")
      ->check(StoreUriValidator());
  app.add_option("--artifacts", g.artifacts_dir, "artifact root directory")
      ->default_str(g.artifacts_dir)
      ->envname("LATHE_ARTIFACTS");
  app.add_option("--model-repository", g.model_repository,
                 "model repository directory (where the Pusher pushes)")
      ->default_str(g.model_repository)
      ->envname("LATHE_MODEL_REPOSITORY");
  app.add_flag("--json", g.json, "machine-readable JSON output");
  app.add_flag("-v,--verbose", g.verbose, "log what happens");

  int exit_code = kExitOk;
  AddStoreCommands(app, g, exit_code);
  AddNodeCommands(app, g, exit_code);
  AddLineageCommand(app, g, exit_code);
  AddRecordCommand(app, g, exit_code);
  AddRunCommands(app, g, exit_code);
  AddExportCommands(app, g, exit_code);
  AddStatsCommands(app, g, exit_code);
  AddSchemaCommands(app, g, exit_code);
  AddModelCommands(app, g, exit_code);
  AddTransformCommands(app, g, exit_code);
  AddPredictCommands(app, g, exit_code);
  AddServeCommands(app, g, exit_code);
  AddDeployCommands(app, g, exit_code);
  AddUiCommand(app, g, exit_code);

  // Logs go to stderr so that stdout stays clean for tables and --json.
  spdlog::set_default_logger(spdlog::stderr_color_mt("lathe"));
  spdlog::set_pattern("%^[%l]%$ %v");
  app.parse_complete_callback(
      [&] { spdlog::set_level(g.verbose ? spdlog::level::debug : spdlog::level::warn); });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  } catch (const std::exception& e) {
    // A bug, or a file that defeats a reader's checks: say so instead of aborting.
    std::fprintf(stderr, "lathe: error: unexpected: %s\n", e.what());
    return kExitFailure;
  }
  return exit_code;
}
