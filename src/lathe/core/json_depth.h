// A guard for JSON text from users: how deeply it nests, found by one scan without parsing, so
// that deep input is refused before a recursive parser, printer or destructor can exhaust the
// stack. Stateless and thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace lathe {

// The nesting Lathe accepts in user JSON (objects and arrays inside each other).
inline constexpr int kMaxJsonDepth = 100;

// The 0-based offset in `text` of the first '[' or '{' (outside strings) that opens level
// `max_depth` + 1, or std::string_view::npos when the text never nests that deep. Text that is
// not valid JSON is scanned all the same (the parser reports it).
size_t JsonTooDeepAt(std::string_view text, int max_depth = kMaxJsonDepth);

}  // namespace lathe
