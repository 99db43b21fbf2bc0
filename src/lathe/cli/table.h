// Plain-text tables for terminal output: columns aligned by display width (CJK and other wide
// characters take two columns), cells kept on one line, long cells shortened to fit the
// terminal width when printing to a terminal.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace lathe::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  // Line breaks and control characters in cells are shown escaped ("a\nb"), so rows stay rows.
  void AddRow(std::vector<std::string> cells);
  size_t size() const { return rows_.size(); }
  // `width` 0 means no limit; otherwise the widest columns are shortened with "…".
  void Print(std::FILE* out, size_t width) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// Width of the terminal behind `out`, or 0 when it is not a terminal.
size_t TerminalWidth(std::FILE* out);

}  // namespace lathe::cli
