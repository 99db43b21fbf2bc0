// Copying a whole store into another of the same or the other backend.
#include <cmath>

#include "lathe/metadata/describe.h"
#include "metadata/store_fixture.h"
#include "testing/raw_sql.h"

namespace lathe::metadata {
namespace {

// Parameter: "SRC-DST", each "sqlite" or "postgresql".
class CopyTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::string NewUri(const std::string& backend, const std::string& name) {
    if (backend == "postgresql") {
      pg_uris_.push_back(testing::NewTestPostgresDatabaseUri());
      return pg_uris_.back();
    }
    return "sqlite://" + (tmp_ / (name + ".db")).string();
  }
  void SetUp() override {
    const std::string p = GetParam();
    src_uri_ = NewUri(p.substr(0, p.find('-')), "src");
    dst_uri_ = NewUri(p.substr(p.find('-') + 1), "dst");
  }
  void TearDown() override {
    for (const auto& uri : pg_uris_) testing::DropTestPostgresDatabase(uri);
  }

  // Every record, as the CLI would describe it: artifacts, executions and contexts with their
  // events and links.
  static nlohmann::json Everything(MetadataStore& s) {
    nlohmann::json out = nlohmann::json::array();
    auto types = s.ListTypes();
    EXPECT_OK(types);
    for (const auto& t : *types)
      out.push_back({{"type", t.name}, {"kind", t.kind}, {"properties", t.properties.size()}});
    ListOptions o;
    o.page_size = ListOptions::kMaxPageSize;
    auto artifacts = s.ListArtifacts(o);
    auto executions = s.ListExecutions(o);
    auto contexts = s.ListContexts(o);
    EXPECT_OK(artifacts);
    EXPECT_OK(executions);
    EXPECT_OK(contexts);
    for (const auto& a : artifacts->items) out.push_back(*DescribeArtifact(s, a.id));
    for (const auto& e : executions->items) out.push_back(*DescribeExecution(s, e.id));
    for (const auto& c : contexts->items) out.push_back(*DescribeContext(s, c.id, 1000));
    return out;
  }

