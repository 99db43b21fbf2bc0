// Deletion, garbage collection and the consistency check.
#include "lathe/core/hash.h"
#include "metadata/store_fixture.h"
#include "testing/raw_sql.h"

namespace lathe::metadata {
namespace {

namespace fs = std::filesystem;
using testing::WriteFile;

class MaintenanceTest : public StoreTest {
 protected:
  // Writes raw SQL with foreign keys off, as a buggy or foreign writer could.
  void Corrupt(const std::string& sql) { EXPECT_EQ(testing::ExecRawSql(Uri(), sql), ""); }

  int64_t FileArtifact(const fs::path& path, const std::string& content) {
    if (path.extension() == ".d") {
      WriteFile(path / "part-0", content);
      WriteFile(path / "part-1", content + "!");
    } else {
      WriteFile(path, content);
    }
    Artifact a = NewArtifact("Dataset", path.filename().string());
    a.uri = path.string();
    a.fingerprint = *FingerprintPath(path);
    return PutArtifact(a);
  }
};

TEST_P(MaintenanceTest, MarkAndCollect) {
  RegisterTypes();
  fs::path root = tmp_ / "artifacts";
  int64_t keep = FileArtifact(root / "keep.csv", "k");
  int64_t file = FileArtifact(root / "old.csv", "o");
  int64_t dir = FileArtifact(root / "old.d", "d");
  int64_t outside = FileArtifact(tmp_ / "elsewhere.csv", "e");
  Execution e;
  e.type = "Trainer";
  PutExecutionRequest req;
  req.execution.type = "Trainer";
  for (int64_t id : {keep, file, dir, outside})
    req.artifacts.push_back(ArtifactAndEvent::Reference(id, Event{.type = EventType::kInput}));
  Context c;
  c.type = "Run";
  c.name = "r";
  req.contexts = {c};
  auto exec = store_->PutExecution(req);
  ASSERT_OK(exec);

  // A missing id marks nothing.
  EXPECT_EQ(store_->MarkArtifactsForDeletion({file, 99999}).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetArtifact(file)->state, ArtifactState::kLive);
  ASSERT_OK(store_->MarkArtifactsForDeletion({file, dir, outside}));
  EXPECT_EQ(store_->GetArtifact(file)->state, ArtifactState::kMarkedForDeletion);

  auto dry = store_->GarbageCollect({.artifact_root = root, .dry_run = true});
  ASSERT_OK(dry);
  EXPECT_EQ(dry->artifacts_collected, 3);
  EXPECT_EQ(dry->files_removed.size(), 2u);
  EXPECT_TRUE(fs::exists(root / "old.csv"));
  EXPECT_OK(store_->GetArtifact(file));

  auto gc = store_->GarbageCollect({.artifact_root = root, .batch_size = 2});
  ASSERT_OK(gc);
  EXPECT_EQ(gc->artifacts_collected, 3);
  EXPECT_EQ(gc->events_removed, 3);
  EXPECT_EQ(gc->files_kept, std::vector<std::string>{(tmp_ / "elsewhere.csv").string()});
  EXPECT_FALSE(fs::exists(root / "old.csv"));
  EXPECT_FALSE(fs::exists(root / "old.d"));
  EXPECT_TRUE(fs::exists(root / "keep.csv"));
  EXPECT_TRUE(fs::exists(tmp_ / "elsewhere.csv"));  // outside the root: never removed
  EXPECT_EQ(store_->GetArtifact(file).status().code(), StatusCode::kNotFound);
  EXPECT_OK(store_->GetArtifact(keep));
  auto events = store_->GetEventsByExecutionIds({exec->execution_id});
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->at(0).artifact_id, keep);
  EXPECT_EQ(store_->GetArtifactsByContext(exec->context_ids[0])->items.size(), 1u);

  auto check = store_->Check({.verify_files = true, .verify_fingerprints = true});
  ASSERT_OK(check);
  EXPECT_TRUE(check->ok()) << check->problems.at(0);
  // Nothing left to collect; a repeat is a no-op.
  EXPECT_EQ(store_->GarbageCollect({.artifact_root = root})->artifacts_collected, 0);
}

TEST_P(MaintenanceTest, CollectWithoutRootKeepsAllFiles) {
  RegisterTypes();
  int64_t id = FileArtifact(tmp_ / "artifacts/x.csv", "x");
  ASSERT_OK(store_->MarkArtifactsForDeletion({id}));
  auto gc = store_->GarbageCollect({});
  ASSERT_OK(gc);
  EXPECT_EQ(gc->artifacts_collected, 1);
  EXPECT_TRUE(fs::exists(tmp_ / "artifacts/x.csv"));
}

TEST_P(MaintenanceTest, CheckIsCleanOnAHealthyStore) {
  RegisterTypes();
  FileArtifact(tmp_ / "a.csv", "a");
  auto check = store_->Check({.verify_fingerprints = true});
  ASSERT_OK(check);
  EXPECT_TRUE(check->ok());
  EXPECT_EQ(check->artifacts, 1);
}

TEST_P(MaintenanceTest, CheckFindsProblems) {
  RegisterTypes();
  int64_t a = FileArtifact(tmp_ / "a.csv", "a");
  int64_t b = FileArtifact(tmp_ / "b.csv", "b");
  Context c1, c2;
  c1.type = c2.type = "Run";
  c1.name = "c1";
  c2.name = "c2";
  auto cids = store_->PutContexts({c1, c2});
  ASSERT_OK(cids);
  store_.reset();
  Corrupt("INSERT INTO events (artifact_id, execution_id, type, path, time_ms) VALUES (" +
          std::to_string(a) + ", 777, 3, '[]', 0);");
  Corrupt(
      "INSERT INTO artifact_properties (owner_id, is_custom, name, data_type, string_value) VALUES "
      "(" +
      std::to_string(a) + ", 0, 'colour', 3, 'red');");
  Corrupt("INSERT INTO parent_contexts VALUES (" + std::to_string(cids->at(0)) + ", " +
          std::to_string(cids->at(1)) + "), (" + std::to_string(cids->at(1)) + ", " +
          std::to_string(cids->at(0)) + ");");
  Corrupt("INSERT INTO attributions VALUES (4242, " + std::to_string(b) + ");");
  fs::remove(tmp_ / "b.csv");
  WriteFile(tmp_ / "a.csv", "changed");

  auto s = MetadataStore::Open(Uri());
  ASSERT_OK(s);
  auto check = (*s)->Check({.verify_fingerprints = true});
  ASSERT_OK(check);
  std::string all;
  for (const auto& p : check->problems) all += p + "\n";
  EXPECT_NE(all.find("event without execution"), std::string::npos) << all;
  EXPECT_NE(all.find("property not declared by the type"), std::string::npos) << all;
  EXPECT_NE(all.find("context in a parent cycle"), std::string::npos) << all;
  EXPECT_NE(all.find("attribution without context"), std::string::npos) << all;
  EXPECT_NE(all.find("LIVE artifact without files: " + std::to_string(b)), std::string::npos)
      << all;
  EXPECT_NE(all.find("LIVE artifact whose files changed: " + std::to_string(a)), std::string::npos)
      << all;
  EXPECT_NE(all.find("foreign key"), std::string::npos) << all;
}

INSTANTIATE_TEST_SUITE_P(Backends, MaintenanceTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lathe::metadata
