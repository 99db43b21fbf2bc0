// SQLite backend: WAL journal, a busy timeout for concurrent writers, foreign keys on, and a cache
// of prepared statements keyed by SQL text.
#include <fmt/format.h>
#include <sqlite3.h>

#include <filesystem>
#include <unordered_map>

#include "lathe/metadata/detail/sql_connection.h"

namespace lathe::metadata::detail {

namespace {

// Dynamic SQL (filters) would grow the cache without bound; past this size it is emptied.
constexpr size_t kMaxCachedStatements = 512;

Status MapError(sqlite3* db, int rc, std::string_view what) {
  const char* msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string text = fmt::format("{}: {}", what, msg);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return UnavailableError(text + " (another process holds the store; retry later)");
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        return AlreadyExistsError(text);
      if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        return FailedPreconditionError(text + " (a referenced record does not exist)");
      return InvalidArgumentError(text);
    case SQLITE_NOTADB:
      return FailedPreconditionError(text + " (the file is not a SQLite database)");
    case SQLITE_CORRUPT:
      return DataLossError(text);
    case SQLITE_CANTOPEN:
      return NotFoundError(text);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return Status(StatusCode::kPermissionDenied, text);
    case SQLITE_FULL:
      return Status(StatusCode::kResourceExhausted, text);
    default:
      return InternalError(text);
  }
}

class SqliteRow final : public SqlRow {
 public:
  explicit SqliteRow(sqlite3_stmt* stmt) : stmt_(stmt) {}
  bool IsNull(int col) const override { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int64_t Int(int col) const override { return sqlite3_column_int64(stmt_, col); }
  double Double(int col) const override { return sqlite3_column_double(stmt_, col); }
  std::string_view Text(int col) const override {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    if (p == nullptr) return {};
    return {p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
  }

 private:
  sqlite3_stmt* stmt_;
};

class SqliteConnection final : public SqlConnection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  std::string_view backend() const override { return "sqlite"; }
  // AUTOINCREMENT: ids of deleted rows are never reused, so references held elsewhere (a model
  // server, a report) never point at a different record later.
  std::string_view id_column_type() const override { return "INTEGER PRIMARY KEY AUTOINCREMENT"; }

  std::string_view list_tables_sql() const override {
    return "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
           "ORDER BY name";
  }
  std::string_view list_columns_sql() const override {
    return "SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid";
  }

  Result<std::vector<std::string>> IntegrityProblems() override {
    std::vector<std::string> out;
    LATHE_RETURN_IF_ERROR(SqlConnection::Query("PRAGMA integrity_check", {}, [&](const SqlRow& r) {
      if (r.Text(0) != "ok") out.push_back("sqlite integrity: " + r.Str(0));
      return Status::Ok();
    }));
    LATHE_RETURN_IF_ERROR(
        SqlConnection::Query("PRAGMA foreign_key_check", {}, [&](const SqlRow& r) {
          out.push_back(fmt::format("foreign key: row {} of {} references a missing row of {}",
                                    r.Int(1), r.Text(0), r.Text(2)));
          return Status::Ok();
        }));
    return out;
  }

  Status ExecScript(std::string_view sql) override {
    std::string copy(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(db_, copy.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      return MapError(nullptr, rc, msg);
    }
    return Status::Ok();
  }

  Status Query(std::string_view sql, const SqlParam* params, size_t n,
               const RowCallback& on_row) override {
    LATHE_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql));
    LATHE_RETURN_IF_ERROR(Bind(stmt, params, n));
    SqliteRow row(stmt);
    Status status;
    while (true) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_ROW) {
        if (on_row) status = on_row(row);
        if (!status.ok()) break;
        continue;
      }
      if (rc != SQLITE_DONE) status = MapError(db_, rc, "query failed");
      break;
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return status;
  }

  Result<int64_t> Execute(std::string_view sql, const SqlParam* params, size_t n) override {
    LATHE_RETURN_IF_ERROR(Query(sql, params, n, nullptr));
    return static_cast<int64_t>(sqlite3_changes64(db_));
  }

