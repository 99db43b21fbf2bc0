#include "lathe/pipeline/graph.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "lathe/core/hash.h"
#include "lathe/core/json_depth.h"
#include "lathe/core/names.h"
#include "lathe/core/strings.h"

namespace lathe::pipeline {

namespace fs = std::filesystem;

int PipelineGraph::Find(const std::string& name) const {
  for (size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].spec.name == name) return static_cast<int>(i);
  return -1;
}

namespace {

Result<nlohmann::json> ParseOverride(const ParameterSpec& p, const std::string& text) {
  auto bad = [&] {
    return InvalidArgumentError(fmt::format("--param {}={}: '{}' is not a valid {}", p.name, text,
                                            text, ParamTypeName(p.type)));
  };
  switch (p.type) {
    case ParamType::kString:
      return nlohmann::json(text);
    case ParamType::kInt:
      if (auto i = ParseInt(text)) return nlohmann::json(static_cast<int64_t>(*i));
      return bad();
    case ParamType::kDouble:
      if (auto d = ParseDouble(text)) return nlohmann::json(*d);
      return bad();
    case ParamType::kBool:
      if (text == "true") return nlohmann::json(true);
      if (text == "false") return nlohmann::json(false);
      return bad();
  }
  return bad();
}

bool Fits(const nlohmann::json& v, ParamType t) {
  switch (t) {
    case ParamType::kString:
      return v.is_string();
    case ParamType::kInt:
      return v.is_number_integer();
    case ParamType::kDouble:
      return v.is_number();
    case ParamType::kBool:
      return v.is_boolean();
  }
  return false;
}

std::string Text(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : JsonText(v);
}

// ${inputs.x}, ${outputs.y} and ${params_file} are filled in by the executor, not from parameters.
bool IsRuntimeReference(const std::string& ref) {
  return ref.find('.') != std::string::npos || ref == "params_file";
}

// Replaces ${name} references to pipeline parameters. A string that is exactly one reference
// takes the parameter's typed value; references inside longer text are interpolated. References
// with a dot (${inputs.x}, ${outputs.y}) are left for the executor; $${ escapes a literal ${.
class Resolver {
 public:
  Resolver(const nlohmann::json& params, const SourceMap& source)
      : params_(params), source_(source) {}

  Result<nlohmann::json> Resolve(const nlohmann::json& v, const std::string& field) {
    if (v.is_string()) return ResolveString(v.get<std::string>(), field, false);
    if (v.is_array()) {
      nlohmann::json out = nlohmann::json::array();
      for (size_t i = 0; i < v.size(); ++i) {
        LATHE_ASSIGN_OR_RETURN(auto r, Resolve(v[i], fmt::format("{}[{}]", field, i)));
        out.push_back(std::move(r));
      }
      return out;
    }
    if (v.is_object()) {
      nlohmann::json out = nlohmann::json::object();
      for (auto it = v.begin(); it != v.end(); ++it) {
        LATHE_ASSIGN_OR_RETURN(out[it.key()], Resolve(it.value(), field + "." + it.key()));
      }
      return out;
    }
    return v;
  }

  Result<std::string> ResolveText(const std::string& s, const std::string& field) {
    LATHE_ASSIGN_OR_RETURN(auto v, ResolveString(s, field, false));
    return Text(v);
  }

  // A command argument: the executor substitutes it once more (${inputs.x}, ...), so what this
  // pass writes stays escaped: $${ is kept, and a parameter's value has its ${ escaped, so that
  // a value is passed literally and is never read as a reference.
  Result<std::string> ResolveCommandArgument(const std::string& s, const std::string& field) {
    LATHE_ASSIGN_OR_RETURN(auto v, ResolveString(s, field, true));
    return v.is_string() ? v.get<std::string>() : EscapeReferences(Text(v));
  }

