// Listings: the filter language against stored records, ordering and pagination.
#include <fmt/format.h>

#include <chrono>
#include <set>
#include <thread>

#include "metadata/store_fixture.h"

namespace lathe::metadata {
namespace {

class ListTest : public StoreTest {
 protected:
  // 20 datasets (span 0..19, split train/eval), 5 models, run contexts r0 (even spans), r1 (odd).
  void Populate() {
    RegisterTypes();
    Context r0, r1;
    r0.type = r1.type = "Run";
    r0.name = "r0";
    r1.name = "r1";
    auto cids = store_->PutContexts({r0, r1});
    ASSERT_OK(cids);
    for (int i = 0; i < 20; ++i) {
      Artifact a = NewArtifact("Dataset", "data-" + std::to_string(i));
      a.properties = {{"span", i}, {"split", i % 2 == 0 ? "train" : "eval"}};
      if (i % 5 == 0) a.custom_properties = {{"tag", "gold"}};
      if (i == 3) a.uri.clear();
      if (i == 4) a.state = ArtifactState::kPending;
      int64_t id = PutArtifact(a);
      ids_.push_back(id);
      ASSERT_OK(store_->PutAttributionsAndAssociations({{cids->at(i % 2), id}}, {}));
    }
    for (int i = 0; i < 5; ++i) {
      Artifact m = NewArtifact("Model", "model-" + std::to_string(i));
      m.properties = {{"accuracy", 0.5 + i * 0.1}, {"blessed", i >= 3}};
      ids_.push_back(PutArtifact(m));
    }
  }

  std::vector<int64_t> Ids(const std::string& filter) {
    ListOptions o;
    o.filter = filter;
    o.page_size = ListOptions::kMaxPageSize;
    auto page = store_->ListArtifacts(o);
    EXPECT_TRUE(page.ok()) << filter << ": " << page.status().ToString();
    std::vector<int64_t> out;
    if (page.ok())
      for (const auto& a : page->items) out.push_back(a.id);
    return out;
  }

  // Positions in ids_ -> ids.
  std::vector<int64_t> At(std::initializer_list<int> positions) {
    std::vector<int64_t> out;
    for (int p : positions) out.push_back(ids_[p]);
    return out;
  }

