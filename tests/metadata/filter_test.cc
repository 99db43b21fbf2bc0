#include "lathe/metadata/filter.h"

#include <gtest/gtest.h>

#include <string>

namespace lathe::metadata {
namespace {

TEST(FilterParseTest, EmptyMatchesEverything) {
  auto f = ParseFilter("   ");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->kind, FilterExpr::Kind::kAnd);
  EXPECT_TRUE(f->children.empty());
}

TEST(FilterParseTest, PrecedenceAndOrNot) {
  auto f = ParseFilter("a = 1 OR b = 2 AND NOT c = 3");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_EQ(f->kind, FilterExpr::Kind::kOr);
  ASSERT_EQ(f->children.size(), 2u);
  EXPECT_EQ(f->children[0].kind, FilterExpr::Kind::kCompare);
  ASSERT_EQ(f->children[1].kind, FilterExpr::Kind::kAnd);
  EXPECT_EQ(f->children[1].children[1].kind, FilterExpr::Kind::kNot);
}

TEST(FilterParseTest, AllPredicateForms) {
  auto f = ParseFilter(
      "(properties.accuracy >= 0.9 AND custom_properties.`odd name` != 'x''y') "
      "AND state IN ('LIVE', 'PENDING') AND id NOT IN (1, 2) AND create_time BETWEEN 1 AND 2 "
      "AND name NOT LIKE 'tmp%' AND uri IS NOT NULL AND external_id IS NULL AND "
      "context.name = \"run-1\" AND properties.flag = TRUE AND x <> -2.5e3");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_EQ(f->kind, FilterExpr::Kind::kAnd);
  const auto& c = f->children;
  ASSERT_EQ(c.size(), 10u);
  EXPECT_EQ(c[0].children[1].field.parts,
            (std::vector<std::string>{"custom_properties", "odd name"}));
  EXPECT_EQ(std::get<std::string>(c[0].children[1].values[0]), "x'y");
  EXPECT_EQ(c[1].kind, FilterExpr::Kind::kIn);
  EXPECT_EQ(c[1].values.size(), 2u);
  EXPECT_TRUE(c[2].negated);
  EXPECT_EQ(c[3].kind, FilterExpr::Kind::kBetween);
  EXPECT_EQ(c[4].kind, FilterExpr::Kind::kLike);
  EXPECT_TRUE(c[4].negated);
  EXPECT_TRUE(c[5].negated);
  EXPECT_FALSE(c[6].negated);
  EXPECT_EQ(std::get<std::string>(c[7].values[0]), "run-1");
  EXPECT_EQ(std::get<bool>(c[8].values[0]), true);
  EXPECT_EQ(c[9].op, "!=");
  EXPECT_DOUBLE_EQ(std::get<double>(c[9].values[0]), -2500.0);
}

struct BadFilter {
  const char* text;
  const char* message;
};

class FilterErrorTest : public ::testing::TestWithParam<BadFilter> {};

TEST_P(FilterErrorTest, NamesTheColumn) {
  auto f = ParseFilter(GetParam().text);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(f.status().message(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Errors, FilterErrorTest,
    ::testing::Values(
        BadFilter{"name = ",
                  "filter: expected a value (number, 'string', TRUE or FALSE) after =, found the "
                  "end of the filter at column 8"},
        BadFilter{"name = 'x", "filter: unterminated string at column 8"},
        BadFilter{"(name = 'x'", "filter: expected ')', found the end of the filter at column 12"},
        BadFilter{"name 'x'",
                  "filter: expected an operator (=, !=, <, <=, >, >=, IN, BETWEEN, LIKE, IS NULL) "
                  "after name, found 'x' at column 6"},
        BadFilter{"id = 1 AND",
                  "filter: expected a field name or '(', found the end of the filter at column 11"},
        BadFilter{"id = 1 id = 2",
                  "filter: expected AND, OR or the end of the filter, found 'id' at column 8"},
        BadFilter{
            "id IN (1, 2",
            "filter: expected ',' or ')' in the IN list, found the end of the filter at column 12"},
        BadFilter{"id BETWEEN 1 2",
                  "filter: expected AND in BETWEEN ... AND ..., found '2' at column 14"},
        BadFilter{"name LIKE 3",
                  "filter: expected a quoted pattern after LIKE, found '3' at column 11"},
        BadFilter{"name IS 3", "filter: expected NULL or NOT NULL after IS, found '3' at column 9"},
        BadFilter{"name = NULL",
                  "filter: NULL is not a value here; use IS NULL or IS NOT NULL at column 8"},
        BadFilter{"id ! 3", "filter: unexpected '!' (did you mean '!='?) at column 4"},
        BadFilter{"id = 3 # x", "filter: unexpected character '#' at column 8"},
        BadFilter{"properties. = 1", "filter: expected a name after '.', found '=' at column 13"},
        BadFilter{"id = 1x", "filter: malformed number '1x' at column 6"}));

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// Depth, size and count limits: refused with the place, never a crash or a huge message.
TEST(FilterParseTest, LimitsAreErrorsWithTheirPlace) {
  auto deep = ParseFilter(Repeat("(", 4000) + "id = 1" + Repeat(")", 4000));
  EXPECT_EQ(deep.status().message(),
            "filter: nesting deeper than 64 levels of NOT or parentheses at column 65");
  auto nots = ParseFilter(Repeat("NOT ", 3000) + "id = 1");
  EXPECT_EQ(nots.status().message(),
            "filter: nesting deeper than 64 levels of NOT or parentheses at column 257");
  EXPECT_TRUE(ParseFilter(Repeat("(", 64) + "id = 1" + Repeat(")", 64)).ok());
  EXPECT_TRUE(ParseFilter(Repeat("NOT ", 64) + "id = 1").ok());
  std::string terms = "id = 0";
  for (int i = 1; i < 1000; ++i) terms += " OR id = " + std::to_string(i);
  auto many = ParseFilter(terms);
  EXPECT_EQ(many.status().message(),
            "filter: more than 256 conditions; narrow the filter at column 2963");
  std::string in = "id IN (0";
  for (int i = 1; i < 1001; ++i) in += ", " + std::to_string(i);
  auto list = ParseFilter(in + ")");
  EXPECT_EQ(list.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(list.status().message().find("more than 1000 values in an IN list"), std::string::npos);
  auto big = ParseFilter("name = '" + std::string(70000, 'x') + "'");
  EXPECT_EQ(big.status().message(), "filter: 70009 bytes long; at most 65536");
}

}  // namespace
}  // namespace lathe::metadata
