// Reading CSV (RFC 4180): quoted fields with "" escapes and embedded newlines, a header row,
// UTF-8 checked, configurable delimiter and missing-value markers, column types inferred from the
// first rows and widened on conflict (see ReadOptions::on_restart), or given. Streams: the file is
// read in blocks cut at record boundaries and parsed by several threads, and batches are handed out
// in file order, so memory stays bounded by (threads + queue) blocks whatever the file size.
//
// Errors name file, line and column ("data.csv:12:5: expected 8 fields, found 6"). Bad rows
// (wrong field count, values that do not fit the column type, bad UTF-8) fail the read, or with
// BadRows::kSkip are counted and skipped up to a limit. Thread-safe: independent reads may run
// concurrently; the batch callback is called from one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lathe/core/status.h"
#include "lathe/data/column.h"

namespace lathe::data {

// What every text reader (CSV, JSON Lines) takes.
struct ReadOptions {
  std::map<std::string, ColumnType> types;  // overrides of inferred types, by column name
  // Types for columns that have no values in the rows types are inferred from (instead of
  // kNull), e.g. a fitted transform's input types; names the input lacks are ignored.
  std::map<std::string, ColumnType> types_if_empty;
  size_t infer_rows = 10000;  // rows used to infer column types
  enum class BadRows { kFail, kSkip };
  BadRows bad_rows = BadRows::kFail;
  int64_t max_bad_rows = -1;  // with kSkip: fail once more rows than this are bad; -1: no limit
  int threads = 0;            // parsing threads; 0: one per core
  size_t block_bytes = 4 << 20;
  // The longest record read: past it (no line end in sight: /dev/zero, a binary file, an
  // unterminated quote) the read fails naming the line instead of growing without bound.
  size_t max_record_bytes = 64 << 20;
  // Called from the reading thread with the bytes read so far, once per block (for progress).
  std::function<void(int64_t bytes)> on_progress;
  // Types are inferred from the first `infer_rows` rows; a column without values there is kNull
  // (typed by its first value). A later value that does not fit a column's inferred type (text
  // in a number column, a value in a kNull column, an integer beyond 64 bits) widens the type
  // (int64 -> double -> string; an integer too long for int64 makes the column text, so distinct
  // values are never merged) and the read starts over: `on_restart` is called first, and the
  // caller must forget every batch it had (so callers that cannot, leave it unset, and such a
  // value is an error naming the line, the column and both types). Types given in `types` never
  // widen: a misfit is a bad row. With BadRows::kSkip, misfits of inferred numbers are bad rows
  // too; only kNull columns widen.
  std::function<void()> on_restart;
};

struct CsvOptions : ReadOptions {
  char delimiter = ',';
  char quote = '"';
  // Field text that means "missing" (compared after unquoting; a quoted "" is missing too).
  std::vector<std::string> missing = {"", "NA", "N/A", "null", "NULL"};
};

struct CsvReport {
  Schema schema;
  int64_t rows = 0;                         // rows delivered
  int64_t bad_rows = 0;                     // rows skipped
  std::vector<std::string> bad_row_errors;  // the first few, with locations
  int64_t bytes = 0;
};

using BatchCallback = std::function<Status(Batch&& batch)>;
// Called in the parsing thread that made the batch (worker is 0 .. threads-1), before the batch is
// handed out in order: lets callers fold batches in parallel. `index` numbers the batches in file
// order from 0, with no gaps (a block whose rows were all skipped gives an empty batch), so a
// caller can also combine per-batch results in file order, the same whatever the thread count.
// Only batches of a read that succeeds so far are passed.
using WorkerCallback = std::function<Status(int worker, int64_t index, const Batch& batch)>;

// The number of parsing threads `options` asks for (0 means one per core).
int CsvThreads(const CsvOptions& options);

// Reads `path`, calling `on_batch` with consecutive batches in file order.
Result<CsvReport> ReadCsv(const std::string& path, const CsvOptions& options,
                          const BatchCallback& on_batch, const WorkerCallback& in_worker = nullptr);
// The same over text in memory; `name` is used in error messages.
Result<CsvReport> ReadCsvText(std::string_view text, const std::string& name,
                              const CsvOptions& options, const BatchCallback& on_batch,
                              const WorkerCallback& in_worker = nullptr);

// True if `s` is well-formed UTF-8.
bool IsValidUtf8(std::string_view s);

}  // namespace lathe::data