 private:
  static std::string EscapeReferences(const std::string& text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text.compare(i, 2, "${") == 0) out += '$';
      out += text[i];
    }
    return out;
  }

  Result<nlohmann::json> ResolveString(const std::string& s, const std::string& field,
                                       bool keep_escaped) {
    std::string out;
    for (size_t i = 0; i < s.size();) {
      if (s.compare(i, 3, "$${") == 0) {
        out += keep_escaped ? "$${" : "${";
        i += 3;
        continue;
      }
      if (s.compare(i, 2, "${") != 0) {
        out += s[i++];
        continue;
      }
      size_t end = s.find('}', i);
      if (end == std::string::npos)
        return source_.Error(field, fmt::format("unterminated '${{' in '{}'", s));
      std::string name = s.substr(i + 2, end - i - 2);
      if (IsRuntimeReference(name)) {  // kept as written for the executor
        out += s.substr(i, end - i + 1);
        i = end + 1;
        continue;
      }
      if (!params_.contains(name)) {
        std::string known;
        for (auto it = params_.begin(); it != params_.end(); ++it)
          known += (known.empty() ? "" : ", ") + it.key();
        return source_.Error(field, fmt::format("unknown pipeline parameter '{}' (parameters: {})",
                                                name, known.empty() ? "none" : known));
      }
      if (i == 0 && end + 1 == s.size() && !keep_escaped)
        return params_[name];  // the whole value: keep its type
      out += keep_escaped ? EscapeReferences(Text(params_[name])) : Text(params_[name]);
      i = end + 1;
    }
    return nlohmann::json(out);
  }

  const nlohmann::json& params_;
  const SourceMap& source_;
};

Status FindCycle(const std::vector<NodeSpec>& nodes, const std::map<std::string, size_t>& index,
                 const SourceMap& source) {
  // Depth-first search; a back edge closes a cycle, reported as a -> b -> a.
  std::vector<int> state(nodes.size(), 0);  // 0 new, 1 on stack, 2 done
  std::vector<size_t> stack;
  std::function<Status(size_t)> visit = [&](size_t i) -> Status {
    state[i] = 1;
    stack.push_back(i);
    std::vector<std::pair<std::string, std::vector<InputRef>>> edges(nodes[i].inputs.begin(),
                                                                     nodes[i].inputs.end());
    for (const auto& a : nodes[i].after) edges.push_back({"after", {{a, ""}}});
    for (const auto& [name, refs] : edges) {
      for (const auto& ref : refs) {
        size_t j = index.at(ref.node);
        if (state[j] == 1) {
          std::string path;
          auto from = std::find(stack.begin(), stack.end(), j);
          for (auto it = from; it != stack.end(); ++it) path += nodes[*it].name + " -> ";
          path += nodes[j].name;
          return source.Error(name == "after" ? fmt::format("nodes[{}].after", i)
                                              : fmt::format("nodes[{}].inputs.{}", i, name),
                              "cycle: " + path);
        }
        if (state[j] == 0) LATHE_RETURN_IF_ERROR(visit(j));
      }
    }
    stack.pop_back();
    state[i] = 2;
    return Status::Ok();
  };
  for (size_t i = 0; i < nodes.size(); ++i)
    if (state[i] == 0) LATHE_RETURN_IF_ERROR(visit(i));
  return Status::Ok();
}

std::string DefinitionHash(const GraphNode& n, const std::string& base_dir, Status& error,
                           const SourceMap& source) {
  Hasher h;
  h.UpdateField("lathe.node.v1");
  h.UpdateField(n.spec.component);
  h.UpdateField(n.component->version());
  h.UpdateField(n.spec.parameters.dump());  // nlohmann's object keys are sorted: canonical
  for (const auto& [name, type] : n.spec.outputs) {
    h.UpdateField(name);
    h.UpdateField(type);
  }
  h.UpdateField("command");
  for (const auto& arg : n.spec.command) h.UpdateField(arg);
  h.UpdateField("code");
  for (size_t i = 0; i < n.spec.code.size(); ++i) {
    const auto& file = n.spec.code[i];
    auto fp = FingerprintPath(fs::path(base_dir) / file);
    if (!fp.ok()) {
      error = source.Error(fmt::format("{}.code[{}]", n.field, i),
                           fmt::format("code file {} not found", file));
      return "";
    }
    h.UpdateField(file);
    h.UpdateField(*fp);
  }
  h.UpdateField("env");
  for (const auto& [k, v] : n.spec.env) {
    h.UpdateField(k);
    h.UpdateField(v);
  }
  return h.Finish();
}

}  // namespace

