// PostgreSQL backend (libpq): prepared statements cached by SQL text and parameter types, '?'
// placeholders rewritten to '$n', SQLSTATEs mapped to the store's status codes.
//
// Transactions keep SQLite's semantics so the store's logic is the same on both: a write
// transaction first takes one transaction-scoped advisory lock (writers are serialised, like
// SQLite's BEGIN IMMEDIATE, so read-then-insert sequences such as "reuse the context if it exists"
// cannot race), and a read transaction is REPEATABLE READ (one snapshot for all of its statements,
// like a SQLite read transaction in WAL mode). Readers never wait for writers.
#include <fmt/format.h>
#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "lathe/metadata/detail/sql_connection.h"
#include "lathe/metadata/store_uri.h"

namespace lathe::metadata::detail {

namespace {

constexpr size_t kMaxPreparedStatements = 512;
// The advisory lock every write transaction takes ("Lath"); advisory locks are per database.
constexpr int64_t kWriteLockKey = 0x4C617468;

// Type OIDs of the parameters (pg_type.h): a statement is prepared once per SQL text and list of
// parameter types, so an INT parameter is never coerced to TEXT or the other way round.
constexpr Oid kInt8Oid = 20;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kTextOid = 25;

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

Status MapPgError(PGconn* conn, const PGresult* res, std::string_view what) {
  // The server's primary message ("duplicate key value violates ..."), else libpq's whole text.
  const char* primary = res != nullptr ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string msg = primary != nullptr ? primary
                    : res != nullptr   ? PQresultErrorMessage(res)
                                       : PQerrorMessage(conn);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  std::string text = fmt::format("{}: {}", what, msg);
  if (PQstatus(conn) != CONNECTION_OK)
    return UnavailableError(text + " (the PostgreSQL server is unreachable; retry later)");
  const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string_view code = state != nullptr ? state : "";
  if (code == "22021")
    return InvalidArgumentError(text + " (a PostgreSQL store holds UTF-8 text only)");
  if (code == "23505") return AlreadyExistsError(text);
  if (code == "23503")
    return FailedPreconditionError(text + " (a referenced record does not exist)");
  if (code.starts_with("23") || code.starts_with("22")) return InvalidArgumentError(text);
  if (code == "40001" || code == "40P01")
    return AbortedError(text + " (a concurrent transaction conflicted; retry)");
  if (code == "55P03" || code == "57014")
    return UnavailableError(text + " (another writer holds the store; retry later)");
  if (code == "25006" || code == "42501") return Status(StatusCode::kPermissionDenied, text);
  if (code == "53100" || code == "53200") return Status(StatusCode::kResourceExhausted, text);
  if (code.starts_with("08") || code.starts_with("57P"))
    return UnavailableError(text + " (the PostgreSQL server is unreachable; retry later)");
  if (code == "XX001" || code == "XX002") return DataLossError(text);
  return InternalError(text);
}

// Rewrites '?' and '?N' placeholders to '$n' / '$N', leaving quoted text and identifiers alone.
std::string ToDollarPlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int next = 0;
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (quote != 0) {
      if (c == quote) quote = 0;  // a doubled quote re-opens at once: same result
      out += c;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out += c;
      continue;
    }
    if (c != '?') {
      out += c;
      continue;
    }
    out += '$';
    if (i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') continue;  // ?N -> $N
    out += std::to_string(++next);
  }
  return out;
}

class PostgresRow final : public SqlRow {
 public:
  PostgresRow(const PGresult* res, int row) : res_(res), row_(row) {}
  bool IsNull(int col) const override { return PQgetisnull(res_, row_, col) != 0; }
  int64_t Int(int col) const override {
    const char* v = PQgetvalue(res_, row_, col);
    if (std::strchr(v, '.') != nullptr || std::strchr(v, 'e') != nullptr)
      return static_cast<int64_t>(std::strtod(v, nullptr));  // a DOUBLE or NUMERIC column
    if (v[0] == 't' && v[1] == '\0') return 1;               // a boolean expression
    return std::strtoll(v, nullptr, 10);
  }
  double Double(int col) const override {
    return std::strtod(PQgetvalue(res_, row_, col), nullptr);
  }
  std::string_view Text(int col) const override {
    return {PQgetvalue(res_, row_, col), static_cast<size_t>(PQgetlength(res_, row_, col))};
  }

