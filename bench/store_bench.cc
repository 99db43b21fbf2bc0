// bench/run.sh store: write throughput of PutExecution against bare SQLite inserts, and lineage
// and filter latency on a store of 1,000,000 artifacts shaped like real pipeline histories.
// With --store postgresql://.../NAME the store measured is PostgreSQL (the peer stays bare
// SQLite): the benchmark makes its own databases NAME_put_PID (dropped at the end) and
// NAME_history_KEY (a copy of the cached SQLite history, kept for the next run).
// Prints a readable report; the last line is one JSON object of figures.
#include <fmt/format.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "lathe/core/hash.h"
#include "lathe/metadata/metadata_store.h"
#include "lathe/metadata/store_uri.h"
#include "raw_sqlite_writer.h"

namespace fs = std::filesystem;
using namespace lathe;
using namespace lathe::metadata;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  int put_executions = 6000;
  int64_t artifacts = 1000000;
  int pipelines = 10;
  int lineage_queries = 300;
  int filter_queries = 100;
  fs::path cache = "bench/.cache";
  std::string store;  // empty: SQLite files; else a PostgreSQL URI naming a database prefix
};

bool OnPostgres(const Options& opt) {
  return !opt.store.empty();
}

// The URI of database NAME_suffix on the --store server.
std::string PostgresDatabase(const Options& opt, const std::string& suffix) {
  std::string uri = opt.store;
  size_t query = uri.find('?');
  std::string params = query == std::string::npos ? "" : uri.substr(query);
  uri = uri.substr(0, query);
  return uri + "_" + suffix + params;
}

void DropPostgresDatabase(const std::string& uri) {
  std::string base = uri.substr(0, uri.find('?'));
  std::string db = base.substr(base.rfind('/') + 1);
  PGconn* c = PQconnectdb((base.substr(0, base.rfind('/') + 1) + "postgres").c_str());
  if (PQstatus(c) == CONNECTION_OK)
    PQclear(PQexec(c, fmt::format("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", db).c_str()));
  PQfinish(c);
}

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

void Check(const Status& s, const char* what) {
  if (!s.ok()) {
    fmt::print(stderr, "{}: {}\n", what, s.ToString());
    std::exit(1);
  }
}

const char* kArtifactTypes[] = {"Examples",        "Statistics",          "Schema",
                                "TransformGraph",  "TransformedExamples", "Model",
                                "ModelEvaluation", "ModelBlessing",       "PushedModel"};
const char* kExecutionTypes[] = {"ExampleGen", "StatisticsGen", "SchemaGen", "Transform",
                                 "Trainer",    "Evaluator",     "Pusher"};