  std::vector<int64_t> ids_;
};

TEST_P(ListTest, FiltersOnAttributes) {
  Populate();
  EXPECT_EQ(Ids("").size(), 25u);
  EXPECT_EQ(Ids("type = 'Model'"), At({20, 21, 22, 23, 24}));
  EXPECT_EQ(Ids("name = 'data-7'"), At({7}));
  EXPECT_EQ(Ids("name LIKE 'model-%' AND NOT name IN ('model-0', 'model-1')"), At({22, 23, 24}));
  // LIKE is case-sensitive on every backend.
  EXPECT_EQ(Ids("name LIKE 'MODEL-%'"), At({}));
  EXPECT_EQ(Ids("name LIKE 'model-_'").size(), 5u);
  EXPECT_EQ(Ids("uri IS NULL"), At({3}));
  EXPECT_EQ(Ids("state = 'PENDING'"), At({4}));
  EXPECT_EQ(Ids("state != 'LIVE'"), At({4}));
  EXPECT_EQ(Ids(fmt::format("id BETWEEN {} AND {}", ids_[1], ids_[3])), At({1, 2, 3}));
  EXPECT_EQ(Ids(fmt::format("id >= {} AND type != 'Dataset'", ids_[0])).size(), 5u);
  EXPECT_EQ(Ids("create_time > 0").size(), 25u);
  EXPECT_EQ(Ids("type_id = 1").size(), 20u);
}

TEST_P(ListTest, FiltersOnPropertiesAndContexts) {
  Populate();
  EXPECT_EQ(Ids("properties.span >= 17"), At({17, 18, 19}));
  EXPECT_EQ(Ids("properties.span BETWEEN 2 AND 4 AND properties.split = 'train'"), At({2, 4}));
  EXPECT_EQ(Ids("properties.span IN (1, 2, 30)"), At({1, 2}));
  EXPECT_EQ(Ids("properties.accuracy > 0.75"), At({23, 24}));
  EXPECT_EQ(Ids("properties.blessed = TRUE"), At({23, 24}));
  EXPECT_EQ(Ids("properties.blessed = FALSE AND type = 'Model'"), At({20, 21, 22}));
  EXPECT_EQ(Ids("custom_properties.tag = 'gold'"), At({0, 5, 10, 15}));
  EXPECT_EQ(Ids("custom_properties.tag IS NOT NULL AND properties.span < 10"), At({0, 5}));
  EXPECT_EQ(Ids("custom_properties.tag IS NULL AND type = 'Model'").size(), 5u);
  EXPECT_EQ(Ids("properties.split LIKE 'tr%' AND properties.span < 5"), At({0, 2, 4}));
  EXPECT_EQ(Ids("context.name = 'r1' AND properties.span < 6"), At({1, 3, 5}));
  EXPECT_EQ(Ids("context.type = 'Run' AND properties.span > 17"), At({18, 19}));
  EXPECT_EQ(Ids("context.name IS NULL"), At({20, 21, 22, 23, 24}));
  EXPECT_EQ(Ids("(context.name = 'r0' OR type = 'Model') AND NOT properties.span < 16"),
            At({16, 18, 20, 21, 22, 23, 24}));
}

TEST_P(ListTest, FilterErrorsNameFieldAndColumn) {
  Populate();
  ListOptions o;
  o.filter = "type = 'Model' AND colour = 'red'";
  auto r = store_->ListArtifacts(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("unknown artifact field 'colour' at column 20"),
            std::string::npos)
      << r.status().message();
  o.filter = "name = 3";
  r = store_->ListArtifacts(o);
  EXPECT_NE(
      r.status().message().find("'name' at column 1 compares with a 'string', not an integer"),
      std::string::npos)
      << r.status().message();
  o.filter = "state = 'ALIVE'";
  r = store_->ListArtifacts(o);
  EXPECT_NE(r.status().message().find("unknown artifact state 'ALIVE'"), std::string::npos);
  o.filter = "uri = ";
  EXPECT_EQ(store_->ListArtifacts(o).status().code(), StatusCode::kInvalidArgument);
  // Executions have no uri.
  o.filter = "uri = 'x'";
  EXPECT_EQ(store_->ListExecutions(o).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(ListTest, ShorthandsCombineWithFilter) {
  Populate();
  ListOptions o;
  o.filter = "properties.span < 3";
  EXPECT_EQ(store_->GetArtifactsByType("Dataset", o)->items.size(), 3u);
  EXPECT_EQ(store_->GetArtifactsByName("data-2")->items.at(0).id, ids_[2]);
  EXPECT_EQ(store_->GetArtifactsByUri("/data/model-1")->items.at(0).id, ids_[21]);
  EXPECT_TRUE(store_->GetArtifactsByType("Nope")->items.empty());
  // An error in the caller's filter points into the caller's text.
  o.filter = "span < 3";
  auto r = store_->GetArtifactsByType("Dataset", o);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST_P(ListTest, PaginationVisitsEveryRowOnce) {
  Populate();
  for (OrderBy order : {OrderBy::kId, OrderBy::kCreateTime, OrderBy::kUpdateTime}) {
    for (bool desc : {false, true}) {
      ListOptions o;
      o.page_size = 4;
      o.order_by = order;
      o.descending = desc;
      std::vector<int64_t> seen;
      int pages = 0;
      while (true) {
        auto page = store_->ListArtifacts(o);
        ASSERT_OK(page);
        EXPECT_LE(page->items.size(), 4u);
        for (const auto& a : page->items) seen.push_back(a.id);
        ++pages;
        if (page->next_page_token.empty()) break;
        o.page_token = page->next_page_token;
      }
      EXPECT_EQ(pages, 7);
      std::vector<int64_t> expected = ids_;
      if (desc) std::reverse(expected.begin(), expected.end());
      EXPECT_EQ(seen, expected);  // times increase with ids here; ties fall back to id
    }
  }
}

TEST_P(ListTest, OrderByUpdateTime) {
  Populate();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  Artifact first = *store_->GetArtifact(ids_[0]);
  first.name = "touched";
  ASSERT_OK(store_->PutArtifacts({first}));
  ListOptions o;
  o.order_by = OrderBy::kUpdateTime;
  o.descending = true;
  o.page_size = 1;
  EXPECT_EQ(store_->ListArtifacts(o)->items.at(0).id, ids_[0]);
  o.order_by = OrderBy::kCreateTime;
  EXPECT_EQ(store_->ListArtifacts(o)->items.at(0).id, ids_.back());
}

TEST_P(ListTest, PageTokensAreCheckedAndPagesBounded) {
  Populate();
  ListOptions o;
  o.page_size = 2;
  auto page = store_->ListArtifacts(o);
  ASSERT_OK(page);
  ListOptions other = o;
  other.filter = "type = 'Model'";
  other.page_token = page->next_page_token;
  auto r = store_->ListArtifacts(other);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("another query"), std::string::npos);
  o.page_token = "garbage!";
  EXPECT_EQ(store_->ListArtifacts(o).status().code(), StatusCode::kInvalidArgument);
  o.page_token.clear();
  o.page_size = 0;
  EXPECT_EQ(store_->ListArtifacts(o).status().code(), StatusCode::kInvalidArgument);
  o.page_size = ListOptions::kMaxPageSize + 1;
  EXPECT_EQ(store_->ListArtifacts(o).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(ListTest, ExecutionAndContextFilters) {
  Populate();
  Execution e;
  e.type = "Trainer";
  e.state = ExecutionState::kFailed;
  e.properties = {{"epochs", 7}};
  Execution ok = e;
  ok.state = ExecutionState::kComplete;
  ASSERT_OK(store_->PutExecutions({e, ok}));
  ListOptions o;
  o.filter = "state = 'FAILED' AND properties.epochs = 7";
  EXPECT_EQ(store_->ListExecutions(o)->items.size(), 1u);

  auto r0 = *store_->GetContextByTypeAndName("Run", "r0");
  Context p;
  p.type = "Pipeline";
  p.name = "pipe";
  int64_t pid = store_->PutContexts({p})->at(0);
  ASSERT_OK(store_->PutParentContext(r0->id, pid));
  o.filter = "parent.name = 'pipe'";
  auto children = store_->ListContexts(o);
  ASSERT_OK(children);
  ASSERT_EQ(children->items.size(), 1u);
  EXPECT_EQ(children->items[0].name, "r0");
  o.filter = "child.name = 'r0'";
  EXPECT_EQ(store_->ListContexts(o)->items.at(0).name, "pipe");
  o.filter = "type = 'Run' AND name != 'r0'";
  EXPECT_EQ(store_->ListContexts(o)->items.at(0).name, "r1");
}

// Sets larger than the estimation cap take the other query shapes: no driver (an id-ordered scan
// with probes) and a small driver next to a large probe.
TEST_P(ListTest, LargeSetsGiveTheSameAnswers) {
  RegisterTypes();
  Context big, small;
  big.type = small.type = "Run";
  big.name = "big";
  small.name = "small";
  auto cids = store_->PutContexts({big, small});
  ASSERT_OK(cids);
  std::vector<Artifact> batch;
  for (int i = 0; i < 25000; ++i) {
    Artifact a = NewArtifact("Dataset", "d");
    a.properties = {{"span", i}};
    batch.push_back(a);
  }
  auto ids = store_->PutArtifacts(batch);
  ASSERT_OK(ids);
  std::vector<Attribution> links;
  for (size_t i = 0; i < ids->size(); ++i) {
    links.push_back({cids->at(0), ids->at(i)});
    if (i % 1000 == 999) links.push_back({cids->at(1), ids->at(i)});
  }
  ASSERT_OK(store_->PutAttributionsAndAssociations(links, {}));

  auto first = Ids("context.name = 'big' AND properties.span >= 100");
  ASSERT_EQ(first.size(), 1000u);
  EXPECT_EQ(first.front(), ids->at(100));
  EXPECT_EQ(first.back(), ids->at(1099));
  auto few = Ids("context.name = 'small' AND properties.span >= 100");
  ASSERT_EQ(few.size(), 25u);
  EXPECT_EQ(few.front(), ids->at(999));
  EXPECT_EQ(Ids("context.name = 'big' AND properties.span BETWEEN 24990 AND 30000").size(), 10u);
  EXPECT_EQ(Ids("NOT context.name = 'small' AND properties.span < 1000").size(), 999u);
}

INSTANTIATE_TEST_SUITE_P(Backends, ListTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lathe::metadata
