// End-to-end tests of the lathe command: exit codes, tables, JSON and error messages.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "cli/cli_fixture.h"
#include "lathe/components/component_util.h"
#include "lathe/data/csv.h"
#include "lathe/train/bundle.h"
#include "testing/postgres_server.h"
#include "testing/temp_dir.h"

namespace lathe::cli {
namespace {

using testing::CommandResult;
using testing::TempDir;
using testing::WriteFile;
namespace fs = std::filesystem;

// A file name that is not UTF-8 (Latin-1 bytes: a name Linux allows) is recorded as it is, and
// every JSON output shows it with U+FFFD instead of failing to print.
TEST_F(CliTest, FileNamesThatAreNotUtf8PrintAsJson) {
  const std::string name = "caf\xe9.csv";
  WriteFile(tmp_ / name, "a\n1\n");
  ASSERT_EQ(Lathe("record Import --input File=" + name).exit_code, 0);
  auto listed = Lathe("--json artifacts list");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  auto j = nlohmann::json::parse(listed.out);
  ASSERT_EQ(j["items"].size(), 1u);
  EXPECT_NE(j["items"][0]["uri"].get<std::string>().find("caf\xef\xbf\xbd.csv"), std::string::npos)
      << j["items"][0]["uri"];
  auto shown = Lathe("--json artifacts show " + std::to_string(j["items"][0]["id"].get<int64_t>()));
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_EQ(Lathe("--json lineage " + std::to_string(j["items"][0]["id"].get<int64_t>()) +
                  " --direction down")
                .exit_code,
            0);
}

TEST_F(CliTest, HelpVersionAndUsageErrors) {
  EXPECT_EQ(Lathe("--help").exit_code, 0);
  EXPECT_EQ(Lathe("--version").exit_code, 0);
  EXPECT_EQ(Lathe("").exit_code, 2);
  EXPECT_EQ(Lathe("frobnicate").exit_code, 2);
  EXPECT_EQ(Lathe("artifacts list --limit 0").exit_code, 2);
  EXPECT_EQ(Lathe("lineage").exit_code, 2);
  EXPECT_EQ(Lathe("lineage 1 --direction sideways").exit_code, 2);
}

TEST_F(CliTest, MissingStoreIsAFailureNotCreated) {
  auto r = Lathe("artifacts list");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("lathe: error: no store at .lathe/metadata.db"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(tmp_ / ".lathe/metadata.db"));
}

TEST_F(CliTest, InitIsRepeatable) {
  auto r = Lathe("store init");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "store sqlite://.lathe/metadata.db ready (schema version 1)\n");
  EXPECT_EQ(Lathe("store init").exit_code, 0);
  EXPECT_EQ(Json("store init")["schema_version"], 1);
  EXPECT_EQ(Lathe("store migrate").exit_code, 0);
}

TEST_F(CliTest, StoreOptionAndNotALatheStore) {
  WriteFile(tmp_ / "notes.txt", "just some text that is certainly not a database file at all\n");
  auto r = Lathe("--store sqlite://notes.txt store init");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not a SQLite database"), std::string::npos) << r.err;
  r = Lathe("--store mysql://x store init");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unsupported scheme 'mysql'"), std::string::npos);
  EXPECT_EQ(Lathe("--store sqlite://other/m.db store init").exit_code, 0);
  EXPECT_TRUE(std::filesystem::exists(tmp_ / "other/m.db"));
}

TEST_F(CliTest, RecordListShowAndLineage) {
  RecordTwoSteps();
  auto list = Lathe("artifacts list");
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_EQ(list.out.substr(0, list.out.find('\n')),
            "ID  TYPE      NAME       STATE  CREATED              URI");
  EXPECT_NE(list.out.find("model.bin"), std::string::npos);

  auto items = Json("artifacts list --type Model")["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["name"], "model.bin");
  EXPECT_EQ(items[0]["state"], "LIVE");
  EXPECT_EQ(Json("artifacts list --filter \"uri LIKE '%examples'\"")["items"].size(), 1u);
  EXPECT_EQ(Json("executions list --filter \"custom_properties.span = 3\"")["items"].size(), 1u);
  EXPECT_EQ(Json("contexts list")["items"][0]["name"], "demo");
  EXPECT_EQ(Json("types list --kind artifact")["items"].size(), 3u);

  auto page = Json("artifacts list --limit 2");
  EXPECT_EQ(page["items"].size(), 2u);
  std::string token = page["next_page_token"];
  ASSERT_FALSE(token.empty());
  auto rest = Json("artifacts list --limit 2 --page-token " + token);
  EXPECT_EQ(rest["items"].size(), 1u);
  EXPECT_EQ(rest["next_page_token"], "");
  EXPECT_EQ(Json("artifacts list --limit 1 --all")["items"].size(), 3u);

  auto show = Json("artifacts show 2");
  EXPECT_EQ(show["artifact"]["type"], "Examples");
  EXPECT_EQ(show["events"].size(), 2u);
  EXPECT_EQ(show["contexts"][0]["name"], "demo");
  auto shown = Lathe("executions show 2");
  EXPECT_NE(shown.out.find("custom    lr = 0.1 (DOUBLE)"), std::string::npos) << shown.out;
  EXPECT_EQ(Lathe("contexts show 1").exit_code, 0);
  auto missing = Lathe("artifacts show 99");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "lathe: error: artifact 99 does not exist\n");

  auto lineage = Json("lineage 3");
  ASSERT_TRUE(lineage.contains("nodes"));
  EXPECT_EQ(lineage["nodes"].size(), 5u);  // model, train, examples, ingest, raw
  EXPECT_EQ(lineage["edges"].size(), 4u);
  EXPECT_EQ(lineage["edges"][0]["from"], "artifact:1");
  EXPECT_EQ(lineage["edges"][0]["to"], "execution:1");
  EXPECT_EQ(Json("lineage 3 --hops 2")["nodes"].size(), 3u);
  EXPECT_EQ(Json("lineage 1 --direction down")["nodes"].size(), 5u);
  EXPECT_EQ(Json("lineage 1 --execution --direction both")["nodes"].size(), 5u);
  EXPECT_EQ(Json("lineage 1 --execution --direction both --hops 1")["nodes"].size(), 3u);
  auto table = Lathe("lineage 3");
  EXPECT_NE(table.out.find("lineage of artifact 3 (up, up to 20 hops): 3 artifacts, 2 executions"),
            std::string::npos);
  auto dot = Lathe("lineage 3 --dot");
  EXPECT_EQ(dot.out.substr(0, 16), "digraph lineage ");
}

TEST_F(CliTest, BadFilterSaysWhere) {
  RecordTwoSteps();
  auto r = Lathe("artifacts list --filter \"type = 'Model' AND (name = 'x'\"");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "lathe: error: filter: expected ')', found the end of the filter at column 31\n");
  r = Lathe("artifacts list --type Model --filter \"name = \"");
  EXPECT_NE(r.err.find("found the end of the filter at column 8"), std::string::npos) << r.err;
  r = Lathe("artifacts list --filter \"colour = 'red'\"");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown artifact field 'colour' at column 1"), std::string::npos);
}