  Result<std::optional<int64_t>> LastIssuedId(std::string_view table) override {
    return QueryInt("SELECT seq FROM sqlite_sequence WHERE name = ?", {table});
  }
  Status ReserveIds(std::string_view table, int64_t last_id) override {
    LATHE_ASSIGN_OR_RETURN(
        int64_t changed,
        SqlConnection::Execute("UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?",
                               {last_id, table}));
    if (changed > 0) return Status::Ok();
    return SqlConnection::Execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)",
                                  {table, last_id})
        .status();
  }

  // SQLite's plans here do not depend on statistics (every lookup has its index).
  Status RefreshStatistics() override { return Status::Ok(); }

  Status Begin(bool write) override {
    return Execute(write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED", nullptr, 0).status();
  }
  Status Commit() override { return Execute("COMMIT", nullptr, 0).status(); }
  Status Rollback() override {
    if (sqlite3_get_autocommit(db_)) return Status::Ok();  // SQLite already rolled back
    return Execute("ROLLBACK", nullptr, 0).status();
  }

 private:
  Result<sqlite3_stmt*> Prepare(std::string_view sql) {
    auto it = cache_.find(std::string(sql));
    if (it != cache_.end()) return it->second;
    if (cache_.size() >= kMaxCachedStatements) {
      for (auto& [text, stmt] : cache_) sqlite3_finalize(stmt);
      cache_.clear();
    }
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      // Generated SQL can be long; the start of it is enough to tell which statement failed.
      constexpr size_t kShown = 160;
      return MapError(db_, rc,
                      sql.size() <= kShown
                          ? fmt::format("preparing SQL [{}]", sql)
                          : fmt::format("preparing SQL [{}...]", sql.substr(0, kShown)));
    }
    cache_.emplace(std::string(sql), stmt);
    return stmt;
  }

  Status Bind(sqlite3_stmt* stmt, const SqlParam* params, size_t n) {
    if (static_cast<int>(n) != sqlite3_bind_parameter_count(stmt))
      return InternalError(fmt::format("SQL expects {} parameters, got {}: {}",
                                       sqlite3_bind_parameter_count(stmt), n, sqlite3_sql(stmt)));
    for (size_t i = 0; i < n; ++i) {
      int idx = static_cast<int>(i) + 1;
      int rc = SQLITE_OK;
      const SqlParam& p = params[i];
      switch (p.kind()) {
        case SqlParam::Kind::kNull:
          rc = sqlite3_bind_null(stmt, idx);
          break;
        case SqlParam::Kind::kInt:
          rc = sqlite3_bind_int64(stmt, idx, p.i());
          break;
        case SqlParam::Kind::kDouble:
          rc = sqlite3_bind_double(stmt, idx, p.d());
          break;
        case SqlParam::Kind::kText:
          rc = sqlite3_bind_text64(stmt, idx, p.s().data(), p.s().size(), SQLITE_STATIC,
                                   SQLITE_UTF8);
          break;
      }
      if (rc != SQLITE_OK) return MapError(db_, rc, "binding a parameter");
    }
    return Status::Ok();
  }

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace

Result<std::unique_ptr<SqlConnection>> OpenSqlite(const std::string& path, bool create,
                                                  int busy_timeout_ms, bool read_only) {
  sqlite3* db = nullptr;
  int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX |
              (create && !read_only ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (read_only && rc == SQLITE_OK) {
    // Reading a WAL store needs its shared-memory file, which a reader without write access to
    // the directory cannot create. With no -wal file (every commit checkpointed, no writer at
    // work) the file alone is the whole store: read it as immutable.
    const bool readable = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr,
                                       nullptr) == SQLITE_OK;
    std::error_code ec;
    if (!readable && !std::filesystem::exists(path + "-wal", ec)) {
      sqlite3_close_v2(db);
      db = nullptr;
      std::string uri = "file:";
      for (char c : path) {  // the path as a URI: only what URIs reserve is escaped
        if (c == '%' || c == '?' || c == '#')
          uri += fmt::format("%{:02X}", static_cast<unsigned char>(c));
        else
          uri += c;
      }
      rc = sqlite3_open_v2((uri + "?immutable=1").c_str(), &db, flags | SQLITE_OPEN_URI, nullptr);
    }
  }
  if (rc != SQLITE_OK) {
    Status st = MapError(db, rc, fmt::format("cannot open SQLite store {}", path));
    sqlite3_close_v2(db);
    if (rc == SQLITE_CANTOPEN && !create)
      return NotFoundError(
          fmt::format("no store at {} (create one with `lathe store init`)", path));
    return st;
  }
  auto conn = std::make_unique<SqliteConnection>(db);
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  // Reading the schema first turns "not a database" into a clear error before WAL is set.
  Status probe = conn->ExecScript("SELECT count(*) FROM sqlite_master");
  if (!probe.ok()) return probe.WithContext(fmt::format("opening {}", path));
  if (path != ":memory:" && !read_only) {  // a store is always made WAL by its first writer
    LATHE_RETURN_IF_ERROR(conn->ExecScript("PRAGMA journal_mode=WAL"));
  }
  LATHE_RETURN_IF_ERROR(conn->ExecScript(
      "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA case_sensitive_like=ON;"));
  return std::unique_ptr<SqlConnection>(std::move(conn));
}

}  // namespace lathe::metadata::detail
