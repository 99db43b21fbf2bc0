// Artifacts, executions and contexts: create, read, update, validation, optimistic concurrency.
#include "metadata/store_fixture.h"

namespace lathe::metadata {
namespace {

TEST_P(StoreTest, ArtifactRoundTripWithAllPropertyTypes) {
  RegisterTypes();
  Artifact a = NewArtifact("Model", "m1");
  a.external_id = "ext-1";
  a.fingerprint = "xxh3-128:00";
  a.properties = {{"accuracy", 0.93}, {"blessed", true}, {"config", Value::Struct({{"depth", 6}})}};
  a.custom_properties = {{"note", "first"}, {"rows", int64_t{1000}}};
  int64_t id = PutArtifact(a);
  auto got = store_->GetArtifact(id);
  ASSERT_OK(got);
  EXPECT_EQ(got->type, "Model");
  EXPECT_EQ(got->name, "m1");
  EXPECT_EQ(got->uri, "/data/m1");
  EXPECT_EQ(got->external_id, "ext-1");
  EXPECT_EQ(got->state, ArtifactState::kLive);
  EXPECT_EQ(got->fingerprint, "xxh3-128:00");
  EXPECT_EQ(got->properties, a.properties);
  EXPECT_EQ(got->custom_properties, a.custom_properties);
  EXPECT_GT(got->create_time_ms, 0);
  EXPECT_EQ(got->revision, 1);
  EXPECT_EQ(store_->GetArtifact(id + 100).status().code(), StatusCode::kNotFound);
  auto by_ext = store_->GetArtifactByExternalId("ext-1");
  ASSERT_OK(by_ext);
  ASSERT_TRUE(by_ext->has_value());
  EXPECT_EQ((*by_ext)->id, id);
  EXPECT_FALSE(store_->GetArtifactByExternalId("nope")->has_value());
}

TEST_P(StoreTest, DoubleAcceptsIntegers) {
  RegisterTypes();
  Artifact a = NewArtifact("Model", "m");
  a.properties = {{"accuracy", 1}};
  int64_t id = PutArtifact(a);
  EXPECT_EQ(store_->GetArtifact(id)->properties.at("accuracy"), Value(1.0));
}

TEST_P(StoreTest, RejectsUnknownTypeUndeclaredAndMistypedProperties) {
  RegisterTypes();
  auto r = store_->PutArtifacts({NewArtifact("Nonexistent", "x")});
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("unknown artifact type 'Nonexistent'"), std::string::npos);

  Artifact undeclared = NewArtifact("Model", "x");
  undeclared.properties = {{"colour", "red"}};
  r = store_->PutArtifacts({undeclared});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("'colour' is not declared"), std::string::npos);

  Artifact mistyped = NewArtifact("Model", "x");
  mistyped.properties = {{"accuracy", "high"}};
  r = store_->PutArtifacts({mistyped});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("is DOUBLE, got STRING"), std::string::npos)
      << r.status().message();

  // An execution type used for an artifact.
  EXPECT_FALSE(store_->PutArtifacts({NewArtifact("Trainer", "x")}).ok());
  // Nothing of the failed batch was written.
  auto good = NewArtifact("Model", "ok");
  EXPECT_FALSE(store_->PutArtifacts({good, mistyped}).ok());
  EXPECT_TRUE(store_->ListArtifacts()->items.empty());
}

TEST_P(StoreTest, DuplicateExternalId) {
  RegisterTypes();
  Artifact a = NewArtifact("Model", "a");
  a.external_id = "same";
  PutArtifact(a);
  auto r = store_->PutArtifacts({a});
  EXPECT_EQ(r.status().code(), StatusCode::kAlreadyExists);
}

TEST_P(StoreTest, UpdateReplacesFieldsAndProperties) {
  RegisterTypes();
  Artifact a = NewArtifact("Model", "m");
  a.state = ArtifactState::kPending;
  a.properties = {{"accuracy", 0.5}};
  a.custom_properties = {{"tmp", 1}};
  int64_t id = PutArtifact(a);
  Artifact read = *store_->GetArtifact(id);
  read.state = ArtifactState::kLive;
  read.properties["accuracy"] = 0.7;
  read.custom_properties.clear();
  ASSERT_OK(store_->PutArtifacts({read}));
  Artifact after = *store_->GetArtifact(id);
  EXPECT_EQ(after.state, ArtifactState::kLive);
  EXPECT_EQ(after.properties.at("accuracy"), Value(0.7));
  EXPECT_TRUE(after.custom_properties.empty());
  EXPECT_EQ(after.revision, 2);
  EXPECT_EQ(after.create_time_ms, read.create_time_ms);
  EXPECT_GE(after.update_time_ms, read.update_time_ms);
}

TEST_P(StoreTest, OptimisticConcurrency) {
  RegisterTypes();
  int64_t id = PutArtifact(NewArtifact("Model", "m"));
  Artifact first = *store_->GetArtifact(id);
  Artifact second = first;
  first.name = "by-first";
  ASSERT_OK(store_->PutArtifacts({first}));
  second.name = "by-second";  // read before the first update
  auto r = store_->PutArtifacts({second});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kAborted);
  EXPECT_NE(r.status().message().find("changed by another writer"), std::string::npos);
  EXPECT_EQ(store_->GetArtifact(id)->name, "by-first");
  // Re-read and retry succeeds; an update without a revision is unconditional.
  Artifact fresh = *store_->GetArtifact(id);
  fresh.name = "by-second";
  EXPECT_OK(store_->PutArtifacts({fresh}));
  Artifact blind = fresh;
  blind.revision = 0;
  blind.name = "blind";
  EXPECT_OK(store_->PutArtifacts({blind}));

  Execution e;
  e.type = "Trainer";
  e.state = ExecutionState::kRunning;
  int64_t eid = store_->PutExecutions({e})->at(0);
  Execution e1 = *store_->GetExecution(eid), e2 = e1;
  e1.state = ExecutionState::kComplete;
  ASSERT_OK(store_->PutExecutions({e1}));
  e2.state = ExecutionState::kFailed;
  EXPECT_EQ(store_->PutExecutions({e2}).status().code(), StatusCode::kAborted);
}

