// Reading any table file Lathe knows, by extension: Lathe columnar (.lcol), JSON Lines (.jsonl,
// .ndjson) or CSV (anything else). Batches come in file order; `in_worker`, when set, sees each
// batch first in the thread that made it (CSV parses in several threads; the others in one).
#pragma once

#include <string>

#include "lathe/core/status.h"
#include "lathe/data/csv.h"

namespace lathe::data {

enum class FileFormat { kCsv, kJsonLines, kColumnar };
FileFormat FormatOf(const std::string& path);

// `options` apply to CSV as they are; JSON Lines take its types and bad-row policy.
Result<CsvReport> ReadTableFile(const std::string& path, const CsvOptions& options,
                                const BatchCallback& on_batch,
                                const WorkerCallback& in_worker = nullptr);

}  // namespace lathe::data
