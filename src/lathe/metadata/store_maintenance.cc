// Garbage collection of artifacts marked for deletion, and the consistency check.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "lathe/core/fs.h"
#include "lathe/core/hash.h"
#include "lathe/metadata/detail/node_table.h"
#include "lathe/metadata/detail/sql_connection.h"
#include "lathe/metadata/metadata_store.h"

namespace lathe::metadata {

using detail::SqlParam;
using detail::SqlRow;

namespace fs = std::filesystem;

Result<GcReport> MetadataStore::GarbageCollect(const GcOptions& options) {
  if (options.batch_size < 1) return InvalidArgumentError("gc batch size must be at least 1");
  GcReport report;
  int64_t after = 0;  // dry runs page through the marked rows instead of deleting them
  while (true) {
    std::vector<std::pair<int64_t, std::string>> batch;
    LATHE_RETURN_IF_ERROR(InTransaction(false, [&]() -> Status {
      batch.clear();
      return conn_->Query(
          "SELECT id, uri FROM artifacts WHERE state = ? AND id > ? ORDER BY id LIMIT ?",
          {static_cast<int>(ArtifactState::kMarkedForDeletion), after, options.batch_size},
          [&](const SqlRow& r) {
            batch.emplace_back(r.Int(0), r.Str(1));
            return Status::Ok();
          });
    }));
    if (batch.empty()) break;
    after = batch.back().first;

    // Files first: if the process dies before the rows go, the rows stay MARKED_FOR_DELETION
    // and the next run finishes the job; no row ever points at files that were half removed
    // while it still counts as LIVE.
    std::vector<int64_t> ids;
    for (const auto& [id, uri] : batch) {
      fs::path path = LocalPathFromUri(uri);
      bool removable = !uri.empty() && !path.empty() && !options.artifact_root.empty() &&
                       IsWithin(options.artifact_root, path);
      if (!uri.empty() && !removable) {
        report.files_kept.push_back(uri);
      } else if (removable) {
        std::error_code aec;
        auto users = ArtifactsOverlapping(fs::absolute(path, aec).lexically_normal(), 1);
        if (!users.ok()) return users.status();
        if (!users->empty()) {  // the row goes, the files stay with their other artifact
          report.files_shared.push_back(fmt::format("{} (artifact {}: {})", path.string(),
                                                    users->front().first, users->front().second));
          ids.push_back(id);
          continue;
        }
        std::error_code ec;
        bool exists = fs::exists(fs::symlink_status(path, ec));
        if (exists && !options.dry_run) {
          Status st = RemovePath(path);
          if (!st.ok()) {
            report.errors.push_back(st.message());
            continue;  // keep the row: its files are still there
          }
        }
        if (exists) {
          spdlog::debug("gc: {} {}", options.dry_run ? "would remove" : "removed", path.string());
          report.files_removed.push_back(path.string());
        }
      }
      ids.push_back(id);
    }
    if (options.dry_run) {
      report.artifacts_collected += static_cast<int64_t>(ids.size());
      continue;
    }
    if (ids.empty()) continue;
    LATHE_RETURN_IF_ERROR(InTransaction(true, [&]() -> Status {
      std::vector<SqlParam> params(ids.begin(), ids.end());
      params.emplace_back(static_cast<int>(ArtifactState::kMarkedForDeletion));
      std::string in = detail::Placeholders(ids.size());
      // Only rows still marked: a concurrent writer may have changed one meanwhile.
      std::string marked =
          fmt::format("SELECT id FROM artifacts WHERE id IN ({}) AND state = ?", in);
      LATHE_ASSIGN_OR_RETURN(
          int64_t events,
          conn_->Execute(fmt::format("DELETE FROM events WHERE artifact_id IN ({})", marked),
                         params));
      LATHE_RETURN_IF_ERROR(conn_->Execute(
          fmt::format("DELETE FROM attributions WHERE artifact_id IN ({})", marked), params));
      LATHE_RETURN_IF_ERROR(conn_->Execute(
          fmt::format("DELETE FROM artifact_properties WHERE owner_id IN ({})", marked), params));
      LATHE_ASSIGN_OR_RETURN(
          int64_t rows,
          conn_->Execute(fmt::format("DELETE FROM artifacts WHERE id IN ({}) AND state = ?", in),
                         params));
      report.events_removed += events;
      report.artifacts_collected += rows;
      return Status::Ok();
    }));
  }
  return report;
}

Result<std::vector<std::pair<int64_t, std::string>>> MetadataStore::ArtifactsOverlapping(
    const fs::path& path, int limit) {
  std::vector<std::pair<int64_t, std::string>> found;
  std::string p = path.string();
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  const std::string file_uri = "file://" + p;
  LATHE_RETURN_IF_ERROR(InTransaction(false, [&]() -> Status {
    found.clear();
    // The same place, below it, or above it; compared by prefix plus '/', never with LIKE
    // (paths may hold % and _). The first two use the uri index.
    return conn_->Query(
        "SELECT id, uri FROM artifacts WHERE state NOT IN (?3, ?4, ?5) AND uri IS NOT NULL AND ("
        "uri IN (?1, ?2) OR substr(uri, 1, length(?1) + 1) = ?1 || '/' "
        "OR substr(uri, 1, length(?2) + 1) = ?2 || '/' "
        "OR substr(?1, 1, length(uri) + 1) = uri || '/' "
        "OR substr(?2, 1, length(uri) + 1) = uri || '/') ORDER BY id LIMIT ?6",
        {p, file_uri, static_cast<int>(ArtifactState::kMarkedForDeletion),
         static_cast<int>(ArtifactState::kDeleted), static_cast<int>(ArtifactState::kAbandoned),
         limit},
        [&](const SqlRow& r) {
          found.emplace_back(r.Int(0), r.Str(1));
          return Status::Ok();
        });
  }));
  return found;
}

namespace {

// One consistency rule: a query returning (id, description) rows of violations.
struct Rule {
  const char* name;
  std::string sql;
};

std::vector<Rule> Rules() {
  std::vector<Rule> rules = {
      {"event without artifact",
       "SELECT e.id, 'artifact ' || e.artifact_id FROM events e WHERE e.artifact_id NOT IN (SELECT "
       "id FROM artifacts)"},
      {"event without execution",
       "SELECT e.id, 'execution ' || e.execution_id FROM events e WHERE e.execution_id NOT IN "
       "(SELECT id FROM executions)"},
      {"event of unknown type",
       "SELECT id, 'type ' || type FROM events WHERE type NOT BETWEEN 1 AND 7"},
      {"attribution without artifact",
       "SELECT context_id, 'artifact ' || artifact_id FROM attributions WHERE artifact_id NOT IN "
       "(SELECT id FROM artifacts)"},
      {"attribution without context",
       "SELECT artifact_id, 'context ' || context_id FROM attributions WHERE context_id NOT IN "
       "(SELECT id FROM contexts)"},
      {"association without execution",
       "SELECT context_id, 'execution ' || execution_id FROM associations WHERE execution_id NOT "
       "IN (SELECT id FROM executions)"},
      {"association without context",
       "SELECT execution_id, 'context ' || context_id FROM associations WHERE context_id NOT IN "
       "(SELECT id FROM contexts)"},
      {"parent link to a missing context",
       "SELECT context_id, 'parent ' || parent_context_id FROM parent_contexts WHERE context_id "
       "NOT IN "
       "(SELECT id FROM contexts) OR parent_context_id NOT IN (SELECT id FROM contexts)"},
      {"context in a parent cycle",
       "WITH RECURSIVE anc(start, id) AS (SELECT context_id, parent_context_id FROM "
       "parent_contexts "
       "UNION SELECT a.start, pc.parent_context_id FROM anc a JOIN parent_contexts pc ON "
       "pc.context_id = a.id) "
       "SELECT start, 'is its own ancestor' FROM anc WHERE start = id"},
      {"artifact in an unknown state",
       "SELECT id, 'state ' || state FROM artifacts WHERE state NOT BETWEEN 0 AND 6"},
      {"execution in an unknown state",
       "SELECT id, 'state ' || state FROM executions WHERE state NOT BETWEEN 0 AND 6"},
  };
  for (const auto* t :
       {&detail::kArtifactTable, &detail::kExecutionTable, &detail::kContextTable}) {
    int kind = static_cast<int>(t->kind);
    rules.push_back(
        {"record of a missing type or a type of another kind",
         fmt::format("SELECT id, '{0} of type ' || type_id FROM {1} WHERE type_id NOT IN "
                     "(SELECT id FROM types WHERE kind = {2})",
                     t->noun, t->table, kind)});
    rules.push_back({"property without its record",
                     fmt::format("SELECT owner_id, '{0} property ' || name FROM {1} WHERE owner_id "
                                 "NOT IN (SELECT id FROM {2})",
                                 t->noun, t->prop_table, t->table)});
    rules.push_back(
        {"property not declared by the type, or of another data type",
         fmt::format(
             "SELECT p.owner_id, '{0} property ' || p.name FROM {1} p JOIN {2} n ON n.id = "
             "p.owner_id "
             "WHERE p.is_custom = 0 AND NOT EXISTS (SELECT 1 FROM type_properties tp "
             "WHERE tp.type_id = n.type_id AND tp.name = p.name AND tp.data_type = p.data_type)",
             t->noun, t->prop_table, t->table)});
  }
  return rules;
}

constexpr int kMaxReportedPerRule = 20;

}  // namespace

Result<CheckReport> MetadataStore::Check(const CheckOptions& options) {
  CheckReport report;
  LATHE_RETURN_IF_ERROR(InTransaction(false, [&]() -> Status {
    report = {};
    LATHE_ASSIGN_OR_RETURN(report.problems, conn_->IntegrityProblems());
    for (const auto& rule : Rules()) {
      int64_t count = 0;
      LATHE_RETURN_IF_ERROR(conn_->Query(rule.sql, {}, [&](const SqlRow& r) {
        if (++count <= kMaxReportedPerRule)
          report.problems.push_back(fmt::format("{}: {} ({})", rule.name, r.Int(0), r.Text(1)));
        return Status::Ok();
      }));
      if (count > kMaxReportedPerRule)
        report.problems.push_back(
            fmt::format("{}: ... and {} more", rule.name, count - kMaxReportedPerRule));
    }
    for (auto [field, table] : {std::pair{&report.artifacts, "artifacts"},
                                {&report.executions, "executions"},
                                {&report.contexts, "contexts"},
                                {&report.events, "events"}}) {
      LATHE_ASSIGN_OR_RETURN(auto n,
                             conn_->QueryInt(fmt::format("SELECT COUNT(*) FROM {}", table)));
      *field = n.value_or(0);
    }
    return Status::Ok();
  }));
  if (!options.verify_files && !options.verify_fingerprints)
    return report;  // fingerprints imply files

  // Files of LIVE artifacts, page by page (outside one long read transaction).
  ListOptions o;
  o.filter = "state = 'LIVE' AND uri IS NOT NULL";
  o.page_size = ListOptions::kMaxPageSize;
  while (true) {
    LATHE_ASSIGN_OR_RETURN(auto page, ListArtifacts(o));
    for (const auto& a : page.items) {
      fs::path path = LocalPathFromUri(a.uri);
      if (path.empty()) continue;  // not a local file
      std::error_code ec;
      if (!fs::exists(path, ec)) {
        report.problems.push_back(fmt::format("LIVE artifact without files: {} ({})", a.id, a.uri));
        continue;
      }
      if (options.verify_fingerprints && !a.fingerprint.empty()) {
        auto fp = FingerprintPath(path);
        if (!fp.ok() || *fp != a.fingerprint)
          report.problems.push_back(
              fmt::format("LIVE artifact whose files changed: {} ({})", a.id, a.uri));
      }
    }
    if (page.next_page_token.empty()) break;
    o.page_token = page.next_page_token;
  }
  return report;
}

}  // namespace lathe::metadata
