#include "lathe/components/input_pattern.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>

namespace lathe::components {

namespace fs = std::filesystem;

Result<InputPattern> InputPattern::Parse(const std::string& base_dir, const std::string& pattern) {
  fs::path full =
      fs::path(pattern).is_absolute() ? fs::path(pattern) : fs::path(base_dir) / pattern;
  std::string text = full.lexically_normal().generic_string();
  InputPattern ip;
  ip.text_ = pattern;
  if (text.find_first_of("{*") == std::string::npos) {
    ip.literal_ = text;
    return ip;
  }
  size_t brace = text.find_first_of("{*");
  size_t slash = text.rfind('/', brace);
  ip.root_ = text.substr(0, slash);
  std::string regex;
  for (size_t i = slash + 1; i < text.size(); ++i) {
    if (text[i] == '{') {
      size_t end = text.find('}', i);
      std::string name = end == std::string::npos ? "" : text.substr(i + 1, end - i - 1);
      static const std::map<std::string, std::string> kParts = {{"SPAN", "(\\d+)"},
                                                                {"VERSION", "(\\d+)"},
                                                                {"YYYY", "(\\d{4})"},
                                                                {"MM", "(\\d{2})"},
                                                                {"DD", "(\\d{2})"}};
      auto it = kParts.find(name);
      if (end == std::string::npos || it == kParts.end())
        return InvalidArgumentError(
            fmt::format("input pattern {}: unknown placeholder {{{}}} (use SPAN, VERSION, "
                        "YYYY, MM, DD)",
                        pattern, name));
      regex += it->second;
      ip.groups_.push_back(name);
      i = end;
    } else if (text[i] == '*') {
      regex += "[^/]*";  // any characters within one path component
    } else {
      if (std::string("\\^$.|?*+()[]").find(text[i]) != std::string::npos) regex += '\\';
      regex += text[i];
    }
  }
  ip.re_ = std::regex(regex);
  return ip;
}

Result<std::optional<InputFile>> InputPattern::Match(const fs::path& path) const {
  if (!literal_.empty()) return std::optional<InputFile>(InputFile{path.string(), 0, 0});
  std::string rel = fs::path(path).lexically_relative(root_).generic_string();
  std::smatch m;
  if (!std::regex_match(rel, m, re_)) return std::optional<InputFile>();
  InputFile f{path.string(), 0, 0};
  int64_t y = 0, mo = 0, d = 0;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const std::string digits = m[g + 1].str();
    int64_t v = 0;
    auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (err != std::errc() || end != digits.data() + digits.size())
      return InvalidArgumentError(
          fmt::format("{}: {{{}}} is {}, which does not fit a 64-bit number", path.string(),
                      groups_[g], digits));
    if (groups_[g] == "SPAN") f.span = v;
    f.has_span = f.has_span || groups_[g] != "VERSION";
    if (groups_[g] == "VERSION") f.version = v;
    if (groups_[g] == "YYYY") y = v;
    if (groups_[g] == "MM") mo = v;
    if (groups_[g] == "DD") d = v;
  }
  if (y > 0) f.span = y * 10000 + mo * 100 + d;
  return std::optional<InputFile>(f);
}

Result<std::vector<InputFile>> InputPattern::Resolve(std::optional<int64_t> span) const {
  if (!literal_.empty()) {
    std::error_code ec;
    if (!fs::exists(literal_, ec))
      return NotFoundError(fmt::format("input {} does not exist", literal_));
    return std::vector<InputFile>{InputFile{literal_, 0, 0}};
  }
  std::vector<InputFile> best;  // the files of the newest span and version so far
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root_, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code fec;
    if (!it->is_regular_file(fec)) continue;
    LATHE_ASSIGN_OR_RETURN(auto f, Match(it->path()));
    if (!f || (span && f->span != *span)) continue;
    if (!best.empty() &&
        (f->span < best[0].span || (f->span == best[0].span && f->version < best[0].version)))
      continue;
    if (!best.empty() && (f->span != best[0].span || f->version != best[0].version)) best.clear();
    best.push_back(*f);
  }
  if (best.empty())
    return NotFoundError(
        span ? fmt::format("no file matches input pattern {} for span {}", text_, *span)
             : fmt::format("no file matches input pattern {} (under {})", text_, root_));
  // Directory order is the file system's: the data's order is the paths'.
  std::sort(best.begin(), best.end(),
            [](const InputFile& a, const InputFile& b) { return a.path < b.path; });
  return best;
}

Result<std::vector<InputFile>> ResolveInputPattern(const std::string& base_dir,
                                                   const std::string& pattern,
                                                   std::optional<int64_t> span) {
  LATHE_ASSIGN_OR_RETURN(InputPattern ip, InputPattern::Parse(base_dir, pattern));
  return ip.Resolve(span);
}

}  // namespace lathe::components
