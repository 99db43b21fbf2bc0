#include "lathe/metadata/records.h"

#include <fmt/format.h>

#include <array>

#include "lathe/core/strings.h"

namespace lathe::metadata {

namespace {

template <typename Enum, size_t N>
Result<Enum> ParseEnum(std::string_view what, std::string_view text,
                       const std::array<std::pair<std::string_view, Enum>, N>& names) {
  std::string upper = ToUpper(text);
  std::string valid;
  for (const auto& [name, value] : names) {
    if (name == upper) return value;
    if (!valid.empty()) valid += ", ";
    valid += name;
  }
  return InvalidArgumentError(
      fmt::format("unknown {} '{}' (expected one of {})", what, text, valid));
}

template <typename Enum, size_t N>
std::string_view EnumName(Enum v, const std::array<std::pair<std::string_view, Enum>, N>& names) {
  for (const auto& [name, value] : names)
    if (value == v) return name;
  return "UNKNOWN";
}

constexpr std::array<std::pair<std::string_view, ArtifactState>, 7> kArtifactStates{{
    {"UNKNOWN", ArtifactState::kUnknown},
    {"PENDING", ArtifactState::kPending},
    {"LIVE", ArtifactState::kLive},
    {"MARKED_FOR_DELETION", ArtifactState::kMarkedForDeletion},
    {"DELETED", ArtifactState::kDeleted},
    {"ABANDONED", ArtifactState::kAbandoned},
    {"REFERENCE", ArtifactState::kReference},
}};

constexpr std::array<std::pair<std::string_view, ExecutionState>, 7> kExecutionStates{{
    {"UNKNOWN", ExecutionState::kUnknown},
    {"NEW", ExecutionState::kNew},
    {"RUNNING", ExecutionState::kRunning},
    {"COMPLETE", ExecutionState::kComplete},
    {"FAILED", ExecutionState::kFailed},
    {"CACHED", ExecutionState::kCached},
    {"CANCELED", ExecutionState::kCanceled},
}};

constexpr std::array<std::pair<std::string_view, EventType>, 8> kEventTypes{{
    {"UNKNOWN", EventType::kUnknown},
    {"DECLARED_OUTPUT", EventType::kDeclaredOutput},
    {"DECLARED_INPUT", EventType::kDeclaredInput},
    {"INPUT", EventType::kInput},
    {"OUTPUT", EventType::kOutput},
    {"INTERNAL_INPUT", EventType::kInternalInput},
    {"INTERNAL_OUTPUT", EventType::kInternalOutput},
    {"PENDING_OUTPUT", EventType::kPendingOutput},
}};

constexpr std::array<std::pair<std::string_view, TypeKind>, 3> kTypeKinds{{
    {"ARTIFACT", TypeKind::kArtifact},
    {"EXECUTION", TypeKind::kExecution},
    {"CONTEXT", TypeKind::kContext},
}};

nlohmann::json PropertiesToJson(const Properties& props) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : props) j[k] = v.ToJson();
  return j;
}

void NodeToJson(const Node& n, nlohmann::json& j) {
  j["id"] = n.id;
  j["type_id"] = n.type_id;
  j["type"] = n.type;
  j["name"] = n.name;
  j["properties"] = PropertiesToJson(n.properties);
  j["custom_properties"] = PropertiesToJson(n.custom_properties);
  j["create_time_ms"] = n.create_time_ms;
  j["update_time_ms"] = n.update_time_ms;
  j["revision"] = n.revision;
}

}  // namespace

std::string_view TypeKindName(TypeKind k) {
  switch (k) {
    case TypeKind::kArtifact:
      return "artifact";
    case TypeKind::kExecution:
      return "execution";
    case TypeKind::kContext:
      return "context";
  }
  return "artifact";
}

Result<TypeKind> ParseTypeKind(std::string_view name) {
  return ParseEnum("type kind", name, kTypeKinds);
}

