// Version policies: which of a model's versions in the model repository the server loads, as in
// TF Serving's ServableVersionPolicy. A policy is a pure function of the versions on disk, so it is
// tested on its own and the manager only applies what it returns.
//
// Values, no state; thread-safe to share.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lathe/core/status.h"

namespace lathe::serve {

struct VersionPolicy {
  enum class Kind { kLatest, kSpecific, kAll };
  Kind kind = Kind::kLatest;
  int latest = 1;                 // kLatest: how many of the newest versions
  std::vector<int64_t> specific;  // kSpecific: these versions, when present

  std::string ToString() const;  // "latest:2", "specific:3,5", "all"
};

// Parses "latest", "latest:N" (N >= 1), "specific:V[,V...]" (each V >= 1) or "all".
// INVALID_ARGUMENT naming the text otherwise.
Result<VersionPolicy> ParseVersionPolicy(std::string_view text);

// The versions to serve out of `available` (any order, no duplicates), ascending.
std::vector<int64_t> AspiredVersions(const VersionPolicy& policy,
                                     const std::vector<int64_t>& available);

}  // namespace lathe::serve
