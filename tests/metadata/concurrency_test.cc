// Several writers on one store: processes sharing a SQLite file, and threads sharing a store.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "metadata/store_fixture.h"
#include "testing/raw_sql.h"

namespace lathe::metadata {
namespace {

class ConcurrencyTest : public StoreTest {
 protected:
  // Runs `work` in `n` child processes at once; each opens its own store. Returns how many
  // children exited 0.
  template <typename Work>
  int InChildren(int n, Work work) {
    std::vector<pid_t> pids;
    for (int i = 0; i < n; ++i) {
      pid_t pid = fork();
      if (pid == 0) {
        auto s = MetadataStore::Open(Uri());
        int rc = s.ok() ? work(**s, i) : 3;
        _exit(rc);
      }
      pids.push_back(pid);
    }
    int ok = 0;
    for (pid_t pid : pids) {
      int status = 0;
      waitpid(pid, &status, 0);
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0) ++ok;
    }
    return ok;
  }

  size_t CountExecutions() {
    ListOptions o;
    o.page_size = ListOptions::kMaxPageSize;
    size_t n = 0;
    while (true) {
      auto page = store_->ListExecutions(o);
      if (!page.ok()) return 0;
      n += page->items.size();
      if (page->next_page_token.empty()) return n;
      o.page_token = page->next_page_token;
    }
  }
};

constexpr int kPerWriter = 400;

int WriteExecutions(MetadataStore& s, int writer, int count = kPerWriter) {
  for (int i = 0; i < count; ++i) {
    PutExecutionRequest req;
    req.execution.type = "Trainer";
    req.execution.properties = {{"epochs", i}};
    ArtifactAndEvent out;
    out.artifact.type = "Model";
    out.artifact.uri = "/m/" + std::to_string(writer) + "/" + std::to_string(i);
    out.artifact.state = ArtifactState::kLive;
    out.event = Event{.type = EventType::kOutput};
    req.artifacts.push_back(out);
    Context shared, own;
    shared.type = "Pipeline";
    shared.name = "shared";  // both writers create-or-reuse the same context
    own.type = "Run";
    own.name = "run-" + std::to_string(writer) + "-" + std::to_string(i);
    req.contexts = {shared, own};
    if (!s.PutExecution(req).ok()) return 1;
  }
  return 0;
}

TEST_P(ConcurrencyTest, TwoProcessesLoseNothing) {
  RegisterTypes();
  ASSERT_EQ(InChildren(2, [](MetadataStore& s, int w) { return WriteExecutions(s, w); }), 2);
  EXPECT_EQ(CountExecutions(), 2u * kPerWriter);
  ListOptions o;
  o.page_size = ListOptions::kMaxPageSize;
  EXPECT_EQ(store_->ListArtifacts(o)->items.size(), 2u * kPerWriter);
  auto shared = store_->GetContextByTypeAndName("Pipeline", "shared");
  ASSERT_TRUE(shared->has_value());
  EXPECT_EQ(store_->GetExecutionsByContext((*shared)->id, o)->items.size(), 2u * kPerWriter);
  o.filter = "type = 'Run'";
  EXPECT_EQ(store_->ListContexts(o)->items.size(), 2u * kPerWriter);
  auto check = store_->Check();
  ASSERT_OK(check);
  EXPECT_TRUE(check->ok());
}

// Eight writer processes at once (the runner's nodes on a cluster): every record lands.
TEST_P(ConcurrencyTest, EightProcessesLoseNothing) {
  RegisterTypes();
  ASSERT_EQ(InChildren(8, [](MetadataStore& s,
                             int writer) { return WriteExecutions(s, writer, kPerWriter / 4); }),
            8);
  EXPECT_EQ(CountExecutions(), 2u * kPerWriter);
  auto shared = store_->GetContextByTypeAndName("Pipeline", "shared");
  ASSERT_TRUE(shared->has_value());
  ListOptions o;
  o.page_size = ListOptions::kMaxPageSize;
  EXPECT_EQ(store_->GetArtifactsByContext((*shared)->id, o)->items.size(), 2u * kPerWriter);
  auto check = store_->Check();
  ASSERT_OK(check);
  EXPECT_TRUE(check->ok());
}

// Read-modify-write with retry on ABORTED: no increment is lost.
int Increment(MetadataStore& s, int64_t id, int times) {
  for (int i = 0; i < times; ++i) {
    for (int attempt = 0;; ++attempt) {
      auto a = s.GetArtifact(id);
      if (!a.ok() || attempt > 1000) return 1;
      a->custom_properties["count"] = a->custom_properties["count"].as_int() + 1;
      auto put = s.PutArtifacts({*a});
      if (put.ok()) break;
      if (put.status().code() != StatusCode::kAborted) return 2;
    }
  }
  return 0;
}

TEST_P(ConcurrencyTest, OptimisticUpdatesFromTwoProcesses) {
  RegisterTypes();
  Artifact a = NewArtifact("Model", "counter");
  a.custom_properties = {{"count", int64_t{0}}};
  int64_t id = PutArtifact(a);
  ASSERT_EQ(InChildren(2, [id](MetadataStore& s, int) { return Increment(s, id, 300); }), 2);
  EXPECT_EQ(store_->GetArtifact(id)->custom_properties.at("count").as_int(), 600);
}

TEST_P(ConcurrencyTest, ThreadsShareOneStore) {
  RegisterTypes();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      if (WriteExecutions(*store_, 10 + t) != 0) ++failures;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(CountExecutions(), 4u * kPerWriter);
}

// A writer killed with SIGKILL at an arbitrary point leaves every record whole: each execution
// it recorded has its output artifact, and the store checks clean.
TEST_P(ConcurrencyTest, KilledWriterLeavesNoHalfRecords) {
  RegisterTypes();
  for (int delay_ms : {5, 20, 45}) {
    pid_t pid = fork();
    if (pid == 0) {
      auto s = MetadataStore::Open(Uri());
      if (!s.ok()) _exit(3);
      for (int i = 0;; ++i) WriteExecutions(**s, 1000 * delay_ms + i);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));
  }
  auto reopened = MetadataStore::Open(Uri());
  ASSERT_OK(reopened);
  auto check = (*reopened)->Check();
  ASSERT_OK(check);
  EXPECT_TRUE(check->ok()) << check->problems.at(0);
  EXPECT_GT(check->executions, 0);
  EXPECT_EQ(check->artifacts, check->executions);  // one output each, never one without the other
  EXPECT_EQ(check->events, check->executions);
}

