// Hostile input and faults, end to end: deep or huge filters, names that would escape their
// directory, parameters that look like references, files that are not files, shared artifact
// files, read-only stores, half-recorded executions and steps that outlive their runner.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "cli/cli_fixture.h"
#include "lathe/metadata/metadata_store.h"
#include "testing/temp_dir.h"

namespace lathe::cli {
namespace {

using testing::ReadFile;
using testing::WriteFile;
namespace fs = std::filesystem;

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// A one-node pipeline whose node `node` runs `script` with sh; its output directory is $1, then
// come `args`. `header` goes before the nodes (parameters, say).
std::string OneStep(const std::string& name, const std::string& script,
                    const std::string& header = "", const std::string& args = "",
                    const std::string& node = "step") {
  return fmt::format(R"(apiVersion: lathe/v1
kind: Pipeline
name: {}
{}nodes:
  - name: {}
    component: command
    command: [sh, -c, '{}', sh, "${{outputs.out}}"{}]
    outputs: [out]
)",
                     name, header, node, script, args);
}

TEST_F(CliTest, FiltersPastTheLimitsAreShortUsageErrors) {
  ASSERT_EQ(Lathe("store init").exit_code, 0);
  const std::string deep = Repeat("(", 4000) + "id = 1" + Repeat(")", 4000);
  const std::string nots = Repeat("NOT ", 30000) + "id = 1";
  std::string terms = "id = 0";
  for (int i = 1; i < 1000; ++i) terms += fmt::format(" OR id = {}", i);
  for (const std::string& filter : {deep, nots, terms}) {
    WriteFile(tmp_ / "filter.txt", filter);
    for (const char* command : {"artifacts list", "executions list"}) {
      auto r = Lathe(fmt::format("{} --filter \"$(cat filter.txt)\"", command));
      EXPECT_EQ(r.exit_code, 2) << command << ": " << r.err.substr(0, 200);
      EXPECT_LT(r.err.size(), 300u) << r.err.substr(0, 300);
      EXPECT_NE(r.err.find("lathe: error: filter: "), std::string::npos) << r.err.substr(0, 200);
    }
  }
  auto r = Lathe("lineage 1 --artifact-filter \"$(cat filter.txt)\"");
  EXPECT_EQ(r.exit_code, 2) << r.err.substr(0, 300);
  EXPECT_LT(r.err.size(), 300u);
  // Within the limits, a long filter works.
  std::string fine = "id = 0";
  for (int i = 1; i < 200; ++i) fine += fmt::format(" OR id = {}", i);
  WriteFile(tmp_ / "fine.txt", fine);
  EXPECT_EQ(Lathe("artifacts list --filter \"$(cat fine.txt)\"").exit_code, 0);
}

TEST_F(CliTest, NamesThatWouldEscapeOrHideAreRefusedWithTheirPlace) {
  for (std::string name : {".", "..", ".hidden", "-x"}) {
    WriteFile(tmp_ / "p.yaml", OneStep("'" + name + "'", "true"));
    auto r = Lathe("run p.yaml");
    EXPECT_EQ(r.exit_code, 2) << name << ": " << r.err;
    EXPECT_NE(r.err.find("p.yaml:3:7: name: pipeline name: "), std::string::npos) << r.err;
  }
  EXPECT_FALSE(fs::exists(tmp_ / ".lathe/artifacts/step"));
  // A node name too long for a file name fails at validation, not at run time.
  const std::string long_node = std::string(300, 'n');
  WriteFile(tmp_ / "p.yaml", OneStep("fine", "true", "", "", long_node));
  auto r = Lathe("run p.yaml");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("nodes[0].name: node name: the name is 300 bytes long; at most 128"),
            std::string::npos)
      << r.err;
  // Model names: no control or bidirectional characters, no blank names.
  for (std::string model : {"\"a\\nb\"", "\"\\u202Eevil\"", "'   '", "'a b'"}) {
    WriteFile(tmp_ / "push.yaml", fmt::format(R"(apiVersion: lathe/v1
kind: Pipeline
name: push
nodes:
  - name: pusher
    component: Pusher
    inputs: {{model: trainer.model, blessing: evaluator.blessing}}
    parameters: {{model_name: {}}}
)",
                                              model));
    r = Lathe("run push.yaml");
    EXPECT_EQ(r.exit_code, 2) << model << ": " << r.err;
    EXPECT_NE(r.err.find("push.yaml:8:30: nodes[0].parameters.model_name: model name: "),
              std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
  }
}

