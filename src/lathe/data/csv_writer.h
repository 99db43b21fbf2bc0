// Writing CSV (RFC 4180) that Lathe's CSV reader reads back to the same values: fields quoted
// when they hold the delimiter, a quote or a line break; numbers in the shortest form that
// round-trips (every double exactly); missing values as empty fields. Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lathe/data/column.h"

namespace lathe::data {

// `text` as one CSV field, quoted (with "" escapes) when it needs to be.
std::string CsvField(std::string_view text, char delimiter = ',');

// Appends the value of `column` at `row` as a field ("" when missing).
void AppendCsvValue(std::string& line, const Column& column, size_t row, char delimiter = ',');

// Appends a number in the shortest form that reads back to the same double ("" for NaN).
void AppendCsvNumber(std::string& line, double value);

// The header line (names quoted as needed), with its newline.
std::string CsvHeader(const std::vector<std::string>& names, char delimiter = ',');

}  // namespace lathe::data
