// ExampleGen's input patterns: a data file, or a pattern whose placeholders {SPAN}, {VERSION},
// {YYYY}, {MM} and {DD} match digits, and `*` any characters within one path component, in paths
// below the directory above the first placeholder ("data/{YYYY}-{MM}/part-*.csv"). The pattern
// picks the files of a given span, or of the newest one: the highest span, then the highest
// version; all the files of that span and version, in path order (a dataset in many files). A
// span from date parts is YYYYMMDD.
//
// Plain values; stateless functions. Errors: INVALID_ARGUMENT for an unknown placeholder or a
// number in a path that does not fit 64 bits, NOT_FOUND when nothing matches.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "lathe/core/status.h"

namespace lathe::components {

// A file a pattern matched, with the span and version its path encodes (0 without placeholders).
struct InputFile {
  std::string path;
  int64_t span = 0;
  int64_t version = 0;
  bool has_span = false;  // the pattern has span or date placeholders: the data has a span
};

class InputPattern {
 public:
  // `pattern` relative to `base_dir` (the spec's directory) unless absolute.
  static Result<InputPattern> Parse(const std::string& base_dir, const std::string& pattern);

  // The span and version of `path` if the pattern matches it; nullopt if not.
  Result<std::optional<InputFile>> Match(const std::filesystem::path& path) const;
  // The files of `span`, or of the newest span (highest span, then version), sorted by path;
  // never empty.
  Result<std::vector<InputFile>> Resolve(std::optional<int64_t> span) const;

 private:
  std::string text_;                 // the pattern as given, for messages
  std::string literal_;              // without placeholders: the one file
  std::string root_;                 // the directory walked
  std::regex re_;                    // what paths below root_ must match
  std::vector<std::string> groups_;  // the placeholder of each group
};

Result<std::vector<InputFile>> ResolveInputPattern(const std::string& base_dir,
                                                   const std::string& pattern,
                                                   std::optional<int64_t> span);

}  // namespace lathe::components
