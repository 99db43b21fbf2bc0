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
  // Only finite decimal numbers: what users mean by a number.
  for (const char* no : {"nan", "NaN", "-nan", "inf", "-inf", "Infinity", "0x1A", "0x1p3", " 1",
                         "1 ", "1e999", "-1e999", "-", "+", "e5", ""})
    EXPECT_FALSE(ParseDouble(no).has_value()) << no;
  EXPECT_DOUBLE_EQ(*ParseDouble("+2.5"), 2.5);
  EXPECT_DOUBLE_EQ(*ParseDouble("-.5"), -0.5);
  EXPECT_DOUBLE_EQ(*ParseDouble("5."), 5.0);
  EXPECT_DOUBLE_EQ(*ParseDouble("1e-320"), 1e-320);  // subnormal, still a number
  EXPECT_EQ(*ParseDouble("1e-400"), 0.0);
  EXPECT_FALSE(ParseInt("0x1A").has_value());
  EXPECT_FALSE(ParseInt("99999999999999999999").has_value());
}

TEST(StringsTest, NumbersInMessages) {
  EXPECT_EQ(ShortestNumber(34.1), "34.1");
  EXPECT_EQ(ShortestNumber(0.12345678901234567), "0.12345678901234566");  // the same double
  EXPECT_EQ(std::stod(ShortestNumber(0.12345678901234567)), 0.12345678901234567);
  EXPECT_EQ(DistinctNumbers(0.812, 0.8), (std::pair<std::string, std::string>{"0.812", "0.8"}));
  EXPECT_EQ(DistinctNumbers(0.1234567, 0.1234568),
            (std::pair<std::string, std::string>{"0.1234567", "0.1234568"}));
  EXPECT_EQ(DistinctNumbers(2, 2), (std::pair<std::string, std::string>{"2", "2"}));
  EXPECT_EQ(Counted(1, "anomaly", "anomalies"), "1 anomaly");
  EXPECT_EQ(Counted(0, "anomaly", "anomalies"), "0 anomalies");
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
