// Registration of the lathe subcommands. Each Add* function adds its subcommands to `app`; their
// callbacks store the command's exit code in `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

#include "lathe/cli/output.h"

namespace lathe::cli {

void AddStoreCommands(CLI::App& app, const GlobalOptions& g, int& exit_code);
void AddNodeCommands(CLI::App& app, const GlobalOptions& g, int& exit_code);
void AddLineageCommand(CLI::App& app, const GlobalOptions& g, int& exit_code);
void AddRecordCommand(CLI::App& app, const GlobalOptions& g, int& exit_code);
void AddRunCommands(CLI::App& app, const GlobalOptions& g, int& exit_code);
void AddExportCommands(CLI::App& app, const GlobalOptions& g, int& exit_code);
void AddStatsCommands(CLI::App& app, const GlobalOptions& g, int& exit_code);
void AddSchemaCommands(CLI::App& app, const GlobalOptions& g, int& exit_code);
void AddModelCommands(CLI::App& app, const GlobalOptions& g, int& exit_code);
void AddTransformCommands(CLI::App& app, const GlobalOptions& g, int& exit_code);
void AddPredictCommands(CLI::App& app, const GlobalOptions& g, int& exit_code);
// After AddModelCommands: adds label commands under `models`.
void AddServeCommands(CLI::App& app, const GlobalOptions& g, int& exit_code);
void AddDeployCommands(CLI::App& app, const GlobalOptions& g, int& exit_code);
void AddUiCommand(CLI::App& app, const GlobalOptions& g, int& exit_code);

}  // namespace lathe::cli