TEST_F(CliTest, ParameterValuesArePassedLiterally) {
  WriteFile(tmp_ / "p.yaml",
            OneStep("lit", R"(printf "%s|%s" "$2" "$3" > "$1/v")", "parameters:\n  x: a\n",
                    R"(, "${x}", "$${x} $${params_file}")"));
  auto r = Lathe("--json run p.yaml --param 'x=${params_file}'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto out = Json("artifacts list --filter \"name = 'step.out'\"")["items"];
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(ReadFile(fs::path(out[0]["uri"].get<std::string>()) / "v"),
            "${params_file}|${x} ${params_file}");
}

TEST_F(CliTest, SpecsThatAreNotFilesSayWhatTheyAre) {
  auto r = Lathe("run missing.yaml");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "lathe: error: cannot read pipeline spec missing.yaml: No such file or directory\n");
  fs::create_directories(tmp_ / "dir");
  r = Lathe("run dir");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "lathe: error: cannot read pipeline spec dir: it is a directory\n");
  const auto t0 = std::chrono::steady_clock::now();
  r = Lathe("run /dev/zero");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "lathe: error: cannot read pipeline spec /dev/zero: it is not a regular file\n");
  ASSERT_EQ(mkfifo((tmp_ / "fifo").c_str(), 0600), 0);
  r = Lathe("run fifo");  // nobody writes: reading would block forever
  EXPECT_EQ(r.exit_code, 2);
  // Data readers stop at the record limit (64 MiB) instead of reading until memory runs out.
  r = Lathe("stats compute /dev/zero");
  EXPECT_EQ(r.exit_code, 1);  // bad data
  EXPECT_NE(r.err.find("/dev/zero:1: a header longer than 67108864 bytes"), std::string::npos)
      << r.err;
  // Bounded, not fast: the sanitizer build on a busy machine scans the 64 MiB in about 11 s;
  // reading until memory runs out would take minutes or never end.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(60));
  // Not readable (as an unprivileged user, since root reads everything).
  WriteFile(tmp_ / "secret.yaml", OneStep("s", "true"));
  chmod((tmp_ / "secret.yaml").c_str(), 0600);
  chmod(tmp_.path().c_str(), 0755);
  r = testing::RunCommand(
      fmt::format("setpriv --reuid=65534 --regid=65534 --clear-groups {} run secret.yaml",
                  LATHE_BIN),
      tmp_.path());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.err, "lathe: error: cannot read pipeline spec secret.yaml: Permission denied\n");
}

TEST_F(CliTest, ReadOnlyStoreServesReadingCommands) {
  RecordTwoSteps();
  chmod(tmp_.path().c_str(), 0755);
  const std::string as_nobody =
      fmt::format("setpriv --reuid=65534 --regid=65534 --clear-groups {} ", LATHE_BIN);
  // First the store file is read-only to its reader (in a directory it may write), then the
  // directory is read-only too.
  ASSERT_EQ(chown((tmp_ / ".lathe").c_str(), 65534, 65534), 0);
  for (bool directory_too : {false, true}) {
    if (directory_too) {
      ASSERT_EQ(chown((tmp_ / ".lathe").c_str(), 0, 0), 0);
    }
    for (const char* command : {"artifacts list", "executions show 1", "lineage 3", "store check",
                                "types list", "runs list"}) {
      auto r = testing::RunCommand(as_nobody + command, tmp_.path());
      EXPECT_EQ(r.exit_code, 0) << command << ": " << r.err;
    }
    auto r = testing::RunCommand(as_nobody + "artifacts delete 1", tmp_.path());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("readonly"), std::string::npos) << r.err;
  }
}

