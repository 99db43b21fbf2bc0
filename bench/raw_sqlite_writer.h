// Writes the rows of one recorded execution with bare prepared INSERT statements into a store's
// SQLite file: the physical limit that MetadataStore::PutExecution is measured against, and a
// fast loader for building large benchmark stores. It writes exactly the rows the store writes
// (same tables, same columns), without any of the store's checks.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

namespace lathe::bench {

struct RawArtifact {
  int64_t type_id;
  std::string uri;
  int64_t span;
  std::string split;
};

struct RawExecution {
  int64_t type_id;
  int64_t epochs;
  std::vector<int64_t> inputs;                            // existing artifact ids
  std::vector<RawArtifact> outputs;                       // new artifacts
  std::vector<std::pair<int64_t, std::string>> contexts;  // (type id, name), created if missing
};

class RawSqliteWriter {
 public:
  explicit RawSqliteWriter(const std::string& path);
  ~RawSqliteWriter();

  void Begin();
  void Commit();
  // Returns the ids of the new output artifacts.
  std::vector<int64_t> Write(const RawExecution& e, int64_t now);

 private:
  sqlite3_stmt* Prepare(const char* sql);
  void Step(sqlite3_stmt* s);
  int64_t InsertReturningId(sqlite3_stmt* s);

  sqlite3* db_ = nullptr;
  std::vector<sqlite3_stmt*> all_;
  sqlite3_stmt *begin_, *commit_, *exec_, *exec_prop_, *artifact_, *artifact_prop_int_,
      *artifact_prop_str_, *event_, *find_context_, *context_, *association_, *attribution_;
};

}  // namespace lathe::bench
