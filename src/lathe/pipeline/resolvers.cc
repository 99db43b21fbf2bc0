#include "lathe/pipeline/resolvers.h"

#include <fmt/format.h>

#include "lathe/metadata/filter.h"
#include "lathe/metadata/standard_artifacts.h"
#include "lathe/pipeline/params.h"

namespace lathe::pipeline {

using metadata::Artifact;
using metadata::ListOptions;
using metadata::MetadataStore;
using metadata::QuoteFilterString;
namespace standard = metadata::standard;

namespace {

// Resolvers take parameters only: no command, code, env or inputs.
Status CheckResolver(NodeSpec& node, const SourceMap& source, const std::string& field,
                     const std::vector<ParamRule>& rules) {
  std::vector<ParamRule> all = rules;
  all.push_back({"optional", ParamKind::kBool, false, false});
  LATHE_RETURN_IF_ERROR(CheckParams(node, source, field, all));
  LATHE_RETURN_IF_ERROR(RejectCommandFields(node, source, field));
  if (!node.inputs.empty())
    return source.Error(field + ".inputs", fmt::format("{} takes no inputs", node.component));
  return Status::Ok();
}

std::string Param(const nlohmann::json& p, const char* name) {
  return p.contains(name) && p[name].is_string() ? p[name].get<std::string>() : "";
}

// Production artifacts: LIVE, and never a reproduction's (a reproduction must not change what a
// later run selects).
std::string Production(const std::string& type) {
  return fmt::format("type = {} AND state = 'LIVE' AND custom_properties.{} IS NULL",
                     QuoteFilterString(type), standard::kReproductionOf);
}

std::string Scope(const nlohmann::json& p, const std::string& type) {
  std::string filter = Production(type);
  if (!Param(p, "context").empty())
    filter += " AND context.name = " + QuoteFilterString(Param(p, "context"));
  return filter;
}

Status NothingFound(const std::string& what) {
  return NotFoundError(fmt::format("resolver found no {}", what));
}

class ResolverBase : public Component {
 public:
  std::string version() const override { return "1"; }
  bool produces_files() const override { return false; }
  // An optional resolver that finds nothing completes with an empty selection (the first run
  // of a pipeline has no blessed model to compare with).
  Status Execute(const ExecutionRequest& r, ExecutionResult& result) const final {
    Status st = Resolve(r, result);
    if (st.code() == StatusCode::kNotFound && r.parameters.value("optional", false)) {
      result.existing_outputs["result"] = {};
      return Status::Ok();
    }
    return st;
  }