std::string_view ArtifactStateName(ArtifactState s) {
  return EnumName(s, kArtifactStates);
}
Result<ArtifactState> ParseArtifactState(std::string_view name) {
  return ParseEnum("artifact state", name, kArtifactStates);
}
std::string_view ExecutionStateName(ExecutionState s) {
  return EnumName(s, kExecutionStates);
}
Result<ExecutionState> ParseExecutionState(std::string_view name) {
  return ParseEnum("execution state", name, kExecutionStates);
}
std::string_view EventTypeName(EventType t) {
  return EnumName(t, kEventTypes);
}
Result<EventType> ParseEventType(std::string_view name) {
  return ParseEnum("event type", name, kEventTypes);
}

bool IsInputEvent(EventType t) {
  return t == EventType::kDeclaredInput || t == EventType::kInput || t == EventType::kInternalInput;
}

bool IsOutputEvent(EventType t) {
  return t == EventType::kDeclaredOutput || t == EventType::kOutput ||
         t == EventType::kInternalOutput || t == EventType::kPendingOutput;
}

namespace {

std::string TextIn(const Properties& m, const std::string& name) {
  auto it = m.find(name);
  return it == m.end() ? "" : it->second.ToDisplayString();
}

int64_t IntIn(const Properties& m, const std::string& name) {
  auto it = m.find(name);
  return it == m.end() || it->second.type() != PropertyType::kInt ? 0 : it->second.as_int();
}

}  // namespace

std::string PropertyText(const Node& n, const std::string& name) {
  return TextIn(n.properties, name);
}
int64_t PropertyInt(const Node& n, const std::string& name) {
  return IntIn(n.properties, name);
}
std::string CustomPropertyText(const Node& n, const std::string& name) {
  return TextIn(n.custom_properties, name);
}
int64_t CustomPropertyInt(const Node& n, const std::string& name) {
  return IntIn(n.custom_properties, name);
}

nlohmann::json ToJson(const Type& t) {
  nlohmann::json props = nlohmann::json::object();
  for (const auto& [k, v] : t.properties) props[k] = PropertyTypeName(v);
  return {{"id", t.id},           {"kind", TypeKindName(t.kind)}, {"name", t.name},
          {"version", t.version}, {"description", t.description}, {"properties", props}};
}

nlohmann::json ToJson(const Artifact& a) {
  nlohmann::json j;
  NodeToJson(a, j);
  j["uri"] = a.uri;
  j["external_id"] = a.external_id;
  j["state"] = ArtifactStateName(a.state);
  j["fingerprint"] = a.fingerprint;
  return j;
}

nlohmann::json ToJson(const Execution& e) {
  nlohmann::json j;
  NodeToJson(e, j);
  j["state"] = ExecutionStateName(e.state);
  return j;
}

nlohmann::json ToJson(const Context& c) {
  nlohmann::json j;
  NodeToJson(c, j);
  return j;
}

nlohmann::json PathToJson(const std::vector<PathStep>& path) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& step : path) {
    if (auto* key = std::get_if<std::string>(&step))
      j.push_back(*key);
    else
      j.push_back(std::get<int64_t>(step));
  }
  return j;
}

Result<std::vector<PathStep>> PathFromJson(const nlohmann::json& j) {
  if (!j.is_array()) return InvalidArgumentError("an event path must be a JSON array");
  std::vector<PathStep> path;
  for (const auto& step : j) {
    if (step.is_string())
      path.emplace_back(step.get<std::string>());
    else if (step.is_number_integer())
      path.emplace_back(step.get<int64_t>());
    else
      return InvalidArgumentError("an event path step must be a string key or an integer index");
  }
  return path;
}

nlohmann::json ToJson(const Event& e) {
  return {{"id", e.id},
          {"artifact_id", e.artifact_id},
          {"execution_id", e.execution_id},
          {"type", EventTypeName(e.type)},
          {"path", PathToJson(e.path)},
          {"time_ms", e.time_ms}};
}

}  // namespace lathe::metadata