TEST_P(StoreTest, TypeOfARecordCannotChange) {
  RegisterTypes();
  int64_t id = PutArtifact(NewArtifact("Model", "m"));
  Artifact a = *store_->GetArtifact(id);
  a.type = "Dataset";
  a.type_id = 0;
  EXPECT_EQ(store_->PutArtifacts({a}).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(StoreTest, UpdateOfMissingRecord) {
  RegisterTypes();
  Artifact a = NewArtifact("Model", "m");
  a.id = 12345;
  EXPECT_EQ(store_->PutArtifacts({a}).status().code(), StatusCode::kNotFound);
}

TEST_P(StoreTest, ExecutionsRoundTrip) {
  RegisterTypes();
  Execution e;
  e.type = "Trainer";
  e.name = "train";
  e.state = ExecutionState::kComplete;
  e.properties = {{"epochs", 10}};
  auto ids = store_->PutExecutions({e});
  ASSERT_OK(ids);
  auto got = store_->GetExecution(ids->at(0));
  ASSERT_OK(got);
  EXPECT_EQ(got->type, "Trainer");
  EXPECT_EQ(got->state, ExecutionState::kComplete);
  EXPECT_EQ(got->properties.at("epochs"), Value(10));
}

TEST_P(StoreTest, ContextsUniquePerTypeAndParents) {
  RegisterTypes();
  Context p;
  p.type = "Pipeline";
  p.name = "taxi";
  Context r1;
  r1.type = "Run";
  r1.name = "taxi-1";
  r1.properties = {{"owner", "ana"}};
  auto ids = store_->PutContexts({p, r1});
  ASSERT_OK(ids);
  auto dup = store_->PutContexts({p});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(dup.status().message().find("named 'taxi' already exists"), std::string::npos);
  // Same name, other type is fine.
  Context other;
  other.type = "Run";
  other.name = "taxi";
  ASSERT_OK(store_->PutContexts({other}));
  Context unnamed;
  unnamed.type = "Run";
  EXPECT_EQ(store_->PutContexts({unnamed}).status().code(), StatusCode::kInvalidArgument);

  auto found = store_->GetContextByTypeAndName("Run", "taxi-1");
  ASSERT_OK(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->properties.at("owner"), Value("ana"));
  EXPECT_FALSE(store_->GetContextByTypeAndName("Run", "none")->has_value());
  EXPECT_FALSE(store_->GetContextByTypeAndName("NoSuchType", "x")->has_value());

  int64_t pipeline = ids->at(0), run = ids->at(1);
  ASSERT_OK(store_->PutParentContext(run, pipeline));
  EXPECT_OK(store_->PutParentContext(run, pipeline));  // idempotent
  EXPECT_EQ(store_->GetParentContexts(run)->at(0).id, pipeline);
  EXPECT_EQ(store_->GetChildContexts(pipeline)->at(0).id, run);
  auto cycle = store_->PutParentContext(pipeline, run);
  EXPECT_EQ(cycle.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->PutParentContext(run, run).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->PutParentContext(run, 999).code(), StatusCode::kNotFound);
}

TEST_P(StoreTest, EventsAndLinksValidateTheirEnds) {
  RegisterTypes();
  int64_t a = PutArtifact(NewArtifact("Dataset", "d"));
  Execution e;
  e.type = "Trainer";
  int64_t x = store_->PutExecutions({e})->at(0);
  Event ev{.artifact_id = a,
           .execution_id = x,
           .type = EventType::kInput,
           .path = {"examples", int64_t{0}}};
  ASSERT_OK(store_->PutEvents({ev}));
  auto events = store_->GetEventsByArtifactIds({a});
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->at(0).path, ev.path);
  EXPECT_GT(events->at(0).time_ms, 0);
  EXPECT_EQ(store_->GetEventsByExecutionIds({x})->size(), 1u);

  Event missing = ev;
  missing.artifact_id = 999;
  EXPECT_EQ(store_->PutEvents({missing}).code(), StatusCode::kNotFound);
  Event untyped = ev;
  untyped.type = EventType::kUnknown;
  EXPECT_EQ(store_->PutEvents({untyped}).code(), StatusCode::kInvalidArgument);

  Context c;
  c.type = "Run";
  c.name = "r";
  int64_t cid = store_->PutContexts({c})->at(0);
  ASSERT_OK(store_->PutAttributionsAndAssociations({{cid, a}}, {{cid, x}}));
  EXPECT_OK(store_->PutAttributionsAndAssociations({{cid, a}}, {{cid, x}}));  // idempotent
  EXPECT_EQ(store_->GetContextsByArtifact(a)->size(), 1u);
  EXPECT_EQ(store_->GetContextsByExecution(x)->size(), 1u);
  EXPECT_EQ(store_->PutAttributionsAndAssociations({{cid, 999}}, {}).code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace lathe::metadata
