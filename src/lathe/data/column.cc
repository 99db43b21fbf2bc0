#include "lathe/data/column.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "lathe/core/strings.h"

namespace lathe::data {

std::string_view ColumnTypeName(ColumnType t) {
  switch (t) {
    case ColumnType::kInt64:
      return "int64";
    case ColumnType::kDouble:
      return "double";
    case ColumnType::kBool:
      return "bool";
    case ColumnType::kString:
      return "string";
    case ColumnType::kNull:
      return "null";
  }
  return "string";
}

Result<ColumnType> ParseColumnType(std::string_view name) {
  std::string n = ToLower(name);
  if (n == "int64" || n == "int") return ColumnType::kInt64;
  if (n == "double" || n == "float") return ColumnType::kDouble;
  if (n == "bool") return ColumnType::kBool;
  if (n == "string") return ColumnType::kString;
  if (n == "null") return ColumnType::kNull;
  return InvalidArgumentError(
      fmt::format("unknown column type '{}' (expected int64, double, bool or string)", name));
}

Result<ColumnType> CommonType(ColumnType a, ColumnType b, std::string_view column) {
  if (a == b || b == ColumnType::kNull) return a;
  if (a == ColumnType::kNull) return b;
  return InvalidArgumentError(
      fmt::format("column '{}' is {} in one part of the data and {} in "
                  "another",
                  column, ColumnTypeName(a), ColumnTypeName(b)));
}

ColumnType WidestType(ColumnType a, ColumnType b) {
  if (a == b || b == ColumnType::kNull) return a;
  if (a == ColumnType::kNull) return b;
  const auto number = [](ColumnType t) {
    return t == ColumnType::kInt64 || t == ColumnType::kDouble;
  };
  return number(a) && number(b) ? ColumnType::kDouble : ColumnType::kString;
}

Result<Schema> UnifySchemas(const Schema& a, const Schema& b) {
  Schema out = a;
  for (const auto& f : b.fields) {
    int i = out.Find(f.name);
    if (i < 0) {
      out.fields.push_back(f);
      continue;
    }
    auto& mine = out.fields[static_cast<size_t>(i)];
    LATHE_ASSIGN_OR_RETURN(mine.type, CommonType(mine.type, f.type, f.name));
  }
  return out;
}

int Schema::Find(std::string_view name) const {
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].name == name) return static_cast<int>(i);
  return -1;
}

size_t Column::null_count() const {
  size_t n = 0;
  for (uint8_t v : valid_) n += v == 0;
  return n;
}

void Column::AppendNull() {
  valid_.push_back(0);
  switch (type_) {
    case ColumnType::kNull:
      break;
    case ColumnType::kInt64:
      ints_.push_back(0);
      break;
    case ColumnType::kDouble:
      doubles_.push_back(0);
      break;
    case ColumnType::kBool:
      bools_.push_back(0);
      break;
    case ColumnType::kString:
      offsets_.push_back(static_cast<uint32_t>(chars_.size()));
      break;
  }
}

void Column::Reserve(size_t rows, size_t chars) {
  valid_.reserve(valid_.size() + rows);
  switch (type_) {
    case ColumnType::kNull:
      break;
    case ColumnType::kInt64:
      ints_.reserve(ints_.size() + rows);
      break;
    case ColumnType::kDouble:
      doubles_.reserve(doubles_.size() + rows);
      break;
    case ColumnType::kBool:
      bools_.reserve(bools_.size() + rows);
      break;
    case ColumnType::kString:
      offsets_.reserve(offsets_.size() + rows);
      chars_.reserve(chars_.size() + chars);
      break;
  }
}

void Column::PopBack() {
  valid_.pop_back();
  switch (type_) {
    case ColumnType::kNull:
      break;
    case ColumnType::kInt64:
      ints_.pop_back();
      break;
    case ColumnType::kDouble:
      doubles_.pop_back();
      break;
    case ColumnType::kBool:
      bools_.pop_back();
      break;
    case ColumnType::kString:
      offsets_.pop_back();
      chars_.resize(offsets_.back());
      break;
  }
}

