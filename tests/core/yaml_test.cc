// Limits on user YAML: duplicate keys, nesting, alias expansion and size, each with its place.
#include "lathe/core/yaml.h"

#include <gtest/gtest.h>

#include <string>

namespace lathe {
namespace {

std::string ErrorOf(const std::string& text) {
  auto r = LoadUserYaml(text, "p.yaml");
  return r.ok() ? "(no error)" : r.status().message();
}

TEST(YamlTest, ReadsOrdinaryDocuments) {
  auto r = LoadUserYaml("a: 1\nb: [x, \"[[[\", {c: 2}]  # [[[ in a comment\n", "p.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["a"].as<int>(), 1);
  EXPECT_EQ((*r)["b"][1].as<std::string>(), "[[[");
}

TEST(YamlTest, DuplicateKeysNameBothPlaces) {
  EXPECT_EQ(ErrorOf("name: a\nnodes:\n  - x: 1\n    x: 2\n"),
            "p.yaml:4:5: duplicate key 'x' (first at 3:5)");
  EXPECT_EQ(ErrorOf("name: a\nname: b\n"), "p.yaml:2:1: duplicate key 'name' (first at 1:1)");
}

TEST(YamlTest, LimitsNestingExpansionAndSize) {
  EXPECT_EQ(ErrorOf("a: " + std::string(70000, '[') + std::string(70000, ']') + "\n"),
            "p.yaml:1:104: nested deeper than 100 levels");
  std::string block;
  for (int i = 0; i < 120; ++i) block += std::string(static_cast<size_t>(i) * 2, ' ') + "k:\n";
  EXPECT_EQ(ErrorOf(block).substr(0, 7), "p.yaml:");
  EXPECT_NE(ErrorOf(block).find("nested deeper than 100 levels"), std::string::npos);
  // "Billion laughs": each level refers to the one before ten times.
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) bomb += (k ? ", *a" : "*a") + std::to_string(i - 1);
    bomb += "]\n";
  }
  EXPECT_EQ(ErrorOf(bomb), "p.yaml: more than 1000000 values (aliases expanding too far?)");
  EXPECT_EQ(ErrorOf(std::string(kMaxYamlBytes + 1, ' ')), "p.yaml: larger than 16 MiB");
  EXPECT_EQ(ErrorOf("a: [1, 2\n").substr(0, 7), "p.yaml:");
}

}  // namespace
}  // namespace lathe