TEST_F(CliTest, GcKeepsFilesThatOtherArtifactsStillUse) {
  // An artifact recorded at the directory a pipeline's outputs later go into.
  fs::create_directories(tmp_ / ".lathe/artifacts/hello");
  ASSERT_EQ(Lathe("record Import --output Dir=.lathe/artifacts/hello").exit_code, 0);
  WriteFile(tmp_ / "p.yaml", OneStep("hello", "echo hi > \"$1/v\""));
  auto run = Lathe("run p.yaml");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // Recording an output over, inside or around another artifact's files is refused.
  for (const char* place :
       {".lathe/artifacts/hello", ".lathe/artifacts", ".lathe/artifacts/hello/step"}) {
    auto r = Lathe(fmt::format("record Import --output Dir={}", place));
    EXPECT_EQ(r.exit_code, 1) << place;
    EXPECT_NE(r.err.find("overlaps the files of artifact"), std::string::npos) << r.err;
  }
  ASSERT_EQ(Lathe("artifacts delete 1").exit_code, 0);
  auto gc = Lathe("store gc");
  ASSERT_EQ(gc.exit_code, 0) << gc.err;
  EXPECT_NE(gc.out.find("still in use"), std::string::npos) << gc.out;
  auto check = Lathe("store check --fingerprints");
  EXPECT_EQ(check.exit_code, 0) << check.out;
  EXPECT_TRUE(fs::exists(tmp_ / ".lathe/artifacts/hello/step"));
}

TEST_F(CliTest, OutputsWithLinkLoopsAndFifosPublishAndCheckWithoutHanging) {
  WriteFile(tmp_ / "p.yaml",
            OneStep("odd",
                    "cd \"$1\" && ln -s loop loop && ln -s b a && ln -s a b && mkfifo f && "
                    "mkdir d && echo x > d/x"));
  const auto t0 = std::chrono::steady_clock::now();
  auto run = Lathe("run p.yaml");
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  auto check = Lathe("store check --fingerprints");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  auto again = Lathe("run p.yaml");  // the cache check fingerprints the outputs again
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("cached"), std::string::npos) << again.out;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(60));
  // Record an input directory holding the same things.
  auto recorded = Lathe("record Import --input Dir=.lathe/artifacts/odd");
  EXPECT_EQ(recorded.exit_code, 0) << recorded.err;
}

