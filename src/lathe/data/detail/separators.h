// Finding the bytes that split unquoted CSV text into fields and records, 16 bytes at a time
// (SSE2, which every x86-64 has; a byte-by-byte loop elsewhere). Parsing a record then walks the
// positions found instead of testing every byte. Stateless and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace lathe::data::detail {

// Replaces `out` with the offsets in `text` of every `delimiter`, '\n' and '\r', in order.
// `text` must be shorter than 4 GiB (offsets are 32-bit; blocks are a few MiB).
void FindSeparators(std::string_view text, char delimiter, std::vector<uint32_t>& out);

// How many times `byte` occurs in `text` (e.g. lines in a block).
size_t CountByte(std::string_view text, char byte);

}  // namespace lathe::data::detail