 private:
  const PGresult* res_;
  int row_;
};

class PostgresConnection final : public SqlConnection {
 public:
  explicit PostgresConnection(PGconn* conn) : conn_(conn) {}
  ~PostgresConnection() override { PQfinish(conn_); }

  std::string_view backend() const override { return "postgresql"; }
  // Identity columns come from a sequence, which never hands out an id twice.
  std::string_view id_column_type() const override {
    return "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
  }

  std::string_view probe_fence() const override { return " OFFSET 0"; }

  std::string_view list_tables_sql() const override {
    return "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema() "
           "ORDER BY tablename";
  }
  std::string_view list_columns_sql() const override {
    return "SELECT a.attname, format_type(a.atttypid, a.atttypmod), "
           "COALESCE((SELECT k.n FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(att, n) "
           "WHERE k.att = a.attnum), 0) "
           "FROM pg_attribute a LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary "
           "WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped "
           "ORDER BY a.attnum";
  }

  // PostgreSQL enforces foreign keys as rows are written, but not for a session that turned its
  // triggers off (replication, a restore): every foreign key of the store's tables is checked.
  Result<std::vector<std::string>> IntegrityProblems() override {
    struct ForeignKey {
      std::string table, column, parent, parent_column;
    };
    std::vector<ForeignKey> keys;
    LATHE_RETURN_IF_ERROR(SqlConnection::Query(
        "SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, pa.attname "
        "FROM pg_constraint c "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = c.confkey[1] "
        "WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace "
        "ORDER BY 1, 2",
        {}, [&](const SqlRow& r) {
          keys.push_back({r.Str(0), r.Str(1), r.Str(2), r.Str(3)});
          return Status::Ok();
        }));
    std::vector<std::string> out;
    for (const auto& k : keys) {
      LATHE_RETURN_IF_ERROR(SqlConnection::Query(
          fmt::format("SELECT c.{1} FROM {0} c WHERE c.{1} IS NOT NULL AND NOT EXISTS (SELECT 1 "
                      "FROM {2} p WHERE p.{3} = c.{1}) LIMIT 100",
                      k.table, k.column, k.parent, k.parent_column),
          {}, [&](const SqlRow& r) {
            out.push_back(
                fmt::format("foreign key: a row of {} with {} = {} references a missing "
                            "row of {}",
                            k.table, k.column, r.Text(0), k.parent));
            return Status::Ok();
          }));
    }
    return out;
  }

