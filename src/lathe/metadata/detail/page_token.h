// Opaque page tokens for keyset pagination: the position after the last row of a page, bound to
// the query (filter and order) that produced it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "lathe/core/status.h"

namespace lathe::metadata::detail {

struct PageCursor {
  int64_t order_value = 0;  // value of the ordering column of the last row (its id for ORDER BY id)
  int64_t id = 0;           // id of the last row (tie-breaker)
};

std::string EncodePageToken(const PageCursor& cursor, std::string_view query_key);
// INVALID_ARGUMENT if the token is malformed or belongs to another query.
Result<PageCursor> DecodePageToken(std::string_view token, std::string_view query_key);

}  // namespace lathe::metadata::detail
