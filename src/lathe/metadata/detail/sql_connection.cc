// What every backend shares: placeholders, declared types, and the catalogue listings run through
// each backend's own queries.
#include "lathe/metadata/detail/sql_connection.h"

#include <fmt/format.h>

#include <cctype>

namespace lathe::metadata::detail {

std::string Placeholders(size_t n) {
  std::string out;
  out.reserve(n * 3);
  for (size_t i = 0; i < n; ++i) out += i == 0 ? "?" : ", ?";
  return out;
}

SqlParam::Kind ColumnKindOf(std::string_view declared_type) {
  std::string t;
  for (char c : declared_type) t += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (t.find("INT") != std::string::npos) return SqlParam::Kind::kInt;
  if (t.find("DOUB") != std::string::npos || t.find("REAL") != std::string::npos ||
      t.find("FLOA") != std::string::npos)
    return SqlParam::Kind::kDouble;
  return SqlParam::Kind::kText;
}

Result<std::vector<std::string>> SqlConnection::ListTables() {
  std::vector<std::string> out;
  LATHE_RETURN_IF_ERROR(Query(list_tables_sql(), {}, [&](const SqlRow& r) {
    out.push_back(r.Str(0));
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<SqlColumn>> SqlConnection::ListColumns(std::string_view table) {
  std::vector<SqlColumn> out;
  LATHE_RETURN_IF_ERROR(Query(list_columns_sql(), {table}, [&](const SqlRow& r) {
    out.push_back({r.Str(0), ColumnKindOf(r.Text(1)), static_cast<int>(r.Int(2))});
    return Status::Ok();
  }));
  if (out.empty()) return InternalError(fmt::format("the store has no table {}", table));
  return out;
}

}  // namespace lathe::metadata::detail
