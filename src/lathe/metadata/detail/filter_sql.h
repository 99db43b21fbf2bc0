// Compiles a parsed filter into a SQL condition over one node table (alias "t"), with every
// literal bound as a parameter. Field names are checked here, against the table's kind.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "lathe/metadata/detail/node_table.h"
#include "lathe/metadata/detail/sql_connection.h"
#include "lathe/metadata/filter.h"

namespace lathe::metadata::detail {

// SQL text with its parameters; owns the text that parameters borrow.
struct SqlFragment {
  std::string sql;
  std::vector<SqlParam> params;
  std::deque<std::string> storage;
  // Appended inside every correlated probe (SqlConnection::probe_fence).
  std::string_view probe_fence;

  SqlFragment() = default;
  SqlFragment(const SqlFragment&) = delete;
  SqlFragment& operator=(const SqlFragment&) = delete;
  SqlFragment(SqlFragment&&) = default;

  void AddText(std::string s) {
    storage.push_back(std::move(s));
    params.emplace_back(std::string_view(storage.back()));
  }
};

// Set predicates (on properties and on context links) can be compiled two ways: as an IN list
// that drives the query in id order, or as a correlated EXISTS probe per candidate row. Which is
// cheaper depends on how many rows each matches, so the caller picks at most one `driver` (see
// ChooseDriver in store_queries.cc); every other set predicate becomes a probe.
bool IsSetPredicate(const FilterExpr& leaf);

// Appends "SELECT <owner id> FROM ... WHERE ..." for a set predicate: the ids it matches.
Status CompileSetQuery(const FilterExpr& leaf, const NodeTable& table, SqlFragment& out);

// Appends "(condition)" for `expr` to out.sql. INVALID_ARGUMENT names an unknown field or a value
// of the wrong kind, with its column. `driver` is a leaf of `expr` or null.
Status CompileFilter(const FilterExpr& expr, const NodeTable& table, const FilterExpr* driver,
                     SqlFragment& out);

}  // namespace lathe::metadata::detail
