// Fills a store with a long model history for bench/run.sh ui: STEPS warm-started trainings, each
// reading SPANS example sets (each from its own ExampleGen over its own CSV file) and the model
// before it. The newest model's upstream lineage then has STEPS * (2 + 3 * SPANS) + ... nodes
// (26 per step with 8 spans: 385 steps give about 10,000) within 2 * STEPS + 3 hops.
// Prints the newest model's artifact id.
//   lathe_bench_lineage_populate STORE_URI STEPS SPANS
#include <fmt/format.h>

#include <cstdio>
#include <string>

#include "lathe/metadata/metadata_store.h"
#include "lathe/pipeline/run_record.h"

int main(int argc, char** argv) {
  using namespace lathe;
  using metadata::ArtifactAndEvent;
  using metadata::Event;
  using metadata::EventType;
  if (argc != 4) {
    fmt::print(stderr, "usage: lathe_bench_lineage_populate STORE_URI STEPS SPANS\n");
    return 2;
  }
  const int steps = std::stoi(argv[2]), spans = std::stoi(argv[3]);
  auto store = metadata::MetadataStore::Open(argv[1]);
  auto check = [](const Status& st) {
    if (st.ok()) return;
    fmt::print(stderr, "{}\n", st.ToString());
    std::exit(1);
  };
  check(store.status());
  auto& s = **store;
  for (const char* t : {"ExampleGen", "Trainer"}) check(pipeline::RegisterExecutionType(s, t));
  for (const char* t : {"ExternalArtifact", "Examples", "Model"})
    check(pipeline::RegisterArtifactType(s, t));
  auto put = [&](const std::string& type, const std::string& node,
                 std::vector<ArtifactAndEvent> artifacts) {
    metadata::PutExecutionRequest req;
    req.execution.type = type;
    req.execution.state = metadata::ExecutionState::kComplete;
    req.execution.properties["node"] = metadata::Value(node);
    req.artifacts = std::move(artifacts);
    auto r = s.PutExecution(req);
    check(r.status());
    return r->artifact_ids.back();
  };
  auto output = [](const std::string& type, const std::string& uri, const char* name) {
    ArtifactAndEvent a;
    a.artifact.type = type;
    a.artifact.uri = uri;
    a.artifact.state = metadata::ArtifactState::kLive;
    a.event = Event{.type = EventType::kOutput, .path = {std::string(name), int64_t{0}}};
    return a;
  };
  int64_t model = 0;
  for (int step = 0; step < steps; ++step) {
    std::vector<ArtifactAndEvent> inputs;
    for (int span = 0; span < spans; ++span) {
      std::string csv = fmt::format("/data/span-{}-{}.csv", step, span);
      ArtifactAndEvent file = output("ExternalArtifact", csv, "file");
      file.event->type = EventType::kInput;
      int64_t examples = put(
          "ExampleGen", "ingest",
          {file,
           output("Examples", fmt::format("/artifacts/examples/{}/{}", step, span), "examples")});
      inputs.push_back(ArtifactAndEvent::Reference(
          examples,
          Event{.type = EventType::kInput, .path = {std::string("examples"), int64_t{span}}}));
    }
    if (model)
      inputs.push_back(ArtifactAndEvent::Reference(
          model,
          Event{.type = EventType::kInput, .path = {std::string("base_model"), int64_t{0}}}));
    inputs.push_back(output("Model", fmt::format("/artifacts/model/{}", step), "model"));
    model = put("Trainer", "train", std::move(inputs));
  }
  fmt::print("{}\n", model);
  return 0;
}
