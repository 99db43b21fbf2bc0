#include "lathe/cli/table.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <numeric>

namespace lathe::cli {

namespace {

// Display width in code points (UTF-8 continuation bytes do not count).
size_t DisplayWidth(const std::string& s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string Shorten(const std::string& s, size_t width) {
  if (DisplayWidth(s) <= width) return s;
  if (width == 0) return "";
  std::string out;
  size_t w = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    bool lead = (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
    if (lead && ++w > width - 1) break;
    out += s[i];
  }
  return out + "…";
}

}  // namespace

size_t TerminalWidth(std::FILE* out) {
  int fd = fileno(out);
  if (!isatty(fd)) return 0;
  winsize ws{};
  if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 100;
}

void Table::Print(std::FILE* out, size_t width) const {
  const size_t n = headers_.size();
  std::vector<size_t> widths(n);
  for (size_t c = 0; c < n; ++c) {
    widths[c] = DisplayWidth(headers_[c]);
    for (const auto& row : rows_)
      if (c < row.size()) widths[c] = std::max(widths[c], DisplayWidth(row[c]));
  }
  if (width > 0) {
    // Shrink the widest column until the table fits (two spaces between columns).
    auto total = [&] {
      return std::accumulate(widths.begin(), widths.end(), size_t{0}) + 2 * (n - 1);
    };
    while (total() > width) {
      auto widest = std::max_element(widths.begin(), widths.end());
      if (*widest <= 8) break;
      --*widest;
    }
  }
  auto print_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t c = 0; c < n; ++c) {
      std::string cell = Shorten(c < cells.size() ? cells[c] : "", widths[c]);
      line += cell;
      if (c + 1 < n) line += std::string(widths[c] - DisplayWidth(cell) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::fprintf(out, "%s\n", line.c_str());
  };
  print_row(headers_);
  for (const auto& row : rows_) print_row(row);
}

}  // namespace lathe::cli
