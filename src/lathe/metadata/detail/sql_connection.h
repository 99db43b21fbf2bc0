// The backend seam of the metadata store: a connection that runs SQL with bound parameters.
// The store's logic is written once over this interface; everything that differs between SQL
// dialects (placeholder syntax, the auto-increment column, error mapping) lives in a backend.
// Not thread-safe: MetadataStore serialises calls.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lathe/core/status.h"

namespace lathe::metadata::detail {

// A bound parameter: NULL, integer, double or text. Text is borrowed: it must outlive the call.
class SqlParam {
 public:
  enum class Kind { kNull, kInt, kDouble, kText };
  SqlParam() : kind_(Kind::kNull) {}
  SqlParam(std::nullptr_t) : kind_(Kind::kNull) {}  // NOLINT
  template <std::integral I>
  SqlParam(I v) : kind_(Kind::kInt), i_(static_cast<int64_t>(v)) {}  // NOLINT
  SqlParam(double v) : kind_(Kind::kDouble), d_(v) {}                // NOLINT
  SqlParam(std::string_view v) : kind_(Kind::kText), s_(v) {}        // NOLINT
  SqlParam(const std::string& v) : kind_(Kind::kText), s_(v) {}      // NOLINT
  SqlParam(const char* v) : kind_(Kind::kText), s_(v) {}             // NOLINT
  // Empty text becomes NULL (optional string columns).
  static SqlParam TextOrNull(std::string_view v) { return v.empty() ? SqlParam() : SqlParam(v); }

  Kind kind() const { return kind_; }
  int64_t i() const { return i_; }
  double d() const { return d_; }
  std::string_view s() const { return s_; }

 private:
  Kind kind_;
  int64_t i_ = 0;
  double d_ = 0;
  std::string_view s_;
};

// One result row, valid only inside the row callback.
class SqlRow {
 public:
  virtual ~SqlRow() = default;
  virtual bool IsNull(int col) const = 0;
  virtual int64_t Int(int col) const = 0;
  virtual double Double(int col) const = 0;
  virtual std::string_view Text(int col) const = 0;  // "" for NULL
  std::string Str(int col) const { return std::string(Text(col)); }
};

using RowCallback = std::function<Status(const SqlRow&)>;

// A column of a table as the backend declares it.
struct SqlColumn {
  std::string name;
  SqlParam::Kind kind = SqlParam::Kind::kText;  // kInt, kDouble or kText
  int primary_key_position = 0;                 // 1-based position in the primary key; 0: not in it
};

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;

  virtual std::string_view backend() const = 0;  // "sqlite", "postgresql"
  // The column type of an auto-increment 64-bit primary key ("INTEGER PRIMARY KEY").
  virtual std::string_view id_column_type() const = 0;

  // Text that keeps a filter's set predicates in the shape the store's query compiler chose
  // (filter_sql.h: the driver's ids first, then a per-row probe for each other predicate): ""
  // for SQLite, which runs SQL as written; " OFFSET 0" for PostgreSQL, whose planner would
  // otherwise flatten them into joins picked by estimates that skewed data (a pipeline context
  // with 100,000 artifacts, spans that follow ids) gets wrong by 10-100x.
  virtual std::string_view probe_fence() const { return ""; }

  // Names of the user tables in the database, sorted.
  Result<std::vector<std::string>> ListTables();
  // The columns of a table in their declared order (INTERNAL if it does not exist).
  Result<std::vector<SqlColumn>> ListColumns(std::string_view table);
  // The backend's catalogue queries behind ListTables (one column: the name, sorted) and
  // ListColumns (one '?' for the table; name, declared type, position in the primary key or 0).
  virtual std::string_view list_tables_sql() const = 0;
  virtual std::string_view list_columns_sql() const = 0;

  // Backend-level integrity problems (page checksums, index consistency, foreign keys).
  virtual Result<std::vector<std::string>> IntegrityProblems() = 0;
  // Runs statements without parameters (DDL, pragmas), separated by ';'.
  virtual Status ExecScript(std::string_view sql) = 0;
  // Runs one statement written with '?' placeholders; calls `on_row` for each result row.
  virtual Status Query(std::string_view sql, const SqlParam* params, size_t n,
                       const RowCallback& on_row) = 0;
  // Runs one statement; returns the number of rows it changed.
  virtual Result<int64_t> Execute(std::string_view sql, const SqlParam* params, size_t n) = 0;

  // The last id the auto-increment key of `table` handed out (nullopt: none yet), and moving it
  // on to at least `last_id`, so that a copied store never reuses an id its source gave out.
  virtual Result<std::optional<int64_t>> LastIssuedId(std::string_view table) = 0;
  virtual Status ReserveIds(std::string_view table, int64_t last_id) = 0;

  // Updates the planner's statistics (after a bulk load); outside a transaction.
  virtual Status RefreshStatistics() = 0;

  // A write transaction is taken for writing up front: writers are serialised.
  virtual Status Begin(bool write) = 0;
  virtual Status Commit() = 0;
  virtual Status Rollback() = 0;

  // Conveniences over the virtual calls.
  Status Query(std::string_view sql, std::initializer_list<SqlParam> params,
               const RowCallback& cb) {
    return Query(sql, params.begin(), params.size(), cb);
  }
  Status Query(std::string_view sql, const std::vector<SqlParam>& params, const RowCallback& cb) {
    return Query(sql, params.data(), params.size(), cb);
  }
  Result<int64_t> Execute(std::string_view sql, std::initializer_list<SqlParam> params = {}) {
    return Execute(sql, params.begin(), params.size());
  }
  Result<int64_t> Execute(std::string_view sql, const std::vector<SqlParam>& params) {
    return Execute(sql, params.data(), params.size());
  }
  // First column of the first row as an integer; nullopt when there is no row or it is NULL.
  Result<std::optional<int64_t>> QueryInt(std::string_view sql,
                                          std::initializer_list<SqlParam> params = {}) {
    std::optional<int64_t> out;
    LATHE_RETURN_IF_ERROR(Query(sql, params, [&](const SqlRow& r) {
      if (!out && !r.IsNull(0)) out = r.Int(0);
      return Status::Ok();
    }));
    return out;
  }
};

// Opens a SQLite database file (or ":memory:"). `create` allows creating a missing file;
// `read_only` opens it for reading only (no WAL switch, writes fail with PERMISSION_DENIED).
Result<std::unique_ptr<SqlConnection>> OpenSqlite(const std::string& path, bool create,
                                                  int busy_timeout_ms, bool read_only = false);

// Connects to a PostgreSQL database given as a libpq URI ("postgresql://user@host:port/db?...").
// `create` creates a missing database (connected to the server's "postgres" database);
// `read_only` makes every transaction read-only (writes fail with PERMISSION_DENIED);
// `busy_timeout_ms` bounds the wait for another writer (then UNAVAILABLE).
Result<std::unique_ptr<SqlConnection>> OpenPostgres(const std::string& uri, bool create,
                                                    int busy_timeout_ms, bool read_only);

// "?, ?, ?" for n placeholders.
std::string Placeholders(size_t n);

// The kind of value a column of this declared SQL type holds ("BIGINT" -> kInt, "DOUBLE
// PRECISION" -> kDouble, anything else kText).
SqlParam::Kind ColumnKindOf(std::string_view declared_type);

}  // namespace lathe::metadata::detail
