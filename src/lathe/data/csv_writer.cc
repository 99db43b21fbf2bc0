#include "lathe/data/csv_writer.h"

#include <fmt/format.h>

#include <cmath>
#include <iterator>

namespace lathe::data {

std::string CsvField(std::string_view text, char delimiter) {
  const char special[] = {delimiter, '"', '\r', '\n', '\0'};
  if (text.find_first_of(special) == std::string_view::npos) return std::string(text);
  std::string q = "\"";
  for (char c : text) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

void AppendCsvNumber(std::string& line, double value) {
  if (!std::isnan(value)) fmt::format_to(std::back_inserter(line), "{}", value);
}

void AppendCsvValue(std::string& line, const Column& c, size_t row, char delimiter) {
  if (c.is_null(row)) return;
  switch (c.type()) {
    case ColumnType::kInt64:
      fmt::format_to(std::back_inserter(line), "{}", c.int_at(row));
      return;
    case ColumnType::kDouble:
      AppendCsvNumber(line, c.double_at(row));
      return;
    case ColumnType::kBool:
      line += c.bool_at(row) ? "true" : "false";
      return;
    case ColumnType::kString:
      line += CsvField(c.string_at(row), delimiter);
      return;
    case ColumnType::kNull:
      return;
  }
}

std::string CsvHeader(const std::vector<std::string>& names, char delimiter) {
  std::string line;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) line += delimiter;
    line += CsvField(names[i], delimiter);
  }
  return line + "\n";
}

}  // namespace lathe::data
