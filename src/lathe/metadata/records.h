// The records of the metadata store, following ML Metadata's data model: types, artifacts,
// executions, contexts, events, attributions and associations. Plain value types; the store
// fills ids, revisions and times on write. Empty strings stand for "not set" (stored as NULL).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "lathe/core/status.h"
#include "lathe/metadata/value.h"

namespace lathe::metadata {

enum class TypeKind { kArtifact = 0, kExecution = 1, kContext = 2 };
std::string_view TypeKindName(TypeKind k);  // "artifact", "execution", "context"
Result<TypeKind> ParseTypeKind(std::string_view name);

// A type of artifact, execution or context. Identified by (kind, name, version); `version` may be
// empty. Properties declared here are typed; undeclared ones go into custom properties.
struct Type {
  int64_t id = 0;
  TypeKind kind = TypeKind::kArtifact;
  std::string name;
  std::string version;
  std::string description;
  std::map<std::string, PropertyType> properties;
};

enum class ArtifactState {
  kUnknown = 0,
  kPending = 1,
  kLive = 2,
  kMarkedForDeletion = 3,
  kDeleted = 4,
  kAbandoned = 5,
  kReference = 6,
};
std::string_view ArtifactStateName(ArtifactState s);  // "LIVE", ...
Result<ArtifactState> ParseArtifactState(std::string_view name);

enum class ExecutionState {
  kUnknown = 0,
  kNew = 1,
  kRunning = 2,
  kComplete = 3,
  kFailed = 4,
  kCached = 5,
  kCanceled = 6,
};
std::string_view ExecutionStateName(ExecutionState s);  // "COMPLETE", ...
Result<ExecutionState> ParseExecutionState(std::string_view name);

// Fields common to artifacts, executions and contexts. `type` (the type name) may be given
// instead of `type_id` on write; reads fill both. `revision` is the optimistic-concurrency
// counter: an update that carries a revision fails with ABORTED if the row changed since.
struct Node {
  int64_t id = 0;
  int64_t type_id = 0;
  std::string type;
  std::string name;
  Properties properties;
  Properties custom_properties;
  int64_t create_time_ms = 0;
  int64_t update_time_ms = 0;
  int64_t revision = 0;
};

struct Artifact : Node {
  std::string uri;
  std::string external_id;  // unique in the store when set
  ArtifactState state = ArtifactState::kUnknown;
  std::string fingerprint;  // content fingerprint, see core/hash.h
};

struct Execution : Node {
  ExecutionState state = ExecutionState::kUnknown;  // last known state
};

struct Context : Node {};  // name is required and unique per type

// Numbering follows ML Metadata's Event.Type.
enum class EventType {
  kUnknown = 0,
  kDeclaredOutput = 1,
  kDeclaredInput = 2,
  kInput = 3,
  kOutput = 4,
  kInternalInput = 5,
  kInternalOutput = 6,
  kPendingOutput = 7,
};
std::string_view EventTypeName(EventType t);  // "INPUT", ...
Result<EventType> ParseEventType(std::string_view name);
bool IsInputEvent(EventType t);   // DECLARED_INPUT, INPUT, INTERNAL_INPUT
bool IsOutputEvent(EventType t);  // DECLARED_OUTPUT, OUTPUT, INTERNAL_OUTPUT, PENDING_OUTPUT

// A step of an event path: a key ("examples") or an index (0).
using PathStep = std::variant<std::string, int64_t>;

// Links an artifact to an execution that read or wrote it. The path names where the artifact sits
// in the execution's inputs or outputs, e.g. {"examples", 0}.
struct Event {
  int64_t id = 0;
  int64_t artifact_id = 0;
  int64_t execution_id = 0;
  EventType type = EventType::kUnknown;
  std::vector<PathStep> path;
  int64_t time_ms = 0;  // 0 means "now" on write
};

struct Attribution {
  int64_t context_id = 0;
  int64_t artifact_id = 0;
};

struct Association {
  int64_t context_id = 0;
  int64_t execution_id = 0;
};

// A property's display text ("" when absent), and its integer value (0 when absent or not an int).
std::string PropertyText(const Node& n, const std::string& name);
int64_t PropertyInt(const Node& n, const std::string& name);
// The same of a custom property.
std::string CustomPropertyText(const Node& n, const std::string& name);
int64_t CustomPropertyInt(const Node& n, const std::string& name);

// JSON views used by the CLI and the HTTP API (stable field names, times in ms since epoch).
nlohmann::json ToJson(const Type& t);
nlohmann::json ToJson(const Artifact& a);
nlohmann::json ToJson(const Execution& e);
nlohmann::json ToJson(const Context& c);
nlohmann::json ToJson(const Event& e);
nlohmann::json PathToJson(const std::vector<PathStep>& path);
Result<std::vector<PathStep>> PathFromJson(const nlohmann::json& j);

}  // namespace lathe::metadata
