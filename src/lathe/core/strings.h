// Small string helpers shared by every module. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lathe {

std::vector<std::string> Split(std::string_view s, char sep);
std::string_view Trim(std::string_view s);
bool StartsWith(std::string_view s, std::string_view prefix);
std::string ToUpper(std::string_view s);
std::string ToLower(std::string_view s);

// Strict whole-string parses of numbers users give: "12x", "", " 1", hex ("0x1A") are rejected.
// ParseInt: an optional '-' and decimal digits within 64 bits. ParseDouble: a finite decimal
// number (optional sign, point, exponent); "nan", "inf" and values beyond the largest double
// ("1e999") are rejected.
std::optional<long long> ParseInt(std::string_view s);
std::optional<double> ParseDouble(std::string_view s);

// "1 anomaly", "3 anomalies".
std::string Counted(long long n, std::string_view one, std::string_view many);

// Numbers in messages. ShortestNumber is the shortest text that parses back to exactly `v`
// ("0.1", "0.12345678901234567"). DistinctNumbers prints both with `digits` significant digits,
// or with as many more as it takes for the texts to differ when the numbers do (so that a message
// never says "0.123457 is below 0.123457").
std::string ShortestNumber(double v);
std::pair<std::string, std::string> DistinctNumbers(double a, double b, int digits = 6);

// Standard base64 (RFC 4648, with padding) for opaque tokens.
std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace lathe
