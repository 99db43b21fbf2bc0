// The streaming engine under the text readers (CSV, JSON Lines): the input is read in blocks cut
// at record boundaries, a pool of threads converts the blocks into batches, and the batches are
// handed out in input order. At most two blocks per thread are in flight (queued, being converted
// or waiting their turn), so memory stays bounded whatever the input size.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "lathe/core/status.h"
#include "lathe/data/csv.h"

namespace lathe::data::detail {

// Where the bytes come from: a file read block by block, or text in memory.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Appends up to `max` bytes to `buf`; false at the end.
  virtual bool Read(std::string& buf, size_t max) = 0;
};

class FileByteSource final : public ByteSource {
 public:
  explicit FileByteSource(std::FILE* f) : f_(f) {}  // takes ownership
  ~FileByteSource() override { std::fclose(f_); }
  FileByteSource(const FileByteSource&) = delete;
  FileByteSource& operator=(const FileByteSource&) = delete;
  bool Read(std::string& buf, size_t max) override;

 private:
  std::FILE* f_;
};

class TextByteSource final : public ByteSource {
 public:
  explicit TextByteSource(std::string_view t) : t_(t) {}
  bool Read(std::string& buf, size_t max) override;

 private:
  std::string_view t_;
  size_t pos_ = 0;
};

// Opens `path` for reading; NOT_FOUND with the reason if it cannot be.
Result<std::unique_ptr<ByteSource>> OpenFileSource(const std::string& path);

struct Chunk {
  std::string text;  // whole records
  int64_t first_line = 0;
};

struct ChunkResult {
  Status status;  // not OK: the read fails with it
  Batch batch;
  int64_t bad_rows = 0;             // rows skipped
  std::vector<std::string> errors;  // the first few skipped rows' errors
};

inline constexpr size_t kKeptErrors = 10;

struct ChunkedRead {
  std::string name;            // for messages
  const ReadOptions* options;  // threads, block size, bad-row limit, progress
  // Where the last complete record in `block` ends (0 if none does).
  std::function<size_t(std::string_view block)> last_record_end;
  // Converts a chunk; called concurrently from the worker threads.
  std::function<ChunkResult(const Chunk&)> convert;
};

// Columns whose inferred type a value did not fit, with the types that would hold it, found by the
// converting threads of one pass over the input (ReadOptions::on_restart).
struct TypeConflicts {
  std::mutex mu;
  std::map<std::string, ColumnType> widen;  // column -> wider type
  std::string first;                        // the first conflict, as an error message
  // Records that `column` needs type `to` (two different widenings make text, which holds both)
  // and returns ABORTED with `message`, which stops the pass.
  Status Record(const std::string& column, ColumnType to, std::string message);
};

using OpenSource = std::function<Result<std::unique_ptr<ByteSource>>()>;
// One pass over a fresh source; `widened` holds the types earlier passes found too narrow.
using ReadPass = std::function<Result<CsvReport>(
    ByteSource& src, const std::map<std::string, ColumnType>& widened, TypeConflicts& conflicts)>;
// Passes until the types hold every value: after a pass that found conflicts, the columns widen
// and, with `o.on_restart` set, it is called and the input read again from the start; without
// it, the first conflict is the error (INVALID_ARGUMENT).
Result<CsvReport> ReadUntilTypesHold(const OpenSource& open, const ReadOptions& o,
                                     const ReadPass& pass);

// Converts `buf` (already read, starting at line `first_line`; `eof` if the source is exhausted)
// and the rest of `src`, adding rows, bad rows and bytes to `report`.
Status ReadChunksInOrder(ByteSource& src, std::string buf, bool eof, int64_t first_line,
                         const ChunkedRead& how, const BatchCallback& on_batch,
                         const WorkerCallback& in_worker, CsvReport& report);

}  // namespace lathe::data::detail
