// The local runner end to end: caching, re-execution on change, failures, retries, timeouts,
// cancellation, partial runs, tampered outputs, and resuming after kill -9 at many points.
#include "lathe/orchestrate/local_runner.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <thread>

#include "lathe/core/threads.h"
#include "lathe/orchestrate/detail/graph_width.h"
#include "lathe/pipeline/command_component.h"
#include "lathe/pipeline/component.h"
#include "lathe/pipeline/graph.h"
#include "lathe/pipeline/spec.h"
#include "testing/temp_dir.h"

namespace lathe::orchestrate {
namespace {

namespace fs = std::filesystem;
using metadata::ArtifactState;
using metadata::ExecutionState;
using metadata::ListOptions;
using metadata::MetadataStore;
using pipeline::NodeState;

// a -> b, a -> c, (b, c) -> d. b's command and c's can be replaced per test.
std::string Spec(
    const std::string& b_command = "cat ${inputs.x}/v ${inputs.x}/v > ${outputs.out}/v",
    const std::string& c_extra = "") {
  return R"(apiVersion: lathe/v1
kind: Pipeline
name: diamond
parameters:
  seed: 1
  greeting: hi
  pause: 0.0
nodes:
  - name: a
    component: command
    command: [sh, -c, "sleep ${pause}; echo ${seed} > ${outputs.out}/v"]
    outputs: [out]
  - name: b
    component: command
    command: [sh, -c, ")" +
         b_command + R"("]
    inputs: {x: a.out}
    outputs: [out]
  - name: c
    component: command
    command: [sh, -c, "sleep ${pause}; echo $LATHE_PARAM_GREETING > ${outputs.out}/v"]
    parameters: {greeting: "${greeting}"}
    inputs: {x: a.out}
    outputs: [out]
)" + c_extra +
         R"(
  - name: d
    component: command
    command: [sh, -c, "sleep ${pause}; cat ${inputs.b}/v ${inputs.c}/v > ${outputs.out}/v"]
    inputs: {b: b.out, c: c.out}
    outputs: [out]
)";
}

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = MetadataStore::Open("sqlite://" + (tmp_ / "metadata.db").string());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }

  pipeline::PipelineGraph Graph(const std::string& yaml,
                                std::map<std::string, std::string> params = {}) {
    testing::WriteFile(tmp_ / "pipeline.yaml", yaml);
    auto spec = pipeline::LoadPipelineSpec((tmp_ / "pipeline.yaml").string());
    EXPECT_TRUE(spec.ok()) << spec.status().ToString();
    auto g = pipeline::BuildGraph(*spec, params);
    EXPECT_TRUE(g.ok()) << g.status().ToString();
    return *g;
  }

  RunReport Run(const pipeline::PipelineGraph& g, RunOptions o = {},
                const std::atomic<bool>* cancel = nullptr) {
    o.artifact_root = tmp_ / "artifacts";
    o.parallelism = 2;
    auto r = RunPipeline(*store_, g, o, cancel);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : RunReport{};
  }

  // "a:complete b:cached ..." in graph order.
  static std::string States(const pipeline::PipelineGraph& g, const RunReport& r) {
    std::string out;
    for (size_t i = 0; i < r.nodes.size(); ++i)
      out += (out.empty() ? "" : " ") + g.nodes[i].spec.name + ":" +
             std::string(pipeline::NodeStateName(r.nodes[i].state));
    return out;
  }

  std::string Output(const RunReport& r, const pipeline::PipelineGraph& g,
                     const std::string& node) {
    const auto& outs = r.nodes[g.Find(node)].outputs;
    if (!outs.count("out")) return "(none)";
    return testing::ReadFile(fs::path(outs.at("out").at(0).uri) / "v");
  }

  void ExpectCleanStore() {
    auto check = store_->Check({.verify_files = true, .verify_fingerprints = true});
    ASSERT_TRUE(check.ok()) << check.status().ToString();
    EXPECT_TRUE(check->ok()) << check->problems.front();
  }

  testing::TempDir tmp_;
  std::unique_ptr<MetadataStore> store_;
};

