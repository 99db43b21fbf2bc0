// Reading pipeline specs from YAML (yaml-cpp), keeping every field's source location.
#include "lathe/pipeline/spec.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "lathe/core/fs.h"
#include "lathe/core/strings.h"
#include "lathe/core/yaml.h"

namespace lathe::pipeline {

namespace fs = std::filesystem;

SourceLocation SourceMap::Find(const std::string& field) const {
  std::string f = field;
  while (true) {
    auto it = locations_.find(f);
    if (it != locations_.end()) return it->second;
    size_t cut = f.find_last_of(".[");
    if (cut == std::string::npos || cut == 0) return SourceLocation{file, 0, 0};
    f = f.substr(0, cut);
  }
}

Status SourceMap::Error(const std::string& field, const std::string& message) const {
  SourceLocation loc = Find(field);
  std::string where = loc.file.empty() ? "" : loc.file + ":";
  if (loc.line > 0) where += fmt::format("{}:{}:", loc.line, loc.column);
  if (!where.empty()) where += " ";
  if (!field.empty()) where += field + ": ";
  return InvalidArgumentError(where + message);
}

std::string_view ParamTypeName(ParamType t) {
  switch (t) {
    case ParamType::kString:
      return "string";
    case ParamType::kInt:
      return "int";
    case ParamType::kDouble:
      return "double";
    case ParamType::kBool:
      return "bool";
  }
  return "string";
}

Result<double> ParseDuration(const std::string& text) {
  std::string t(Trim(text));
  double unit = 1;
  if (!t.empty() && std::isalpha(static_cast<unsigned char>(t.back()))) {
    switch (t.back()) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86400;
        break;
      default:
        return InvalidArgumentError(
            fmt::format("'{}' is not a duration (e.g. 90s, 15m, 2h, 7d)", text));
    }
    t.pop_back();
  }
  auto v = ParseDouble(t);
  if (!v || *v < 0)
    return InvalidArgumentError(
        fmt::format("'{}' is not a duration (e.g. 90s, 15m, 2h, 7d)", text));
  return *v * unit;
}

namespace {

// Turns YAML into JSON with YAML 1.2 core-schema scalars: quoted scalars stay strings, plain ones
// become null, booleans, integers or numbers when they look like one.
nlohmann::json ToJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Sequence: {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& item : n) j.push_back(ToJson(item));
      return j;
    }
    case YAML::NodeType::Map: {
      nlohmann::json j = nlohmann::json::object();
      for (const auto& kv : n) j[kv.first.Scalar()] = ToJson(kv.second);
      return j;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!") return s;  // quoted
      if (s == "null" || s == "Null" || s == "NULL" || s == "~") return nullptr;
      if (s == "true" || s == "True" || s == "TRUE") return true;
      if (s == "false" || s == "False" || s == "FALSE") return false;
      if (auto i = ParseInt(s)) return static_cast<int64_t>(*i);
      if (s.find_first_of("0123456789") != std::string::npos) {
        if (auto d = ParseDouble(s)) return *d;
      }
      return s;
    }
    default:
      return nullptr;
  }
}

class SpecReader {
 public:
  explicit SpecReader(PipelineSpec& spec) : spec_(spec) {}

  Status Read(const YAML::Node& root) {
    if (!root.IsMap())
      return Error("", root, "a pipeline spec must be a mapping (apiVersion, kind, name, nodes)");
    LATHE_RETURN_IF_ERROR(
        CheckKeys("", root, {"apiVersion", "kind", "name", "description", "parameters", "nodes"}));
    LATHE_ASSIGN_OR_RETURN(spec_.api_version, RequiredString("apiVersion", root));
    if (spec_.api_version != "lathe/v1")
      return Error("apiVersion", root["apiVersion"],
                   fmt::format("unsupported version '{}' (expected lathe/v1)", spec_.api_version));
    LATHE_ASSIGN_OR_RETURN(std::string kind, RequiredString("kind", root));
    if (kind != "Pipeline")
      return Error("kind", root["kind"], fmt::format("kind is '{}', expected Pipeline", kind));
    LATHE_ASSIGN_OR_RETURN(spec_.name, RequiredString("name", root));
    if (root["description"]) {
      LATHE_ASSIGN_OR_RETURN(spec_.description, String("description", root["description"]));
    }
    if (const auto& params = root["parameters"]) {
      if (!params.IsMap())
        return Error("parameters", params, "expected a mapping of parameter names");
      for (const auto& kv : params)
        LATHE_RETURN_IF_ERROR(ReadParameter(kv.first.Scalar(), kv.second));
    }
    const auto& nodes = root["nodes"];
    if (!nodes) return Error("", root, "missing field 'nodes'");
    if (!nodes.IsSequence()) return Error("nodes", nodes, "expected a list of nodes");
    Mark("nodes", nodes);
    for (size_t i = 0; i < nodes.size(); ++i)
      LATHE_RETURN_IF_ERROR(ReadNode(fmt::format("nodes[{}]", i), nodes[i]));
    return Status::Ok();
  }

