// Opening stores: creation, foreign files, schema versions and migrations.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "lathe/metadata/metadata_store.h"
#include "metadata/store_fixture.h"
#include "testing/temp_dir.h"

namespace lathe::metadata {
namespace {

using testing::TempDir;

void Sql(const std::filesystem::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(h);
}

std::string UriOf(const std::filesystem::path& p) {
  return "sqlite://" + p.string();
}

TEST(OpenTest, CreatesReopensAndKeepsData) {
  TempDir tmp;
  std::string uri = UriOf(tmp / "sub/dir/m.db");
  {
    auto s = MetadataStore::Open(uri);
    ASSERT_OK(s);
    EXPECT_EQ((*s)->Info().schema_version, CurrentSchemaVersion());
    ASSERT_OK((*s)->PutType(Type{.kind = TypeKind::kArtifact, .name = "Dataset"}));
  }
  auto s = MetadataStore::Open(uri, {.create_if_missing = false});
  ASSERT_OK(s);
  EXPECT_OK((*s)->GetType(TypeKind::kArtifact, "Dataset"));
}

TEST(OpenTest, MissingStoreIsNotCreatedWhenNotAllowed) {
  TempDir tmp;
  auto s = MetadataStore::Open(UriOf(tmp / "nope.db"), {.create_if_missing = false});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kNotFound);
  EXPECT_NE(s.status().message().find("lathe store init"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(tmp / "nope.db"));
}

TEST(OpenTest, BadUri) {
  auto s = MetadataStore::Open("mysql://x");
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MetadataStore::Open("metadata.db").status().code(), StatusCode::kInvalidArgument);
}

TEST(OpenTest, InMemory) {
  auto s = MetadataStore::Open("sqlite://:memory:");
  ASSERT_OK(s);
  EXPECT_OK((*s)->ListTypes());
}

TEST(OpenTest, FileThatIsNotADatabase) {
  TempDir tmp;
  testing::WriteFile(tmp / "notes.db",
                     "this is a text file, not a database, and long enough to have a header\n");
  auto s = MetadataStore::Open(UriOf(tmp / "notes.db"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("not a SQLite database"), std::string::npos)
      << s.status().message();
  EXPECT_EQ(testing::ReadFile(tmp / "notes.db").substr(0, 9), "this is a");  // untouched
}

TEST(OpenTest, SqliteDatabaseOfAnotherApplication) {
  TempDir tmp;
  Sql(tmp / "other.db", "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)");
  auto s = MetadataStore::Open(UriOf(tmp / "other.db"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("is not a Lathe store"), std::string::npos);
  EXPECT_NE(s.status().message().find("customers"), std::string::npos);
}

TEST(OpenTest, NewerSchemaIsRefused) {
  TempDir tmp;
  std::string uri = UriOf(tmp / "m.db");
  ASSERT_OK(MetadataStore::Open(uri));
  Sql(tmp / "m.db",
      "INSERT INTO lathe_schema (version, description, applied_time_ms, lathe_version) "
      "VALUES (99, 'from the future', 0, '9.9')");
  auto s = MetadataStore::Open(uri);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("schema version 99, newer than version 1"), std::string::npos)
      << s.status().message();
  EXPECT_FALSE(MetadataStore::Migrate(uri).ok());
}

TEST(OpenTest, OlderSchemaNeedsExplicitMigration) {
  TempDir tmp;
  std::string uri = UriOf(tmp / "m.db");
  {
    auto s = MetadataStore::Open(uri);
    ASSERT_OK(s);
    ASSERT_OK((*s)->PutType(Type{.kind = TypeKind::kArtifact, .name = "Dataset"}));
  }
  std::vector<Migration> next = BuiltinMigrations();
  next.push_back({next.back().to_version + 1,
                  "add notes",
                  {"CREATE TABLE notes (id {{ID}}, text TEXT NOT NULL)"}});

  auto old = MetadataStore::Open(uri, {.migrations = &next});
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(old.status().message().find("lathe store migrate"), std::string::npos);

  auto info = MetadataStore::Migrate(uri, {.migrations = &next});
  ASSERT_OK(info);
  EXPECT_EQ(info->schema_version, next.back().to_version);
  auto migrated = MetadataStore::Open(uri, {.migrations = &next});
  ASSERT_OK(migrated);
  EXPECT_OK((*migrated)->GetType(TypeKind::kArtifact, "Dataset"));  // data kept
  // Migrating again is a no-op; the previous build now refuses the newer store.
  EXPECT_OK(MetadataStore::Migrate(uri, {.migrations = &next}));
  EXPECT_EQ(MetadataStore::Open(uri).status().code(), StatusCode::kFailedPrecondition);
}

TEST(OpenTest, FailedMigrationChangesNothing) {
  TempDir tmp;
  std::string uri = UriOf(tmp / "m.db");
  ASSERT_OK(MetadataStore::Open(uri));
  std::vector<Migration> broken = BuiltinMigrations();
  broken.push_back({broken.back().to_version + 1,
                    "broken",
                    {"CREATE TABLE half (id INTEGER)", "THIS IS NOT SQL"}});
  EXPECT_FALSE(MetadataStore::Migrate(uri, {.migrations = &broken}).ok());
  // Still at the old version, without the half-created table.
  EXPECT_OK(MetadataStore::Open(uri));
  std::vector<Migration> fixed = BuiltinMigrations();
  fixed.push_back({fixed.back().to_version + 1, "fixed", {"CREATE TABLE half (id INTEGER)"}});
  EXPECT_OK(MetadataStore::Migrate(uri, {.migrations = &fixed}));
}

}  // namespace
}  // namespace lathe::metadata
