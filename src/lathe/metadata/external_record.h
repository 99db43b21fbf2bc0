// Recording what happens outside Lathe's pipeline runs: work done by hand (`lathe record`: a
// notebook, a script) and files read from outside the artifact root (ExampleGen's CSV files, a
// step's code files). Both make a file an artifact through FileArtifact, so one file read twice
// with the same content is one artifact, and lineage reaches back to it.
//
// Stateless functions over a MetadataStore (thread-safety is the store's). Errors: NOT_FOUND for a
// path that does not exist, INVALID_ARGUMENT for a malformed property value, DATA_LOSS when a file
// cannot be read, and the store's own codes.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "lathe/core/status.h"
#include "lathe/metadata/metadata_store.h"

namespace lathe::metadata {

// The artifact for the file or directory at `path` whose content has `fingerprint`
// (core/hash.h): an input reuses the newest LIVE artifact at the same absolute location with the
// same fingerprint, whatever its type; anything else is a new LIVE artifact of `type` (registered
// if missing) with the fingerprint and the size in bytes (custom property "size"), to be written
// with `event` by PutExecution.
Result<ArtifactAndEvent> FileArtifact(MetadataStore& store, const std::string& type,
                                      const std::filesystem::path& path,
                                      const std::string& fingerprint, const Event& event);

// Work done outside Lathe: an execution of `execution_type` with the files it read and wrote.
struct RecordRequest {
  std::string execution_type;
  std::string name;
  ExecutionState state = ExecutionState::kComplete;
  std::vector<std::pair<std::string, std::filesystem::path>> inputs;   // (artifact type, path)
  std::vector<std::pair<std::string, std::filesystem::path>> outputs;  // (artifact type, path)
  std::vector<std::pair<std::string, std::string>> contexts;           // (context type, name)
  // (name, value as text): typed by the execution type's declared property, else a custom
  // property whose type is guessed from the text.
  std::vector<std::pair<std::string, std::string>> properties;
};

// Fingerprints every path, registers missing types and writes everything with one PutExecution.
// The response's artifact ids are the inputs' then the outputs', in request order.
Result<PutExecutionResponse> RecordExecution(MetadataStore& store, const RecordRequest& request);

}  // namespace lathe::metadata