// Registers the benchmark's types; returns type ids by name.
std::map<std::string, int64_t> RegisterTypes(MetadataStore& s) {
  std::map<std::string, int64_t> ids;
  for (const char* name : kArtifactTypes) {
    auto id = s.PutType(
        Type{.kind = TypeKind::kArtifact,
             .name = name,
             .properties = {{"span", PropertyType::kInt}, {"split", PropertyType::kString}}});
    Check(id.status(), "register type");
    ids[name] = *id;
  }
  for (const char* name : kExecutionTypes) {
    auto id = s.PutType(Type{.kind = TypeKind::kExecution,
                             .name = name,
                             .properties = {{"epochs", PropertyType::kInt}}});
    Check(id.status(), "register type");
    ids[name] = *id;
  }
  for (const char* name : {"Pipeline", "Run"}) {
    auto id = s.PutType(Type{.kind = TypeKind::kContext, .name = name});
    Check(id.status(), "register type");
    ids[name] = *id;
  }
  return ids;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// --- put_execution_per_s vs raw_sqlite_per_s --------------------------------------------------

PutExecutionRequest TrainerRequest(const std::vector<int64_t>& inputs, int i) {
  PutExecutionRequest req;
  req.execution.type = "Trainer";
  req.execution.state = ExecutionState::kComplete;
  req.execution.properties = {{"epochs", i}};
  for (int64_t in : inputs)
    req.artifacts.push_back(ArtifactAndEvent::Reference(in, Event{.type = EventType::kInput}));
  for (const char* split : {"train", "eval"}) {
    ArtifactAndEvent out;
    out.artifact.type = "Examples";
    out.artifact.uri = fmt::format("/artifacts/put/{}/{}", i, split);
    out.artifact.state = ArtifactState::kLive;
    out.artifact.fingerprint = "xxh3-128:0";
    out.artifact.properties = {{"span", i}, {"split", split}};
    out.event = Event{.type = EventType::kOutput};
    req.artifacts.push_back(std::move(out));
  }
  Context pipeline, run;
  pipeline.type = "Pipeline";
  pipeline.name = "bench";
  run.type = "Run";
  run.name = fmt::format("run-{}", i);
  req.contexts = {pipeline, run};
  return req;
}

nlohmann::json BenchPut(const Options& opt, const fs::path& dir) {
  const fs::path store_file = dir / "put-store.db", raw_file = dir / "put-raw.db";
  const std::string store_uri = OnPostgres(opt)
                                    ? PostgresDatabase(opt, fmt::format("put_{}", getpid()))
                                    : "sqlite://" + store_file.string();
  if (OnPostgres(opt)) DropPostgresDatabase(store_uri);
  auto store = MetadataStore::Open(store_uri);
  Check(store.status(), "open");
  auto types = RegisterTypes(**store);
  {
    auto raw_store = MetadataStore::Open("sqlite://" + raw_file.string());  // same schema and types
    Check(raw_store.status(), "open");
    RegisterTypes(**raw_store);
  }
  bench::RawSqliteWriter raw(raw_file.string());

  // Seeds: two artifacts to read in the first round; afterwards each execution reads the two
  // outputs of the previous one (a chain, as warm-started trainings make).
  std::vector<int64_t> store_inputs, raw_inputs;
  {
    auto seed = (*store)->PutExecution(TrainerRequest({}, -1));
    Check(seed.status(), "seed");
    store_inputs = seed->artifact_ids;
    raw.Begin();
    raw_inputs = raw.Write({.type_id = types["Trainer"],
                            .epochs = -1,
                            .outputs = {{types["Examples"], "/s/t", -1, "train"},
                                        {types["Examples"], "/s/e", -1, "eval"}}},
                           NowMs());
    raw.Commit();
  }
  const int rounds = 6, per_round = opt.put_executions / rounds;
  double store_s = 0, raw_s = 0;
  int n = 0;
  for (int r = 0; r < rounds; ++r) {
    auto t0 = Clock::now();
    for (int i = 0; i < per_round; ++i) {
      auto resp = (*store)->PutExecution(TrainerRequest(store_inputs, n + i));
      Check(resp.status(), "put execution");
      store_inputs = {resp->artifact_ids[2], resp->artifact_ids[3]};
    }
    auto t1 = Clock::now();
    for (int i = 0; i < per_round; ++i) {
      int k = n + i;
      bench::RawExecution e{
          .type_id = types["Trainer"],
          .epochs = k,
          .inputs = raw_inputs,
          .outputs = {{types["Examples"], fmt::format("/artifacts/put/{}/train", k), k, "train"},
                      {types["Examples"], fmt::format("/artifacts/put/{}/eval", k), k, "eval"}},
          .contexts = {{types["Pipeline"], "bench"}, {types["Run"], fmt::format("run-{}", k)}}};
      raw.Begin();
      raw_inputs = raw.Write(e, NowMs());
      raw.Commit();
    }
    auto t2 = Clock::now();
    store_s += Seconds(t1 - t0);
    raw_s += Seconds(t2 - t1);
    n += per_round;
  }
  double put = n / store_s, rawps = n / raw_s;
  fmt::print(
      "write: {} executions each (2 inputs, 2 outputs, 4 events, 2 contexts, one transaction "
      "each)\n",
      n);
  fmt::print("  PutExecution ({})  {:>9.0f} /s\n", (*store)->Info().backend, put);
  fmt::print("  bare SQLite inserts     {:>9.0f} /s\n", rawps);
  fmt::print("  efficiency              {:>9.2f}\n", put / rawps);
  store->reset();
  if (OnPostgres(opt)) DropPostgresDatabase(store_uri);
  return {{"backend", OnPostgres(opt) ? "postgresql" : "sqlite"},
          {"put_execution_per_s", std::round(put)},
          {"raw_sqlite_per_s", std::round(rawps)},
          {"efficiency", std::round(put / rawps * 1000) / 1000}};
}

// --- a store of pipeline histories ------------------------------------------------------------

// Each run of a pipeline writes 10 artifacts through 7 executions, TFX-style:
//   ExampleGen -> Examples(train, eval) -> StatisticsGen -> Statistics -> SchemaGen(+previous
//   schema) -> Schema -> Transform -> TransformGraph, TransformedExamples -> Trainer(+previous
//   model: warm start) -> Model -> Evaluator(+previous model: baseline) -> ModelEvaluation,
//   ModelBlessing -> Pusher -> PushedModel.
// Runs of all pipelines interleave, as they would on a shared store.
void BuildHistory(const Options& opt, const fs::path& file) {
  const fs::path tmp = file.string() + ".tmp";
  fs::remove(tmp);
  fs::remove(tmp.string() + "-wal");
  fs::remove(tmp.string() + "-shm");
  std::map<std::string, int64_t> t;
  {
    auto s = MetadataStore::Open("sqlite://" + tmp.string());
    Check(s.status(), "open");
    t = RegisterTypes(**s);
  }
  bench::RawSqliteWriter w(tmp.string());
  const int64_t runs = opt.artifacts / 10 / opt.pipelines;
  std::vector<int64_t> prev_model(opt.pipelines, 0), prev_schema(opt.pipelines, 0);
  auto t0 = Clock::now();
  int64_t now = NowMs() - runs * 1000;
  w.Begin();
  for (int64_t r = 0; r < runs; ++r) {
    for (int p = 0; p < opt.pipelines; ++p) {
      const std::vector<std::pair<int64_t, std::string>> ctx = {
          {t["Pipeline"], fmt::format("pipeline-{}", p)},
          {t["Run"], fmt::format("pipeline-{}-run-{}", p, r)}};
      auto uri = [&](const char* what) {
        return fmt::format("/artifacts/pipeline-{}/{}/{}", p, what, r);
      };
      auto exec = [&](const char* type, std::vector<int64_t> inputs,
                      std::vector<std::pair<const char*, const char*>> outputs) {
        bench::RawExecution e{.type_id = t[type], .epochs = r, .contexts = ctx};
        for (int64_t in : inputs)
          if (in != 0) e.inputs.push_back(in);
        for (auto [otype, split] : outputs)
          e.outputs.push_back({t[otype], uri(otype) + split, r, split});
        return w.Write(e, now);
      };
      auto examples = exec("ExampleGen", {}, {{"Examples", "train"}, {"Examples", "eval"}});
      auto stats = exec("StatisticsGen", {examples[0], examples[1]}, {{"Statistics", "all"}});
      auto schema = exec("SchemaGen", {stats[0], prev_schema[p]}, {{"Schema", "all"}});
      auto transform = exec("Transform", {examples[0], examples[1], schema[0]},
                            {{"TransformGraph", "all"}, {"TransformedExamples", "all"}});
      auto model = exec("Trainer", {transform[1], transform[0], schema[0], prev_model[p]},
                        {{"Model", "all"}});
      auto eval = exec("Evaluator", {model[0], examples[1], prev_model[p]},
                       {{"ModelEvaluation", "all"}, {"ModelBlessing", "all"}});
      exec("Pusher", {model[0], eval[1]}, {{"PushedModel", "all"}});
      prev_model[p] = model[0];
      prev_schema[p] = schema[0];
    }
    now += 1000;
    if (r % 200 == 199) {
      w.Commit();
      w.Begin();
      fmt::print(stderr, "\r  building: {:.0f}%", 100.0 * (r + 1) / runs);
    }
  }
  w.Commit();
  fmt::print(stderr, "\r  built in {:.0f} s\n", Seconds(Clock::now() - t0));
  fs::rename(tmp, file);
  fs::remove(tmp.string() + "-wal");
  fs::remove(tmp.string() + "-shm");
}

std::vector<int64_t> IdsOfType(const fs::path& file, const char* type) {
  sqlite3* db = nullptr;
  sqlite3_open(file.c_str(), &db);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(
      db, "SELECT a.id FROM artifacts a JOIN types t ON t.id = a.type_id WHERE t.name = ?", -1, &s,
      nullptr);
  sqlite3_bind_text(s, 1, type, -1, SQLITE_STATIC);
  std::vector<int64_t> ids;
  while (sqlite3_step(s) == SQLITE_ROW) ids.push_back(sqlite3_column_int64(s, 0));
  sqlite3_finalize(s);
  sqlite3_close(db);
  return ids;
}

// The cached store of opt.artifacts artifacts, built when missing.
fs::path HistoryStore(const Options& opt) {
  fs::create_directories(opt.cache);
  // Keyed by the schema's text, so that any schema change rebuilds the cached store.
  std::string schema;
  for (const auto& m : BuiltinMigrations())
    for (const auto& stmt : m.statements) schema += stmt;
  const fs::path file =
      opt.cache / fmt::format("history-{}-{}.db", HashBytes(schema).substr(9, 12), opt.artifacts);
  if (!fs::exists(file)) {
    fmt::print("building a store of {} artifacts (cached in {})\n", opt.artifacts, file.string());
    BuildHistory(opt, file);
  }
  return file;
}

// The history store on PostgreSQL: a copy of the SQLite one (same ids), made once.
std::string PostgresHistoryStore(const Options& opt, const fs::path& sqlite_file) {
  const std::string key = sqlite_file.stem().string();  // history-SCHEMAHASH-N
  std::string name = key;
  std::replace(name.begin(), name.end(), '-', '_');
  const std::string uri = PostgresDatabase(opt, name);
  {
    auto existing = MetadataStore::Open(uri, {.create_if_missing = false, .read_only = true});
    if (existing.ok()) {
      auto done = (*existing)->GetContextByTypeAndName("Pipeline", "lathe-bench-copied");
      if (done.ok() && done->has_value()) return uri;
    }
  }  // closed before the database is dropped
  DropPostgresDatabase(uri);
  fmt::print("copying the store of {} artifacts into {} (kept for later runs)\n", opt.artifacts,
             RedactStoreUri(uri));
  auto src = MetadataStore::Open("sqlite://" + sqlite_file.string(),
                                 {.create_if_missing = false, .read_only = true});
  Check(src.status(), "open history");
  auto dst = MetadataStore::Open(uri);
  Check(dst.status(), "create the PostgreSQL history");
  auto t0 = Clock::now();
  auto copied = (*src)->CopyTo(**dst, [](std::string_view table, int64_t rows) {
    fmt::print(stderr, "\r  {}: {} rows\x1b[K", table, rows);
  });
  Check(copied.status(), "copy the history to PostgreSQL");
  fmt::print(stderr, "\r  copied {} rows in {:.0f} s\x1b[K\n", copied->total_rows,
             Seconds(Clock::now() - t0));
  Context marker;  // the copy is complete: later runs reuse it
  marker.type = "Pipeline";
  marker.name = "lathe-bench-copied";
  Check((*dst)->PutContexts({marker}).status(), "mark the copy");
  return uri;
}

nlohmann::json BenchQueries(const Options& opt) {
  const fs::path file = HistoryStore(opt);
  const std::string uri =
      OnPostgres(opt) ? PostgresHistoryStore(opt, file) : "sqlite://" + file.string();
  auto store = MetadataStore::Open(uri, {.create_if_missing = false});
  Check(store.status(), "open history");
  auto models = IdsOfType(file, "Model");
  std::mt19937_64 rng(42);

  std::vector<double> lineage_ms;
  size_t nodes = 0;
  for (int i = 0; i < opt.lineage_queries; ++i) {
    int64_t model = models[rng() % models.size()];
    auto t0 = Clock::now();
    auto g = (*store)->GetLineage(
        {.artifact_ids = {model}, .direction = LineageDirection::kUpstream, .max_hops = 10});
    lineage_ms.push_back(Seconds(Clock::now() - t0) * 1000);
    Check(g.status(), "lineage");
    nodes += g->artifacts.size() + g->executions.size();
  }

  std::vector<double> filter_ms;
  size_t rows = 0;
  const int64_t runs = opt.artifacts / 10 / opt.pipelines;
  for (int i = 0; i < opt.filter_queries; ++i) {
    int64_t lo = static_cast<int64_t>(rng() % static_cast<uint64_t>(runs - 100));
    ListOptions o;
    o.filter = fmt::format("properties.span BETWEEN {} AND {} AND context.name = 'pipeline-{}'", lo,
                           lo + 99, rng() % opt.pipelines);
    o.page_size = 100;
    auto t0 = Clock::now();
    auto page = (*store)->ListArtifacts(o);
    filter_ms.push_back(Seconds(Clock::now() - t0) * 1000);
    Check(page.status(), "filter");
    rows += page->items.size();
  }
  nlohmann::json out = {
      {"artifacts", opt.artifacts},
      {"lineage_p50_ms", std::round(Percentile(lineage_ms, 0.5) * 1000) / 1000},
      {"lineage_p99_ms", std::round(Percentile(lineage_ms, 0.99) * 1000) / 1000},
      {"lineage_nodes_avg", nodes / opt.lineage_queries},
      {"filter_page_p50_ms", std::round(Percentile(filter_ms, 0.5) * 1000) / 1000},
      {"filter_page_p99_ms", std::round(Percentile(filter_ms, 0.99) * 1000) / 1000}};
  fmt::print("queries on a store of {} artifacts ({} pipelines, {} runs each)\n", opt.artifacts,
             opt.pipelines, runs);
  fmt::print(
      "  lineage, 10 hops upstream of a random model ({} nodes on average): p50 {:.2f} ms, p99 "
      "{:.2f} ms\n",
      out["lineage_nodes_avg"].get<size_t>(), Percentile(lineage_ms, 0.5),
      Percentile(lineage_ms, 0.99));
  fmt::print(
      "  first page of 100, property range + context membership ({} rows on average): p50 {:.2f} "
      "ms, p99 {:.2f} ms\n",
      rows / opt.filter_queries, Percentile(filter_ms, 0.5), Percentile(filter_ms, 0.99));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  // --history-store: only build (or find) the cached store and print its path (bench/ui.sh
  // measures the UI's API on it).
  bool history_only = false;
  if (argc > 1 && std::string(argv[1]) == "--history-store") {
    history_only = true;
    --argc;
    ++argv;
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--artifacts")
      opt.artifacts = std::stoll(v);
    else if (k == "--put")
      opt.put_executions = std::stoi(v);
    else if (k == "--cache")
      opt.cache = v;
    else if (k == "--store" && (v.starts_with("postgresql://") || v.starts_with("postgres://")))
      opt.store = v;
    else {
      fmt::print(stderr,
                 "usage: lathe_bench_store [--history-store] [--artifacts N] [--put N] "
                 "[--cache DIR] [--store postgresql://USER@HOST:PORT/NAME]\n");
      return 2;
    }
  }
  if (history_only) {
    std::printf("%s\n", fs::absolute(HistoryStore(opt)).c_str());
    return 0;
  }
  fs::path dir = fs::temp_directory_path() / fmt::format("lathe-bench-{}", getpid());
  fs::create_directories(dir);
  nlohmann::json figures = BenchPut(opt, dir);
  fs::remove_all(dir);
  figures.update(BenchQueries(opt));
  std::printf("%s\n", figures.dump().c_str());
  return 0;
}
