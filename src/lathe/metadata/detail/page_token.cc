#include "lathe/metadata/detail/page_token.h"

#include <nlohmann/json.hpp>

#include "lathe/core/hash.h"
#include "lathe/core/json_depth.h"
#include "lathe/core/strings.h"

namespace lathe::metadata::detail {

namespace {
std::string QueryTag(std::string_view query_key) {
  return HashBytes(query_key).substr(9, 16);
}
}  // namespace

std::string EncodePageToken(const PageCursor& cursor, std::string_view query_key) {
  nlohmann::json j = {{"v", cursor.order_value}, {"i", cursor.id}, {"q", QueryTag(query_key)}};
  return Base64Encode(j.dump());
}

Result<PageCursor> DecodePageToken(std::string_view token, std::string_view query_key) {
  auto bad =
      InvalidArgumentError("malformed page token (pass the next_page_token of a previous page)");
  auto text = Base64Decode(token);
  if (!text) return bad;
  auto parsed = ParseJsonText(*text);
  if (!parsed.ok()) return bad;
  auto& j = *parsed;
  if (!j.is_object() || !j.contains("v") || !j.contains("i") || !j.contains("q") ||
      !j["v"].is_number_integer() || !j["i"].is_number_integer() || !j["q"].is_string())
    return bad;
  if (j["q"].get<std::string>() != QueryTag(query_key))
    return InvalidArgumentError("page token belongs to another query (filter or order changed)");
  return PageCursor{j["v"].get<int64_t>(), j["i"].get<int64_t>()};
}

}  // namespace lathe::metadata::detail