  testing::TempDir tmp_;
  std::vector<std::string> pg_uris_;
  std::string src_uri_, dst_uri_;
};

// A store with every kind of record and value, and a hole in its ids (a collected artifact).
void Fill(MetadataStore& s) {
  ASSERT_OK(s.PutType(Type{.kind = TypeKind::kArtifact,
                           .name = "Dataset",
                           .properties = {{"span", PropertyType::kInt},
                                          {"split", PropertyType::kString},
                                          {"weight", PropertyType::kDouble},
                                          {"gold", PropertyType::kBool},
                                          {"schema", PropertyType::kStruct}}}));
  ASSERT_OK(s.PutType(Type{.kind = TypeKind::kExecution, .name = "Trainer"}));
  ASSERT_OK(s.PutType(Type{.kind = TypeKind::kContext, .name = "Run"}));
  std::vector<Artifact> artifacts;
  for (int i = 0; i < 12; ++i) {
    Artifact a;
    a.type = "Dataset";
    a.name = fmt::format("données-{}", i);  // not ASCII
    a.uri = fmt::format("/data/{}", i);
    a.state = i % 3 == 0 ? ArtifactState::kMarkedForDeletion : ArtifactState::kLive;
    a.fingerprint = i % 2 ? fmt::format("sha256:{:064}", i) : "";
    a.properties = {{"span", int64_t{i}},
                    {"split", i % 2 ? "train" : "eval"},
                    {"weight", i == 0 ? 0.1 : std::ldexp(1.0, -1000 - i)},
                    {"gold", i % 2 == 0},
                    {"schema", Value::Struct(nlohmann::json{{"columns", i}})}};
    a.custom_properties = {{"note", "it's \"quoted\"; -- not SQL"},
                           {"big", std::numeric_limits<int64_t>::max() - i}};
    artifacts.push_back(a);
  }
  auto ids = s.PutArtifacts(artifacts);
  ASSERT_OK(ids);
  for (int run = 0; run < 3; ++run) {
    PutExecutionRequest req;
    req.execution.type = "Trainer";
    req.execution.state = ExecutionState::kComplete;
    req.artifacts.push_back(ArtifactAndEvent::Reference(
        ids->at(1 + run), Event{.type = EventType::kInput, .path = {"examples", int64_t{run}}}));
    req.artifacts.push_back(ArtifactAndEvent::Reference(
        ids->at(5 + run), Event{.type = EventType::kOutput, .path = {"model"}}));
    Context c;
    c.type = "Run";
    c.name = fmt::format("run-{}", run);
    req.contexts = {c};
    ASSERT_OK(s.PutExecution(req));
  }
  auto runs = s.GetContextsByType("Run");
  ASSERT_OK(runs);
  ASSERT_OK(s.PutParentContext(runs->items.at(1).id, runs->items.at(0).id));
  ASSERT_OK(s.GarbageCollect({}));  // removes the marked artifacts: holes in the ids
}

TEST_P(CopyTest, CopiesEveryRecordWithItsIds) {
  auto src = MetadataStore::Open(src_uri_);
  ASSERT_OK(src);
  Fill(**src);
  auto dst = MetadataStore::Open(dst_uri_);
  ASSERT_OK(dst);
  std::vector<std::string> tables;
  auto report = (*src)->CopyTo(**dst, [&](std::string_view t, int64_t) { tables.emplace_back(t); });
  ASSERT_OK(report);
  EXPECT_GT(report->total_rows, 50);
  EXPECT_EQ(report->rows.front().first, "types");
  EXPECT_EQ(Everything(**dst), Everything(**src));
  auto check = (*dst)->Check({});
  ASSERT_OK(check);
  EXPECT_TRUE(check->ok()) << check->problems.at(0);
  EXPECT_EQ(check->artifacts, 8);

  // New ids continue after the largest the source ever gave out, also one it collected: a new
  // record in each store gets the same id.
  Artifact a;
  a.type = "Dataset";
  a.uri = "/data/new";
  auto in_src = (*src)->PutArtifacts({a});
  auto in_dst = (*dst)->PutArtifacts({a});
  ASSERT_OK(in_src);
  ASSERT_OK(in_dst);
  EXPECT_EQ(in_dst->at(0), in_src->at(0));
  EXPECT_EQ(in_dst->at(0), 13);

  // Lineage answers alike.
  LineageRequest req;
  req.artifact_ids = {6};
  auto ls = (*src)->GetLineage(req);
  auto ld = (*dst)->GetLineage(req);
  ASSERT_OK(ls);
  ASSERT_OK(ld);
  EXPECT_EQ(LineageToJson(*ld), LineageToJson(*ls));
}

TEST_P(CopyTest, RefusesADestinationThatIsNotEmpty) {
  auto src = MetadataStore::Open(src_uri_);
  ASSERT_OK(src);
  Fill(**src);
  auto dst = MetadataStore::Open(dst_uri_);
  ASSERT_OK(dst);
  ASSERT_OK((*dst)->PutType(Type{.kind = TypeKind::kContext, .name = "Mine"}));
  auto report = (*src)->CopyTo(**dst);
  EXPECT_EQ(report.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(report.status().message().find("not empty"), std::string::npos);
  EXPECT_EQ((*dst)->ListTypes()->size(), 1u);  // untouched
}

// A copy that fails half-way leaves the destination empty: here a row the destination refuses
// (written into the source by a foreign writer).
TEST_P(CopyTest, AFailedCopyLeavesTheDestinationEmpty) {
  auto src = MetadataStore::Open(src_uri_);
  ASSERT_OK(src);
  Fill(**src);
  src->reset();
  ASSERT_EQ(
      testing::ExecRawSql(src_uri_,
                          "INSERT INTO events (artifact_id, execution_id, type, path, time_ms) "
                          "VALUES (2, 4242, 1, '[]', 0)"),
      "");
  src = MetadataStore::Open(src_uri_);
  ASSERT_OK(src);
  auto dst = MetadataStore::Open(dst_uri_);
  ASSERT_OK(dst);
  auto report = (*src)->CopyTo(**dst);
  EXPECT_EQ(report.status().code(), StatusCode::kFailedPrecondition) << report.status().ToString();
  EXPECT_NE(report.status().message().find("copying events"), std::string::npos);
  EXPECT_TRUE((*dst)->ListTypes()->empty());
  ListOptions o;
  EXPECT_TRUE((*dst)->ListArtifacts(o)->items.empty());
  // ... and it can be copied into once the source is mended.
  ASSERT_EQ(testing::ExecRawSql(src_uri_, "DELETE FROM events WHERE execution_id = 4242"), "");
  EXPECT_OK((*src)->CopyTo(**dst));
}

INSTANTIATE_TEST_SUITE_P(Backends, CopyTest,
                         ::testing::Values("sqlite-postgresql", "postgresql-sqlite",
                                           "sqlite-sqlite", "postgresql-postgresql"),
                         [](const auto& info) {
                           std::string name = info.param;
                           name[name.find('-')] = '_';
                           return name;
                         });

}  // namespace
}  // namespace lathe::metadata