// `lathe store copy` moves a store to PostgreSQL; the copy checks clean and answers alike.
TEST_F(CliTest, StoreCopyToPostgresql) {
  RecordTwoSteps();
  const std::string pg = testing::NewTestPostgresDatabaseUri();
  auto r = Lathe("--json store copy sqlite://.lathe/metadata.db '" + pg + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto copied = nlohmann::json::parse(r.out);
  EXPECT_EQ(copied["rows"]["artifacts"], 3);
  EXPECT_EQ(copied["rows"]["events"], 4);
  EXPECT_EQ(copied["destination"], pg);
  auto check = Lathe("--store '" + pg + "' store check --fingerprints");
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(check.out, "ok: 3 artifacts, 2 executions, 1 contexts, 4 events, 0 problem(s)\n");
  EXPECT_EQ(Json("--store '" + pg + "' artifacts list")["items"], Json("artifacts list")["items"]);
  EXPECT_EQ(Json("--store '" + pg + "' lineage 3"), Json("lineage 3"));
  // The filled store is no destination any more; nothing in it changes.
  r = Lathe("store copy sqlite://.lathe/metadata.db '" + pg + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("is not empty"), std::string::npos) << r.err;
  EXPECT_EQ(Json("--store '" + pg + "' artifacts list")["items"].size(), 3u);
  // And back to SQLite.
  EXPECT_EQ(Lathe("store copy '" + pg + "' sqlite://back.db").exit_code, 0);
  EXPECT_EQ(Json("--store sqlite://back.db executions list")["items"],
            Json("executions list")["items"]);
  // Usage errors and a missing source (no destination is created then).
  EXPECT_EQ(Lathe("store copy sqlite://.lathe/metadata.db").exit_code, 2);
  EXPECT_EQ(Lathe("store copy mysql://a sqlite://b.db").exit_code, 2);
  r = Lathe("store copy sqlite://missing.db sqlite://new.db");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("opening SRC"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(tmp_ / "new.db"));
  testing::DropTestPostgresDatabase(pg);
}

TEST_F(CliTest, RecordErrors) {
  ASSERT_EQ(Lathe("store init").exit_code, 0);
  auto r = Lathe("record Trainer --input Examples=missing.csv");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "lathe: error: input missing.csv does not exist\n");
  r = Lathe("record Trainer --input missing.csv");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("must look like NAME=VALUE"), std::string::npos);
  r = Lathe("record Trainer --state DONE");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown execution state 'DONE'"), std::string::npos);
  EXPECT_TRUE(Json("executions list")["items"].empty());  // nothing half-recorded
  // Text that is no finite decimal number is kept as the text given, never a number.
  ASSERT_EQ(Lathe("record Trainer --property x=nan --property h=0x1A --property big=1e999 "
                  "--property n=12 --property r=0.25")
                .exit_code,
            0);
  auto e = Json("executions list")["items"][0];
  auto props = e.contains("custom_properties") ? e["custom_properties"] : e["properties"];
  EXPECT_EQ(props["x"], "nan") << e;
  EXPECT_EQ(props["h"], "0x1A");
  EXPECT_EQ(props["big"], "1e999");
  EXPECT_EQ(props["n"], 12);
  EXPECT_EQ(props["r"], 0.25);
}

TEST_F(CliTest, DeleteGcAndCheck) {
  RecordTwoSteps();
  auto check = Lathe("store check --fingerprints");
  EXPECT_EQ(check.exit_code, 0) << check.out;
  EXPECT_EQ(check.out, "ok: 3 artifacts, 2 executions, 1 contexts, 4 events, 0 problem(s)\n");
  // The model file lives outside the artifact root: its row goes, its file stays.
  ASSERT_EQ(Lathe("artifacts delete 3").exit_code, 0);
  EXPECT_EQ(Json("artifacts show 3")["artifact"]["state"], "MARKED_FOR_DELETION");
  auto gc = Json("store gc");
  EXPECT_EQ(gc["artifacts_collected"], 1);
  EXPECT_EQ(gc["files_kept"].size(), 1u);
  EXPECT_TRUE(std::filesystem::exists(tmp_ / "model.bin"));
  EXPECT_EQ(Lathe("artifacts show 3").exit_code, 1);
  // A file under the artifact root is removed.
  WriteFile(tmp_ / ".lathe/artifacts/run/out.txt", "x");
  ASSERT_EQ(
      Lathe("record Export --input Examples=examples --output File=.lathe/artifacts/run/out.txt")
          .exit_code,
      0);
  ASSERT_EQ(Lathe("artifacts delete 4").exit_code, 0);
  EXPECT_EQ(Json("store gc --dry-run")["files_removed"].size(), 1u);
  EXPECT_TRUE(std::filesystem::exists(tmp_ / ".lathe/artifacts/run/out.txt"));
  EXPECT_EQ(Lathe("store gc").exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(tmp_ / ".lathe/artifacts/run/out.txt"));
  EXPECT_EQ(Lathe("store check").exit_code, 0);
  // A changed file is reported, and check fails.
  WriteFile(tmp_ / "raw.csv", "tampered");
  check = Lathe("store check --fingerprints");
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_NE(check.out.find("problem: LIVE artifact whose files changed: 1"), std::string::npos)
      << check.out;
  EXPECT_EQ(Lathe("artifacts delete 42").exit_code, 1);
}

