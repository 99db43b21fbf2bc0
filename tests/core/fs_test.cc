#include "lathe/core/fs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "lathe/core/json_depth.h"
#include "lathe/core/names.h"
#include "testing/temp_dir.h"

namespace lathe {
namespace {

TEST(FsTest, LocalPathFromUri) {
  EXPECT_EQ(LocalPathFromUri("file:///a/b"), "/a/b");
  EXPECT_EQ(LocalPathFromUri("/a/b"), "/a/b");
  EXPECT_EQ(LocalPathFromUri("s3://bucket/x"), "");
}

TEST(FsTest, IsWithin) {
  testing::TempDir tmp;
  EXPECT_TRUE(IsWithin(tmp.path(), tmp / "a/b"));
  EXPECT_FALSE(IsWithin(tmp.path(), tmp / "../elsewhere"));
  EXPECT_FALSE(IsWithin(tmp / "a", tmp / "ab"));
  EXPECT_FALSE(IsWithin(tmp.path(), tmp.path()));  // the root itself is never removed
}

TEST(FsTest, RemovePathIsIdempotent) {
  testing::TempDir tmp;
  testing::WriteFile(tmp / "d/x", "1");
  EXPECT_TRUE(RemovePath(tmp / "d").ok());
  EXPECT_FALSE(std::filesystem::exists(tmp / "d"));
  EXPECT_TRUE(RemovePath(tmp / "d").ok());
}

TEST(FsTest, ReadTextFileRefusesWhatIsNotASmallRegularFile) {
  testing::TempDir tmp;
  testing::WriteFile(tmp / "a.txt", "hello");
  EXPECT_EQ(*ReadTextFile(tmp / "a.txt", "note", 5), "hello");
  auto big = ReadTextFile(tmp / "a.txt", "note", 4);
  EXPECT_EQ(big.status().message(),
            "cannot read note " + (tmp / "a.txt").string() + ": it is larger than 4 bytes");
  EXPECT_EQ(ReadTextFile(tmp / "none", "note", 9).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ReadTextFile(tmp.path(), "note", 9).status().message(),
            "cannot read note " + tmp.path().string() + ": it is a directory");
  EXPECT_EQ(ReadTextFile("/dev/zero", "note", 9).status().message(),
            "cannot read note /dev/zero: it is not a regular file");
  ASSERT_EQ(mkfifo((tmp / "fifo").c_str(), 0600), 0);
  EXPECT_EQ(ReadTextFile(tmp / "fifo", "note", 9).status().code(),
            StatusCode::kInvalidArgument);  // at once: nobody writes to it
}

TEST(FsTest, JsonTextIsParsedWithItsPlaceAndANestingLimit) {
  EXPECT_EQ((*ParseJsonText(R"({"a": [1, 2]})"))["a"][1], 2);
  EXPECT_EQ(ParseJsonText("{\n  \"a\": tru\n}").status().message(),
            "line 2, column 11: syntax error while parsing value - invalid literal; last read: "
            "'\"a\": tru<U+000A>'");
  std::string deep = std::string(70000, '[') + std::string(70000, ']');
  EXPECT_EQ(ParseJsonText(deep).status().message(),
            "line 1, column 101: JSON nested deeper than 100 levels");
  testing::TempDir tmp;
  testing::WriteFile(tmp / "d.json", "\n\n" + deep);
  EXPECT_EQ(ReadJsonFile(tmp / "d.json").status().message(),
            (tmp / "d.json").string() +
                ": not valid JSON: line 3, column 101: JSON nested deeper than 100 levels");
}

TEST(FsTest, NamesStayInsideTheirDirectory) {
  EXPECT_EQ(NameProblem("train-2_v1.0", "-_."), "");
  EXPECT_EQ(NameProblem("..", "-_."), "'..' starts with '.'");
  EXPECT_EQ(NameProblem(".", "-_."), "'.' starts with '.'");
  EXPECT_EQ(NameProblem("", "-_."), "a name cannot be empty");
  EXPECT_EQ(NameProblem("a\nb", "-_"), "'a\\x0ab' may only hold letters, digits, '-', '_'");
  EXPECT_EQ(NameProblem("\xe2\x80\xae"
                        "evil",
                        "-_"),
            "'\\xe2\\x80\\xaeevil' may only hold letters, digits, '-', '_'");
  EXPECT_EQ(NameProblem("   ", "-_"), "'   ' may only hold letters, digits, '-', '_'");
  EXPECT_EQ(NameProblem(std::string(129, 'a'), "-_"), "the name is 129 bytes long; at most 128");
  EXPECT_EQ(NameProblem(std::string(128, 'a'), "-_"), "");
}

}  // namespace
}  // namespace lathe
