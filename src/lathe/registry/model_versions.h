// What the metadata store knows about the versions in the model repository, found by walking
// events back from each PushedModel artifact: the model artifact, the data spans it was trained
// on, the evaluation and blessing that let it through, and the run that pushed it. `lathe models`
// and the UI read it; the server will too.
//
// Stateless functions over a MetadataStore (its thread-safety applies). Errors are the store's,
// and NOT_FOUND for an artifact no execution produced.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lathe/core/status.h"
#include "lathe/metadata/metadata_store.h"

namespace lathe::registry {

struct PushedVersion {
  metadata::Artifact pushed;  // the PushedModel artifact
  std::string name;
  int64_t version = 0;
  std::string destination;  // the version's directory
  int64_t model_id = 0;     // the Model artifact
  std::string run;          // the run that pushed it
  // (Examples artifact, span) it trained on; no span for data read without span placeholders.
  std::vector<std::pair<int64_t, std::optional<int64_t>>> spans;
  std::optional<metadata::Artifact> evaluation;
  std::optional<metadata::Artifact> blessing;
};

// Every pushed version (of `name`, or of every model when empty), by name then version; a
// version pushed again (the same bundle) is listed once, as first pushed. Reproductions, which
// push nothing, are not versions.
Result<std::vector<PushedVersion>> ListPushedVersions(metadata::MetadataStore& store,
                                                      const std::string& name);

// One PushedModel artifact with what its lineage says.
Result<PushedVersion> DescribePushedVersion(metadata::MetadataStore& store,
                                            const metadata::Artifact& pushed);

// Walking events one hop at a time.
// The execution that made an artifact (never a cache hit, which only reused it).
Result<int64_t> ProducerOf(metadata::MetadataStore& store, int64_t artifact_id);
// An execution's input artifacts by input name, and its outputs by output name.
Result<std::map<std::string, std::vector<int64_t>>> InputsOf(metadata::MetadataStore& store,
                                                             int64_t execution_id);
Result<std::map<std::string, int64_t>> OutputsOf(metadata::MetadataStore& store,
                                                 int64_t execution_id);
// The run (PipelineRun context name) an execution belongs to; "" if none.
std::string RunOf(metadata::MetadataStore& store, int64_t execution_id);

// The overall metrics an Evaluator recorded on its evaluation artifact ("overall_auc" -> auc).
std::map<std::string, double> OverallMetrics(const metadata::Artifact& evaluation);

}  // namespace lathe::registry