TEST_F(CliTest, RunHelloCachesRerunsAndTracesLineage) {
  const std::string spec = std::string(LATHE_SOURCE_DIR) + "/examples/hello/pipeline.yaml";
  auto first = Lathe("run " + spec);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("COMPLETE in"), std::string::npos) << first.err;
  EXPECT_NE(first.out.find(": 4 executed, 0 cached"), std::string::npos) << first.err;
  auto second = Lathe("run " + spec);
  EXPECT_NE(second.out.find(": 0 executed, 4 cached"), std::string::npos) << second.err;
  // One parameter used by one node: exactly that node runs again.
  auto changed = Lathe("--json run " + spec + " --param greeting=hey");
  ASSERT_EQ(changed.exit_code, 0) << changed.err;
  auto report = nlohmann::json::parse(changed.out);
  std::map<std::string, std::string> states;
  for (const auto& n : report["nodes"]) states[n["node"]] = n["state"];
  EXPECT_EQ(states, (std::map<std::string, std::string>{{"generate", "cached"},
                                                        {"square", "cached"},
                                                        {"total", "cached"},
                                                        {"report", "complete"}}));
  int64_t report_artifact = report["nodes"][3]["outputs"]["report"][0]["id"];
  // Lineage from the last output reaches the first node's output.
  auto lineage = Json("lineage " + std::to_string(report_artifact));
  std::set<std::string> names;
  for (const auto& n : lineage["nodes"]) names.insert(n["name"].get<std::string>());
  EXPECT_TRUE(names.count("generate.numbers")) << lineage.dump();
  EXPECT_TRUE(names.count("total.total"));

  auto runs = Json("runs list");
  ASSERT_EQ(runs["items"].size(), 3u);
  std::string run = report["run"];
  EXPECT_EQ(runs["items"][0]["name"], run);
  auto show = Json("runs show " + run);
  EXPECT_EQ(show["properties"]["state"], "COMPLETE");
  EXPECT_EQ(show["properties"]["parameters"]["greeting"], "hey");
  EXPECT_EQ(show["nodes"].size(), 4u);
  EXPECT_TRUE(std::filesystem::exists(show["nodes"][3]["log"].get<std::string>()));
  auto table = Lathe("runs show " + run);
  EXPECT_NE(table.out.find("NODE      STATE     DURATION"), std::string::npos) << table.out;

  auto repro = Lathe("runs repro " + run);
  EXPECT_EQ(repro.exit_code, 0) << repro.out << repro.err;
  EXPECT_NE(repro.out.find("reproducible: 4 of 4 outputs reproduced"), std::string::npos)
      << repro.out;
  EXPECT_EQ(Lathe("store check --fingerprints").exit_code, 0);
}

// A run whose nodes run as separate tasks (Slurm jobs, workflow tasks): each task joins the run by
// its id; the run ends when `runs finish` says so, and gives what one process gives.
TEST_F(CliTest, NodesJoinARunByItsIdAndRunsFinishEndsIt) {
  const std::string spec = std::string(LATHE_SOURCE_DIR) + "/examples/hello/pipeline.yaml";
  auto whole = Json("run " + spec + " --no-cache");
  for (const std::string node : {"generate", "square", "total", "report"}) {
    auto r = Lathe("--json run " + spec + " --only " + node +
                   " --run-id wf-1 --recorded-runner argo --no-cache");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["run"], "wf-1");
  }
  auto show = Json("runs show wf-1");
  EXPECT_EQ(show["properties"]["state"], "RUNNING");  // until finished
  EXPECT_EQ(show["properties"]["runner"], "argo");
  ASSERT_EQ(show["nodes"].size(), 4u);
  // Each node read its upstream node's outputs of this run: the same files as one process made.
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(show["nodes"][i]["state"], "COMPLETE");
    auto a = whole["nodes"][i]["outputs"].begin().value()[0]["uri"].get<std::string>();
    auto b = Json("artifacts show " +
                  std::to_string(show["nodes"][i]["outputs"][0]["artifact_id"].get<int64_t>()));
    EXPECT_EQ(testing::ReadFile(fs::path(a) / fs::directory_iterator(a)->path().filename()),
              testing::ReadFile(fs::path(b["artifact"]["uri"].get<std::string>()) /
                                fs::directory_iterator(a)->path().filename()));
  }
  auto finished = Lathe("runs finish wf-1");
  EXPECT_EQ(finished.exit_code, 0) << finished.err;
  EXPECT_EQ(finished.out, "run wf-1 COMPLETE\n");
  EXPECT_EQ(Json("runs show wf-1")["properties"]["state"], "COMPLETE");
  // A finished run takes no more nodes.
  auto late = Lathe("run " + spec + " --only report --run-id wf-1");
  EXPECT_EQ(late.exit_code, 1);
  EXPECT_NE(late.err.find("run wf-1 has ended (COMPLETE)"), std::string::npos) << late.err;

  // A run where a node never ran, or failed, finishes FAILED (exit 1) and says which.
  ASSERT_EQ(Lathe("run " + spec + " --only generate --run-id wf-2").exit_code, 0);
  finished = Lathe("--json runs finish wf-2");
  EXPECT_EQ(finished.exit_code, 1);
  auto j = nlohmann::json::parse(finished.out);
  EXPECT_EQ(j["state"], "FAILED");
  EXPECT_EQ(j["error"], "square: it never ran");
  EXPECT_EQ(Lathe("runs finish nope").exit_code, 1);
  // Another pipeline cannot join the run.
  WriteFile(tmp_ / "other.yaml", R"(apiVersion: lathe/v1
kind: Pipeline
name: other
nodes:
  - name: one
    component: command
    command: [sh, -c, "true"]
)");
  auto other = Lathe("run other.yaml --run-id wf-1");
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.err.find("run wf-1 is a run of pipeline 'hello', not of 'other'"),
            std::string::npos)
      << other.err;
}

