// Which version serves a request under a deployment's traffic split, and whether it is mirrored
// to a shadow version: a pure function, so that routing shares and stickiness are tested on their
// own and every server applying the same split routes a key alike.
//
// With a request key (a header or a feature, say a user id), the route depends only on the key,
// the deployment's name and the split: the same key always gets the same version, on any server.
// The key's hash (XXH3-64, seeded by the deployment's name) puts it in one of a million buckets,
// and the canary takes the buckets below its share, so raising the share only moves keys from
// stable to canary, never back. Without a key, the caller's uniform draws decide.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace lathe::serve {

struct TrafficSplit {
  int64_t stable = 0;       // the version serving the rest
  int64_t canary = 0;       // 0: none
  double canary_share = 0;  // 0..1
  int64_t shadow = 0;       // 0: none; mirrored requests are answered by stable or canary
  double shadow_share = 0;  // 0..1 of requests mirrored
};

struct Route {
  int64_t version = 0;  // the version whose answer is returned
  bool canary = false;
  int64_t shadow = 0;  // also send the request to this version, discarding its answer; 0: no
};

// `draw`, `shadow_draw`: uniform in [0, 1), used only without a key.
Route RouteRequest(const TrafficSplit& split, std::string_view deployment,
                   std::optional<std::string_view> key, double draw, double shadow_draw);

}  // namespace lathe::serve