TEST_F(RunnerTest, RunsThenReusesEverythingFromTheCache) {
  auto g = Graph(Spec());
  auto first = Run(g);
  EXPECT_EQ(first.state, "COMPLETE");
  EXPECT_EQ(States(g, first), "a:complete b:complete c:complete d:complete");
  EXPECT_EQ(Output(first, g, "d"), "1\n1\nhi\n");
  auto second = Run(g);
  EXPECT_EQ(States(g, second), "a:cached b:cached c:cached d:cached");
  EXPECT_EQ(second.nodes[3].outputs.at("out")[0].id, first.nodes[3].outputs.at("out")[0].id);
  // The cached executions are recorded too, linked to the reused outputs.
  auto exec = store_->GetExecution(second.nodes[3].execution_id);
  ASSERT_TRUE(exec.ok());
  EXPECT_EQ(exec->state, ExecutionState::kCached);
  // Lineage from the last output reaches the first node's output.
  auto lineage = store_->GetLineage({.artifact_ids = {first.nodes[3].outputs.at("out")[0].id}});
  ASSERT_TRUE(lineage.ok());
  std::set<int64_t> ids;
  for (const auto& a : lineage->artifacts) ids.insert(a.id);
  EXPECT_TRUE(ids.count(first.nodes[0].outputs.at("out")[0].id));
  ExpectCleanStore();
}

TEST_F(RunnerTest, ChangedParameterReexecutesThatNodeAndDownstream) {
  Run(Graph(Spec()));
  auto g = Graph(Spec(), {{"greeting", "hello"}});
  auto r = Run(g);
  EXPECT_EQ(States(g, r), "a:cached b:cached c:complete d:complete");
  EXPECT_EQ(Output(r, g, "d"), "1\n1\nhello\n");
  auto no_cache = Run(g, {.no_cache = true});
  EXPECT_EQ(States(g, no_cache), "a:complete b:complete c:complete d:complete");
}

TEST_F(RunnerTest, CacheOptOutAndMaxAge) {
  auto g = Graph(Spec());
  Run(g);
  g.nodes[1].spec.cache = false;            // b always runs
  g.nodes[2].spec.cache_max_age_s = 0.001;  // c's earlier result is too old by now
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto r = Run(g);
  EXPECT_EQ(States(g, r), "a:cached b:complete c:complete d:cached");  // same content: d reuses
  g.nodes[2].spec.cache_max_age_s = 3600;
  EXPECT_EQ(States(g, Run(g)), "a:cached b:complete c:cached d:cached");
}

TEST_F(RunnerTest, FailureStopsDownstreamAndAbandonsOutputs) {
  auto g = Graph(Spec("echo broken >&2; exit 3"));
  auto r = Run(g);
  EXPECT_EQ(r.state, "FAILED");
  EXPECT_EQ(States(g, r), "a:complete b:failed c:complete d:skipped");
  const auto& b = r.nodes[1];
  EXPECT_NE(b.error.find("exited with status 3"), std::string::npos) << b.error;
  EXPECT_EQ(testing::ReadFile(b.log), "broken\n");
  auto events = store_->GetEventsByExecutionIds({b.execution_id});
  ASSERT_TRUE(events.ok());
  for (const auto& e : *events) {
    auto a = store_->GetArtifact(e.artifact_id);
    if (e.type == metadata::EventType::kOutput) {
      EXPECT_EQ(a->state, ArtifactState::kAbandoned);
      EXPECT_FALSE(fs::exists(a->uri));
    }
  }
  EXPECT_EQ(store_->GetExecution(b.execution_id)->state, ExecutionState::kFailed);
  EXPECT_FALSE(fs::exists(tmp_ / "artifacts/.staging" / r.run_id / "b"));
  ExpectCleanStore();
}

TEST_F(RunnerTest, RetriesUntilSuccess) {
  std::string flaky = "if [ -e " + (tmp_ / "marker").string() +
                      " ]; then echo ok > ${outputs.out}/v; else touch " +
                      (tmp_ / "marker").string() + "; exit 1; fi";
  auto g = Graph(Spec(flaky));
  g.nodes[1].spec.retries = 2;
  auto r = Run(g);
  EXPECT_EQ(States(g, r), "a:complete b:complete c:complete d:complete");
  EXPECT_EQ(r.nodes[1].attempts, 2);
}

TEST_F(RunnerTest, TimeoutStopsTheStep) {
  auto g = Graph(Spec("sleep 20"));
  g.nodes[1].spec.timeout_s = 0.3;
  auto t0 = std::chrono::steady_clock::now();
  auto r = Run(g);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_EQ(r.nodes[1].state, NodeState::kFailed);
  EXPECT_NE(r.nodes[1].error.find("timed out after 0.3 s"), std::string::npos) << r.nodes[1].error;
}

