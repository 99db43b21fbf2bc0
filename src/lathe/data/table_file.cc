#include "lathe/data/table_file.h"

#include "lathe/data/columnar.h"
#include "lathe/data/jsonl.h"

namespace lathe::data {

FileFormat FormatOf(const std::string& path) {
  auto ends = [&](std::string_view ext) {
    return path.size() >= ext.size() &&
           path.compare(path.size() - ext.size(), ext.size(), ext) == 0;
  };
  if (ends(".lcol")) return FileFormat::kColumnar;
  if (ends(".jsonl") || ends(".ndjson")) return FileFormat::kJsonLines;
  return FileFormat::kCsv;
}

Result<CsvReport> ReadTableFile(const std::string& path, const CsvOptions& options,
                                const BatchCallback& on_batch, const WorkerCallback& in_worker) {
  // The columnar reader works in one thread: the worker callback runs just before the in-order
  // one.
  int64_t index = 0;
  auto serial = [&](Batch&& b) -> Status {
    if (in_worker) LATHE_RETURN_IF_ERROR(in_worker(0, index++, b));
    return on_batch(std::move(b));
  };
  switch (FormatOf(path)) {
    case FileFormat::kCsv:
      return ReadCsv(path, options, on_batch, in_worker);
    case FileFormat::kJsonLines:
      return ReadJsonLines(path, options, on_batch, in_worker);
    case FileFormat::kColumnar: {
      LATHE_ASSIGN_OR_RETURN(auto reader, ColumnarReader::Open(path));
      CsvReport report;
      report.schema = reader->schema();
      for (size_t g = 0; g < reader->row_groups(); ++g) {
        LATHE_ASSIGN_OR_RETURN(Batch b, reader->ReadRowGroup(g));
        report.rows += static_cast<int64_t>(b.rows());
        LATHE_RETURN_IF_ERROR(serial(std::move(b)));
      }
      return report;
    }
  }
  return InternalError("unknown file format");
}

}  // namespace lathe::data
