// Names that become path components and URL segments: pipelines, nodes, outputs, models. One rule
// for all of them, so that no name can leave the directory it names a place in (".", ".."),
// hide in a listing (control or bidirectional characters, spaces) or fail later at the file
// system (too long). Stateless and thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lathe {

inline constexpr size_t kMaxNameLength = 128;  // bytes; well under a file name's 255

// What is wrong with `name`, or "" when it is a valid name: 1 to kMaxNameLength ASCII letters,
// digits and the characters in `punctuation`, not starting with '.' or '-'.
std::string NameProblem(std::string_view name, std::string_view punctuation);

// `text` with control, non-ASCII and backslash bytes written as \xNN: safe to show in a message.
std::string PrintableText(std::string_view text);

}  // namespace lathe
