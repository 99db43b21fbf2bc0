#include "lathe/core/yaml.h"

#include <fmt/format.h>

#include <map>

namespace lathe {

namespace {

// Where flow collections ('[', '{' outside quotes and comments) first nest deeper than
// kMaxYamlDepth: {line, column}, 1-based; {0, 0} if they never do.
std::pair<int, int> FlowTooDeep(std::string_view text) {
  int depth = 0, line = 1, column = 0;
  char quote = 0;
  bool comment = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    ++column;
    if (c == '\n') {
      ++line;
      column = 0;
      comment = false;
      continue;
    }
    if (comment) continue;
    if (quote != 0) {
      if (quote == '"' && c == '\\')
        ++i, ++column;
      else if (c == quote)
        quote = 0;
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t')) {
      comment = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxYamlDepth) return {line, column};
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return {0, 0};
}

class Checker {
 public:
  explicit Checker(const std::string& name) : name_(name) {}

  Status Check(const YAML::Node& n, int depth) {
    if (++values_ > kMaxYamlValues)
      return InvalidArgumentError(fmt::format(
          "{}: more than {} values (aliases expanding too far?)", name_, kMaxYamlValues));
    if (depth > kMaxYamlDepth)
      return Error(n, fmt::format("nested deeper than {} levels", kMaxYamlDepth));
    if (n.IsSequence()) {
      for (const auto& item : n) LATHE_RETURN_IF_ERROR(Check(item, depth + 1));
    } else if (n.IsMap()) {
      std::map<std::string, YAML::Mark> keys;
      for (const auto& kv : n) {
        if (kv.first.IsScalar()) {
          auto [it, added] = keys.emplace(kv.first.Scalar(), kv.first.Mark());
          if (!added)
            return Error(kv.first,
                         fmt::format("duplicate key '{}' (first at {}:{})", kv.first.Scalar(),
                                     it->second.line + 1, it->second.column + 1));
        }
        LATHE_RETURN_IF_ERROR(Check(kv.first, depth + 1));
        LATHE_RETURN_IF_ERROR(Check(kv.second, depth + 1));
      }
    }
    return Status::Ok();
  }

 private:
  Status Error(const YAML::Node& n, const std::string& what) const {
    return InvalidArgumentError(
        fmt::format("{}:{}:{}: {}", name_, n.Mark().line + 1, n.Mark().column + 1, what));
  }

  const std::string& name_;
  size_t values_ = 0;
};

}  // namespace

Result<YAML::Node> LoadUserYaml(std::string_view text, const std::string& name) {
  if (text.size() > kMaxYamlBytes)
    return InvalidArgumentError(fmt::format("{}: larger than {} MiB", name, kMaxYamlBytes >> 20));
  if (auto [line, column] = FlowTooDeep(text); line > 0)
    return InvalidArgumentError(
        fmt::format("{}:{}:{}: nested deeper than {} levels", name, line, column, kMaxYamlDepth));
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    return InvalidArgumentError(fmt::format("{}:{}:{}: malformed YAML: {}", name, e.mark.line + 1,
                                            e.mark.column + 1, e.msg));
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(fmt::format("{}: malformed YAML: {}", name, e.what()));
  }
  LATHE_RETURN_IF_ERROR(Checker(name).Check(root, 0));
  return root;
}

}  // namespace lathe