TEST_F(CliTest, StepsDoNotOutliveAKilledRunner) {
  // The step starts a background child that would write a file after 4 s.
  WriteFile(tmp_ / "p.yaml",
            OneStep("slow", "(sleep 4; touch \"$PWD/side-effect\") & touch started; sleep 60"));
  pid_t runner = fork();
  ASSERT_GE(runner, 0);
  if (runner == 0) {
    if (chdir(tmp_.path().c_str()) != 0) _exit(126);
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execl(LATHE_BIN, LATHE_BIN, "run", "p.yaml", static_cast<char*>(nullptr));
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!fs::exists(tmp_ / "started") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(fs::exists(tmp_ / "started"));
  kill(runner, SIGKILL);
  waitpid(runner, nullptr, 0);
  // The next run (or its recovery) stops what the dead run's step left behind.
  auto r = Lathe("runs list");
  EXPECT_EQ(r.exit_code, 0);
  WriteFile(tmp_ / "q.yaml", OneStep("slow", "true", "", "", "other"));
  auto next = Lathe("run q.yaml");
  EXPECT_EQ(next.exit_code, 0) << next.err;
  std::this_thread::sleep_for(std::chrono::seconds(5));
  EXPECT_FALSE(fs::exists(tmp_ / "side-effect"));
  auto execs = Json("executions list --filter \"name = 'step'\"")["items"];
  ASSERT_EQ(execs.size(), 1u);
  EXPECT_EQ(execs[0]["state"], "FAILED");
}

TEST_F(CliTest, ExecutionsLeftRunningByAnEndedRunAreFoundAndFinished) {
  WriteFile(tmp_ / "p.yaml", OneStep("half", "echo 1 > \"$1/v\""));
  ASSERT_EQ(Lathe("run p.yaml").exit_code, 0);
  {
    // What a run leaves when the final record of a node could not be written: the run ended
    // FAILED, the execution still RUNNING and its output PENDING.
    auto store =
        metadata::MetadataStore::Open("sqlite://" + (tmp_ / ".lathe/metadata.db").string());
    ASSERT_TRUE(store.ok()) << store.status().message();
    auto execs = (*store)->ListExecutions({.filter = "name = 'step'"});
    ASSERT_TRUE(execs.ok());
    ASSERT_EQ(execs->items.size(), 1u);
    auto exec = execs->items[0];
    exec.state = metadata::ExecutionState::kRunning;
    auto arts = (*store)->ListArtifacts({.filter = "name = 'step.out'"});
    ASSERT_TRUE(arts.ok());
    auto art = arts->items.at(0);
    art.state = metadata::ArtifactState::kPending;
    metadata::PutExecutionRequest req;
    req.execution = exec;
    req.artifacts.push_back({art, std::nullopt});
    ASSERT_TRUE((*store)->PutExecution(req).ok());
    auto runs = (*store)->ListContexts({.filter = "type = 'PipelineRun'"});
    ASSERT_TRUE(runs.ok());
    auto run = runs->items.at(0);
    run.properties["state"] = std::string("FAILED");
    ASSERT_TRUE((*store)->PutContexts({run}).ok());
  }
  auto check = Lathe("store check");
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_NE(check.out.find("unfinished execution: 1 (node step of run half-"), std::string::npos)
      << check.out;
  EXPECT_NE(check.out.find("is RUNNING but its run ended FAILED"), std::string::npos) << check.out;
  // The next run of the pipeline finishes it.
  ASSERT_EQ(Lathe("run p.yaml --no-cache").exit_code, 0);
  EXPECT_EQ(Lathe("store check").exit_code, 0);
  auto first = Json("executions show 1");
  EXPECT_EQ(first["execution"]["state"], "FAILED");
  auto art = Json("artifacts show 1");
  EXPECT_EQ(art["artifact"]["state"], "ABANDONED");
}

// A table 40,000 columns wide costs memory for its data, not a fixed amount per column (each
// column's distinct-count sketch used to take 16 KiB before it held anything: 793 MB here).
TEST_F(CliTest, WideTablesCostMemoryForTheirDataNotTheirWidth) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "a sanitizer's shadow memory counts in the resident size";
#endif
  std::string csv;
  for (int c = 0; c < 40000; ++c) csv += fmt::format("{}c{}", c ? "," : "", c);
  csv += "\n";
  for (int r = 0; r < 5; ++r) {
    for (int c = 0; c < 40000; ++c) csv += fmt::format("{}{}", c ? "," : "", c % 2 ? "ab" : "7");
    csv += "\n";
  }
  WriteFile(tmp_ / "wide.csv", csv);
  auto r = Lathe("stats compute wide.csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  struct rusage usage {};
  getrusage(RUSAGE_CHILDREN, &usage);  // this test's children: the shell and lathe
  EXPECT_LT(usage.ru_maxrss, 400 * 1024) << "peak resident KiB";
}

TEST_F(CliTest, AFullDiskNeverPublishesATruncatedArtifact) {
  fs::create_directories(tmp_ / "tiny");
  if (mount("tmpfs", (tmp_ / "tiny").c_str(), "tmpfs", 0, "size=256k") != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  std::string csv = "a,b,c\n";
  for (int i = 0; i < 40000; ++i) csv += fmt::format("{},{}.5,text-{}\n", i, i, i * 7);
  WriteFile(tmp_ / "data.csv", csv);
  WriteFile(tmp_ / "p.yaml", R"(apiVersion: lathe/v1
kind: Pipeline
name: full
nodes:
  - name: gen
    component: ExampleGen
    parameters: {input: data.csv}
)");
  auto r = Lathe("--artifacts tiny run p.yaml");
  umount2((tmp_ / "tiny").c_str(), MNT_DETACH);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("No space left on device"), std::string::npos) << r.out;
  auto live =
      Json("artifacts list --filter \"state = 'LIVE' AND type != 'ExternalArtifact'\"")["items"];
  EXPECT_EQ(live.size(), 0u) << live.dump();
  EXPECT_EQ(Lathe("store check").exit_code, 0);
}

}  // namespace
}  // namespace lathe::cli