Status CheckOverrides(const PipelineSpec& spec,
                      const std::map<std::string, std::string>& overrides) {
  std::set<std::string> declared;
  for (const auto& p : spec.parameters) {
    declared.insert(p.name);
    auto o = overrides.find(p.name);
    if (o != overrides.end()) {
      LATHE_RETURN_IF_ERROR(ParseOverride(p, o->second).status());
    } else if (!p.default_value) {
      return InvalidArgumentError(
          fmt::format("pipeline '{}': parameter '{}' has no default: pass --param {}=VALUE",
                      spec.name, p.name, p.name));
    }
  }
  for (const auto& [name, value] : overrides) {
    if (!declared.count(name)) {
      std::string known;
      for (const auto& d : declared) known += (known.empty() ? "" : ", ") + d;
      return InvalidArgumentError(
          fmt::format("--param {}: pipeline '{}' has no parameter '{}' (parameters: {})", name,
                      spec.name, name, known.empty() ? "none" : known));
    }
  }
  return Status::Ok();
}

Result<PipelineGraph> BuildGraph(const PipelineSpec& spec,
                                 const std::map<std::string, std::string>& overrides,
                                 const ComponentRegistry& registry) {
  const SourceMap& src = spec.source;
  PipelineGraph g;
  g.name = spec.name;
  std::error_code cwd_error;  // the working directory may have been removed
  g.base_dir = spec.base_dir.empty() ? fs::current_path(cwd_error).string() : spec.base_dir;
  if (spec.name.empty()) return src.Error("name", "a pipeline needs a name");
  if (std::string problem = NameProblem(spec.name, "-_."); !problem.empty())
    return src.Error("name", "pipeline name: " + problem);

  // Parameters: declared defaults, then overrides.
  std::set<std::string> declared;
  for (const auto& p : spec.parameters) {
    std::string field = "parameters." + p.name;
    if (!declared.insert(p.name).second) return src.Error(field, "parameter declared twice");
    if (p.default_value && !Fits(*p.default_value, p.type))
      return src.Error(field + ".default",
                       fmt::format("default {} is not a valid {}", p.default_value->dump(),
                                   ParamTypeName(p.type)));
    auto o = overrides.find(p.name);
    if (o != overrides.end()) {
      LATHE_ASSIGN_OR_RETURN(g.parameters[p.name], ParseOverride(p, o->second));
    } else if (p.default_value) {
      g.parameters[p.name] = p.type == ParamType::kDouble
                                 ? nlohmann::json(p.default_value->get<double>())
                                 : *p.default_value;
    } else {
      return src.Error(field, fmt::format("parameter '{}' has no default: pass --param {}=VALUE",
                                          p.name, p.name));
    }
  }
  LATHE_RETURN_IF_ERROR(CheckOverrides(spec, overrides));

  // Resolver input options become resolver nodes of their own, named NODE-INPUT.
  std::vector<NodeSpec> specs = spec.nodes;
  std::vector<std::string> fields;
  for (size_t i = 0; i < spec.nodes.size(); ++i) fields.push_back(fmt::format("nodes[{}]", i));
  for (size_t i = 0; i < spec.nodes.size(); ++i) {
    for (const auto& [input, r] : spec.nodes[i].resolver_inputs) {
      NodeSpec rn;
      rn.name = spec.nodes[i].name + "-" + input;
      rn.component = "resolver." + r.resolver;
      rn.parameters = r.parameters;
      // A resolver input resolves when its node is about to run: after the node's other
      // upstream nodes, so it sees what they made in this run (the span just ingested, say).
      for (const auto& [other, refs] : spec.nodes[i].inputs)
        for (const auto& ref : refs)
          if (std::find(rn.after.begin(), rn.after.end(), ref.node) == rn.after.end())
            rn.after.push_back(ref.node);
      for (const auto& a : spec.nodes[i].after)
        if (std::find(rn.after.begin(), rn.after.end(), a) == rn.after.end()) rn.after.push_back(a);
      specs[i].inputs[input].push_back({rn.name, "result"});
      specs.push_back(std::move(rn));
      fields.push_back(fmt::format("nodes[{}].inputs.{}", i, input));
    }
  }

  // Nodes: names, components, parameter references.
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < specs.size(); ++i) {
    const NodeSpec& n = specs[i];
    if (std::string problem = NameProblem(n.name, "-_"); !problem.empty())
      return src.Error(fields[i] + ".name", "node name: " + problem);
    for (const auto& [output, type] : n.outputs)
      if (std::string problem = NameProblem(output, "-_"); !problem.empty())
        return src.Error(fields[i] + ".outputs", "output name: " + problem);
    if (!index.emplace(n.name, i).second)
      return src.Error(fields[i] + ".name", fmt::format("duplicate node name '{}'", n.name));
  }
  if (specs.empty()) return src.Error("nodes", "a pipeline needs at least one node");
  Resolver resolver(g.parameters, src);
  std::vector<GraphNode> nodes(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    GraphNode& gn = nodes[i];
    gn.spec = specs[i];
    gn.field = fields[i];
    gn.component = registry.Find(gn.spec.component);
    if (gn.component == nullptr) {
      std::string known;
      for (const auto& t : registry.Types()) known += (known.empty() ? "" : ", ") + t;
      return src.Error(
          gn.field + (i < spec.nodes.size() ? ".component" : ".resolver"),
          fmt::format("unknown component '{}' (components: {})", gn.spec.component, known));
    }
    LATHE_ASSIGN_OR_RETURN(gn.spec.parameters,
                           resolver.Resolve(gn.spec.parameters, gn.field + ".parameters"));
    for (size_t a = 0; a < gn.spec.command.size(); ++a) {
      LATHE_ASSIGN_OR_RETURN(gn.spec.command[a],
                             resolver.ResolveCommandArgument(
                                 gn.spec.command[a], fmt::format("{}.command[{}]", gn.field, a)));
    }
    for (auto& [k, v] : gn.spec.env) {
      LATHE_ASSIGN_OR_RETURN(v, resolver.ResolveText(v, gn.field + ".env." + k));
    }
    LATHE_RETURN_IF_ERROR(gn.component->Prepare(gn.spec, src, gn.field));
    if (gn.spec.shards > 1 && !gn.component->shardable())
      return src.Error(gn.field + ".shards",
                       fmt::format("{} does not split its work into shards (ExampleGen and "
                                   "StatisticsGen do)",
                                   gn.spec.component));
  }
  // Inputs must name existing nodes and their outputs.
  for (GraphNode& gn : nodes) {
    for (const auto& [name, refs] : gn.spec.inputs) {
      std::string ifield = gn.field + ".inputs." + name;
      for (const auto& ref : refs) {
        auto it = index.find(ref.node);
        if (it == index.end())
          return src.Error(ifield, fmt::format("input refers to unknown node '{}'", ref.node));
        const NodeSpec& up = nodes[it->second].spec;
        if (!up.outputs.count(ref.output)) {
          std::string outs;
          for (const auto& [o, t] : up.outputs) outs += (outs.empty() ? "" : ", ") + o;
          return src.Error(ifield, fmt::format("node '{}' has no output '{}' (outputs: {})",
                                               ref.node, ref.output, outs.empty() ? "none" : outs));
        }
        if (std::find(gn.upstream.begin(), gn.upstream.end(), it->second) == gn.upstream.end())
          gn.upstream.push_back(it->second);
      }
    }
  }
  // `after`: ordering without artifacts.
  for (GraphNode& gn : nodes) {
    for (size_t a = 0; a < gn.spec.after.size(); ++a) {
      auto it = index.find(gn.spec.after[a]);
      if (it == index.end())
        return src.Error(fmt::format("{}.after[{}]", gn.field, a),
                         fmt::format("unknown node '{}'", gn.spec.after[a]));
      if (std::find(gn.upstream.begin(), gn.upstream.end(), it->second) == gn.upstream.end())
        gn.upstream.push_back(it->second);
    }
  }
  LATHE_RETURN_IF_ERROR(FindCycle(specs, index, src));

  // Topological order, stable with respect to the spec's order.
  std::vector<size_t> order;
  std::vector<bool> placed(nodes.size(), false);
  while (order.size() < nodes.size()) {
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (placed[i]) continue;
      bool ready = std::all_of(nodes[i].upstream.begin(), nodes[i].upstream.end(),
                               [&](size_t u) { return placed[u]; });
      if (ready) {
        placed[i] = true;
        order.push_back(i);
      }
    }
  }
  std::vector<size_t> position(nodes.size());
  for (size_t k = 0; k < order.size(); ++k) position[order[k]] = k;
  for (size_t k = 0; k < order.size(); ++k) {
    GraphNode n = nodes[order[k]];
    for (auto& u : n.upstream) u = position[u];
    Status err;
    n.definition_hash = DefinitionHash(n, g.base_dir, err, src);
    LATHE_RETURN_IF_ERROR(err);
    g.nodes.push_back(std::move(n));
  }
  return g;
}

