#include "lathe/pipeline/run_record.h"

#include <fmt/format.h>

#include <map>

namespace lathe::pipeline {

using metadata::PropertyType;
using metadata::Type;
using metadata::TypeKind;

Status RegisterRunTypes(metadata::MetadataStore& store) {
  LATHE_RETURN_IF_ERROR(
      store.PutType(Type{.kind = TypeKind::kContext, .name = kPipelineContextType}));
  return store
      .PutType(Type{.kind = TypeKind::kContext,
                    .name = kRunContextType,
                    .properties = {{"pipeline", PropertyType::kString},
                                   {"state", PropertyType::kString},
                                   {"spec", PropertyType::kStruct},
                                   {"parameters", PropertyType::kStruct},
                                   {"spec_path", PropertyType::kString},
                                   {"runner", PropertyType::kString},
                                   {"start_time_ms", PropertyType::kInt},
                                   {"end_time_ms", PropertyType::kInt},
                                   {"lathe_version", PropertyType::kString},
                                   {"host", PropertyType::kString},
                                   {"pid", PropertyType::kInt},
                                   {"git_commit", PropertyType::kString},
                                   {"git_dirty", PropertyType::kBool},
                                   {"repro_of", PropertyType::kString},
                                   {"error", PropertyType::kString}}})
      .status();
}

Status RegisterExecutionType(metadata::MetadataStore& store, const std::string& component) {
  return store
      .PutType(Type{.kind = TypeKind::kExecution,
                    .name = component,
                    .properties = {{"node", PropertyType::kString},
                                   {"run", PropertyType::kString},
                                   {"cache_key", PropertyType::kString},
                                   {"attempts", PropertyType::kInt},
                                   {"log", PropertyType::kString},
                                   {"error", PropertyType::kString},
                                   {"duration_ms", PropertyType::kInt},
                                   {"parameters", PropertyType::kStruct},
                                   {"cached_from", PropertyType::kInt}}},
               {.can_add_fields = true, .can_omit_fields = true})
      .status();
}

Status RegisterArtifactType(metadata::MetadataStore& store, const std::string& artifact_type) {
  return store
      .PutType(Type{.kind = TypeKind::kArtifact,
                    .name = artifact_type,
                    .properties = {{"node", PropertyType::kString},
                                   {"output", PropertyType::kString},
                                   {"run", PropertyType::kString},
                                   {"stat", PropertyType::kString}}},
               {.can_add_fields = true, .can_omit_fields = true})
      .status();
}

Result<nlohmann::json> DescribeRun(metadata::MetadataStore& store, const std::string& run_id) {
  LATHE_ASSIGN_OR_RETURN(std::optional<metadata::Context> run,
                         store.GetContextByTypeAndName(kRunContextType, run_id));
  if (!run) return NotFoundError(fmt::format("no run '{}' (see `lathe runs list`)", run_id));
  metadata::ListOptions o;
  o.filter = fmt::format("context.id = {}", run->id);
  o.page_size = metadata::ListOptions::kMaxPageSize;
  std::vector<metadata::Execution> executions;
  while (true) {
    LATHE_ASSIGN_OR_RETURN(metadata::Page<metadata::Execution> page, store.ListExecutions(o));
    for (auto& e : page.items) executions.push_back(std::move(e));
    if (page.next_page_token.empty()) break;
    o.page_token = page.next_page_token;
  }
  std::vector<int64_t> ids;
  for (const auto& e : executions) ids.push_back(e.id);
  LATHE_ASSIGN_OR_RETURN(std::vector<metadata::Event> events, store.GetEventsByExecutionIds(ids));
  std::map<int64_t, std::vector<const metadata::Event*>> by_execution;
  for (const auto& e : events) by_execution[e.execution_id].push_back(&e);

  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& e : executions) {
    nlohmann::json inputs = nlohmann::json::array(), outputs = nlohmann::json::array();
    for (const metadata::Event* ev : by_execution[e.id]) {
      const std::string* name = ev->path.empty() ? nullptr : std::get_if<std::string>(&ev->path[0]);
      (metadata::IsInputEvent(ev->type) ? inputs : outputs)
          .push_back({{"name", name ? *name : ""}, {"artifact_id", ev->artifact_id}});
    }
    auto params = e.properties.find("parameters");
    nodes.push_back({{"node", metadata::PropertyText(e, "node")},
                     {"execution_id", e.id},
                     {"state", metadata::ExecutionStateName(e.state)},
                     {"duration_ms", metadata::PropertyInt(e, "duration_ms")},
                     {"attempts", metadata::PropertyInt(e, "attempts")},
                     {"cache_key", metadata::PropertyText(e, "cache_key")},
                     {"cached_from", metadata::PropertyInt(e, "cached_from")},
                     {"parameters", params == e.properties.end() ? nlohmann::json::object()
                                                                 : params->second.ToJson()},
                     {"inputs", std::move(inputs)},
                     {"outputs", std::move(outputs)},
                     {"log", metadata::PropertyText(e, "log")},
                     {"error", metadata::PropertyText(e, "error")}});
  }
  nlohmann::json j = metadata::ToJson(*run);
  j["nodes"] = std::move(nodes);
  return j;
}

}  // namespace lathe::pipeline