TEST_F(CliTest, ReproNamesTheOutputThatDiffers) {
  WriteFile(tmp_ / "p.yaml", R"(apiVersion: lathe/v1
kind: Pipeline
name: noisy
nodes:
  - name: stable
    component: command
    command: [sh, -c, "echo 42 > ${outputs.out}/v"]
    outputs: [out]
  - name: clock
    component: command
    command: [sh, -c, "date +%s%N > ${outputs.out}/v"]
    outputs: [out]
)");
  auto run = Lathe("--json run p.yaml");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::string id = nlohmann::json::parse(run.out)["run"];
  auto repro = Lathe("runs repro " + id);
  EXPECT_EQ(repro.exit_code, 1);
  EXPECT_NE(repro.out.find("clock   out     DIFFERS"), std::string::npos) << repro.out;
  EXPECT_NE(repro.out.find("stable  out     same"), std::string::npos) << repro.out;
  EXPECT_NE(repro.out.find("NOT reproducible: 1 of 2 outputs reproduced"), std::string::npos)
      << repro.out;
  EXPECT_EQ(Lathe("runs repro nope").exit_code, 1);
}

// The spec's directory name is data, never shell text: reading the git commit runs git with an
// argument vector.
TEST_F(CliTest, ASpecDirectoryNameIsNeverRunAsShell) {
  const fs::path dir = tmp_ / "x'; touch INJECTED; echo '";
  fs::create_directories(dir);
  WriteFile(dir / "p.yaml", R"(apiVersion: lathe/v1
kind: Pipeline
name: quoted
nodes:
  - name: hello
    component: command
    command: [sh, -c, "echo hi > ${outputs.out}/v"]
    outputs: [out]
)");
  auto run = Lathe("run \"" + (dir / "p.yaml").string() + "\"");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_FALSE(fs::exists(tmp_ / "INJECTED"));
  EXPECT_FALSE(fs::exists(dir / "INJECTED"));
  EXPECT_FALSE(fs::exists(fs::current_path() / "INJECTED"));
}

// Ctrl-C: the running step is stopped, the run ends CANCELED with exit code 130.
TEST_F(CliTest, InterruptCancelsTheRun) {
  WriteFile(tmp_ / "slow.yaml", R"(apiVersion: lathe/v1
kind: Pipeline
name: slow
nodes:
  - name: wait
    component: command
    command: [sleep, "30"]
    outputs: [out]
)");
  pid_t pid = fork();
  if (pid == 0) {
    if (chdir(tmp_.path().c_str()) != 0) _exit(99);
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execl(LATHE_BIN, LATHE_BIN, "run", "slow.yaml", static_cast<char*>(nullptr));
    _exit(98);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  kill(pid, SIGINT);
  int status = 0;
  auto t0 = std::chrono::steady_clock::now();
  waitpid(pid, &status, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  auto runs = Json("runs list");
  ASSERT_EQ(runs["items"].size(), 1u);
  EXPECT_EQ(runs["items"][0]["properties"]["state"], "CANCELED");
  auto show = Json("runs show " + runs["items"][0]["name"].get<std::string>());
  EXPECT_EQ(show["nodes"][0]["state"], "CANCELED");
  EXPECT_TRUE(Json("artifacts list --filter \"state = 'LIVE'\"")["items"].empty());
  EXPECT_EQ(Lathe("store check").exit_code, 0);
}

TEST_F(CliTest, StatsCompute) {
  const std::string penguins = std::string(LATHE_SOURCE_DIR) + "/data/penguins.csv";
  auto table = Lathe("stats compute " + penguins);
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("344 rows, 8 features"), std::string::npos);
  EXPECT_NE(table.out.find("Adelie (152), Gentoo (124), Chinstrap (68)"), std::string::npos)
      << table.out;
  auto j = Json("stats compute " + penguins);
  EXPECT_EQ(j["rows"], 344);
  const auto& year = j["features"][7];
  EXPECT_EQ(year["name"], "year");
  EXPECT_EQ(year["median"], 2008);
  EXPECT_EQ(year["min"], 2007);
  EXPECT_FALSE(year.contains("state"));
  const auto& mass = j["features"][5];
  EXPECT_EQ(mass["missing"], 2);
  EXPECT_NEAR(mass["mean"].get<double>(), 4201.754386, 1e-5);
  auto sliced = Json("stats compute " + penguins + " --slice-by species");
  EXPECT_EQ(sliced["feature"], "species");
  EXPECT_EQ(sliced["all"]["rows"], 344);
  EXPECT_EQ(sliced["slices"]["Adelie"]["rows"], 152);
  EXPECT_NEAR(sliced["slices"]["Adelie"]["features"][2]["mean"].get<double>(), 38.791391, 1e-5);
  EXPECT_FALSE(sliced["slices"]["Adelie"]["features"][2].contains("state"));
  // Data errors exit 1; 2 is for a command line that cannot be understood.
  EXPECT_EQ(Lathe("stats compute " + penguins + " --slice-by colour").exit_code, 1);
  WriteFile(tmp_ / "bad.csv", "a,b\n1,2\n3\n");
  auto bad = Lathe("stats compute bad.csv");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.err, "lathe: error: bad.csv:3:1: expected 2 fields, found 1\n");
}

