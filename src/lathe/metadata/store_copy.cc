// Copying a whole store into another (SQLite -> PostgreSQL, say): table by table in the order
// foreign keys need, each read in primary-key pages and written in multi-row INSERTs.
#include <fmt/format.h>

#include <set>
#include <variant>

#include "lathe/metadata/detail/sql_connection.h"
#include "lathe/metadata/metadata_store.h"

namespace lathe::metadata {

using detail::SqlColumn;
using detail::SqlParam;
using detail::SqlRow;

namespace {

// Every table of the schema, parents before children. A table a migration adds must be listed
// here: CopyTo refuses a store holding a table it does not know.
constexpr const char* kTablesInCopyOrder[] = {"types",           "type_properties",
                                              "artifacts",       "artifact_properties",
                                              "executions",      "execution_properties",
                                              "contexts",        "context_properties",
                                              "parent_contexts", "events",
                                              "attributions",    "associations"};
// Tables whose ids come from an auto-increment key.
constexpr const char* kTablesWithIds[] = {"types", "artifacts", "executions", "contexts", "events"};

constexpr int kPageRows = 5000;   // rows read per query
constexpr int kInsertRows = 200;  // rows per INSERT statement

using CellValue = std::variant<std::monostate, int64_t, double, std::string>;

SqlParam ToParam(const CellValue& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return SqlParam(*i);
  if (const auto* d = std::get_if<double>(&v)) return SqlParam(*d);
  if (const auto* s = std::get_if<std::string>(&v)) return SqlParam(std::string_view(*s));
  return SqlParam();
}

std::string ColumnList(const std::vector<SqlColumn>& columns, std::string_view prefix = "") {
  std::string out;
  for (const auto& c : columns) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{}{}", prefix, c.name);
  }
  return out;
}

}  // namespace

