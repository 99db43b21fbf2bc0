// A raw database session on a store's database, outside Lathe: what a foreign or buggy writer
// could do (foreign keys are not enforced) and how tests hold locks. SQLite and PostgreSQL
// store URIs. Not thread-safe.
#pragma once

#include <memory>
#include <string>

namespace lathe::testing {

class RawSqlSession {
 public:
  explicit RawSqlSession(const std::string& store_uri);
  ~RawSqlSession();
  RawSqlSession(const RawSqlSession&) = delete;
  RawSqlSession& operator=(const RawSqlSession&) = delete;

  // Runs statements separated by ';'. Returns the database's error message, "" on success.
  std::string Exec(const std::string& sql);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One-shot RawSqlSession(store_uri).Exec(sql).
std::string ExecRawSql(const std::string& store_uri, const std::string& sql);

}  // namespace lathe::testing
