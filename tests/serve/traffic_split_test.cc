#include "lathe/serve/traffic_split.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <unordered_map>

namespace lathe::serve {
namespace {

TEST(TrafficSplitTest, SharesHoldWithinOnePointOver100000Requests) {
  const TrafficSplit split{
      .stable = 1, .canary = 2, .canary_share = 0.1, .shadow = 3, .shadow_share = 0.25};
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0, 1);
  for (bool keyed : {true, false}) {
    int canary = 0, shadow = 0;
    for (int i = 0; i < 100000; ++i) {
      const std::string key = "user-" + std::to_string(i);
      const Route r =
          RouteRequest(split, "penguins",
                       keyed ? std::optional<std::string_view>(key) : std::nullopt, u(rng), u(rng));
      EXPECT_EQ(r.version, r.canary ? 2 : 1);
      canary += r.canary;
      shadow += r.shadow == 3;
    }
    EXPECT_NEAR(canary / 1e5, 0.10, 0.01) << (keyed ? "keyed" : "drawn");
    EXPECT_NEAR(shadow / 1e5, 0.25, 0.01) << (keyed ? "keyed" : "drawn");
  }
}

TEST(TrafficSplitTest, AKeyAlwaysGetsTheSameVersionAndARaisedShareOnlyAddsKeys) {
  TrafficSplit split{.stable = 4, .canary = 5, .canary_share = 0.2};
  std::unordered_map<std::string, int64_t> first;
  for (int i = 0; i < 20000; ++i) {
    const std::string key = "k" + std::to_string(i);
    first[key] = RouteRequest(split, "d", key, 0.99, 0.99).version;
  }
  for (int pass = 0; pass < 3; ++pass)
    for (const auto& [key, version] : first)
      ASSERT_EQ(RouteRequest(split, "d", key, pass / 3.0, 0.5).version, version) << key;
  split.canary_share = 0.5;
  for (const auto& [key, version] : first)
    if (version == 5) {
      ASSERT_EQ(RouteRequest(split, "d", key, 0, 0).version, 5) << key;
    }
  // Another deployment splits the same keys independently.
  int same = 0;
  for (const auto& [key, version] : first)
    same +=
        RouteRequest({.stable = 4, .canary = 5, .canary_share = 0.2}, "other", key, 0, 0).version ==
        version;
  EXPECT_LT(same, 20000 * 0.75);
}

TEST(TrafficSplitTest, NoCanaryOrShadowMeansStableAndAShadowNeverMirrorsItself) {
  EXPECT_EQ(RouteRequest({.stable = 7}, "d", std::nullopt, 0, 0).version, 7);
  EXPECT_EQ(RouteRequest({.stable = 7, .canary = 0, .canary_share = 1}, "d", "k", 0, 0).version, 7);
  const Route all = RouteRequest({.stable = 7, .canary = 8, .canary_share = 1}, "d", "k", 0, 0);
  EXPECT_EQ(all.version, 8);
  EXPECT_TRUE(all.canary);
  const Route self = RouteRequest({.stable = 7, .shadow = 7, .shadow_share = 1}, "d", "k", 0, 0);
  EXPECT_EQ(self.shadow, 0);
}

}  // namespace
}  // namespace lathe::serve
