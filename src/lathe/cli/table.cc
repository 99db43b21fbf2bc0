#include "lathe/cli/table.h"

#include <fmt/format.h>
#include <locale.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include <algorithm>
#include <cwchar>
#include <numeric>

namespace lathe::cli {

namespace {

// The C.UTF-8 locale for wcwidth (part of libc): whatever the user's locale, cells are UTF-8.
locale_t Utf8Locale() {
  static locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return loc;
}

// One character of `s` at `i`: its length in bytes and its width in terminal columns (2 for CJK
// and other wide characters, 0 for combining marks).
struct Glyph {
  size_t bytes;
  size_t width;
};
Glyph GlyphAt(const std::string& s, size_t i) {
  const locale_t loc = Utf8Locale();
  if (loc != static_cast<locale_t>(nullptr)) {
    const locale_t old = uselocale(loc);
    std::mbstate_t state{};
    wchar_t wc = 0;
    const size_t n = std::mbrtowc(&wc, s.data() + i, s.size() - i, &state);
    const int w =
        n == static_cast<size_t>(-1) || n == static_cast<size_t>(-2) || n == 0 ? -1 : wcwidth(wc);
    uselocale(old);
    if (w >= 0) return {n, static_cast<size_t>(w)};
  }
  // Not decodable (or no locale): one column per byte that starts a character.
  size_t n = 1;
  while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
  return {n, 1};
}

size_t DisplayWidth(const std::string& s) {
  size_t w = 0;
  for (size_t i = 0; i < s.size();) {
    Glyph g = GlyphAt(s, i);
    w += g.width;
    i += g.bytes;
  }
  return w;
}

std::string Shorten(const std::string& s, size_t width) {
  if (DisplayWidth(s) <= width) return s;
  if (width == 0) return "";
  std::string out;
  size_t w = 0;
  for (size_t i = 0; i < s.size();) {
    Glyph g = GlyphAt(s, i);
    if (w + g.width > width - 1) break;
    out.append(s, i, g.bytes);
    w += g.width;
    i += g.bytes;
  }
  return out + "…";
}

// A cell on one line: line breaks and other control characters shown as escapes.
std::string OneLine(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\t')
      out += "\\t";
    else if (static_cast<unsigned char>(c) < 0x20)
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    else
      out += c;
  }
  return out;
}

}  // namespace

size_t TerminalWidth(std::FILE* out) {
  int fd = fileno(out);
  if (!isatty(fd)) return 0;
  winsize ws{};
  if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 100;
}

void Table::AddRow(std::vector<std::string> cells) {
  for (auto& c : cells) c = OneLine(c);
  rows_.push_back(std::move(cells));
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