// The flights data (3,000,000 rows): statistics as they were before the statistics were made
// faster (tests/golden/flights_stats.json), and the same, to the last bit, whatever the number of
// threads. Means and standard deviations may differ in the last digits (another summation order);
// the most frequent dates, counted approximately (Misra-Gries past 100,000 distinct values), are
// checked against their true counts within the reported error bound.
TEST_F(CliTest, FlightsStatisticsAsBeforeAndTheSameForAnyThreadCount) {
  const std::string source = LATHE_SOURCE_DIR;
  auto fetched = testing::RunCommand(source + "/scripts/fetch-data.sh flights", tmp_.path());
  ASSERT_EQ(fetched.exit_code, 0) << fetched.err;
  std::string csv = fetched.out.substr(0, fetched.out.find('\n'));
  std::ifstream in(source + "/tests/golden/flights_stats.json");
  const auto golden = nlohmann::json::parse(in);
  const auto& before = golden["statistics"];

  auto full = [&](int threads) {
    auto r = Lathe(fmt::format("--json stats compute --full --threads {} {}", threads, csv));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };
  const std::string one = full(1);
  EXPECT_EQ(one, full(3)) << "statistics differ between 1 and 3 threads";

  const auto now = Json("stats compute " + csv);
  ASSERT_EQ(now["rows"], before["rows"]);
  ASSERT_EQ(now["features"].size(), before["features"].size());
  for (size_t i = 0; i < now["features"].size(); ++i) {
    const auto& a = before["features"][i];
    const auto& b = now["features"][i];
    const std::string name = a["name"];
    for (const auto& [key, value] : a.items()) {
      if (key == "mean" || key == "stddev") {
        EXPECT_NEAR(b[key].get<double>(), value.get<double>(),
                    1e-12 * std::abs(value.get<double>()))
            << name << " " << key;
      } else if (name != "date" || (key != "top" && key != "top_count_error")) {
        EXPECT_EQ(b[key], value) << name << " " << key;
      }
    }
  }
  // Approximate top dates: never above the true count, at most the error bound below it.
  const auto& date = now["features"][0];
  ASSERT_EQ(date["name"], "date");
  const int64_t error = date["top_count_error"];
  EXPECT_LE(error, 3000000 / 100001);
  std::map<std::string, int64_t> truth;
  int64_t smallest = 0;
  for (const auto& e : golden["date_top_50"]) {
    truth[e[0].get<std::string>()] = e[1].get<int64_t>();
    smallest = e[1].get<int64_t>();
  }
  ASSERT_EQ(date["top"].size(), 10u);
  for (const auto& t : date["top"]) {
    const int64_t count = t["count"];
    auto it = truth.find(t["value"].get<std::string>());
    if (it == truth.end()) {
      EXPECT_LE(count, smallest) << t;
      continue;
    }
    EXPECT_LE(count, it->second) << t;
    EXPECT_GE(count, it->second - error) << t;
  }
}

TEST_F(CliTest, StatsCompareReportsDrift) {
  std::string a = "x,c\n", b = "x,c\n";
  for (int i = 0; i < 200; ++i) {
    a += std::to_string(i % 50) + "," + (i % 4 ? "u" : "v") + "\n";
    b += std::to_string(30 + i % 50) + "," + (i % 4 ? "u" : "v") + "\n";
  }
  WriteFile(tmp_ / "a.csv", a);
  WriteFile(tmp_ / "b.csv", b);
  auto j = Json("stats compare a.csv b.csv");
  ASSERT_EQ(j["drift"].size(), 3u);
  EXPECT_EQ(j["drift"][0]["feature"], "x");
  EXPECT_EQ(j["drift"][0]["measure"], "js");
  EXPECT_EQ(j["drift"][0]["exceeded"], true);
  EXPECT_EQ(j["drift"][2]["feature"], "c");
  EXPECT_EQ(j["drift"][2]["value"], 0.0);
  EXPECT_EQ(j["drift"][2]["exceeded"], false);
  EXPECT_EQ(j["exceeded"], 2);
  EXPECT_EQ(Lathe("stats compare a.csv b.csv").exit_code, 0);
  EXPECT_EQ(Lathe("stats compare a.csv b.csv --fail-on-drift").exit_code, 1);
  EXPECT_EQ(
      Lathe("stats compare a.csv b.csv --fail-on-drift --threshold js=1 --threshold x.psi=100")
          .exit_code,
      0);
  EXPECT_EQ(Lathe("stats compare a.csv b.csv --threshold js=lots").exit_code, 2);
  // Saved statistics compare like the data they came from.
  auto saved = Lathe("--json stats compute a.csv --full");
  WriteFile(tmp_ / "a.json", saved.out);
  EXPECT_EQ(Json("stats compare a.json b.csv")["drift"], j["drift"]);
}

TEST_F(CliTest, DataCommandsReadArtifactDirectories) {
  const std::string spec = std::string(LATHE_SOURCE_DIR) + "/examples/penguins/pipeline.yaml";
  auto run = Lathe("--json run " + spec);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::string examples =
      nlohmann::json::parse(run.out)["nodes"][0]["outputs"]["examples"][0]["uri"];
  auto j = Json("stats compute " + examples);
  EXPECT_EQ(j["splits"]["train"]["rows"].get<int>() + j["splits"]["eval"]["rows"].get<int>(), 344);
  auto dir = Lathe("stats compare " + examples + " " + examples);
  EXPECT_EQ(dir.exit_code, 1);
  EXPECT_NE(dir.err.find("is a directory; name one of its split files (eval.lcol, train.lcol)"),
            std::string::npos);
  EXPECT_EQ(Lathe("stats compare " + examples + "/train.lcol " + examples + "/eval.lcol").exit_code,
            0);
}

