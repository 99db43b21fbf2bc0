// Opening stores: creation, foreign files, schema versions and migrations, on both backends.
#include <gtest/gtest.h>

#include "lathe/metadata/metadata_store.h"
#include "lathe/metadata/store_uri.h"
#include "metadata/store_fixture.h"
#include "testing/raw_sql.h"
#include "testing/temp_dir.h"

namespace lathe::metadata {
namespace {

using testing::TempDir;

std::string UriOf(const std::filesystem::path& p) {
  return "sqlite://" + p.string();
}

void Sql(const std::filesystem::path& db, const std::string& sql) {
  EXPECT_EQ(testing::ExecRawSql(UriOf(db), sql), "");
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

TEST_P(StoreTest, DatabaseOfAnotherApplicationIsRefused) {
  store_.reset();
  ASSERT_EQ(testing::ExecRawSql(Uri(),
                                "DROP TABLE lathe_schema; CREATE TABLE customers (id "
                                "INTEGER PRIMARY KEY, name TEXT)"),
            "");
  auto s = MetadataStore::Open(Uri());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("is not a Lathe store"), std::string::npos);
  EXPECT_NE(s.status().message().find("customers"), std::string::npos);
}

TEST_P(StoreTest, NewerSchemaIsRefused) {
  store_.reset();
  ASSERT_EQ(testing::ExecRawSql(Uri(),
                                "INSERT INTO lathe_schema (version, description, applied_time_ms, "
                                "lathe_version) VALUES (99, 'from the future', 0, '9.9')"),
            "");
  auto s = MetadataStore::Open(Uri());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("schema version 99, newer than version 1"), std::string::npos)
      << s.status().message();
  EXPECT_FALSE(MetadataStore::Migrate(Uri()).ok());
}

TEST_P(StoreTest, OlderSchemaNeedsExplicitMigration) {
  const std::string uri = Uri();
  ASSERT_OK(store_->PutType(Type{.kind = TypeKind::kArtifact, .name = "Dataset"}));
  store_.reset();
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
  // The new table's auto-increment key works on this backend.
  EXPECT_EQ(testing::ExecRawSql(uri, "INSERT INTO notes (text) VALUES ('a')"), "");
  // Migrating again is a no-op; the previous build now refuses the newer store.
  EXPECT_OK(MetadataStore::Migrate(uri, {.migrations = &next}));
  EXPECT_EQ(MetadataStore::Open(uri).status().code(), StatusCode::kFailedPrecondition);
}

TEST_P(StoreTest, FailedMigrationChangesNothing) {
  const std::string uri = Uri();
  store_.reset();
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

TEST_P(StoreTest, ReadOnlyStoreRefusesWrites) {
  ASSERT_OK(store_->PutType(Type{.kind = TypeKind::kArtifact, .name = "Dataset"}));
  auto ro = MetadataStore::Open(Uri(), {.create_if_missing = false, .read_only = true});
  ASSERT_OK(ro);
  EXPECT_OK((*ro)->GetType(TypeKind::kArtifact, "Dataset"));
  Artifact a;
  a.type = "Dataset";
  EXPECT_EQ((*ro)->PutArtifacts({a}).status().code(), StatusCode::kPermissionDenied);
}

TEST(PostgresOpenTest, UnreachableServerIsUnavailableAndHidesThePassword) {
  // Port 1 on the loopback: nothing listens, the connection is refused at once.
  auto s = MetadataStore::Open("postgresql://lathe:s3cret@127.0.0.1:1/store?connect_timeout=2");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnavailable) << s.status().ToString();
  EXPECT_EQ(s.status().message().find("s3cret"), std::string::npos) << s.status().message();
  EXPECT_NE(s.status().message().find("postgresql://lathe:***@127.0.0.1:1/store"),
            std::string::npos)
      << s.status().message();
}

TEST(PostgresOpenTest, MissingDatabaseIsCreatedOnlyWhenAllowed) {
  const std::string uri = testing::NewTestPostgresDatabaseUri();
  auto missing = MetadataStore::Open(uri, {.create_if_missing = false});
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().ToString();
  EXPECT_NE(missing.status().message().find("lathe store init"), std::string::npos);
  auto created = MetadataStore::Open(uri);
  ASSERT_OK(created);
  EXPECT_EQ((*created)->Info().backend, "postgresql");
  EXPECT_EQ((*created)->Info().schema_version, CurrentSchemaVersion());
  created->reset();
  testing::DropTestPostgresDatabase(uri);
}

TEST(StoreUriTest, PasswordsAreRedacted) {
  EXPECT_EQ(RedactStoreUri("postgresql://u:pw@h:5432/db"), "postgresql://u:***@h:5432/db");
  EXPECT_EQ(RedactStoreUri("postgres://u@h/db?password=pw&sslmode=require"),
            "postgres://u@h/db?password=***&sslmode=require");
  EXPECT_EQ(RedactStoreUri("postgresql://h/db"), "postgresql://h/db");
  EXPECT_EQ(RedactStoreUri("sqlite://a:b@c.db"), "sqlite://a:b@c.db");
  auto parsed = ParseStoreUri("postgres://u@h/db");
  ASSERT_OK(parsed);
  EXPECT_EQ(parsed->scheme, "postgresql");
  EXPECT_EQ(parsed->path, "postgres://u@h/db");
  EXPECT_EQ(ParseStoreUri("mysql://h/db").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lathe::metadata