  Status ExecScript(std::string_view sql) override {
    PgResult res(PQexec(conn_, std::string(sql).c_str()));
    ExecStatusType st = PQresultStatus(res.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
      return MapPgError(conn_, res.get(), "SQL failed");
    return Status::Ok();
  }

  Status Query(std::string_view sql, const SqlParam* params, size_t n,
               const RowCallback& on_row) override {
    LATHE_ASSIGN_OR_RETURN(PgResult res, Run(sql, params, n));
    if (!on_row) return Status::Ok();
    const int rows = PQntuples(res.get());
    for (int i = 0; i < rows; ++i) {
      PostgresRow row(res.get(), i);
      LATHE_RETURN_IF_ERROR(on_row(row));
    }
    return Status::Ok();
  }

  Result<int64_t> Execute(std::string_view sql, const SqlParam* params, size_t n) override {
    LATHE_ASSIGN_OR_RETURN(PgResult res, Run(sql, params, n));
    const char* changed = PQcmdTuples(res.get());
    return changed[0] == '\0' ? int64_t{0} : std::strtoll(changed, nullptr, 10);
  }

  Status Begin(bool write) override {
    if (!write) return ExecScript("BEGIN ISOLATION LEVEL REPEATABLE READ");
    LATHE_RETURN_IF_ERROR(ExecScript("BEGIN"));
    Status st = ExecScript(fmt::format("SELECT pg_advisory_xact_lock({})", kWriteLockKey));
    if (!st.ok()) ExecScript("ROLLBACK").IgnoreError();
    return st;
  }
  Status Commit() override { return ExecScript("COMMIT"); }
  // Fresh statistics after a bulk load: the planner of a copied store would otherwise guess.
  Status RefreshStatistics() override { return ExecScript("ANALYZE"); }
  Status Rollback() override {
    if (PQtransactionStatus(conn_) == PQTRANS_IDLE) return Status::Ok();
    return ExecScript("ROLLBACK");
  }

  Result<std::optional<int64_t>> LastIssuedId(std::string_view table) override {
    // pg_sequence_last_value is NULL before the sequence's first use.
    return QueryInt(
        fmt::format("SELECT pg_sequence_last_value(pg_get_serial_sequence('{}', "
                    "'id')::regclass)",
                    table));
  }
  Status ReserveIds(std::string_view table, int64_t last_id) override {
    LATHE_ASSIGN_OR_RETURN(std::optional<int64_t> issued, LastIssuedId(table));
    if (last_id <= issued.value_or(0)) return Status::Ok();  // never moved back
    return SqlConnection::Query(
        fmt::format("SELECT setval(pg_get_serial_sequence('{}', 'id'), ?)", table), {last_id},
        nullptr);
  }

 private:
  // Prepares (once) and runs a statement; the result holds every row.
  Result<PgResult> Run(std::string_view sql, const SqlParam* params, size_t n) {
    std::string key(sql);
    types_.assign(n, 0);
    for (size_t i = 0; i < n; ++i) {
      switch (params[i].kind()) {
        case SqlParam::Kind::kNull:
          key += "\x1fn";  // unknown: the server infers it from the context
          break;
        case SqlParam::Kind::kInt:
          types_[i] = kInt8Oid;
          key += "\x1fi";
          break;
        case SqlParam::Kind::kDouble:
          types_[i] = kFloat8Oid;
          key +=
              "\x1f"
              "d";
          break;
        case SqlParam::Kind::kText:
          types_[i] = kTextOid;
          key += "\x1ft";
          break;
      }
    }
    auto it = statements_.find(key);
    if (it == statements_.end()) {
      if (statements_.size() >= kMaxPreparedStatements) {
        LATHE_RETURN_IF_ERROR(ExecScript("DEALLOCATE ALL"));
        statements_.clear();
      }
      std::string name = fmt::format("lathe_{}", ++statement_counter_);
      PgResult prep(PQprepare(conn_, name.c_str(), ToDollarPlaceholders(sql).c_str(),
                              static_cast<int>(n), types_.data()));
      if (PQresultStatus(prep.get()) != PGRES_COMMAND_OK) {
        constexpr size_t kShown = 160;
        return MapPgError(conn_, prep.get(),
                          sql.size() <= kShown
                              ? fmt::format("preparing SQL [{}]", sql)
                              : fmt::format("preparing SQL [{}...]", sql.substr(0, kShown)));
      }
      it = statements_.emplace(std::move(key), std::move(name)).first;
    }
    // Numbers go as text, text as binary (its bytes as they are, no terminating NUL needed).
    values_.assign(n, nullptr);
    lengths_.assign(n, 0);
    formats_.assign(n, 0);
    numbers_.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const SqlParam& p = params[i];
      switch (p.kind()) {
        case SqlParam::Kind::kNull:
          break;
        case SqlParam::Kind::kInt:
          numbers_[i] = std::to_string(p.i());
          values_[i] = numbers_[i].c_str();
          break;
        case SqlParam::Kind::kDouble:
          numbers_[i] = fmt::format("{}", p.d());  // shortest exact; "nan", "inf" accepted
          values_[i] = numbers_[i].c_str();
          break;
        case SqlParam::Kind::kText:
          values_[i] = p.s().data() != nullptr ? p.s().data() : "";
          lengths_[i] = static_cast<int>(p.s().size());
          formats_[i] = 1;
          break;
      }
    }
    PgResult res(PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(n), values_.data(),
                                lengths_.data(), formats_.data(), 0));
    ExecStatusType st = PQresultStatus(res.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      Status err = MapPgError(conn_, res.get(), "query failed");
      // A statement that failed because a table changed under it is prepared afresh next time.
      if (err.code() == StatusCode::kInternal) statements_.erase(it);
      return err;
    }
    return res;
  }

