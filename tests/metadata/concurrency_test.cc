// Several writers on one store: processes sharing a SQLite file, and threads sharing a store.
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "metadata/store_fixture.h"

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

int WriteExecutions(MetadataStore& s, int writer) {
  for (int i = 0; i < kPerWriter; ++i) {
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
  ASSERT_EQ(InChildren(2, WriteExecutions), 2);
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

INSTANTIATE_TEST_SUITE_P(Backends, ConcurrencyTest, ::testing::Values("sqlite"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lathe::metadata
