#include "lathe/registry/model_versions.h"

#include <fmt/format.h>

#include <algorithm>

#include "lathe/metadata/filter.h"
#include "lathe/metadata/standard_artifacts.h"

namespace lathe::registry {

using metadata::Artifact;
using metadata::EventType;
using metadata::ListOptions;
using metadata::MetadataStore;
namespace standard = metadata::standard;

namespace {

int64_t IntProperty(const Artifact& a, const char* key) {
  auto it = a.custom_properties.find(key);
  return it != a.custom_properties.end() && it->second.type() == metadata::PropertyType::kInt
             ? it->second.as_int()
             : 0;
}

std::string TextProperty(const Artifact& a, const char* key) {
  auto it = a.custom_properties.find(key);
  if (it == a.custom_properties.end()) return "";
  return it->second.type() == metadata::PropertyType::kString ? it->second.as_string()
                                                              : it->second.ToJson().dump();
}

std::optional<std::string> EventName(const metadata::Event& e) {
  if (e.path.empty() || !std::holds_alternative<std::string>(e.path[0])) return std::nullopt;
  return std::get<std::string>(e.path[0]);
}

}  // namespace

Result<int64_t> ProducerOf(MetadataStore& store, int64_t artifact_id) {
  LATHE_ASSIGN_OR_RETURN(auto events, store.GetEventsByArtifactIds({artifact_id}));
  std::vector<int64_t> ids;
  for (const auto& e : events)
    if (e.type == EventType::kOutput) ids.push_back(e.execution_id);
  LATHE_ASSIGN_OR_RETURN(auto executions, store.GetExecutions(ids));
  for (const auto& x : executions)
    if (x.state != metadata::ExecutionState::kCached) return x.id;
  return NotFoundError(fmt::format("artifact {} has no producing execution", artifact_id));
}

Result<std::map<std::string, std::vector<int64_t>>> InputsOf(MetadataStore& store,
                                                             int64_t execution_id) {
  LATHE_ASSIGN_OR_RETURN(auto events, store.GetEventsByExecutionIds({execution_id}));
  std::map<std::string, std::vector<int64_t>> out;
  for (const auto& e : events)
    if (auto name = EventName(e); name && e.type == EventType::kInput)
      out[*name].push_back(e.artifact_id);
  return out;
}

Result<std::map<std::string, int64_t>> OutputsOf(MetadataStore& store, int64_t execution_id) {
  LATHE_ASSIGN_OR_RETURN(auto events, store.GetEventsByExecutionIds({execution_id}));
  std::map<std::string, int64_t> out;
  for (const auto& e : events)
    if (auto name = EventName(e); name && e.type == EventType::kOutput) out[*name] = e.artifact_id;
  return out;
}

std::string RunOf(MetadataStore& store, int64_t execution_id) {
  auto contexts = store.GetContextsByExecution(execution_id);
  if (contexts.ok())
    for (const auto& c : *contexts)
      if (c.type == standard::kPipelineRunContext) return c.name;
  return "";
}

std::map<std::string, double> OverallMetrics(const Artifact& evaluation) {
  std::map<std::string, double> out;
  for (const auto& [k, v] : evaluation.custom_properties)
    if (k.rfind("overall_", 0) == 0 && v.type() == metadata::PropertyType::kDouble)
      out[k.substr(8)] = v.as_double();
  return out;
}

Result<PushedVersion> DescribePushedVersion(MetadataStore& store, const Artifact& pushed) {
  PushedVersion v;
  v.pushed = pushed;
  v.name = TextProperty(pushed, standard::kModelName);
  v.version = IntProperty(pushed, standard::kModelVersion);
  v.destination = TextProperty(pushed, standard::kDestination);
  v.model_id = IntProperty(pushed, standard::kModelId);
  LATHE_ASSIGN_OR_RETURN(int64_t pusher, ProducerOf(store, pushed.id));
  v.run = RunOf(store, pusher);
  LATHE_ASSIGN_OR_RETURN(auto inputs, InputsOf(store, pusher));
  if (inputs.count("blessing")) {
    LATHE_ASSIGN_OR_RETURN(v.blessing, store.GetArtifact(inputs["blessing"].at(0)));
    LATHE_ASSIGN_OR_RETURN(int64_t evaluator, ProducerOf(store, v.blessing->id));
    LATHE_ASSIGN_OR_RETURN(auto outs, OutputsOf(store, evaluator));
    if (outs.count("evaluation")) {
      LATHE_ASSIGN_OR_RETURN(v.evaluation, store.GetArtifact(outs["evaluation"]));
    }
  }
  if (v.model_id > 0) {
    auto trainer = ProducerOf(store, v.model_id);
    if (trainer.ok()) {
      LATHE_ASSIGN_OR_RETURN(auto tin, InputsOf(store, *trainer));
      if (tin.count("examples")) {
        LATHE_ASSIGN_OR_RETURN(auto examples, store.GetArtifacts(tin["examples"]));
        for (const auto& ex : examples) {
          auto span = ex.custom_properties.find(standard::kSpan);
          v.spans.emplace_back(ex.id, span != ex.custom_properties.end()
                                          ? std::optional<int64_t>(IntProperty(ex, standard::kSpan))
                                          : std::nullopt);
        }
      }
    }
  }
  return v;
}

Result<std::vector<PushedVersion>> ListPushedVersions(MetadataStore& store,
                                                      const std::string& name) {
  ListOptions o;
  o.filter = fmt::format("type = {} AND custom_properties.{} = 1 AND custom_properties.{} IS NULL",
                         metadata::QuoteFilterString(standard::kPushedModel), standard::kPushed,
                         standard::kReproductionOf);
  if (!name.empty())
    o.filter += fmt::format(" AND custom_properties.{} = {}", standard::kModelName,
                            metadata::QuoteFilterString(name));
  o.page_size = ListOptions::kMaxPageSize;
  std::vector<PushedVersion> out;
  while (true) {
    LATHE_ASSIGN_OR_RETURN(auto page, store.ListArtifacts(o));
    for (const auto& a : page.items) {
      LATHE_ASSIGN_OR_RETURN(auto v, DescribePushedVersion(store, a));
      out.push_back(std::move(v));
    }
    if (page.next_page_token.empty()) break;
    o.page_token = page.next_page_token;
  }
  std::sort(out.begin(), out.end(), [](const PushedVersion& a, const PushedVersion& b) {
    if (a.name != b.name) return a.name < b.name;
    if (a.version != b.version) return a.version < b.version;
    return a.pushed.id < b.pushed.id;
  });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const PushedVersion& a, const PushedVersion& b) {
                          return a.name == b.name && a.version == b.version;
                        }),
            out.end());
  return out;
}

}  // namespace lathe::registry
