// Lathe's columnar file format (specified in docs/formats.md): row groups of typed column chunks,
// each zstd-compressed with an XXH3-64 checksum, and a JSON footer with the schema, row counts,
// chunk offsets and free-form metadata. Readers memory-map the file and decompress only the
// chunks they ask for; a truncated file or a damaged chunk is reported, never read silently.
// Writer and reader objects are not thread-safe; several readers may share one file.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "lathe/core/status.h"
#include "lathe/data/column.h"

namespace lathe::data {

inline constexpr int kColumnarVersion = 1;

struct ColumnarOptions {
  size_t row_group_rows = 65536;
  int zstd_level = 1;
};

class ColumnarWriter {
 public:
  static Result<std::unique_ptr<ColumnarWriter>> Create(const std::string& path,
                                                        const Schema& schema,
                                                        const ColumnarOptions& options = {});
  ~ColumnarWriter();
  // Appends a batch with the writer's schema.
  Status Write(const Batch& batch);
  // Ends the row group being filled (if it has rows) before `row_group_rows`: a caller that
  // wants row groups to follow its own boundaries (one input file's rows, say).
  Status EndRowGroup() { return Flush(); }
  // Writes the last row group and the footer; the file is complete only after this.
  Status Close(const nlohmann::json& metadata = nlohmann::json::object());
  int64_t rows() const { return rows_ + static_cast<int64_t>(pending_.rows()); }  // written so far

 private:
  ColumnarWriter() = default;
  Status Flush();

  std::string path_;
  Schema schema_;
  ColumnarOptions options_;
  std::FILE* file_ = nullptr;
  uint64_t offset_ = 0;
  int64_t rows_ = 0;
  Batch pending_;
  nlohmann::json row_groups_ = nlohmann::json::array();
};

class ColumnarReader {
 public:
  // Maps the file and validates its whole footer into typed fields before anything is read:
  // every chunk lies inside the file, has a checksum and a column per schema field, and row
  // counts add up. DATA_LOSS naming the file for a truncated or damaged file; INVALID_ARGUMENT
  // for a file of another format, a newer version or a path that is not a regular file;
  // NOT_FOUND / PERMISSION_DENIED when it cannot be opened. Never throws.
  static Result<std::unique_ptr<ColumnarReader>> Open(const std::string& path);
  ~ColumnarReader();

  const Schema& schema() const { return schema_; }
  int64_t rows() const { return rows_; }
  size_t row_groups() const { return row_groups_.size(); }
  size_t row_group_rows(size_t rg) const;
  const nlohmann::json& metadata() const { return metadata_; }

  // DATA_LOSS when the chunk's checksum, compressed frame or layout does not match its footer
  // entry (decompression never allocates more than the frame says it holds); OUT_OF_RANGE for
  // indices past the file.
  Result<Column> ReadColumn(size_t row_group, size_t column) const;
  Result<Batch> ReadRowGroup(size_t row_group) const;

 private:
  ColumnarReader() = default;
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  // Where a compressed column chunk is, as the footer says once validated.
  struct ChunkRef {
    uint64_t offset = 0;
    uint64_t size = 0;
    uint64_t raw_size = 0;
    uint64_t xxh3 = 0;
  };
  struct RowGroupRef {
    size_t rows = 0;
    std::vector<ChunkRef> columns;  // one per schema field
  };
  Status ParseFooter(const nlohmann::json& footer, uint64_t data_end);

  Schema schema_;
  int64_t rows_ = 0;
  std::vector<RowGroupRef> row_groups_;
  nlohmann::json metadata_;
};

}  // namespace lathe::data
