// The filter language of store listings (documented in docs/filters.md).
//
//   type = 'Model' AND properties.accuracy >= 0.9 AND context.name = 'run-7'
//   (state IN ('LIVE', 'PENDING') OR name LIKE 'model-%') AND NOT custom_properties.tag IS NULL
//   create_time BETWEEN 1700000000000 AND 1800000000000
//
// ParseFilter turns text into a syntax tree; it knows nothing of the store. The store checks field
// names against the kind of record listed and compiles the tree to SQL with bound parameters, so
// filter text never reaches SQL. Every error names the 1-based column where it was found.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "lathe/core/status.h"

namespace lathe::metadata {

using FilterLiteral = std::variant<int64_t, double, std::string, bool>;

// A dotted field reference: {"properties", "accuracy"}, {"context", "name"}, {"uri"}.
struct FilterField {
  std::vector<std::string> parts;
  int column = 0;
  std::string ToString() const;
};

struct FilterExpr {
  enum class Kind { kAnd, kOr, kNot, kCompare, kIn, kBetween, kLike, kIsNull };
  Kind kind = Kind::kAnd;
  std::vector<FilterExpr> children;   // kAnd, kOr (two or more), kNot (one)
  FilterField field;                  // leaf predicates
  std::string op;                     // kCompare: = != < <= > >=
  std::vector<FilterLiteral> values;  // kCompare, kLike: 1; kBetween: 2; kIn: 1+
  bool negated = false;               // NOT IN, NOT BETWEEN, NOT LIKE, IS NOT NULL
  int column = 0;                     // where the predicate starts
};

// Limits on a filter, so that no text can exhaust the parser's stack, the SQL compiler's
// expression depth (SQLite stops at 1,000) or the bound parameters of one statement.
inline constexpr size_t kMaxFilterBytes = 64 * 1024;
inline constexpr int kMaxFilterDepth = 64;        // nested NOT and parentheses
inline constexpr int kMaxFilterConditions = 256;  // comparisons, IN, BETWEEN, LIKE, IS NULL
inline constexpr size_t kMaxFilterInValues = 1000;

// Quotes text as a filter string literal: it's -> 'it''s'.
std::string QuoteFilterString(std::string_view text);

// Parses filter text. An empty or blank text yields an empty kAnd (matches everything).
// INVALID_ARGUMENT with "filter: ... at column N" on a syntax error or past a limit above.
Result<FilterExpr> ParseFilter(std::string_view text);

}  // namespace lathe::metadata