TEST_F(RunnerTest, CancelEndsRunningStepsCanceled) {
  auto g = Graph(Spec("sleep 20"));
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    cancel = true;
  });
  auto t0 = std::chrono::steady_clock::now();
  auto r = Run(g, {}, &cancel);
  canceller.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(8));
  EXPECT_EQ(r.state, "CANCELED");
  EXPECT_EQ(r.nodes[1].state, NodeState::kCanceled);
  EXPECT_EQ(r.nodes[3].state, NodeState::kCanceled);  // cancelled before it could start
  EXPECT_EQ(store_->GetExecution(r.nodes[1].execution_id)->state, ExecutionState::kCanceled);
  ListOptions o;
  o.filter = "properties.node = 'b' AND state = 'LIVE'";
  EXPECT_TRUE(store_->ListArtifacts(o)->items.empty());
  ExpectCleanStore();
}

TEST_F(RunnerTest, TamperedOutputIsNotReused) {
  auto g = Graph(Spec());
  auto first = Run(g);
  testing::WriteFile(fs::path(first.nodes[0].outputs.at("out")[0].uri) / "v", "9\n");
  auto second = Run(g);
  // a runs again and makes the same content, so its consumers hit the cache.
  EXPECT_EQ(States(g, second), "a:complete b:cached c:cached d:cached");
}

TEST_F(RunnerTest, EachNodeGetsAShareOfTheCores) {
  auto g = Graph(Spec("echo $LATHE_THREADS $OMP_NUM_THREADS > ${outputs.out}/v"));
  // The diamond runs at most two nodes at once (b and c): each gets half the cores.
  std::vector<bool> all(g.nodes.size(), true);
  EXPECT_EQ(detail::GraphWidth(g, all), 2);
  std::vector<bool> chain = {true, true, false, true};  // a, b, d
  EXPECT_EQ(detail::GraphWidth(g, chain), 1);
  auto r = Run(g);
  EXPECT_EQ(r.parallelism, 2);
  const int share = std::max(1, CoreCount() / 2);
  EXPECT_EQ(r.threads_per_node, share);
  EXPECT_EQ(Output(r, g, "b"), fmt::format("{} {}\n", share, share));
  // Asked otherwise: three threads each, and a single node at once.
  RunOptions o;
  o.threads_per_node = 3;
  o.no_cache = true;
  r = Run(g, o);
  EXPECT_EQ(Output(r, g, "b"), "3 3\n");
  o.threads_per_node = 0;
  o.only = "b";
  r = Run(g, o);  // one node: all the cores
  EXPECT_EQ(r.parallelism, 1);
  EXPECT_EQ(Output(r, g, "b"), fmt::format("{} {}\n", CoreCount(), CoreCount()));
}

TEST_F(RunnerTest, PartialRuns) {
  auto g = Graph(Spec());
  auto nothing = Run(g, {.only = "c"});  // a never ran: nothing to reuse
  EXPECT_EQ(nothing.state, "FAILED");
  EXPECT_EQ(States(g, nothing), "a:failed b:skipped c:skipped d:skipped");
  EXPECT_NE(nothing.nodes[0].error.find("node 'a' has no outputs to reuse"), std::string::npos);
  Run(g);
  auto changed = Graph(Spec(), {{"greeting", "yo"}});
  auto only = Run(changed, {.only = "c"});
  EXPECT_EQ(States(changed, only), "a:reused b:skipped c:complete d:skipped");
  auto to = Run(changed, {.no_cache = true, .to = "b"});
  EXPECT_EQ(States(changed, to), "a:complete b:complete c:skipped d:skipped");
  auto from = Run(changed, {.from = "c"});
  EXPECT_EQ(States(changed, from), "a:reused b:reused c:cached d:complete");
  auto bad = RunPipeline(*store_, changed, {.from = "zzz"}, nullptr);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

// kill -9 at 22 points of a run; each following run completes, re-executes only what had not
// finished, and leaves a consistent store with no PENDING artifact and no staging directory.
TEST_F(RunnerTest, ResumesAfterKillAtManyPoints) {
  for (int point = 0; point < 22; ++point) {
    std::map<std::string, std::string> params = {{"seed", std::to_string(100 + point)},
                                                 {"pause", "0.03"}};
    auto g = Graph(Spec(), params);
    pid_t pid = fork();
    if (pid == 0) {
      auto s = MetadataStore::Open("sqlite://" + (tmp_ / "metadata.db").string());
      if (!s.ok()) _exit(3);
      RunOptions o;
      o.artifact_root = tmp_ / "artifacts";
      o.parallelism = 2;
      auto r = RunPipeline(**s, g, o, nullptr);
      _exit(r.ok() ? 0 : 1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10 * point));
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);

    // Nodes whose execution completed before the kill must be reused, not run again.
    ListOptions done;
    done.filter = "state = 'COMPLETE' AND properties.run LIKE 'diamond-%'";
    done.page_size = ListOptions::kMaxPageSize;
    std::set<std::string> finished_before;
    auto before = store_->ListExecutions(done);
    ASSERT_TRUE(before.ok());
    for (const auto& e : before->items)
      finished_before.insert(e.properties.at("cache_key").as_string());

    auto r = Run(g);
    ASSERT_EQ(r.state, "COMPLETE") << "kill point " << point;
    for (size_t i = 0; i < r.nodes.size(); ++i) {
      auto e = store_->GetExecution(r.nodes[i].execution_id);
      ASSERT_TRUE(e.ok());
      // The key of the result this node used: its own, or that of the execution it reused.
      int64_t source =
          e->state == ExecutionState::kCached ? e->properties.at("cached_from").as_int() : e->id;
      std::string key = store_->GetExecution(source)->properties.at("cache_key").as_string();
      bool was_done = finished_before.count(key) > 0;
      EXPECT_EQ(r.nodes[i].state, was_done ? NodeState::kCached : NodeState::kComplete)
          << "kill point " << point << ", node " << g.nodes[i].spec.name;
    }
    EXPECT_EQ(Output(r, g, "d"),
              std::to_string(100 + point) + "\n" + std::to_string(100 + point) + "\nhi\n");
    ListOptions pending;
    pending.filter = "state = 'PENDING'";
    EXPECT_TRUE(store_->ListArtifacts(pending)->items.empty()) << "kill point " << point;
    ListOptions running;
    running.filter = "state = 'RUNNING'";
    EXPECT_TRUE(store_->ListExecutions(running)->items.empty()) << "kill point " << point;
    EXPECT_FALSE(fs::exists(tmp_ / "artifacts/.staging") &&
                 !fs::is_empty(tmp_ / "artifacts/.staging"))
        << "kill point " << point;
    ExpectCleanStore();
  }
}