  PGconn* conn_;
  std::unordered_map<std::string, std::string> statements_;  // key: SQL + parameter kinds
  int64_t statement_counter_ = 0;
  // Reused buffers of Run().
  std::vector<Oid> types_;
  std::vector<const char*> values_;
  std::vector<int> lengths_, formats_;
  std::vector<std::string> numbers_;
};

void QuietNotices(void*, const char* message) {
  spdlog::debug("postgresql: {}", message);
}

// Connects with the URI's parameters, `dbname` replaced when given.
PGconn* ConnectWith(const std::string& uri, const char* dbname) {
  if (dbname == nullptr) return PQconnectdb(uri.c_str());
  const char* keys[] = {"dbname", "dbname", nullptr};
  const char* values[] = {uri.c_str(), dbname, nullptr};
  return PQconnectdbParams(keys, values, 1);  // expand_dbname: the URI, then dbname overrides
}

// The database the URI names (libpq's default: the user name).
std::string DatabaseOf(const std::string& uri) {
  std::string name;
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(uri.c_str(), &err);
  if (err != nullptr) PQfreemem(err);
  if (opts == nullptr) return name;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (std::strcmp(o->keyword, "dbname") == 0 && o->val != nullptr) name = o->val;
    if (name.empty() && std::strcmp(o->keyword, "user") == 0 && o->val != nullptr) name = o->val;
  }
  PQconninfoFree(opts);
  return name;
}

// Creates the database the URI names, connected to the server's maintenance database.
Status CreateDatabase(const std::string& uri, const std::string& shown) {
  std::string db = DatabaseOf(uri);
  if (db.empty()) return InvalidArgumentError(fmt::format("store URI {} names no database", shown));
  PGconn* admin = ConnectWith(uri, "postgres");
  if (PQstatus(admin) != CONNECTION_OK) {
    Status st = UnavailableError(fmt::format("cannot connect to create database '{}' for {}: {}",
                                             db, shown, PQerrorMessage(admin)));
    PQfinish(admin);
    return st;
  }
  char* quoted = PQescapeIdentifier(admin, db.c_str(), db.size());
  PgResult res(PQexec(admin, fmt::format("CREATE DATABASE {}", quoted).c_str()));
  PQfreemem(quoted);
  Status st;
  if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
    st = MapPgError(admin, res.get(), fmt::format("creating database '{}'", db));
    if (st.code() == StatusCode::kAlreadyExists) st = Status::Ok();  // another process won
  }
  PQfinish(admin);
  return st;
}

}  // namespace

Result<std::unique_ptr<SqlConnection>> OpenPostgres(const std::string& uri, bool create,
                                                    int busy_timeout_ms, bool read_only) {
  const std::string shown = RedactStoreUri(uri);
  PGconn* conn = ConnectWith(uri, nullptr);
  if (PQstatus(conn) != CONNECTION_OK && create) {
    // A missing database is created when the store may be created; any other failure stays.
    std::string db = DatabaseOf(uri);
    std::string msg = PQerrorMessage(conn);
    if (!db.empty() &&
        msg.find(fmt::format("database \"{}\" does not exist", db)) != std::string::npos) {
      PQfinish(conn);
      LATHE_RETURN_IF_ERROR(CreateDatabase(uri, shown));
      conn = ConnectWith(uri, nullptr);
    }
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn);
    PQfinish(conn);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    if (msg.find("does not exist") != std::string::npos)
      return NotFoundError(
          fmt::format("no store at {}: {} (create one with `lathe store init`)", shown, msg));
    return UnavailableError(fmt::format("cannot connect to PostgreSQL store {}: {}", shown, msg));
  }
  PQsetNoticeProcessor(conn, QuietNotices, nullptr);
  auto out = std::make_unique<PostgresConnection>(conn);
  LATHE_RETURN_IF_ERROR(out->ExecScript(fmt::format(
      "SET client_encoding = 'UTF8'; SET lock_timeout = {}; SET default_transaction_read_only = "
      "{}",
      busy_timeout_ms, read_only ? "on" : "off")));
  return std::unique_ptr<SqlConnection>(std::move(out));
}

}  // namespace lathe::metadata::detail
