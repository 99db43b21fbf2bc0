// Reading JSON Lines: one JSON object per line. Columns are the keys, in order of first
// appearance within the first `infer_rows` lines (the keys of one line by name: objects are
// parsed into ordered maps); their types are inferred there (int64, double,
// bool, string; nested values are kept as JSON text) unless given. A missing key or null is a
// missing value. A key first seen later (with a value), or a value its key's inferred type cannot
// hold, widens the columns and starts the read over, as for CSV (ReadOptions::on_restart); keys
// added so come after the others, by name. Without on_restart it is an error naming the line.
// Streams: blocks of whole lines are parsed by several threads and batches are handed out in file
// order (the engine the CSV reader uses), so memory stays bounded whatever the file size.
#pragma once

#include <map>
#include <string>

#include "lathe/core/status.h"
#include "lathe/data/csv.h"

namespace lathe::data {

// JSON Lines takes what every text reader takes (csv.h); nothing of its own.
using JsonLinesOptions = ReadOptions;

Result<CsvReport> ReadJsonLines(const std::string& path, const JsonLinesOptions& options,
                                const BatchCallback& on_batch,
                                const WorkerCallback& in_worker = nullptr);
Result<CsvReport> ReadJsonLinesText(std::string_view text, const std::string& name,
                                    const JsonLinesOptions& options, const BatchCallback& on_batch,
                                    const WorkerCallback& in_worker = nullptr);

}  // namespace lathe::data
