#include "testing/raw_sql.h"

#include <libpq-fe.h>
#include <sqlite3.h>

namespace lathe::testing {

struct RawSqlSession::Impl {
  sqlite3* sqlite = nullptr;
  PGconn* pg = nullptr;
  std::string open_error;
};

RawSqlSession::RawSqlSession(const std::string& store_uri) : impl_(std::make_unique<Impl>()) {
  const std::string sqlite_prefix = "sqlite://";
  if (store_uri.starts_with(sqlite_prefix)) {
    if (sqlite3_open(store_uri.substr(sqlite_prefix.size()).c_str(), &impl_->sqlite) != SQLITE_OK)
      impl_->open_error = sqlite3_errmsg(impl_->sqlite);
    else
      sqlite3_exec(impl_->sqlite, "PRAGMA foreign_keys=OFF", nullptr, nullptr, nullptr);
    return;
  }
  impl_->pg = PQconnectdb(store_uri.c_str());
  if (PQstatus(impl_->pg) != CONNECTION_OK) {
    impl_->open_error = PQerrorMessage(impl_->pg);
    return;
  }
  // Foreign-key triggers do not fire in replica mode (the test server's user is a superuser).
  PQclear(PQexec(impl_->pg, "SET session_replication_role = replica"));
}

RawSqlSession::~RawSqlSession() {
  if (impl_->sqlite != nullptr) sqlite3_close(impl_->sqlite);
  if (impl_->pg != nullptr) PQfinish(impl_->pg);
}

std::string RawSqlSession::Exec(const std::string& sql) {
  if (!impl_->open_error.empty()) return impl_->open_error;
  if (impl_->sqlite != nullptr) {
    char* err = nullptr;
    if (sqlite3_exec(impl_->sqlite, sql.c_str(), nullptr, nullptr, &err) == SQLITE_OK) return "";
    std::string msg = err != nullptr ? err : "error";
    sqlite3_free(err);
    return msg;
  }
  PGresult* res = PQexec(impl_->pg, sql.c_str());
  ExecStatusType st = PQresultStatus(res);
  std::string msg =
      st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? "" : PQresultErrorMessage(res);
  PQclear(res);
  return msg;
}

std::string ExecRawSql(const std::string& store_uri, const std::string& sql) {
  return RawSqlSession(store_uri).Exec(sql);
}

}  // namespace lathe::testing
