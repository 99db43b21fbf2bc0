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

  SqlFragment() = default;
  SqlFragment(const SqlFragment&) = delete;
  SqlFragment& operator=(const SqlFragment&) = delete;
  SqlFragment(SqlFragment&&) = default;

  void AddText(std::string s) {
    storage.push_back(std::move(s));
    params.emplace_back(std::string_view(storage.back()));
  }
};

// Appends "(condition)" for `expr` to out.sql. INVALID_ARGUMENT names an unknown field or a value
// of the wrong kind, with its column.
Status CompileFilter(const FilterExpr& expr, const NodeTable& table, SqlFragment& out);

}  // namespace lathe::metadata::detail
