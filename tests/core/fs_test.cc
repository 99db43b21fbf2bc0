#include "lathe/core/fs.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace lathe
