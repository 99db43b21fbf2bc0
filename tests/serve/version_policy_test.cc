#include "lathe/serve/version_policy.h"

#include <gtest/gtest.h>

namespace lathe::serve {
namespace {

std::vector<int64_t> Aspired(const std::string& policy, std::vector<int64_t> available) {
  auto p = ParseVersionPolicy(policy);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? AspiredVersions(*p, available) : std::vector<int64_t>{};
}

TEST(VersionPolicyTest, LatestSpecificAndAllPickFromWhatIsOnDisk) {
  EXPECT_EQ(Aspired("latest", {3, 1, 7, 2}), (std::vector<int64_t>{7}));
  EXPECT_EQ(Aspired("latest:2", {3, 1, 7, 2}), (std::vector<int64_t>{3, 7}));
  EXPECT_EQ(Aspired("latest:9", {3, 1}), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(Aspired("latest", {}), (std::vector<int64_t>{}));
  EXPECT_EQ(Aspired("specific:2,7,9", {3, 1, 7, 2}), (std::vector<int64_t>{2, 7}));
  EXPECT_EQ(Aspired("specific:9", {3, 1}), (std::vector<int64_t>{}));
  EXPECT_EQ(Aspired("all", {3, 1, 2}), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(ParseVersionPolicy("specific:7, 2,7")->ToString(), "specific:2,7");
  EXPECT_EQ(ParseVersionPolicy("latest")->ToString(), "latest:1");
}

TEST(VersionPolicyTest, MalformedPoliciesNameTheText) {
  for (const char* bad : {"", "newest", "latest:0", "latest:-1", "latest:x", "latest:", "all:3",
                          "specific:", "specific:0", "specific:1,x", "specific:0x1A"}) {
    auto p = ParseVersionPolicy(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(p.status().message().find(std::string("'") + bad + "'"), std::string::npos)
        << p.status().message();
  }
}

}  // namespace
}  // namespace lathe::serve