Status AppendRows(Batch& into, const Batch& from) {
  if (into.columns.empty() && into.schema.fields.empty()) {
    into.schema = from.schema;
    for (const auto& f : from.schema.fields) into.columns.emplace_back(f.type);
  }
  const auto& mine = into.schema.fields;
  const auto& theirs = from.schema.fields;
  for (size_t c = 0; c < std::max(mine.size(), theirs.size()); ++c) {
    if (c >= mine.size() || c >= theirs.size() || mine[c].name != theirs[c].name)
      return InvalidArgumentError(fmt::format(
          "the columns differ: column {} is '{}' in one part of the data and '{}' in another",
          c + 1, c < mine.size() ? mine[c].name : "(none)",
          c < theirs.size() ? theirs[c].name : "(none)"));
    LATHE_ASSIGN_OR_RETURN(ColumnType t, CommonType(mine[c].type, theirs[c].type, mine[c].name));
    if (t != mine[c].type) {  // an all-missing column takes the type of the rows appended
      LATHE_ASSIGN_OR_RETURN(into.columns[c], into.columns[c].As(t));
      into.schema.fields[c].type = t;
    }
  }
  for (size_t c = 0; c < from.columns.size(); ++c) into.columns[c].AppendColumn(from.columns[c]);
  return Status::Ok();
}

Result<Column> Column::As(ColumnType type) const {
  if (type == type_) return *this;
  if (type_ != ColumnType::kNull)
    return InvalidArgumentError(fmt::format("a {} column cannot be read as {}",
                                            ColumnTypeName(type_), ColumnTypeName(type)));
  Column out(type);
  for (size_t r = 0; r < size(); ++r) out.AppendNull();
  return out;
}

void Column::AppendColumn(const Column& from) {
  if (from.type_ == ColumnType::kNull && type_ != ColumnType::kNull) {
    for (size_t r = 0; r < from.size(); ++r) AppendNull();
    return;
  }
  valid_.insert(valid_.end(), from.valid_.begin(), from.valid_.end());
  ints_.insert(ints_.end(), from.ints_.begin(), from.ints_.end());
  doubles_.insert(doubles_.end(), from.doubles_.begin(), from.doubles_.end());
  bools_.insert(bools_.end(), from.bools_.begin(), from.bools_.end());
  if (type_ == ColumnType::kString) {
    const uint32_t base = offsets_.back();
    for (size_t i = 1; i < from.offsets_.size(); ++i) offsets_.push_back(base + from.offsets_[i]);
    chars_ += from.chars_;
  }
}

void Column::AppendFrom(const Column& from, size_t row) {
  if (from.is_null(row)) {
    AppendNull();
    return;
  }
  switch (type_) {
    case ColumnType::kNull:  // a kNull column has no values to copy
      AppendNull();
      break;
    case ColumnType::kInt64:
      AppendInt(from.int_at(row));
      break;
    case ColumnType::kDouble:
      AppendDouble(from.double_at(row));
      break;
    case ColumnType::kBool:
      AppendBool(from.bool_at(row));
      break;
    case ColumnType::kString:
      AppendString(from.string_at(row));
      break;
  }
}

std::string Column::ToText(size_t row) const {
  if (is_null(row)) return "";
  switch (type_) {
    case ColumnType::kNull:
      return "";
    case ColumnType::kInt64:
      return std::to_string(ints_[row]);
    case ColumnType::kDouble:
      return fmt::format("{}", doubles_[row]);
    case ColumnType::kBool:
      return bools_[row] ? "true" : "false";
    case ColumnType::kString:
      return std::string(string_at(row));
  }
  return "";
}

Column Column::FromStorage(ColumnType type, std::vector<uint8_t> valid, std::vector<int64_t> ints,
                           std::vector<double> doubles, std::vector<uint8_t> bools,
                           std::vector<uint32_t> offsets, std::string chars) {
  Column c(type);
  c.valid_ = std::move(valid);
  c.ints_ = std::move(ints);
  c.doubles_ = std::move(doubles);
  c.bools_ = std::move(bools);
  c.offsets_ = std::move(offsets);
  c.chars_ = std::move(chars);
  return c;
}

namespace detail {
std::optional<int64_t> ParseInt64Long(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}
}  // namespace detail

std::optional<double> ParseFloat64(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc() && p == s.data() + s.size()) return v;
  if (ec == std::errc::result_out_of_range && p == s.data() + s.size())
    return std::strtod(std::string(s).c_str(), nullptr);
  return std::nullopt;
}

std::optional<bool> ParseBoolean(std::string_view s) {
  if (s.size() > 5) return std::nullopt;
  std::string l = ToLower(s);
  if (l == "true" || l == "1") return true;
  if (l == "false" || l == "0") return false;
  return std::nullopt;
}

}  // namespace lathe::data