std::string CacheKey(const GraphNode& node,
                     const std::map<std::string, std::vector<std::string>>& inputs) {
  Hasher h;
  h.UpdateField(node.definition_hash);
  for (const auto& [name, fps] : inputs) {
    h.UpdateField(name);
    for (const auto& fp : fps) h.UpdateField(fp);
  }
  return h.Finish();
}

nlohmann::json PipelineGraph::ToJson() const {
  nlohmann::json ns = nlohmann::json::array();
  for (const auto& n : nodes) {
    nlohmann::json inputs = nlohmann::json::object();
    for (const auto& [name, refs] : n.spec.inputs) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& r : refs) list.push_back(r.node + "." + r.output);
      inputs[name] = list;
    }
    ns.push_back({{"name", n.spec.name},
                  {"component", n.spec.component},
                  {"parameters", n.spec.parameters},
                  {"inputs", inputs},
                  {"outputs", n.spec.outputs},
                  {"after", n.spec.after},
                  {"command", n.spec.command},
                  {"code", n.spec.code},
                  {"env", n.spec.env},
                  {"retries", n.spec.retries},
                  {"timeout_s", n.spec.timeout_s},
                  {"cache", n.spec.cache},
                  {"cache_max_age_s", n.spec.cache_max_age_s},
                  {"definition_hash", n.definition_hash}});
  }
  return {{"name", name}, {"base_dir", base_dir}, {"parameters", parameters}, {"nodes", ns}};
}

