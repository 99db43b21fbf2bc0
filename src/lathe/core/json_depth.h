// A guard for JSON text from users and files: how deeply it nests, found by one scan without
// parsing, so that deep input is refused before a recursive parser, printer or destructor can
// exhaust the stack; a parse that goes through it; and printing that never throws. Stateless and
// thread-safe.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "lathe/core/status.h"

namespace lathe {

// The nesting Lathe accepts in user JSON (objects and arrays inside each other).
inline constexpr int kMaxJsonDepth = 100;

// The 0-based offset in `text` of the first '[' or '{' (outside strings) that opens level
// `max_depth` + 1, or std::string_view::npos when the text never nests that deep. Text that is
// not valid JSON is scanned all the same (the parser reports it).
size_t JsonTooDeepAt(std::string_view text, int max_depth = kMaxJsonDepth);

// JSON text of a value, for messages, answers and output: compact (or indented by `indent`
// spaces), and never throws. nlohmann's dump() throws on strings that are not UTF-8 (a base64
// value decoded to bytes, a byte in a request, a file name in another encoding recorded in the
// store), so every dump of what a user sent or recorded goes through here: such bytes become
// U+FFFD.
std::string JsonText(const nlohmann::json& value, int indent = -1);

// An nlohmann exception's message without its "[json.exception.NAME.ID] " prefix.
std::string JsonErrorText(const nlohmann::json::exception& e);

// Parses JSON text nested at most kMaxJsonDepth deep. Never throws: INVALID_ARGUMENT with
// "line L, column C: ..." (1-based) for text that is not JSON or nests deeper.
Result<nlohmann::json> ParseJsonText(std::string_view text);

}  // namespace lathe