// Tables keep a row on one line (a value holding a newline is shown escaped) and align columns
// by display width (a CJK character takes two columns).
TEST_F(CliTest, TablesKeepRowsOnOneLineAndAlignWideText) {
  WriteFile(tmp_ / "t.csv", "name,city\n\"a\nb\",東京\nxy,大阪\nz,ab\n");
  auto r = Lathe("stats compute t.csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("a\\nb (1)"), std::string::npos) << r.out;
  std::vector<std::string> lines;
  std::stringstream in(r.out);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  auto width = [](const std::string& s) {  // ASCII 1, CJK (3-byte UTF-8) 2
    size_t w = 0;
    for (unsigned char c : s) w += c < 0x80 ? 1 : c >= 0xE0 ? 2 : 0;
    return w;
  };
  size_t header = 0;
  for (size_t k = 0; k < lines.size(); ++k)
    if (lines[k].rfind("FEATURE", 0) == 0) header = k;
  ASSERT_EQ(lines.size(), header + 3) << r.out;  // the header and two rows, nothing split
  const size_t length_at = width(lines[header].substr(0, lines[header].find("LENGTH")));
  for (size_t k = header + 1; k < lines.size(); ++k) {
    const std::string& l = lines[k];
    EXPECT_EQ(width(l.substr(0, l.rfind("  ") + 2)), length_at) << l;
  }
  EXPECT_NE(r.out.find("city     string  3      0.0%     3       ab (1), 大阪 (1), 東京 (1)  2..2"),
            std::string::npos)
      << r.out;
}

TEST_F(CliTest, SchemaInferShowAndValidate) {
  WriteFile(tmp_ / "train.csv", "kind,size\na,1.5\nb,2.5\na,4\n");
  WriteFile(tmp_ / "new.csv", "kind,size\na,1.5\nz,9\n");
  ASSERT_EQ(
      Lathe("schema infer train.csv -o schema.yaml --min-domain-mass 1 --range-margin 0").exit_code,
      0);
  auto yaml = testing::ReadFile(tmp_ / "schema.yaml");
  EXPECT_NE(yaml.find("domain: [a, b]"), std::string::npos) << yaml;
  auto show = Lathe("schema show schema.yaml");
  EXPECT_NE(show.out.find("kind     string  required  a, b"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("size     double  required  [1.5, 4]"), std::string::npos) << show.out;
  EXPECT_EQ(Lathe("validate train.csv --schema schema.yaml").exit_code, 0);
  auto v = Lathe("--json validate new.csv --schema schema.yaml --baseline train.csv");
  EXPECT_EQ(v.exit_code, 1);
  auto j = nlohmann::json::parse(v.out);
  ASSERT_GE(j["anomalies"].size(), 2u);
  EXPECT_EQ(j["anomalies"][0]["kind"], "out_of_domain");
  EXPECT_EQ(j["anomalies"][0]["description"], "unexpected values: 'z' (1)");
  EXPECT_EQ(j["anomalies"][1]["kind"], "out_of_range");
  EXPECT_EQ(j["anomalies"][1]["value"], 9);
  EXPECT_EQ(j["anomalies"][1]["threshold"], 4);
  WriteFile(tmp_ / "bad.yaml", "features:\n  - name: a\n    type: text\n");
  auto bad = Lathe("validate train.csv --schema bad.yaml");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("bad.yaml:3:11: features[0].type"), std::string::npos) << bad.err;
}

TEST_F(CliTest, RunErrors) {
  WriteFile(tmp_ / "bad.yaml",
            "apiVersion: lathe/v1\nkind: Pipeline\nname: bad\nnodes:\n  - name: a\n    component: "
            "shell\n");
  auto r = Lathe("run bad.yaml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.substr(0, r.err.find('(')),
            "lathe: error: bad.yaml:6:16: nodes[0].component: unknown component 'shell' ");
  WriteFile(tmp_ / "fail.yaml", R"(apiVersion: lathe/v1
kind: Pipeline
name: fails
parameters: {n: 1}
nodes:
  - name: a
    component: command
    command: [sh, -c, "exit 4"]
)");
  r = Lathe("run fail.yaml");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("a                    failed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sh exited with status 4"), std::string::npos) << r.out;
  EXPECT_EQ(Lathe("run fail.yaml --param n=x").exit_code, 2);
  EXPECT_EQ(Lathe("run fail.yaml --param m=1").exit_code, 2);
}

