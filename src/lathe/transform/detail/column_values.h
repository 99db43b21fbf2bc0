// Reading column values the way feature ops do: as numbers (NaN when missing), as text without
// copying, and hashed into buckets. Inside transform/ only. Pure functions; thread-safe.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

#include "lathe/data/column.h"
#include "lathe/transform/transform_graph.h"

namespace lathe::transform::detail {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

inline bool IsNumeric(data::ColumnType t) {
  return t == data::ColumnType::kInt64 || t == data::ColumnType::kDouble ||
         t == data::ColumnType::kBool;
}

// The value of a numeric (or bool) column as a double; NaN when missing. Infinities read as
// missing too: no feature op can make a usable feature of them (documented in components.md).
inline double NumberAt(const data::Column& c, size_t row) {
  if (c.is_null(row)) return kNaN;
  switch (c.type()) {
    case data::ColumnType::kInt64:
      return static_cast<double>(c.int_at(row));
    case data::ColumnType::kDouble:
      return std::isfinite(c.double_at(row)) ? c.double_at(row) : kNaN;
    case data::ColumnType::kBool:
      return c.bool_at(row) ? 1 : 0;
    case data::ColumnType::kString:
    case data::ColumnType::kNull:
      return kNaN;
  }
  return kNaN;
}

// NumberAt, with the feature's fill value where missing (when it has `fill`).
inline double NumberOrFill(const FittedFeature& f, const data::Column& c, size_t row) {
  double x = NumberAt(c, row);
  return std::isnan(x) && !f.spec.fill.empty() ? f.fill_value : x;
}

// The value as text without allocating for strings; `scratch` holds other types' text.
inline std::string_view TextAt(const data::Column& c, size_t row, std::string& scratch) {
  if (c.type() == data::ColumnType::kString) return c.string_at(row);
  scratch = c.ToText(row);
  return scratch;
}

// The bucket of `text` among `buckets` (XXH3, as stored models expect: never change it).
double HashBucket(std::string_view text, int buckets);

}  // namespace lathe::transform::detail
