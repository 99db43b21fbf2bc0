#include "lathe/core/json_depth.h"

#include <fmt/format.h>

namespace lathe {

namespace {

// "line L, column C" of a byte offset (1-based; columns count bytes).
std::string Where(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < offset; ++i)
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  return fmt::format("line {}, column {}", line, offset - line_start + 1);
}

}  // namespace

size_t JsonTooDeepAt(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // the escaped character cannot end the string
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::string_view::npos;
}

std::string JsonText(const nlohmann::json& value, int indent) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string JsonErrorText(const nlohmann::json::exception& e) {
  std::string what = e.what();
  if (size_t end = what.find("] "); end != std::string::npos) what.erase(0, end + 2);
  return what;
}

Result<nlohmann::json> ParseJsonText(std::string_view text) {
  if (size_t at = JsonTooDeepAt(text); at != std::string_view::npos)
    return InvalidArgumentError(
        fmt::format("{}: JSON nested deeper than {} levels", Where(text, at), kMaxJsonDepth));
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is 1-based and points just past the offending character.
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..."
    if (auto colon = what.find(": ", what.find("parse error")); colon != std::string::npos)
      what = what.substr(colon + 2);
    return InvalidArgumentError(
        fmt::format("{}: {}", Where(text, e.byte > 0 ? e.byte - 1 : 0), what));
  } catch (const nlohmann::json::exception& e) {  // a number beyond a double: out_of_range
    return InvalidArgumentError(JsonErrorText(e));
  }
}

}  // namespace lathe
