// lathe store init|migrate|check|copy|gc
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

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

  auto* copy = store->add_subcommand(
      "copy",
      "copy every record of store SRC, ids unchanged, into the new (empty) store DST, e.g. "
      "from SQLite to PostgreSQL; check it with `lathe --store DST store check`");
  auto copy_uris = std::make_shared<std::pair<std::string, std::string>>();
  copy->add_option("SRC", copy_uris->first, "the store to copy (read only)")
      ->required()
      ->check(StoreUriValidator());
  copy->add_option("DST", copy_uris->second, "the store to create and fill; must be empty")
      ->required()
      ->check(StoreUriValidator());
  copy->callback([&, copy_uris] {
    auto src =
        MetadataStore::Open(copy_uris->first, {.create_if_missing = false, .read_only = true});
    if (!src.ok()) {
      exit_code = ReportError(src.status().WithContext("opening SRC"));
      return;
    }
    auto dst = MetadataStore::Open(copy_uris->second);
    if (!dst.ok()) {
      exit_code = ReportError(dst.status().WithContext("opening DST"));
      return;
    }
    const bool tty = isatty(fileno(stderr)) && !g.json;
    auto report = (*src)->CopyTo(**dst, [&](std::string_view table, int64_t rows) {
      if (tty) fmt::print(stderr, "\rcopying {}: {} rows\x1b[K", table, rows);
    });
    if (tty) fmt::print(stderr, "\r\x1b[K");
    if (!report.ok()) {
      exit_code = ReportError(report.status());
      return;
    }
    if (g.json) {
      nlohmann::json tables = nlohmann::json::object();
      for (const auto& [table, rows] : report->rows) tables[table] = rows;
      PrintJson({{"source", (*src)->Info().uri},
                 {"destination", (*dst)->Info().uri},
                 {"rows", tables},
                 {"total_rows", report->total_rows}});
    } else {
      for (const auto& [table, rows] : report->rows)
        fmt::print("{:<22} {:>10} rows\n", table, rows);
      fmt::print("copied {} rows from {} to {}\n", report->total_rows, (*src)->Info().uri,
                 (*dst)->Info().uri);
    }
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
