#include "lathe/metadata/describe.h"

#include <fmt/format.h>

namespace lathe::metadata {

namespace {

template <typename T>
nlohmann::json ArrayJson(const std::vector<T>& items) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& item : items) j.push_back(ToJson(item));
  return j;
}

}  // namespace

Result<nlohmann::json> DescribeArtifact(MetadataStore& store, int64_t id) {
  LATHE_ASSIGN_OR_RETURN(Artifact a, store.GetArtifact(id));
  LATHE_ASSIGN_OR_RETURN(std::vector<Event> events, store.GetEventsByArtifactIds({id}));
  LATHE_ASSIGN_OR_RETURN(std::vector<Context> contexts, store.GetContextsByArtifact(id));
  return nlohmann::json{
      {"artifact", ToJson(a)}, {"events", ArrayJson(events)}, {"contexts", ArrayJson(contexts)}};
}

Result<nlohmann::json> DescribeExecution(MetadataStore& store, int64_t id) {
  LATHE_ASSIGN_OR_RETURN(Execution e, store.GetExecution(id));
  LATHE_ASSIGN_OR_RETURN(std::vector<Event> events, store.GetEventsByExecutionIds({id}));
  LATHE_ASSIGN_OR_RETURN(std::vector<Context> contexts, store.GetContextsByExecution(id));
  return nlohmann::json{
      {"execution", ToJson(e)}, {"events", ArrayJson(events)}, {"contexts", ArrayJson(contexts)}};
}

Result<nlohmann::json> DescribeContext(MetadataStore& store, int64_t id, int members) {
  LATHE_ASSIGN_OR_RETURN(Context c, store.GetContext(id));
  LATHE_ASSIGN_OR_RETURN(std::vector<Context> parents, store.GetParentContexts(id));
  LATHE_ASSIGN_OR_RETURN(std::vector<Context> children, store.GetChildContexts(id));
  ListOptions first;
  first.page_size = members;
  LATHE_ASSIGN_OR_RETURN(Page<Artifact> artifacts, store.GetArtifactsByContext(id, first));
  LATHE_ASSIGN_OR_RETURN(Page<Execution> executions, store.GetExecutionsByContext(id, first));
  return nlohmann::json{{"context", ToJson(c)},
                        {"parents", ArrayJson(parents)},
                        {"children", ArrayJson(children)},
                        {"artifacts", ArrayJson(artifacts.items)},
                        {"artifacts_next_page_token", artifacts.next_page_token},
                        {"executions", ArrayJson(executions.items)},
                        {"executions_next_page_token", executions.next_page_token}};
}

nlohmann::json LineageToJson(const LineageGraph& graph) {
  nlohmann::json nodes = nlohmann::json::array(), edges = nlohmann::json::array();
  for (size_t i = 0; i < graph.artifacts.size(); ++i) {
    nlohmann::json n = ToJson(graph.artifacts[i]);
    n["kind"] = "artifact";
    n["hops"] = graph.artifact_hops[i].hops;
    nodes.push_back(std::move(n));
  }
  for (size_t i = 0; i < graph.executions.size(); ++i) {
    nlohmann::json n = ToJson(graph.executions[i]);
    n["kind"] = "execution";
    n["hops"] = graph.execution_hops[i].hops;
    n["cache_hits"] = graph.cache_hits[i];
    nodes.push_back(std::move(n));
  }
  for (const auto& e : graph.events) {
    bool input = IsInputEvent(e.type);
    edges.push_back({{"from", input ? fmt::format("artifact:{}", e.artifact_id)
                                    : fmt::format("execution:{}", e.execution_id)},
                     {"to", input ? fmt::format("execution:{}", e.execution_id)
                                  : fmt::format("artifact:{}", e.artifact_id)},
                     {"artifact_id", e.artifact_id},
                     {"execution_id", e.execution_id},
                     {"type", EventTypeName(e.type)},
                     {"path", PathToJson(e.path)}});
  }
  return {{"nodes", nodes}, {"edges", edges}, {"truncated", graph.truncated}};
}

}  // namespace lathe::metadata