// A write that cannot get the store within the busy timeout fails with UNAVAILABLE (retry later).
TEST_P(ConcurrencyTest, BusyStoreIsUnavailable) {
  RegisterTypes();
  auto blocked = MetadataStore::Open(Uri(), {.busy_timeout_ms = 100});
  ASSERT_OK(blocked);
  int ready[2], release[2];
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe(release), 0);
  pid_t pid = fork();
  if (pid == 0) {
    // Holds the write lock: a transaction that waits for the parent inside PutType.
    // On PostgreSQL, writers are serialised by the advisory lock 0x4C617468 (the store's).
    testing::RawSqlSession db(Uri());
    std::string err = db.Exec(IsPostgres() ? "BEGIN; SELECT pg_advisory_xact_lock(1281455208)"
                                           : "BEGIN IMMEDIATE");
    char c = 1;
    if (!err.empty() || write(ready[1], &c, 1) != 1) _exit(1);
    if (read(release[0], &c, 1) != 1) _exit(1);
    (void)db.Exec("ROLLBACK");
    _exit(0);
  }
  char c;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  auto r = (*blocked)->PutArtifacts({NewArtifact("Model", "m")});
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  ASSERT_EQ(write(release[1], &c, 1), 1);
  waitpid(pid, nullptr, 0);
  EXPECT_OK((*blocked)->PutArtifacts({NewArtifact("Model", "m")}));  // and works once free
}

INSTANTIATE_TEST_SUITE_P(Backends, ConcurrencyTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lathe::metadata
