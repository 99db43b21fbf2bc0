#include "lathe/serve/traffic_split.h"

#include <xxhash.h>

namespace lathe::serve {

namespace {

constexpr uint64_t kBuckets = 1'000'000;

// The key's place in [0, 1), in steps of one bucket; `salt` separates the canary's and the
// shadow's choices, so that the mirrored keys are not all canary keys.
double KeyPosition(std::string_view deployment, std::string_view key, uint64_t salt) {
  const uint64_t seed = XXH3_64bits_withSeed(deployment.data(), deployment.size(), salt);
  const uint64_t h = XXH3_64bits_withSeed(key.data(), key.size(), seed);
  return static_cast<double>(h % kBuckets) / kBuckets;
}

}  // namespace

Route RouteRequest(const TrafficSplit& split, std::string_view deployment,
                   std::optional<std::string_view> key, double draw, double shadow_draw) {
  const double at = key ? KeyPosition(deployment, *key, 0) : draw;
  const double shadow_at = key ? KeyPosition(deployment, *key, 1) : shadow_draw;
  Route r;
  r.canary = split.canary != 0 && at < split.canary_share;
  r.version = r.canary ? split.canary : split.stable;
  if (split.shadow != 0 && split.shadow != r.version && shadow_at < split.shadow_share)
    r.shadow = split.shadow;
  return r;
}

}  // namespace lathe::serve
