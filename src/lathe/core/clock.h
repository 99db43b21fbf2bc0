// Wall-clock time as used in records: milliseconds since the Unix epoch. Thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace lathe {

int64_t NowMillis();

// "2026-11-27 04:43:19" in UTC; empty for 0.
std::string FormatMillisUtc(int64_t millis);

}  // namespace lathe
