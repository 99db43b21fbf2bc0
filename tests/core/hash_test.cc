#include "lathe/core/hash.h"

#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace lathe {
namespace {

using testing::TempDir;
using testing::WriteFile;

TEST(HashTest, BytesAreStableAndDistinct) {
  EXPECT_EQ(HashBytes("abc"), HashBytes("abc"));
  EXPECT_NE(HashBytes("abc"), HashBytes("abd"));
  EXPECT_EQ(HashBytes("abc").rfind("xxh3-128:", 0), 0u);
  EXPECT_EQ(HashBytes("abc").size(), 9u + 32u);
}

TEST(HashTest, FieldsAreLengthPrefixed) {
  Hasher a, b;
  a.UpdateField("ab");
  a.UpdateField("c");
  b.UpdateField("a");
  b.UpdateField("bc");
  EXPECT_NE(a.Finish(), b.Finish());
}

TEST(HashTest, DirectoryFingerprintFollowsContentNotLocation) {
  TempDir tmp;
  WriteFile(tmp / "one/a.txt", "hello");
  WriteFile(tmp / "one/sub/b.txt", "world");
  WriteFile(tmp / "two/a.txt", "hello");
  WriteFile(tmp / "two/sub/b.txt", "world");
  auto one = FingerprintPath(tmp / "one");
  auto two = FingerprintPath(tmp / "two");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, *two);
  WriteFile(tmp / "two/sub/b.txt", "World");
  EXPECT_NE(*one, *FingerprintPath(tmp / "two"));
  // A renamed file changes the fingerprint even with the same bytes.
  WriteFile(tmp / "three/a2.txt", "hello");
  WriteFile(tmp / "three/sub/b.txt", "world");
  EXPECT_NE(*one, *FingerprintPath(tmp / "three"));
}

TEST(HashTest, FileAndMissingPath) {
  TempDir tmp;
  WriteFile(tmp / "f", "data");
  EXPECT_TRUE(FingerprintPath(tmp / "f").ok());
  EXPECT_NE(*FingerprintPath(tmp / "f"), HashBytes("data"));  // kind is part of the hash
  EXPECT_EQ(FingerprintPath(tmp / "missing").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace lathe
