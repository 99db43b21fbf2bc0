// Small string helpers shared by every module. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lathe {

std::vector<std::string> Split(std::string_view s, char sep);
std::string_view Trim(std::string_view s);
bool StartsWith(std::string_view s, std::string_view prefix);
std::string ToUpper(std::string_view s);
std::string ToLower(std::string_view s);

// Strict whole-string parses: "12x" and "" are rejected.
std::optional<long long> ParseInt(std::string_view s);
std::optional<double> ParseDouble(std::string_view s);

// Standard base64 (RFC 4648, with padding) for opaque tokens.
std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace lathe