 private:
  void Mark(const std::string& field, const YAML::Node& n) {
    spec_.source.Set(field,
                     SourceLocation{spec_.source.file, n.Mark().line + 1, n.Mark().column + 1});
  }

  Status Error(const std::string& field, const YAML::Node& n, const std::string& message) {
    if (n.IsDefined()) Mark(field, n);
    return spec_.source.Error(field, message);
  }

  Status CheckKeys(const std::string& field, const YAML::Node& map, std::set<std::string> allowed) {
    for (const auto& kv : map) {
      const std::string key = kv.first.Scalar();
      std::string path = field.empty() ? key : field + "." + key;
      Mark(path, kv.first);
      if (!allowed.count(key)) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        return spec_.source.Error(
            path, fmt::format("unknown field '{}' (expected one of: {})", key, list));
      }
    }
    return Status::Ok();
  }

  Result<std::string> String(const std::string& field, const YAML::Node& n) {
    Mark(field, n);
    if (!n.IsScalar()) return Error(field, n, "expected a text value");
    return n.Scalar();
  }

  Result<std::string> RequiredString(const std::string& key, const YAML::Node& map,
                                     const std::string& prefix = "") {
    std::string field = prefix.empty() ? key : prefix + "." + key;
    const auto& n = map[key];
    if (!n) return Error(prefix, map, fmt::format("missing field '{}'", key));
    LATHE_ASSIGN_OR_RETURN(std::string s, String(field, n));
    if (s.empty()) return Error(field, n, "must not be empty");
    return s;
  }

  Result<double> Duration(const std::string& field, const YAML::Node& n) {
    LATHE_ASSIGN_OR_RETURN(std::string text, String(field, n));
    auto d = ParseDuration(text);
    if (!d.ok()) return Error(field, n, d.status().message());
    return *d;
  }

  Result<std::vector<std::string>> StringList(const std::string& field, const YAML::Node& n) {
    Mark(field, n);
    std::vector<std::string> out;
    if (n.IsScalar()) return std::vector<std::string>{n.Scalar()};
    if (!n.IsSequence()) return Error(field, n, "expected a list of text values");
    for (size_t i = 0; i < n.size(); ++i) {
      LATHE_ASSIGN_OR_RETURN(std::string s, String(fmt::format("{}[{}]", field, i), n[i]));
      out.push_back(std::move(s));
    }
    return out;
  }

  Status ReadParameter(const std::string& name, const YAML::Node& n) {
    std::string field = "parameters." + name;
    Mark(field, n);
    ParameterSpec p;
    p.name = name;
    if (n.IsMap()) {
      LATHE_RETURN_IF_ERROR(CheckKeys(field, n, {"type", "default", "description"}));
      if (n["type"]) {
        LATHE_ASSIGN_OR_RETURN(std::string t, String(field + ".type", n["type"]));
        if (t == "string")
          p.type = ParamType::kString;
        else if (t == "int")
          p.type = ParamType::kInt;
        else if (t == "double")
          p.type = ParamType::kDouble;
        else if (t == "bool")
          p.type = ParamType::kBool;
        else
          return Error(field + ".type", n["type"],
                       fmt::format("unknown type '{}' (expected string, int, double or bool)", t));
      }
      if (n["default"]) {
        Mark(field + ".default", n["default"]);
        p.default_value = ToJson(n["default"]);
        if (!n["type"]) p.type = InferType(*p.default_value);
      }
      if (n["description"]) {
        LATHE_ASSIGN_OR_RETURN(p.description, String(field + ".description", n["description"]));
      }
    } else if (n.IsScalar()) {
      p.default_value = ToJson(n);  // shorthand: "name: default"
      p.type = InferType(*p.default_value);
    } else {
      return Error(field, n,
                   "expected a default value or a mapping with type, default and description");
    }
    spec_.parameters.push_back(std::move(p));
    return Status::Ok();
  }

  static ParamType InferType(const nlohmann::json& v) {
    if (v.is_boolean()) return ParamType::kBool;
    if (v.is_number_integer()) return ParamType::kInt;
    if (v.is_number()) return ParamType::kDouble;
    return ParamType::kString;
  }

  Status ReadNode(const std::string& field, const YAML::Node& n) {
    Mark(field, n);
    if (!n.IsMap())
      return Error(field, n, "a node must be a mapping with at least name and component");
    LATHE_RETURN_IF_ERROR(
        CheckKeys(field, n,
                  {"name", "component", "parameters", "inputs", "outputs", "after", "command",
                   "code", "env", "retries", "timeout", "cache", "cache_max_age", "shards"}));
    NodeSpec node;
    LATHE_ASSIGN_OR_RETURN(node.name, RequiredString("name", n, field));
    LATHE_ASSIGN_OR_RETURN(node.component, RequiredString("component", n, field));
    if (const auto& p = n["parameters"]) {
      Mark(field + ".parameters", p);
      if (!p.IsMap())
        return Error(field + ".parameters", p, "expected a mapping of parameter names to values");
      for (const auto& kv : p) Mark(field + ".parameters." + kv.first.Scalar(), kv.second);
      node.parameters = ToJson(p);
    }
    if (const auto& in = n["inputs"]) {
      Mark(field + ".inputs", in);
      if (!in.IsMap())
        return Error(field + ".inputs", in,
                     "expected a mapping of input names to NODE.OUTPUT references");
      for (const auto& kv : in) {
        std::string ifield = field + ".inputs." + kv.first.Scalar();
        if (kv.second.IsMap()) {  // {resolver: NAME, other parameters...}
          Mark(ifield, kv.second);
          nlohmann::json params = ToJson(kv.second);
          if (!params.contains("resolver") || !params["resolver"].is_string())
            return Error(ifield, kv.second, "an input mapping needs `resolver: NAME`");
          ResolverInput r;
          r.resolver = params["resolver"].get<std::string>();
          params.erase("resolver");
          r.parameters = std::move(params);
          node.resolver_inputs[kv.first.Scalar()] = std::move(r);
          continue;
        }
        LATHE_ASSIGN_OR_RETURN(auto refs, StringList(ifield, kv.second));
        for (const auto& ref : refs) {
          size_t dot = ref.find('.');
          if (dot == std::string::npos || dot == 0 || dot + 1 == ref.size())
            return Error(ifield, kv.second,
                         fmt::format("'{}' is not a NODE.OUTPUT reference", ref));
          node.inputs[kv.first.Scalar()].push_back({ref.substr(0, dot), ref.substr(dot + 1)});
        }
      }
    }
    if (const auto& out = n["outputs"]) {
      std::string ofield = field + ".outputs";
      Mark(ofield, out);
      if (out.IsMap()) {
        for (const auto& kv : out) {
          LATHE_ASSIGN_OR_RETURN(std::string type,
                                 String(ofield + "." + kv.first.Scalar(), kv.second));
          node.outputs[kv.first.Scalar()] = type;
        }
      } else {
        LATHE_ASSIGN_OR_RETURN(auto names, StringList(ofield, out));
        for (const auto& name : names) node.outputs[name] = "File";
      }
    }
    if (const auto& c = n["command"]) {
      LATHE_ASSIGN_OR_RETURN(node.command, StringList(field + ".command", c));
    }
    if (const auto& a = n["after"]) {
      Mark(field + ".after", a);
      LATHE_ASSIGN_OR_RETURN(node.after, StringList(field + ".after", a));
    }
    if (const auto& c = n["code"]) {
      LATHE_ASSIGN_OR_RETURN(node.code, StringList(field + ".code", c));
    }
    if (const auto& e = n["env"]) {
      Mark(field + ".env", e);
      if (!e.IsMap())
        return Error(field + ".env", e, "expected a mapping of variable names to values");
      for (const auto& kv : e) {
        LATHE_ASSIGN_OR_RETURN(node.env[kv.first.Scalar()],
                               String(field + ".env." + kv.first.Scalar(), kv.second));
      }
    }
    if (const auto& r = n["retries"]) {
      auto v = ToJson(r);
      Mark(field + ".retries", r);
      if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > 100)
        return Error(field + ".retries", r, "expected a whole number from 0 to 100");
      node.retries = v.get<int>();
    }
    if (const auto& t = n["timeout"]) {
      LATHE_ASSIGN_OR_RETURN(node.timeout_s, Duration(field + ".timeout", t));
    }
    if (const auto& c = n["cache"]) {
      auto v = ToJson(c);
      Mark(field + ".cache", c);
      if (!v.is_boolean()) return Error(field + ".cache", c, "expected true or false");
      node.cache = v.get<bool>();
    }
    if (const auto& a = n["cache_max_age"]) {
      LATHE_ASSIGN_OR_RETURN(node.cache_max_age_s, Duration(field + ".cache_max_age", a));
    }
    if (const auto& sh = n["shards"]) {
      auto v = ToJson(sh);
      Mark(field + ".shards", sh);
      if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > 10000)
        return Error(field + ".shards", sh, "expected a whole number from 1 to 10000");
      node.shards = v.get<int>();
    }
    spec_.nodes.push_back(std::move(node));
    return Status::Ok();
  }

  PipelineSpec& spec_;
};

}  // namespace

Result<PipelineSpec> ParsePipelineSpec(const std::string& yaml_text, const std::string& file_name) {
  PipelineSpec spec;
  spec.source.file = file_name;
  LATHE_ASSIGN_OR_RETURN(YAML::Node root, LoadUserYaml(yaml_text, file_name));
  try {
    LATHE_RETURN_IF_ERROR(SpecReader(spec).Read(root));
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(
        fmt::format("{}:{}:{}: {}", file_name, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  return spec;
}

Result<PipelineSpec> LoadPipelineSpec(const std::string& path) {
  LATHE_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path, "pipeline spec", kMaxYamlBytes));
  LATHE_ASSIGN_OR_RETURN(PipelineSpec spec, ParsePipelineSpec(text, path));
  std::error_code ec;
  spec.base_dir = fs::absolute(fs::path(path), ec).parent_path().string();
  return spec;
}

}  // namespace lathe::pipeline