namespace {

// Recorded values are already resolved: escape "${" so that resolving them again is a no-op,
// except for the executor's own references (${inputs.x}, ${outputs.y}, ${params_file}).
std::string Escape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 2, "${") == 0) {
      size_t end = s.find('}', i);
      std::string ref = end == std::string::npos ? "" : s.substr(i + 2, end - i - 2);
      if (!IsRuntimeReference(ref)) out += '$';
    }
    out += s[i];
  }
  return out;
}

nlohmann::json Escape(const nlohmann::json& v) {
  if (v.is_string()) return Escape(v.get<std::string>());
  if (v.is_array() || v.is_object()) {
    nlohmann::json out = v;
    for (auto& item : out) item = Escape(item);
    return out;
  }
  return v;
}

}  // namespace

Result<PipelineSpec> SpecFromGraphJson(const nlohmann::json& j) {
  try {
    PipelineSpec spec;
    spec.name = j.at("name").get<std::string>();
    spec.base_dir = j.at("base_dir").get<std::string>();
    spec.source.file = "(recorded run)";
    for (const auto& n : j.at("nodes")) {
      NodeSpec node;
      node.name = n.at("name").get<std::string>();
      node.component = n.at("component").get<std::string>();
      node.parameters = Escape(n.at("parameters"));
      for (auto it = n.at("inputs").begin(); it != n.at("inputs").end(); ++it) {
        for (const auto& ref : it.value()) {
          std::string r = ref.get<std::string>();
          size_t dot = r.find('.');
          node.inputs[it.key()].push_back({r.substr(0, dot), r.substr(dot + 1)});
        }
      }
      node.outputs = n.at("outputs").get<std::map<std::string, std::string>>();
      if (n.contains("after")) node.after = n["after"].get<std::vector<std::string>>();
      for (const auto& arg : n.at("command"))
        node.command.push_back(Escape(arg.get<std::string>()));
      node.code = n.at("code").get<std::vector<std::string>>();
      for (auto it = n.at("env").begin(); it != n.at("env").end(); ++it)
        node.env[it.key()] = Escape(it.value().get<std::string>());
      node.retries = n.at("retries").get<int>();
      node.timeout_s = n.at("timeout_s").get<double>();
      node.cache = n.at("cache").get<bool>();
      node.cache_max_age_s = n.at("cache_max_age_s").get<double>();
      spec.nodes.push_back(std::move(node));
    }
    return spec;
  } catch (const nlohmann::json::exception& e) {
    return DataLossError(std::string("recorded pipeline is malformed: ") + e.what());
  }
}

}  // namespace lathe::pipeline
