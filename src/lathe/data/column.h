// In-memory columns: the typed, nullable columns that readers (CSV, JSON Lines, the columnar
// format) produce and that statistics and transforms consume. A Batch is a set of equally long
// columns under a Schema. Value types; not thread-safe.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lathe/core/status.h"

namespace lathe::data {

// kNull is the type of a column that holds no values at all (every row missing): it has no type
// of its own, so it takes the type of whatever it meets (another span's column, a schema, a
// fitted transform, declared types) instead of clashing with it.
enum class ColumnType { kInt64 = 1, kDouble = 2, kBool = 3, kString = 4, kNull = 5 };
std::string_view ColumnTypeName(ColumnType t);  // "int64", "double", "bool", "string", "null"
Result<ColumnType> ParseColumnType(std::string_view name);

// The type two columns of one feature share: the same type, or the other's when one is kNull.
// INVALID_ARGUMENT naming the column and both types when they differ otherwise.
Result<ColumnType> CommonType(ColumnType a, ColumnType b, std::string_view column);
// The narrowest type whose values hold both types' values: the same type, the other's when one
// is kNull, kDouble for kInt64 and kDouble, kString otherwise (the readers' widening order).
ColumnType WidestType(ColumnType a, ColumnType b);

struct Field {
  std::string name;
  ColumnType type = ColumnType::kString;
  friend bool operator==(const Field& a, const Field& b) {
    return a.name == b.name && a.type == b.type;
  }
};

struct Schema {
  std::vector<Field> fields;
  int Find(std::string_view name) const;  // -1 if absent
  friend bool operator==(const Schema& a, const Schema& b) { return a.fields == b.fields; }
};

// One schema for two: the fields of `a`, then those of `b` that `a` lacks, each field typed by
// CommonType. INVALID_ARGUMENT as CommonType.
Result<Schema> UnifySchemas(const Schema& a, const Schema& b);

// One column: a validity flag per row and the values of its type (values of null rows are
// zero / empty). Strings are stored as offsets into one buffer.
class Column {
 public:
  explicit Column(ColumnType type) : type_(type) {}
  ColumnType type() const { return type_; }
  size_t size() const { return valid_.size(); }
  bool is_null(size_t row) const { return valid_[row] == 0; }
  size_t null_count() const;

  // The appends are inline: they run once per parsed field.
  void AppendNull();
  void AppendInt(int64_t v) {
    valid_.push_back(1);
    ints_.push_back(v);
  }
  // NaN is appended as a missing value: a double column holds no NaN values. Infinities are
  // values (statistics count them apart as non-finite; feature ops read them as missing).
  void AppendDouble(double v) {
    if (std::isnan(v)) {
      AppendNull();
      return;
    }
    valid_.push_back(1);
    doubles_.push_back(v);
  }
  void AppendBool(bool v) {
    valid_.push_back(1);
    bools_.push_back(v ? 1 : 0);
  }
  void AppendString(std::string_view v) {
    valid_.push_back(1);
    chars_.append(v);
    offsets_.push_back(static_cast<uint32_t>(chars_.size()));
  }
  // Room for `rows` more rows and, in a string column, `chars` more bytes of text: appends within
  // them move nothing. (Room never written takes no memory in large buffers.)
  void Reserve(size_t rows, size_t chars = 0);
  // Removes the last row, undoing its append. The column must not be empty.
  void PopBack();
  // Appends row `row` of `from`, a column of the same type.
  void AppendFrom(const Column& from, size_t row);
  // Appends every row of `from`, a column of the same type (or a kNull column: its rows are
  // missing values here).
  void AppendColumn(const Column& from);
  // This column as type `type`: itself when it has that type, all missing values of that type
  // when it is kNull. INVALID_ARGUMENT otherwise (no conversion of values).
  Result<Column> As(ColumnType type) const;

  int64_t int_at(size_t row) const { return ints_[row]; }
  double double_at(size_t row) const { return doubles_[row]; }
  bool bool_at(size_t row) const { return bools_[row] != 0; }
  std::string_view string_at(size_t row) const {
    return std::string_view(chars_).substr(offsets_[row], offsets_[row + 1] - offsets_[row]);
  }
  // The value as text ("" for null), for display and tests.
  std::string ToText(size_t row) const;

  // Raw storage, for the columnar format.
  const std::vector<uint8_t>& validity() const { return valid_; }
  const std::vector<int64_t>& ints() const { return ints_; }
  const std::vector<double>& doubles() const { return doubles_; }
  const std::vector<uint8_t>& bools() const { return bools_; }
  const std::vector<uint32_t>& offsets() const { return offsets_; }
  const std::string& chars() const { return chars_; }
  static Column FromStorage(ColumnType type, std::vector<uint8_t> valid, std::vector<int64_t> ints,
                            std::vector<double> doubles, std::vector<uint8_t> bools,
                            std::vector<uint32_t> offsets, std::string chars);

 private:
  ColumnType type_;
  std::vector<uint8_t> valid_;
  std::vector<int64_t> ints_;
  std::vector<double> doubles_;
  std::vector<uint8_t> bools_;
  std::vector<uint32_t> offsets_{0};
  std::string chars_;
};

struct Batch {
  Schema schema;
  std::vector<Column> columns;
  size_t rows() const { return columns.empty() ? 0 : columns[0].size(); }
};

// Appends every row of `from` to `into` (an empty `into` takes `from`'s schema). The schemas must
// have the same column names in the same order; a kNull column takes the other side's type.
// INVALID_ARGUMENT naming the first column that differs, and how.
Status AppendRows(Batch& into, const Batch& from);

// Parses text as a value of `type`; nullopt when it does not fit. Integers accept an optional
// sign; doubles also accept "nan" (which columns store as missing) and "inf"; booleans
// true/false in any case, and 1/0.
namespace detail {
std::optional<int64_t> ParseInt64Long(std::string_view s);  // any length, through std::from_chars
}  // namespace detail
inline std::optional<int64_t> ParseInt64(std::string_view s) {
  // Up to 18 digits cannot overflow: the common short integer is parsed inline.
  std::string_view digits = s;
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) digits.remove_prefix(1);
  if (digits.empty() || digits.size() > 18) return detail::ParseInt64Long(s);
  int64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;  // before it can reach the arithmetic
    v = v * 10 + (c - '0');
  }
  return s.front() == '-' ? -v : v;
}
std::optional<double> ParseFloat64(std::string_view s);
std::optional<bool> ParseBoolean(std::string_view s);

}  // namespace lathe::data
