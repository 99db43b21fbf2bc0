#include "raw_sqlite_writer.h"

#include <stdexcept>
#include <string>

namespace lathe::bench {

RawSqliteWriter::RawSqliteWriter(const std::string& path) {
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK)
    throw std::runtime_error("cannot open " + path);
  sqlite3_busy_timeout(db_, 30000);
  sqlite3_exec(db_, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
               nullptr, nullptr, nullptr);
  begin_ = Prepare("BEGIN IMMEDIATE");
  commit_ = Prepare("COMMIT");
  exec_ = Prepare(
      "INSERT INTO executions (type_id, name, state, revision, create_time_ms, update_time_ms) "
      "VALUES (?, NULL, 3, 1, ?, ?) RETURNING id");
  exec_prop_ = Prepare(
      "INSERT INTO execution_properties (owner_id, is_custom, name, data_type, int_value, "
      "double_value, string_value) VALUES (?, 0, 'epochs', 1, ?, ?, NULL)");
  artifact_ = Prepare(
      "INSERT INTO artifacts (type_id, name, uri, external_id, state, fingerprint, revision, "
      "create_time_ms, update_time_ms) VALUES (?, NULL, ?, NULL, 2, 'xxh3-128:0', 1, ?, ?) "
      "RETURNING id");
  artifact_prop_int_ = Prepare(
      "INSERT INTO artifact_properties (owner_id, is_custom, name, data_type, int_value, "
      "double_value, string_value) VALUES (?, 0, 'span', 1, ?, ?, NULL)");
  artifact_prop_str_ = Prepare(
      "INSERT INTO artifact_properties (owner_id, is_custom, name, data_type, int_value, "
      "double_value, string_value) VALUES (?, 0, 'split', 3, NULL, NULL, ?)");
  event_ = Prepare(
      "INSERT INTO events (artifact_id, execution_id, type, path, time_ms) VALUES (?, ?, ?, '[]', "
      "?)");
  find_context_ = Prepare("SELECT id FROM contexts WHERE type_id = ? AND name = ?");
  context_ = Prepare(
      "INSERT INTO contexts (type_id, name, revision, create_time_ms, update_time_ms) "
      "VALUES (?, ?, 1, ?, ?) RETURNING id");
  association_ = Prepare(
      "INSERT INTO associations (context_id, execution_id) VALUES (?, ?) ON CONFLICT DO NOTHING");
  attribution_ = Prepare(
      "INSERT INTO attributions (context_id, artifact_id) VALUES (?, ?) ON CONFLICT DO NOTHING");
}

RawSqliteWriter::~RawSqliteWriter() {
  for (auto* s : all_) sqlite3_finalize(s);
  sqlite3_close(db_);
}

sqlite3_stmt* RawSqliteWriter::Prepare(const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
    throw std::runtime_error(std::string("prepare: ") + sqlite3_errmsg(db_));
  all_.push_back(s);
  return s;
}

void RawSqliteWriter::Step(sqlite3_stmt* s) {
  int rc = sqlite3_step(s);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(std::string("step: ") + sqlite3_errmsg(db_));
  sqlite3_reset(s);
}

int64_t RawSqliteWriter::InsertReturningId(sqlite3_stmt* s) {
  if (sqlite3_step(s) != SQLITE_ROW)
    throw std::runtime_error(std::string("insert: ") + sqlite3_errmsg(db_));
  int64_t id = sqlite3_column_int64(s, 0);
  sqlite3_step(s);
  sqlite3_reset(s);
  return id;
}

void RawSqliteWriter::Begin() {
  Step(begin_);
}
void RawSqliteWriter::Commit() {
  Step(commit_);
}

std::vector<int64_t> RawSqliteWriter::Write(const RawExecution& e, int64_t now) {
  sqlite3_bind_int64(exec_, 1, e.type_id);
  sqlite3_bind_int64(exec_, 2, now);
  sqlite3_bind_int64(exec_, 3, now);
  int64_t exec_id = InsertReturningId(exec_);
  sqlite3_bind_int64(exec_prop_, 1, exec_id);
  sqlite3_bind_int64(exec_prop_, 2, e.epochs);
  sqlite3_bind_double(exec_prop_, 3, static_cast<double>(e.epochs));
  Step(exec_prop_);

  std::vector<int64_t> all_artifacts = e.inputs, outputs;
  for (int64_t in : e.inputs) {
    sqlite3_bind_int64(event_, 1, in);
    sqlite3_bind_int64(event_, 2, exec_id);
    sqlite3_bind_int64(event_, 3, 3);  // INPUT
    sqlite3_bind_int64(event_, 4, now);
    Step(event_);
  }
  for (const auto& out : e.outputs) {
    sqlite3_bind_int64(artifact_, 1, out.type_id);
    sqlite3_bind_text(artifact_, 2, out.uri.data(), static_cast<int>(out.uri.size()),
                      SQLITE_STATIC);
    sqlite3_bind_int64(artifact_, 3, now);
    sqlite3_bind_int64(artifact_, 4, now);
    int64_t id = InsertReturningId(artifact_);
    sqlite3_bind_int64(artifact_prop_int_, 1, id);
    sqlite3_bind_int64(artifact_prop_int_, 2, out.span);
    sqlite3_bind_double(artifact_prop_int_, 3, static_cast<double>(out.span));
    Step(artifact_prop_int_);
    sqlite3_bind_int64(artifact_prop_str_, 1, id);
    sqlite3_bind_text(artifact_prop_str_, 2, out.split.data(), static_cast<int>(out.split.size()),
                      SQLITE_STATIC);
    Step(artifact_prop_str_);
    sqlite3_bind_int64(event_, 1, id);
    sqlite3_bind_int64(event_, 2, exec_id);
    sqlite3_bind_int64(event_, 3, 4);  // OUTPUT
    sqlite3_bind_int64(event_, 4, now);
    Step(event_);
    outputs.push_back(id);
    all_artifacts.push_back(id);
  }
  for (const auto& [type_id, name] : e.contexts) {
    sqlite3_bind_int64(find_context_, 1, type_id);
    sqlite3_bind_text(find_context_, 2, name.data(), static_cast<int>(name.size()), SQLITE_STATIC);
    int64_t cid = 0;
    if (sqlite3_step(find_context_) == SQLITE_ROW) cid = sqlite3_column_int64(find_context_, 0);
    sqlite3_reset(find_context_);
    if (cid == 0) {
      sqlite3_bind_int64(context_, 1, type_id);
      sqlite3_bind_text(context_, 2, name.data(), static_cast<int>(name.size()), SQLITE_STATIC);
      sqlite3_bind_int64(context_, 3, now);
      sqlite3_bind_int64(context_, 4, now);
      cid = InsertReturningId(context_);
    }
    sqlite3_bind_int64(association_, 1, cid);
    sqlite3_bind_int64(association_, 2, exec_id);
    Step(association_);
    for (int64_t a : all_artifacts) {
      sqlite3_bind_int64(attribution_, 1, cid);
      sqlite3_bind_int64(attribution_, 2, a);
      Step(attribution_);
    }
  }
  return outputs;
}

}  // namespace lathe::bench