Result<CopyReport> MetadataStore::CopyTo(
    MetadataStore& destination, const std::function<void(std::string_view, int64_t)>& progress) {
  if (&destination == this) return InvalidArgumentError("a store cannot be copied into itself");
  CopyReport report;
  detail::SqlConnection& src = *conn_;
  detail::SqlConnection& dst = *destination.conn_;
  Status st = InTransaction(false, [&]() -> Status {
    return destination.InTransaction(true, [&]() -> Status {
      // Both stores must hold exactly the tables this build knows.
      std::set<std::string> known(std::begin(kTablesInCopyOrder), std::end(kTablesInCopyOrder));
      known.insert("lathe_schema");
      for (auto* conn : {&src, &dst}) {
        LATHE_ASSIGN_OR_RETURN(auto tables, conn->ListTables());
        for (const auto& t : tables)
          if (!known.count(t))
            return InternalError(fmt::format(
                "the {} store holds a table this lathe cannot copy: {}", conn->backend(), t));
      }
      for (const char* table : kTablesInCopyOrder) {
        LATHE_ASSIGN_OR_RETURN(auto any,
                               dst.QueryInt(fmt::format("SELECT 1 FROM {} LIMIT 1", table)));
        if (any)
          return FailedPreconditionError(fmt::format(
              "the destination store {} is not empty (its table {} has rows); copy into a new "
              "store",
              destination.uri_, table));
      }
      for (const char* table : kTablesInCopyOrder) {
        LATHE_ASSIGN_OR_RETURN(std::vector<SqlColumn> columns, src.ListColumns(table));
        LATHE_ASSIGN_OR_RETURN(std::vector<SqlColumn> dst_columns, dst.ListColumns(table));
        if (ColumnList(columns) != ColumnList(dst_columns))
          return InternalError(fmt::format("table {} differs between the stores: ({}) vs ({})",
                                           table, ColumnList(columns), ColumnList(dst_columns)));
        // Keyset paging on the primary key: (k1, k2) > (?, ?) ORDER BY k1, k2.
        std::vector<size_t> key;
        for (size_t pos = 1;; ++pos) {
          size_t before = key.size();
          for (size_t i = 0; i < columns.size(); ++i)
            if (columns[i].primary_key_position == static_cast<int>(pos)) key.push_back(i);
          if (key.size() == before) break;
        }
        if (key.empty()) return InternalError(fmt::format("table {} has no primary key", table));
        std::string key_list, key_marks;
        for (size_t k : key) {
          key_list += (key_list.empty() ? "" : ", ") + columns[k].name;
          key_marks += key_marks.empty() ? "?" : ", ?";
        }
        const std::string first_page = fmt::format("SELECT {} FROM {} ORDER BY {} LIMIT {}",
                                                   ColumnList(columns), table, key_list, kPageRows);
        const std::string next_page =
            fmt::format("SELECT {} FROM {} WHERE ({}) > ({}) ORDER BY {} LIMIT {}",
                        ColumnList(columns), table, key_list, key_marks, key_list, kPageRows);
        const std::string insert_head =
            fmt::format("INSERT INTO {} ({}) VALUES ", table, ColumnList(columns));
        const std::string row_marks = "(" + detail::Placeholders(columns.size()) + ")";

        int64_t copied = 0;
        std::vector<std::vector<CellValue>> page;
        std::vector<CellValue> last_key;
        while (true) {
          page.clear();
          std::vector<SqlParam> key_params;
          for (const auto& v : last_key) key_params.push_back(ToParam(v));
          LATHE_RETURN_IF_ERROR(src.Query(last_key.empty() ? first_page : next_page, key_params,
                                          [&](const SqlRow& r) {
                                            std::vector<CellValue> row(columns.size());
                                            for (size_t i = 0; i < columns.size(); ++i) {
                                              if (r.IsNull(static_cast<int>(i))) continue;
                                              switch (columns[i].kind) {
                                                case SqlParam::Kind::kInt:
                                                  row[i] = r.Int(static_cast<int>(i));
                                                  break;
                                                case SqlParam::Kind::kDouble:
                                                  row[i] = r.Double(static_cast<int>(i));
                                                  break;
                                                default:
                                                  row[i] = r.Str(static_cast<int>(i));
                                              }
                                            }
                                            page.push_back(std::move(row));
                                            return Status::Ok();
                                          }));
          for (size_t start = 0; start < page.size(); start += kInsertRows) {
            const size_t end = std::min(page.size(), start + kInsertRows);
            std::string sql = insert_head;
            std::vector<SqlParam> params;
            params.reserve((end - start) * columns.size());
            for (size_t r = start; r < end; ++r) {
              if (r > start) sql += ", ";
              sql += row_marks;
              for (const auto& v : page[r]) params.push_back(ToParam(v));
            }
            LATHE_RETURN_IF_ERROR(
                dst.Execute(sql, params).status().WithContext(fmt::format("copying {}", table)));
          }
          copied += static_cast<int64_t>(page.size());
          if (progress && !page.empty()) progress(table, copied);
          if (page.size() < static_cast<size_t>(kPageRows)) break;
          last_key.clear();
          for (size_t k : key) last_key.push_back(page.back()[k]);
        }
        report.rows.emplace_back(table, copied);
        report.total_rows += copied;
      }
      for (const char* table : kTablesWithIds) {
        LATHE_ASSIGN_OR_RETURN(auto issued, src.LastIssuedId(table));
        LATHE_ASSIGN_OR_RETURN(auto largest,
                               src.QueryInt(fmt::format("SELECT MAX(id) FROM {}", table)));
        int64_t last = std::max(issued.value_or(0), largest.value_or(0));
        if (last > 0) LATHE_RETURN_IF_ERROR(dst.ReserveIds(table, last));
      }
      return Status::Ok();
    });
  });
  if (!st.ok()) return st;
  {
    std::lock_guard lock(destination.mu_);
    LATHE_RETURN_IF_ERROR(dst.RefreshStatistics());
  }
  // The destination's type cache was filled before the copy.
  LATHE_RETURN_IF_ERROR(destination.LoadTypeCache());
  return report;
}

}  // namespace lathe::metadata
