#include "lathe/serve/version_policy.h"

#include <fmt/format.h>

#include <algorithm>

#include "lathe/core/strings.h"

namespace lathe::serve {

std::string VersionPolicy::ToString() const {
  switch (kind) {
    case Kind::kLatest:
      return fmt::format("latest:{}", latest);
    case Kind::kSpecific:
      return fmt::format("specific:{}", fmt::join(specific, ","));
    case Kind::kAll:
      return "all";
  }
  return "";
}

Result<VersionPolicy> ParseVersionPolicy(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return InvalidArgumentError(fmt::format(
        "version policy '{}': {} (expected latest[:N], specific:V[,V...] or all)", text, why));
  };
  VersionPolicy p;
  const size_t colon = text.find(':');
  const std::string_view kind = text.substr(0, colon);
  const std::string_view arg = colon == std::string_view::npos ? "" : text.substr(colon + 1);
  if (kind == "all") {
    if (colon != std::string_view::npos) return bad("'all' takes no argument");
    p.kind = VersionPolicy::Kind::kAll;
  } else if (kind == "latest") {
    p.kind = VersionPolicy::Kind::kLatest;
    if (colon != std::string_view::npos) {
      auto n = ParseInt(arg);
      if (!n || *n < 1 || *n > 1000000) return bad("N must be a whole number from 1");
      p.latest = static_cast<int>(*n);
    }
  } else if (kind == "specific") {
    p.kind = VersionPolicy::Kind::kSpecific;
    if (arg.empty()) return bad("no versions given");
    for (const auto& part : Split(arg, ',')) {
      auto v = ParseInt(Trim(part));
      if (!v || *v < 1) return bad(fmt::format("'{}' is not a version number", part));
      p.specific.push_back(*v);
    }
    std::sort(p.specific.begin(), p.specific.end());
    p.specific.erase(std::unique(p.specific.begin(), p.specific.end()), p.specific.end());
  } else {
    return bad("unknown policy");
  }
  return p;
}

std::vector<int64_t> AspiredVersions(const VersionPolicy& policy,
                                     const std::vector<int64_t>& available) {
  std::vector<int64_t> sorted = available;
  std::sort(sorted.begin(), sorted.end());
  switch (policy.kind) {
    case VersionPolicy::Kind::kAll:
      return sorted;
    case VersionPolicy::Kind::kLatest: {
      const size_t keep = std::min(sorted.size(), static_cast<size_t>(std::max(policy.latest, 1)));
      return {sorted.end() - static_cast<std::ptrdiff_t>(keep), sorted.end()};
    }
    case VersionPolicy::Kind::kSpecific: {
      std::vector<int64_t> out;
      for (int64_t v : sorted)
        if (std::binary_search(policy.specific.begin(), policy.specific.end(), v)) out.push_back(v);
      return out;
    }
  }
  return {};
}

}  // namespace lathe::serve