 protected:
  virtual Status Resolve(const ExecutionRequest& r, ExecutionResult& result) const = 0;
};

class LatestArtifact final : public ResolverBase {
 public:
  std::string type() const override { return "resolver.latest_artifact"; }
  Status Prepare(NodeSpec& node, const SourceMap& source, const std::string& field) const override {
    LATHE_RETURN_IF_ERROR(CheckResolver(node, source, field,
                                        {{"type", ParamKind::kString, true, nullptr},
                                         {"context", ParamKind::kString, false, nullptr},
                                         {"count", ParamKind::kPositiveInt, false, 1}}));
    node.outputs = {{"result", node.parameters["type"].get<std::string>()}};
    return Status::Ok();
  }
  Status Resolve(const ExecutionRequest& r, ExecutionResult& result) const override {
    ListOptions o;
    o.filter = Scope(r.parameters, Param(r.parameters, "type"));
    o.descending = true;
    o.page_size = static_cast<int>(
        std::min<int64_t>(r.parameters["count"].get<int64_t>(), ListOptions::kMaxPageSize));
    LATHE_ASSIGN_OR_RETURN(auto page, r.store->ListArtifacts(o));
    if (page.items.empty())
      return NothingFound(fmt::format("LIVE artifact of type '{}'", Param(r.parameters, "type")));
    for (auto it = page.items.rbegin(); it != page.items.rend(); ++it)
      result.existing_outputs["result"].push_back(it->id);
    return Status::Ok();
  }
};

class LatestBlessedModel final : public ResolverBase {
 public:
  std::string type() const override { return "resolver.latest_blessed_model"; }
  Status Prepare(NodeSpec& node, const SourceMap& source, const std::string& field) const override {
    LATHE_RETURN_IF_ERROR(
        CheckResolver(node, source, field,
                      {{"type", ParamKind::kString, false, "Model"},
                       {"blessing_type", ParamKind::kString, false, "ModelBlessing"},
                       {"context", ParamKind::kString, false, nullptr}}));
    node.outputs = {{"result", node.parameters["type"].get<std::string>()}};
    return Status::Ok();
  }
  Status Resolve(const ExecutionRequest& r, ExecutionResult& result) const override {
    ListOptions o;
    o.filter = fmt::format("{} AND custom_properties.{} = 1",
                           Production(Param(r.parameters, "blessing_type")), standard::kBlessed);
    o.descending = true;
    o.page_size = 100;
    const std::string model_scope = Scope(r.parameters, Param(r.parameters, "type"));
    while (true) {
      LATHE_ASSIGN_OR_RETURN(auto page, r.store->ListArtifacts(o));
      for (const auto& blessing : page.items) {
        auto id = blessing.custom_properties.find(standard::kCurrentModelId);
        if (id == blessing.custom_properties.end() ||
            id->second.type() != metadata::PropertyType::kInt)
          continue;
        ListOptions m;
        m.filter = fmt::format("id = {} AND {}", id->second.as_int(), model_scope);
        m.page_size = 1;
        LATHE_ASSIGN_OR_RETURN(auto model, r.store->ListArtifacts(m));
        if (!model.items.empty()) {
          result.existing_outputs["result"] = {model.items[0].id};
          return Status::Ok();
        }
      }
      if (page.next_page_token.empty()) break;
      o.page_token = page.next_page_token;
    }
    return NothingFound(fmt::format("blessed model of type '{}'", Param(r.parameters, "type")));
  }
};

class LatestSpans final : public ResolverBase {
 public:
  std::string type() const override { return "resolver.latest_spans"; }
  Status Prepare(NodeSpec& node, const SourceMap& source, const std::string& field) const override {
    LATHE_RETURN_IF_ERROR(CheckResolver(node, source, field,
                                        {{"type", ParamKind::kString, true, nullptr},
                                         {"n", ParamKind::kPositiveInt, false, 1},
                                         {"skip", ParamKind::kNumber, false, 0},
                                         {"context", ParamKind::kString, false, nullptr}}));
    if (node.parameters["skip"].get<double>() < 0)
      return source.Error(field + ".parameters.skip", "expected 0 or more spans to skip");
    node.outputs = {{"result", node.parameters["type"].get<std::string>()}};
    return Status::Ok();
  }
  Status Resolve(const ExecutionRequest& r, ExecutionResult& result) const override {
    // Every artifact with a span is visited once, page by page (spans need not follow ids). The
    // span is a property of the type or a custom property (as components record it).
    std::map<int64_t, int64_t> newest_by_span;  // span -> artifact id
    ListOptions o;
    o.filter = Scope(r.parameters, Param(r.parameters, "type")) +
               fmt::format(" AND (properties.{0} IS NOT NULL OR custom_properties.{0} IS NOT NULL)",
                           standard::kSpan);
    o.page_size = ListOptions::kMaxPageSize;
    while (true) {
      LATHE_ASSIGN_OR_RETURN(auto page, r.store->ListArtifacts(o));
      for (const auto& a : page.items) {
        auto found = a.properties.find(standard::kSpan);
        if (found == a.properties.end()) found = a.custom_properties.find(standard::kSpan);
        if (found == a.custom_properties.end()) continue;
        const auto& span = found->second;
        if (span.type() != metadata::PropertyType::kInt) continue;
        int64_t& id = newest_by_span[span.as_int()];
        id = std::max(id, a.id);
      }
      if (page.next_page_token.empty()) break;
      o.page_token = page.next_page_token;
    }
    if (newest_by_span.empty())
      return NothingFound(fmt::format("'{}' artifact with a span", Param(r.parameters, "type")));
    const int64_t n = r.parameters["n"].get<int64_t>();
    const auto skip = static_cast<int64_t>(r.parameters["skip"].get<double>());
    auto end = newest_by_span.end();
    for (int64_t k = 0; k < skip && end != newest_by_span.begin(); ++k) --end;
    if (end == newest_by_span.begin())
      return NothingFound(fmt::format("'{}' artifact with a span below the newest {}",
                                      Param(r.parameters, "type"), skip));
    auto it = end;
    for (int64_t k = 0; k < n && it != newest_by_span.begin(); ++k) --it;
    for (; it != end; ++it) result.existing_outputs["result"].push_back(it->second);
    return Status::Ok();
  }
};

}  // namespace

void RegisterResolvers(ComponentRegistry& registry) {
  registry.Register(std::make_unique<LatestArtifact>());
  registry.Register(std::make_unique<LatestBlessedModel>());
  registry.Register(std::make_unique<LatestSpans>());
}

}  // namespace lathe::pipeline