TEST_F(CliTest, PenguinsFromCsvToAPushedModel) {
  const std::string spec = std::string(LATHE_SOURCE_DIR) + "/examples/penguins/pipeline.yaml";
  auto run = Lathe("--json run " + spec);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto report = nlohmann::json::parse(run.out);
  std::string run_id = report["run"];
  // The model went to the repository as version 1, with its lineage.
  auto models = Json("models list");
  ASSERT_EQ(models.size(), 1u) << models.dump();
  EXPECT_EQ(models[0]["name"], "penguins");
  EXPECT_EQ(models[0]["version"], 1);
  EXPECT_EQ(models[0]["run"], run_id);
  EXPECT_GT(models[0]["metrics"]["accuracy"].get<double>(), 0.9);
  // The CSV is read without span placeholders: the data has no span (not span 0).
  ASSERT_EQ(models[0]["spans"].size(), 1u);
  EXPECT_TRUE(models[0]["spans"][0]["span"].is_null()) << models[0].dump();
  auto listed = Lathe("models list");
  EXPECT_NE(listed.out.find(" -  "), std::string::npos) << listed.out;
  // The schema inferred from the train split finds nothing wrong with the eval split.
  int validations = 0;
  for (const auto& e :
       std::filesystem::recursive_directory_iterator(tmp_ / ".lathe/artifacts/penguins/validate"))
    if (e.path().filename() == "anomalies.json") {
      ++validations;
      auto anomalies = nlohmann::json::parse(testing::ReadFile(e.path()));
      EXPECT_EQ(anomalies["count"], 0) << anomalies.dump();
      EXPECT_TRUE(anomalies["splits"]["eval"].empty()) << anomalies.dump();
    }
  EXPECT_EQ(validations, 1);
  EXPECT_TRUE(std::filesystem::exists(tmp_ / ".lathe/models/penguins/1/manifest.json"));
  auto show = Lathe("models show penguins/1");
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("multiclass (xgboost model, label 'species')"), std::string::npos)
      << show.out;
  // Sliced metrics, and the second run's model against the first as its baseline.
  int64_t evaluation = models[0]["evaluation_id"];
  auto eval = Lathe("eval show " + std::to_string(evaluation));
  EXPECT_NE(eval.out.find("island=Biscoe"), std::string::npos) << eval.out;
  EXPECT_NE(eval.out.find("sex=female"), std::string::npos);
  EXPECT_NE(eval.out.find("pass overall accuracy"), std::string::npos);
  auto again = Lathe("--json run " + spec + " --param rounds=20");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  auto second = nlohmann::json::parse(again.out);
  int64_t second_eval = 0;
  for (const auto& n : second["nodes"])
    if (n["node"] == "evaluate") second_eval = n["outputs"]["evaluation"][0]["id"];
  auto compare = Json("eval compare " + std::to_string(second_eval));
  EXPECT_EQ(compare["a"], "baseline " + std::to_string(models[0]["model_id"].get<int64_t>()));
  // Each change is marked better or worse by the metric's direction.
  int marked = 0;
  for (const auto& row : compare["rows"]) {
    if (!row["a"].is_number() || !row["b"].is_number()) continue;
    const double a = row["a"], b = row["b"];
    const bool lower_better = row["metric"] == "log_loss";
    const std::string expected = a == b ? "same" : ((b > a) != lower_better) ? "better" : "worse";
    EXPECT_EQ(row["change"], expected) << row.dump();
    ++marked;
  }
  EXPECT_GT(marked, 10);
  EXPECT_EQ(Json("models list").size(), 2u);
  // Every output of the run is reproduced bit for bit.
  auto repro = Lathe("runs repro " + run_id);
  EXPECT_EQ(repro.exit_code, 0) << repro.out << repro.err;
  EXPECT_NE(repro.out.find("reproducible: 11 of 11 outputs reproduced"), std::string::npos)
      << repro.out;
  EXPECT_EQ(Json("models list").size(), 2u);  // the reproduction pushed nothing
  // Runs page like every listing; the reproduction is marked as one.
  auto page = Json("runs list --limit 2");
  ASSERT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(page["items"][0]["properties"]["repro_of"], run_id);
  auto rest =
      Json("runs list --limit 2 --page-token " + page["next_page_token"].get<std::string>());
  ASSERT_EQ(rest["items"].size(), 1u);
  EXPECT_EQ(rest["items"][0]["name"], run_id);
  EXPECT_EQ(rest["next_page_token"], "");
  auto all = Lathe("runs list --all --limit 1");
  EXPECT_EQ(std::count(all.out.begin(), all.out.end(), '\n'), 4) << all.out;  // header + 3
  EXPECT_NE(all.out.find("repro of " + run_id), std::string::npos) << all.out;
  auto shown = Lathe("runs show " + page["items"][0]["name"].get<std::string>());
  EXPECT_NE(shown.out.find("a reproduction of run " + run_id), std::string::npos) << shown.out;
  EXPECT_EQ(Lathe("runs list --page-token bogus").exit_code, 2);
  EXPECT_EQ(Lathe("eval show 999999").exit_code, 1);
  EXPECT_EQ(Lathe("models show nope").exit_code, 1);
}

// The predictions `lathe predict` wrote (probability columns, row-major), read back.
std::vector<double> PredictedProbabilities(const std::string& csv) {
  std::vector<double> out;
  auto read = data::ReadCsv(csv, {}, [&](data::Batch&& b) {
    for (size_t r = 0; r < b.rows(); ++r)
      for (size_t c = 0; c < b.columns.size(); ++c)
        if (b.schema.fields[c].name.rfind("probability_", 0) == 0)
          out.push_back(b.columns[c].double_at(r));
    return Status::Ok();
  });
  EXPECT_TRUE(read.ok()) << read.status().ToString();
  return out;
}

TEST_F(CliTest, PredictScoresExactlyLikeTheEvaluator) {
  const std::string spec = std::string(LATHE_SOURCE_DIR) + "/examples/penguins/pipeline.yaml";
  auto run = Lathe("--json run " + spec);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::string examples, model;
  const auto report = nlohmann::json::parse(run.out);
  for (const auto& n : report["nodes"]) {
    if (n["node"] == "ingest") examples = n["outputs"]["examples"][0]["uri"];
    if (n["node"] == "train") model = n["outputs"]["model"][0]["uri"];
  }
  // What the Evaluator computes on the eval split: the model's bundle over the split's rows.
  auto loaded = train::LoadedModel::Load(model);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  auto rows = components::ReadSplit({examples}, "eval");
  ASSERT_TRUE(rows.ok());
  auto expected = (*loaded)->Predict(*rows);
  ASSERT_TRUE(expected.ok());
  ASSERT_GT(expected->rows(), 50u);

  // The pushed model over the raw rows, exported to CSV and straight from the Examples file.
  auto exported = Lathe("examples export " + examples + " --split eval -o eval.csv");
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(exported.out,
            fmt::format("wrote {} rows of split eval to eval.csv\n", expected->rows()));
  for (const std::string& data : {std::string("eval.csv"), examples + "/eval.lcol"}) {
    auto p = Lathe("predict penguins/1 " + data + " -o predicted.csv --keep species");
    ASSERT_EQ(p.exit_code, 0) << p.err;
    EXPECT_EQ(PredictedProbabilities((tmp_ / "predicted.csv").string()), expected->values) << data;
  }
  // The same rows as JSON Lines (null for a missing value).
  {
    std::string jsonl;
    auto read = data::ReadCsv((tmp_ / "eval.csv").string(), {}, [&](data::Batch&& b) {
      for (size_t r = 0; r < b.rows(); ++r) {
        nlohmann::json row = nlohmann::json::object();
        for (size_t c = 0; c < b.columns.size(); ++c) {
          const auto& col = b.columns[c];
          const std::string& name = b.schema.fields[c].name;
          if (col.is_null(r))
            row[name] = nullptr;
          else if (col.type() == data::ColumnType::kInt64)
            row[name] = col.int_at(r);
          else if (col.type() == data::ColumnType::kDouble)
            row[name] = col.double_at(r);
          else
            row[name] = std::string(col.string_at(r));
        }
        jsonl += row.dump() + "\n";
      }
      return Status::Ok();
    });
    ASSERT_TRUE(read.ok());
    WriteFile(tmp_ / "eval.jsonl", jsonl);
    auto p = Lathe("predict penguins eval.jsonl -o predicted.csv");
    ASSERT_EQ(p.exit_code, 0) << p.err;
    EXPECT_EQ(PredictedProbabilities((tmp_ / "predicted.csv").string()), expected->values);
  }
  auto header = Lathe("predict penguins eval.csv --keep island");
  EXPECT_EQ(header.out.substr(0, header.out.find('\n')),
            "island,predicted,probability_Adelie,probability_Chinstrap,probability_Gentoo");
  // Errors: a malformed reference is a usage error; a missing version or column is not.
  EXPECT_EQ(Lathe("predict penguins/x eval.csv").exit_code, 2);
  auto missing = Lathe("predict penguins/9 eval.csv");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("model 'penguins' has no version 9"), std::string::npos);
  EXPECT_EQ(Lathe("predict penguins eval.csv --keep colour -o x.csv").exit_code, 1);
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "x.csv"));  // no half-written output
  EXPECT_EQ(Lathe("examples export " + examples + " --split test").exit_code, 1);
}

