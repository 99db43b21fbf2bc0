// lathe store init|migrate|check|gc
#include <fmt/format.h>

#include "lathe/cli/commands.h"
#include "lathe/metadata/migrations.h"
#include "lathe/pipeline/launcher.h"

namespace lathe::cli {

using namespace lathe::metadata;

void AddStoreCommands(CLI::App& app, const GlobalOptions& g, int& exit_code) {
  auto* store = app.add_subcommand("store", "create, migrate, check and clean the metadata store");
  store->require_subcommand(1);

  store->add_subcommand("init", "create the store (safe to repeat)")->callback([&] {
    auto s = OpenStore(g, /*create=*/true);
    if (!s.ok()) {
      exit_code = ReportError(s.status());
      return;
    }
    StoreInfo info = (*s)->Info();
    if (g.json)
      PrintJson(
          {{"uri", info.uri}, {"backend", info.backend}, {"schema_version", info.schema_version}});
    else
      fmt::print("store {} ready (schema version {})\n", info.uri, info.schema_version);
  });

  store->add_subcommand("migrate", "upgrade the store's schema to this lathe's version")
      ->callback([&] {
        auto info = MetadataStore::Migrate(g.store_uri, StoreOptions{.create_if_missing = false});
        if (!info.ok()) {
          exit_code = ReportError(info.status());
          return;
        }
        if (g.json)
          PrintJson({{"uri", info->uri}, {"schema_version", info->schema_version}});
        else
          fmt::print("store {} is at schema version {}\n", info->uri, info->schema_version);
      });

  auto* check = store->add_subcommand("check", "verify integrity; exit 1 if a problem is found");
  auto verify = std::make_shared<CheckOptions>();
  check->add_flag("--files", verify->verify_files, "also check that files of LIVE artifacts exist");
  check->add_flag("--fingerprints", verify->verify_fingerprints,
                  "also re-hash files of LIVE artifacts and compare fingerprints");
  check->callback([&, verify] {
    auto s = OpenStoreReadOnly(g);
    if (!s.ok()) {
      exit_code = ReportError(s.status());
      return;
    }
    auto report = (*s)->Check(*verify);
    if (!report.ok()) {
      exit_code = ReportError(report.status());
      return;
    }
    // Records a runner left half-written (its end could not be recorded, or it died).
    auto unfinished = pipeline::FindUnfinishedExecutions(**s);
    if (!unfinished.ok()) {
      exit_code = ReportError(unfinished.status());
      return;
    }
    for (const auto& u : *unfinished)
      report->problems.push_back(fmt::format(
          "unfinished execution: {} (node {} of run {}) is {} but {}; the next `lathe run` of "
          "pipeline {} records it FAILED",
          u.execution.id, u.execution.name, u.run, ExecutionStateName(u.execution.state), u.reason,
          u.pipeline));
    if (g.json) {
      PrintJson({{"ok", report->ok()},
                 {"problems", report->problems},
                 {"artifacts", report->artifacts},
                 {"executions", report->executions},
                 {"contexts", report->contexts},
                 {"events", report->events}});
    } else {
      for (const auto& p : report->problems) fmt::print("problem: {}\n", p);
      fmt::print("{}: {} artifacts, {} executions, {} contexts, {} events, {} problem(s)\n",
                 report->ok() ? "ok" : "FAILED", report->artifacts, report->executions,
                 report->contexts, report->events, report->problems.size());
    }
    if (!report->ok()) exit_code = kExitFailure;
  });

  auto* gc = store->add_subcommand(
      "gc", "remove artifacts marked for deletion: their files (under --artifacts) and rows");
  auto dry_run = std::make_shared<bool>(false);
  gc->add_flag("--dry-run", *dry_run, "only report what would be removed");
  gc->callback([&, dry_run] {
    auto s = OpenStore(g, false);
    if (!s.ok()) {
      exit_code = ReportError(s.status());
      return;
    }
    auto report = (*s)->GarbageCollect({.artifact_root = g.artifacts_dir, .dry_run = *dry_run});
    if (!report.ok()) {
      exit_code = ReportError(report.status());
      return;
    }
    if (g.json) {
      PrintJson({{"dry_run", *dry_run},
                 {"artifacts_collected", report->artifacts_collected},
                 {"events_removed", report->events_removed},
                 {"files_removed", report->files_removed},
                 {"files_kept", report->files_kept},
                 {"files_shared", report->files_shared},
                 {"errors", report->errors}});
    } else {
      const char* verb = *dry_run ? "would remove" : "removed";
      for (const auto& f : report->files_removed) fmt::print("{} {}\n", verb, f);
      for (const auto& f : report->files_kept)
        fmt::print("kept {} (outside the artifact root)\n", f);
      for (const auto& f : report->files_shared) fmt::print("kept {}, still in use\n", f);
      for (const auto& e : report->errors) fmt::print(stderr, "error: {}\n", e);
      fmt::print("{} {} artifact(s), {} event(s)\n", verb, report->artifacts_collected,
                 report->events_removed);
    }
    if (!report->errors.empty()) exit_code = kExitFailure;
  });
}

}  // namespace lathe::cli