// A component that throws where it is told to: in the driver (its external inputs) or in the
// publisher's way (an executor that throws after the execution is recorded RUNNING).
class Throwing final : public pipeline::Component {
 public:
  explicit Throwing(std::string where) : where_(std::move(where)) {}
  std::string type() const override { return "throw-in-" + where_; }
  std::string version() const override { return "1"; }
  Status Prepare(pipeline::NodeSpec& node, const pipeline::SourceMap&,
                 const std::string&) const override {
    node.outputs = {{"out", "File"}};
    return Status::Ok();
  }
  Result<std::vector<fs::path>> ExternalInputs(const pipeline::NodeSpec&,
                                               const fs::path&) const override {
    if (where_ == "driver") throw std::runtime_error("the driver broke");
    return std::vector<fs::path>{};
  }
  Status Execute(const pipeline::ExecutionRequest&, pipeline::ExecutionResult&) const override {
    throw std::filesystem::filesystem_error("the executor broke", std::error_code());
  }

 private:
  std::string where_;
};

// No exception leaves a node: each one fails its node, the run goes on and ends FAILED, and an
// execution already recorded RUNNING ends FAILED with its outputs ABANDONED.
TEST_F(RunnerTest, ExceptionsFailTheirNodeAndLeaveConsistentRecords) {
  pipeline::ComponentRegistry registry;
  registry.Register(std::make_unique<Throwing>("driver"));
  registry.Register(std::make_unique<Throwing>("executor"));
  registry.Register(std::make_unique<pipeline::CommandComponent>());
  testing::WriteFile(tmp_ / "pipeline.yaml", R"(apiVersion: lathe/v1
kind: Pipeline
name: throws
nodes:
  - {name: d, component: throw-in-driver}
  - {name: e, component: throw-in-executor}
  - name: ok
    component: command
    command: [sh, -c, "echo 1 > ${outputs.out}/v"]
    outputs: [out]
)");
  auto spec = pipeline::LoadPipelineSpec((tmp_ / "pipeline.yaml").string());
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  auto g = pipeline::BuildGraph(*spec, {}, registry);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  auto r = Run(*g);
  EXPECT_EQ(States(*g, r), "d:failed e:failed ok:complete");
  EXPECT_EQ(r.nodes[0].error, "node 'd' failed unexpectedly: the driver broke");
  EXPECT_NE(r.nodes[1].error.find("the executor broke"), std::string::npos) << r.nodes[1].error;
  auto e = store_->GetExecution(r.nodes[1].execution_id);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->state, ExecutionState::kFailed);
  auto pending = store_->ListArtifacts({.filter = "state = 'PENDING'"});
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE(pending->items.empty());
  auto check = store_->Check();
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok());
}

}  // namespace
}  // namespace lathe::orchestrate
