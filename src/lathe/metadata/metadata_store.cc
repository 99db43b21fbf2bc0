// Opening stores, schema versions and migrations, and the transaction wrapper.
#include "lathe/metadata/metadata_store.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "lathe/core/clock.h"
#include "lathe/core/version.h"
#include "lathe/metadata/detail/sql_connection.h"
#include "lathe/metadata/store_uri.h"

namespace lathe::metadata {

using detail::SqlConnection;
using detail::SqlRow;

namespace {

constexpr const char* kSchemaTable = "lathe_schema";

Result<std::unique_ptr<SqlConnection>> Connect(std::string_view uri, const StoreOptions& options) {
  Result<StoreUri> parsed_uri = ParseStoreUri(uri);
  if (!parsed_uri.ok()) return parsed_uri.status();
  const StoreUri& parsed = *parsed_uri;
  if (parsed.scheme == "postgresql")
    return detail::OpenPostgres(parsed.path, options.create_if_missing && !options.read_only,
                                options.busy_timeout_ms, options.read_only);
  bool memory = parsed.path == ":memory:";
  if (!memory && options.create_if_missing && !options.read_only) {
    auto parent = std::filesystem::path(parsed.path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec)
      return FailedPreconditionError(fmt::format("cannot create directory {} for store {}: {}",
                                                 parent.string(), uri, ec.message()));
  }
  return detail::OpenSqlite(parsed.path,
                            (options.create_if_missing && !options.read_only) || memory,
                            options.busy_timeout_ms, options.read_only && !memory);
}

// 0 for an empty database; FAILED_PRECONDITION for a database that is not a Lathe store.
Result<int> ReadSchemaVersion(SqlConnection& conn, std::string_view uri) {
  LATHE_ASSIGN_OR_RETURN(auto tables, conn.ListTables());
  bool has_schema = false;
  std::string names;
  for (const auto& t : tables) {
    if (t == kSchemaTable) has_schema = true;
    if (!names.empty()) names += ", ";
    names += t;
  }
  if (!has_schema) {
    if (tables.empty()) return 0;
    return FailedPreconditionError(fmt::format(
        "{} is not a Lathe store: it holds tables ({}) but no {} table", uri, names, kSchemaTable));
  }
  LATHE_ASSIGN_OR_RETURN(auto v, conn.QueryInt("SELECT MAX(version) FROM lathe_schema"));
  return static_cast<int>(v.value_or(0));
}

std::string Substitute(std::string sql, std::string_view id_type) {
  const std::string token = "{{ID}}";
  for (size_t pos; (pos = sql.find(token)) != std::string::npos;)
    sql.replace(pos, token.size(), id_type);
  return sql;
}

// Applies the migrations after `from`, each in its own transaction with its version row.
Status ApplyMigrations(SqlConnection& conn, const std::vector<Migration>& migrations, int from) {
  for (const auto& m : migrations) {
    if (m.to_version <= from) continue;
    LATHE_RETURN_IF_ERROR(conn.Begin(true));
    Status st = [&]() -> Status {
      for (const auto& stmt : m.statements) {
        LATHE_RETURN_IF_ERROR(
            conn.ExecScript(Substitute(stmt, conn.id_column_type()))
                .WithContext(fmt::format("migration to version {}", m.to_version)));
      }
      return conn
          .Execute(
              "INSERT INTO lathe_schema (version, description, applied_time_ms, lathe_version) "
              "VALUES (?, ?, ?, ?)",
              {m.to_version, m.description, NowMillis(), kVersion})
          .status();
    }();
    if (!st.ok()) {
      conn.Rollback().IgnoreError();
      return st;
    }
    LATHE_RETURN_IF_ERROR(conn.Commit());
    spdlog::debug("store schema migrated to version {}: {}", m.to_version, m.description);
  }
  return Status::Ok();
}

Status EnsureSchemaTable(SqlConnection& conn) {
  return conn.ExecScript(
      "CREATE TABLE IF NOT EXISTS lathe_schema (version BIGINT NOT NULL PRIMARY KEY, "
      "description TEXT NOT NULL, applied_time_ms BIGINT NOT NULL, lathe_version TEXT NOT NULL)");
}

}  // namespace

MetadataStore::MetadataStore(std::unique_ptr<SqlConnection> conn, std::string uri)
    : conn_(std::move(conn)), uri_(std::move(uri)) {}

MetadataStore::~MetadataStore() = default;

Result<std::unique_ptr<MetadataStore>> MetadataStore::Open(std::string_view uri,
                                                           const StoreOptions& options) {
  const auto& migrations = options.migrations ? *options.migrations : BuiltinMigrations();
  const int current = migrations.back().to_version;
  LATHE_ASSIGN_OR_RETURN(auto conn, Connect(uri, options));
  const std::string shown = RedactStoreUri(uri);
  LATHE_ASSIGN_OR_RETURN(int version, ReadSchemaVersion(*conn, shown));
  if (version == 0) {
    if (!options.create_if_missing || options.read_only)
      return FailedPreconditionError(
          fmt::format("{} is empty (create the store with `lathe store init`)", shown));
    // A fresh store: create the schema. Re-read under the write lock in case another process
    // initialised it meanwhile.
    LATHE_RETURN_IF_ERROR(conn->Begin(true));
    Status st = EnsureSchemaTable(*conn);
    Result<int> again = st.ok() ? ReadSchemaVersion(*conn, shown) : Result<int>(st);
    if (!again.ok()) {
      conn->Rollback().IgnoreError();
      return again.status();
    }
    LATHE_RETURN_IF_ERROR(conn->Commit());
    version = *again;
    if (version == 0) {
      LATHE_RETURN_IF_ERROR(ApplyMigrations(*conn, migrations, 0));
      version = current;
    }
  }
  if (version < current) {
    return FailedPreconditionError(fmt::format(
        "store {} has schema version {}, older than version {} of this lathe; back it up and run "
        "`lathe store migrate`",
        shown, version, current));
  }
  if (version > current) {
    return FailedPreconditionError(fmt::format(
        "store {} has schema version {}, newer than version {} that this lathe ({}) supports; use "
        "a newer lathe",
        shown, version, current, kVersion));
  }
  std::unique_ptr<MetadataStore> store(new MetadataStore(std::move(conn), shown));
  store->schema_version_ = version;
  spdlog::debug("opened store {} ({}, schema version {})", shown, store->conn_->backend(), version);
  LATHE_RETURN_IF_ERROR(store->LoadTypeCache());
  return store;
}

Result<StoreInfo> MetadataStore::Migrate(std::string_view uri, const StoreOptions& options) {
  const auto& migrations = options.migrations ? *options.migrations : BuiltinMigrations();
  const int current = migrations.back().to_version;
  LATHE_ASSIGN_OR_RETURN(auto conn, Connect(uri, options));
  const std::string shown = RedactStoreUri(uri);
  LATHE_ASSIGN_OR_RETURN(int version, ReadSchemaVersion(*conn, shown));
  if (version > current) {
    return FailedPreconditionError(fmt::format(
        "store {} has schema version {}, newer than version {} of this lathe; nothing to migrate",
        shown, version, current));
  }
  if (version == 0) LATHE_RETURN_IF_ERROR(EnsureSchemaTable(*conn));
  LATHE_RETURN_IF_ERROR(ApplyMigrations(*conn, migrations, version));
  return StoreInfo{shown, std::string(conn->backend()), current, current};
}

StoreInfo MetadataStore::Info() const {
  return StoreInfo{uri_, std::string(conn_->backend()), schema_version_, CurrentSchemaVersion()};
}

Status MetadataStore::InTransaction(bool write, const std::function<Status()>& body) {
  std::lock_guard lock(mu_);
  if (tx_depth_ > 0) return body();
  LATHE_RETURN_IF_ERROR(conn_->Begin(write));
  ++tx_depth_;
  Status st = body();
  --tx_depth_;
  if (!st.ok()) {
    conn_->Rollback().IgnoreError();
    // Rows written in the failed transaction may have been cached as types.
    types_by_id_.clear();
    type_ids_.clear();
    return st;
  }
  st = conn_->Commit();
  if (!st.ok()) conn_->Rollback().IgnoreError();
  return st;
}

}  // namespace lathe::metadata
