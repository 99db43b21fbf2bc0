// PutExecution: one atomic record of an execution with its artifacts, events and contexts.
#include "metadata/store_fixture.h"

namespace lathe::metadata {
namespace {

PutExecutionRequest TrainRequest(int64_t input_id) {
  PutExecutionRequest req;
  req.execution.type = "Trainer";
  req.execution.state = ExecutionState::kComplete;
  req.execution.properties = {{"epochs", 3}};
  req.artifacts.push_back(ArtifactAndEvent::Reference(
      input_id, Event{.type = EventType::kInput, .path = {"examples"}}));
  ArtifactAndEvent out;
  out.artifact.type = "Model";
  out.artifact.uri = "/models/1";
  out.artifact.state = ArtifactState::kLive;
  out.event = Event{.type = EventType::kOutput, .path = {"model", int64_t{0}}};
  req.artifacts.push_back(out);
  Context pipeline;
  pipeline.type = "Pipeline";
  pipeline.name = "taxi";
  Context run;
  run.type = "Run";
  run.name = "taxi-1";
  req.contexts = {pipeline, run};
  return req;
}

TEST_P(StoreTest, PutExecutionRecordsEverything) {
  RegisterTypes();
  int64_t input = PutArtifact(NewArtifact("Dataset", "train"));
  auto resp = store_->PutExecution(TrainRequest(input));
  ASSERT_OK(resp);
  ASSERT_EQ(resp->artifact_ids.size(), 2u);
  EXPECT_EQ(resp->artifact_ids[0], input);
  ASSERT_EQ(resp->context_ids.size(), 2u);

  auto exec = store_->GetExecution(resp->execution_id);
  ASSERT_OK(exec);
  EXPECT_EQ(exec->properties.at("epochs"), Value(3));
  auto events = store_->GetEventsByExecutionIds({resp->execution_id});
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ(events->at(0).type, EventType::kInput);
  EXPECT_EQ(events->at(0).artifact_id, input);
  EXPECT_EQ(events->at(1).type, EventType::kOutput);
  EXPECT_EQ(events->at(1).path, (std::vector<PathStep>{"model", int64_t{0}}));
  // Every artifact and the execution belong to both contexts.
  for (int64_t cid : resp->context_ids) {
    EXPECT_EQ(store_->GetArtifactsByContext(cid)->items.size(), 2u);
    EXPECT_EQ(store_->GetExecutionsByContext(cid)->items.size(), 1u);
  }

  // A second run reuses the pipeline context and creates a new run context.
  auto req2 = TrainRequest(input);
  req2.contexts[1].name = "taxi-2";
  auto resp2 = store_->PutExecution(req2);
  ASSERT_OK(resp2);
  EXPECT_EQ(resp2->context_ids[0], resp->context_ids[0]);
  EXPECT_NE(resp2->context_ids[1], resp->context_ids[1]);
}

TEST_P(StoreTest, PutExecutionIsAtomic) {
  RegisterTypes();
  int64_t input = PutArtifact(NewArtifact("Dataset", "train"));
  auto req = TrainRequest(input);
  req.artifacts[1].artifact.properties = {{"accuracy", "not a number"}};  // fails late
  auto resp = store_->PutExecution(req);
  ASSERT_FALSE(resp.ok());
  EXPECT_NE(resp.status().message().find("artifacts[1]"), std::string::npos)
      << resp.status().message();
  EXPECT_TRUE(store_->ListExecutions()->items.empty());
  EXPECT_EQ(store_->ListArtifacts()->items.size(), 1u);
  EXPECT_TRUE(store_->ListContexts()->items.empty());
  EXPECT_TRUE(store_->GetEventsByArtifactIds({input})->empty());
  // The store is still usable.
  EXPECT_OK(store_->PutExecution(TrainRequest(input)));
}

TEST_P(StoreTest, PutExecutionUpdatesForPublishing) {
  RegisterTypes();
  int64_t input = PutArtifact(NewArtifact("Dataset", "train"));
  auto req = TrainRequest(input);
  req.execution.state = ExecutionState::kRunning;
  req.artifacts[1].artifact.state = ArtifactState::kPending;
  req.artifacts[1].event->type = EventType::kPendingOutput;
  auto started = store_->PutExecution(req);
  ASSERT_OK(started);

  // Publish: the execution completes and the pending output becomes LIVE.
  PutExecutionRequest done;
  done.execution = *store_->GetExecution(started->execution_id);
  done.execution.state = ExecutionState::kComplete;
  ArtifactAndEvent out;
  out.artifact = *store_->GetArtifact(started->artifact_ids[1]);
  out.artifact.state = ArtifactState::kLive;
  out.artifact.fingerprint = "xxh3-128:ab";
  out.event = Event{.type = EventType::kOutput, .path = {"model", int64_t{0}}};
  done.artifacts.push_back(out);
  ASSERT_OK(store_->PutExecution(done));
  EXPECT_EQ(store_->GetExecution(started->execution_id)->state, ExecutionState::kComplete);
  EXPECT_EQ(store_->GetArtifact(started->artifact_ids[1])->state, ArtifactState::kLive);
}

TEST_P(StoreTest, PutExecutionContextAndExternalIdReuse) {
  RegisterTypes();
  int64_t input = PutArtifact(NewArtifact("Dataset", "train"));
  ASSERT_OK(store_->PutExecution(TrainRequest(input)));
  auto req = TrainRequest(input);
  req.reuse_context_if_exists = false;
  EXPECT_EQ(store_->PutExecution(req).status().code(), StatusCode::kAlreadyExists);

  auto with_ext = TrainRequest(input);
  with_ext.contexts.clear();
  with_ext.artifacts[1].artifact.external_id = "model-x";
  auto first = store_->PutExecution(with_ext);
  ASSERT_OK(first);
  EXPECT_EQ(store_->PutExecution(with_ext).status().code(), StatusCode::kAlreadyExists);
  with_ext.reuse_artifact_if_exists_by_external_id = true;
  auto second = store_->PutExecution(with_ext);
  ASSERT_OK(second);
  EXPECT_EQ(second->artifact_ids[1], first->artifact_ids[1]);
}

TEST_P(StoreTest, PutExecutionReferenceMustExist) {
  RegisterTypes();
  auto resp = store_->PutExecution(TrainRequest(424242));
  EXPECT_EQ(resp.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace lathe::metadata
