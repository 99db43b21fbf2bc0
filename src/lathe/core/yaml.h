// Loading YAML that users wrote (pipeline specs, schemas) with the limits a parser of untrusted
// text needs: a size limit, a nesting limit checked before parsing (yaml-cpp parses nested flow
// collections recursively), a limit on how many values aliases may expand to, and duplicate keys
// refused with both places (yaml-cpp would keep the first silently). Stateless and thread-safe.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "lathe/core/status.h"

namespace lathe {

inline constexpr size_t kMaxYamlBytes = 16 << 20;
inline constexpr int kMaxYamlDepth = 100;
inline constexpr size_t kMaxYamlValues = 1000000;  // counting every alias use again

// The document in `text`; `name` (usually the file) starts every error message, followed by
// line:column where there is one. INVALID_ARGUMENT: malformed YAML, too large, nested deeper than
// kMaxYamlDepth, more than kMaxYamlValues values, or a key twice in one mapping.
Result<YAML::Node> LoadUserYaml(std::string_view text, const std::string& name);

}  // namespace lathe
