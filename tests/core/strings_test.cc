#include "lathe/core/strings.h"

#include <gtest/gtest.h>

namespace lathe {
namespace {

TEST(StringsTest, SplitAndTrim) {
  EXPECT_EQ(Split("a,b,,c", ','), (std::vector<std::string>{"a", "b", "", "c"}));
  EXPECT_EQ(Trim("  x y \n"), "x y");
}

TEST(StringsTest, StrictNumbers) {
  EXPECT_EQ(ParseInt("-42"), -42);
  EXPECT_FALSE(ParseInt("42x").has_value());
  EXPECT_FALSE(ParseInt("").has_value());
  EXPECT_DOUBLE_EQ(*ParseDouble("1.5e3"), 1500.0);
  EXPECT_FALSE(ParseDouble("1.5.3").has_value());
}

TEST(StringsTest, Base64RoundTrip) {
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", "{\"v\":1}",
                                                       std::string("\0\xff\x10", 3)}) {
    auto back = Base64Decode(Base64Encode(s));
    ASSERT_TRUE(back.has_value()) << s;
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(Base64Encode("abc"), "YWJj");
  EXPECT_FALSE(Base64Decode("abc").has_value());
  EXPECT_FALSE(Base64Decode("a$==").has_value());
}

}  // namespace
}  // namespace lathe