TEST_F(CliTest, TheReadmesRunsReproduceAndChangeNothingInProduction) {
  const std::string spec = std::string(LATHE_SOURCE_DIR) + "/examples/penguins/pipeline.yaml";
  auto first = Lathe("--json run " + spec);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  // The same pipeline again: the model comes from the cache and is its own baseline.
  auto again = Lathe("--json run " + spec);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  // Then a worse model, judged against it and not pushed.
  auto worse = Lathe("--json run " + spec + " --param rounds=1");
  ASSERT_EQ(worse.exit_code, 0) << worse.err;
  const auto models = Json("models list");
  for (const auto* run : {&again, &worse, &first}) {
    const std::string id = nlohmann::json::parse(run->out)["run"];
    auto repro = Lathe("runs repro " + id);
    EXPECT_EQ(repro.exit_code, 0) << repro.out << repro.err;
    EXPECT_NE(repro.out.find("reproducible: 11 of 11 outputs reproduced"), std::string::npos)
        << repro.out;
  }
  EXPECT_EQ(Json("models list"), models);  // nothing pushed, nothing changed
  auto files = std::distance(std::filesystem::directory_iterator(tmp_ / ".lathe/models/penguins"),
                             std::filesystem::directory_iterator());
  EXPECT_EQ(files, 1);
}

TEST_F(CliTest, ACustomTrainerWritesABundleLatheEvaluatesAndPushes) {
  const std::string spec =
      std::string(LATHE_SOURCE_DIR) + "/examples/penguins-sklearn/pipeline.yaml";
  auto run = Lathe("run " + spec);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto models = Json("models list penguins-sklearn");
  ASSERT_EQ(models.size(), 1u) << models.dump();
  EXPECT_GT(models[0]["metrics"]["auc"].get<double>(), 0.85);
  auto show = Json("models show penguins-sklearn");
  EXPECT_EQ(show["manifest"]["model"]["kind"], "linear");
  EXPECT_EQ(show["manifest"]["training"]["algorithm"], "sklearn.linear_model.LogisticRegression");
  // The features a custom trainer reads, as CSV.
  auto apply = Lathe("transform apply --graph " + show["destination"].get<std::string>() +
                     " --examples " + std::string(LATHE_SOURCE_DIR) + "/data/penguins.csv");
  ASSERT_EQ(apply.exit_code, 0) << apply.err;
  EXPECT_EQ(apply.out.substr(0, apply.out.find('\n')),
            "bill_length,bill_depth,flipper_length,body_mass,species=Adelie,species=Gentoo,"
            "species=Chinstrap,species=(other),label");
  EXPECT_EQ(std::count(apply.out.begin(), apply.out.end(), '\n'), 345);
  EXPECT_EQ(Lathe("transform apply --graph nope --examples x.csv").exit_code, 1);
}

TEST_F(CliTest, TransformApplyKeepsFullPrecision) {
  // A regression label is written as the data has it (a double), not as the model's float.
  WriteFile(tmp_ / "prices.csv",
            "size,price\n1.5,123456.789\n2.25,0.12345678901234567\n3,98765.4321\n");
  WriteFile(tmp_ / "p.yaml", R"(apiVersion: lathe/v1
kind: Pipeline
name: prices
nodes:
  - name: ingest
    component: ExampleGen
    parameters: {input: prices.csv, splits: {train: 1}}
  - name: transform
    component: Transform
    inputs: {examples: ingest.examples}
    parameters: {label: {column: price}, features: [{input: size}]}
)");
  auto run = Lathe("--json run p.yaml");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto report = nlohmann::json::parse(run.out);
  const std::string graph = report["nodes"][1]["outputs"]["transform_graph"][0]["uri"];
  auto apply = Lathe("transform apply --graph " + graph + " --examples prices.csv");
  ASSERT_EQ(apply.exit_code, 0) << apply.err;
  // Each value is the shortest text of the same double (0.12345678901234566 is the double
  // nearest to 0.12345678901234567, as Python prints it too).
  EXPECT_EQ(apply.out, "size,label\n1.5,123456.789\n2.25,0.12345678901234566\n3,98765.4321\n");
}

}  // namespace
}  // namespace lathe::cli
