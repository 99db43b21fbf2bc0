// The web app's files: served by path with their content type and caching, index.html for the
// app's own routes, nothing outside the folder.
#include "lathe/server/static_files.h"

#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace lathe::server {
namespace {

using testing::TempDir;
using testing::WriteFile;

std::string Header(const serve::HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

TEST(StaticFilesTest, ServesFilesByPathAndTheAppForItsRoutes) {
  TempDir tmp;
  std::filesystem::create_directories(tmp / "app/assets");
  WriteFile(tmp / "app/index.html", "<!doctype html><title>x</title>");
  WriteFile(tmp / "app/assets/index-abc123.js", "console.log(1)");
  WriteFile(tmp / "secret.txt", "outside");
  auto files = StaticFiles::Load(tmp / "app");
  ASSERT_TRUE(files.ok()) << files.status().message();
  EXPECT_EQ(files->size(), 2u);

  auto index = files->Serve("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(index->body, "<!doctype html><title>x</title>");
  EXPECT_EQ(Header(*index, "Cache-Control"), "no-cache");

  auto js = files->Serve("/assets/index-abc123.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js->body, "console.log(1)");
  EXPECT_EQ(Header(*js, "Cache-Control"), "public, max-age=31536000, immutable");

  // A route of the app (no extension) is index.html; a missing file is nothing.
  auto route = files->Serve("/runs/penguins-1");
  ASSERT_TRUE(route);
  EXPECT_EQ(route->body, index->body);
  EXPECT_FALSE(files->Serve("/assets/missing.js"));
  EXPECT_FALSE(files->Serve("/../secret.txt"));
  EXPECT_FALSE(files->Serve("/assets/../../secret.txt"));
}

TEST(StaticFilesTest, AFolderWithoutTheAppSaysHowToBuildIt) {
  TempDir tmp;
  auto files = StaticFiles::Load(tmp / "nothing");
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(files.status().code(), StatusCode::kNotFound);
  EXPECT_NE(files.status().message().find("scripts/setup.sh"), std::string::npos);
}

TEST(StaticFilesTest, ContentTypesByExtension) {
  EXPECT_EQ(ContentTypeOf("/a.css"), "text/css; charset=utf-8");
  EXPECT_EQ(ContentTypeOf("/a.svg"), "image/svg+xml");
  EXPECT_EQ(ContentTypeOf("/a.unknown"), "application/octet-stream");
}

}  // namespace
}  // namespace lathe::server
