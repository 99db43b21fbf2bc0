#include "lathe/server/prometheus_text.h"

#include <fmt/format.h>

#include <cmath>
#include <string_view>

#include "lathe/core/strings.h"

namespace lathe::server {

namespace {

// A label value up to its closing quote, unescaped; `i` is left after the quote.
bool ReadQuoted(std::string_view line, size_t& i, std::string& out) {
  for (; i < line.size(); ++i) {
    char c = line[i];
    if (c == '"') {
      ++i;
      return true;
    }
    if (c == '\\' && i + 1 < line.size()) {
      char n = line[++i];
      out += n == 'n' ? '\n' : n;
    } else {
      out += c;
    }
  }
  return false;
}

double ParseSampleValue(std::string_view text, bool& ok) {
  ok = true;
  if (text == "+Inf" || text == "Inf") return INFINITY;
  if (text == "-Inf") return -INFINITY;
  if (text == "NaN") return NAN;
  auto v = ParseDouble(text);
  ok = v.has_value();
  return v.value_or(0);
}

}  // namespace

Result<std::vector<MetricSample>> ParsePrometheusText(const std::string& text) {
  std::vector<MetricSample> out;
  size_t line_no = 0;
  for (std::string_view line : Split(text, '\n')) {
    ++line_no;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    auto bad = [&](std::string_view why) {
      return InvalidArgumentError(
          fmt::format("metrics line {}: {}: '{}'", line_no, why, std::string(line.substr(0, 80))));
    };
    MetricSample s;
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = std::string(line.substr(0, i));
    if (s.name.empty()) return bad("no metric name");
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        size_t eq = line.find('=', i);
        if (eq == std::string_view::npos || eq + 1 >= line.size() || line[eq + 1] != '"')
          return bad("a label without a quoted value");
        std::string key(line.substr(i, eq - i));
        i = eq + 2;
        std::string value;
        if (!ReadQuoted(line, i, value)) return bad("an unterminated label value");
        s.labels[key] = std::move(value);
        if (i < line.size() && line[i] == ',')
          ++i;
        else if (i >= line.size() || line[i] != '}')
          return bad("no closing brace");
      }
      if (i >= line.size()) return bad("no closing brace");
      ++i;
    }
    while (i < line.size() && line[i] == ' ') ++i;
    size_t end = line.find(' ', i);  // a timestamp may follow
    bool ok = false;
    s.value = ParseSampleValue(line.substr(i, end == std::string_view::npos ? end : end - i), ok);
    if (!ok) return bad("the value is not a number");
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace lathe::server
