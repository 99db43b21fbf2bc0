#include "lathe/data/columnar.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstdint>
#include <cstring>

#include "lathe/core/json_depth.h"

namespace lathe::data {

namespace {

constexpr char kMagic[8] = {'L', 'A', 'T', 'H', 'E', 'C', 'O', 'L'};
constexpr size_t kHeaderSize = 16;  // magic, u32 version, u32 reserved
constexpr size_t kTailSize = 16;    // u64 footer length, magic

template <typename T>
void Put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

template <typename T>
void PutVector(std::string& out, const std::vector<T>& v) {
  out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

// The uncompressed layout of a column chunk: u32 rows, a validity byte per row, then the values.
std::string Encode(const Column& c) {
  std::string out;
  uint32_t rows = static_cast<uint32_t>(c.size());
  Put(out, rows);
  PutVector(out, c.validity());
  switch (c.type()) {
    case ColumnType::kInt64:
      PutVector(out, c.ints());
      break;
    case ColumnType::kDouble:
      PutVector(out, c.doubles());
      break;
    case ColumnType::kBool:
      PutVector(out, c.bools());
      break;
    case ColumnType::kString:
      PutVector(out, c.offsets());
      out += c.chars();
      break;
    case ColumnType::kNull:  // validity only: every row is missing
      break;
  }
  return out;
}

template <typename T>
bool Take(std::string_view& in, size_t count, std::vector<T>& out) {
  if (in.size() < count * sizeof(T)) return false;
  out.resize(count);
  std::memcpy(out.data(), in.data(), count * sizeof(T));
  in.remove_prefix(count * sizeof(T));
  return true;
}

Result<Column> Decode(std::string_view in, ColumnType type, size_t expected_rows) {
  auto bad = DataLossError("column chunk has an invalid layout");
  uint32_t rows = 0;
  if (in.size() < sizeof rows) return bad;
  std::memcpy(&rows, in.data(), sizeof rows);
  in.remove_prefix(sizeof rows);
  if (rows != expected_rows) return bad;
  std::vector<uint8_t> valid, bools;
  std::vector<int64_t> ints;
  std::vector<double> doubles;
  std::vector<uint32_t> offsets{0};
  std::string chars;
  if (!Take(in, rows, valid)) return bad;
  switch (type) {
    case ColumnType::kInt64:
      if (!Take(in, rows, ints)) return bad;
      break;
    case ColumnType::kDouble:
      if (!Take(in, rows, doubles)) return bad;
      break;
    case ColumnType::kBool:
      if (!Take(in, rows, bools)) return bad;
      break;
    case ColumnType::kNull:
      if (std::find(valid.begin(), valid.end(), 1) != valid.end()) return bad;
      break;
    case ColumnType::kString:
      if (!Take(in, rows + 1, offsets) || offsets.back() != in.size()) return bad;
      for (size_t i = 0; i < rows; ++i)
        if (offsets[i] > offsets[i + 1]) return bad;
      chars.assign(in);
      in = {};
      break;
  }
  if (!in.empty()) return bad;
  return Column::FromStorage(type, std::move(valid), std::move(ints), std::move(doubles),
                             std::move(bools), std::move(offsets), std::move(chars));
}

std::string Hex64(uint64_t v) {
  return fmt::format("{:016x}", v);
}

}  // namespace

Result<std::unique_ptr<ColumnarWriter>> ColumnarWriter::Create(const std::string& path,
                                                               const Schema& schema,
                                                               const ColumnarOptions& options) {
  std::unique_ptr<ColumnarWriter> w(new ColumnarWriter());
  w->path_ = path;
  w->schema_ = schema;
  w->options_ = options;
  w->file_ = std::fopen(path.c_str(), "wb");
  if (w->file_ == nullptr)
    return DataLossError(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  std::string header(kMagic, sizeof kMagic);
  Put(header, static_cast<uint32_t>(kColumnarVersion));
  Put(header, uint32_t{0});
  if (std::fwrite(header.data(), 1, header.size(), w->file_) != header.size())
    return DataLossError(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  w->offset_ = header.size();
  w->pending_.schema = schema;
  for (const auto& f : schema.fields) w->pending_.columns.emplace_back(f.type);
  return w;
}

ColumnarWriter::~ColumnarWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

Status ColumnarWriter::Write(const Batch& batch) {
  if (!(batch.schema == schema_))
    return InvalidArgumentError("batch schema differs from the file's schema");
  for (size_t row = 0; row < batch.rows(); ++row) {
    for (size_t c = 0; c < batch.columns.size(); ++c)
      pending_.columns[c].AppendFrom(batch.columns[c], row);
    if (pending_.rows() >= options_.row_group_rows) LATHE_RETURN_IF_ERROR(Flush());
  }
  return Status::Ok();
}

Status ColumnarWriter::Flush() {
  size_t rows = pending_.rows();
  if (rows == 0) return Status::Ok();
  nlohmann::json columns = nlohmann::json::array();
  for (auto& col : pending_.columns) {
    std::string raw = Encode(col);
    std::string packed(ZSTD_compressBound(raw.size()), '\0');
    size_t n =
        ZSTD_compress(packed.data(), packed.size(), raw.data(), raw.size(), options_.zstd_level);
    if (ZSTD_isError(n)) return InternalError(fmt::format("zstd: {}", ZSTD_getErrorName(n)));
    packed.resize(n);
    if (std::fwrite(packed.data(), 1, n, file_) != n)
      return DataLossError(fmt::format("cannot write {}: {}", path_, std::strerror(errno)));
    columns.push_back({{"offset", offset_},
                       {"size", n},
                       {"raw_size", raw.size()},
                       {"xxh3", Hex64(XXH3_64bits(packed.data(), n))}});
    offset_ += n;
    col = Column(col.type());
  }
  row_groups_.push_back({{"rows", rows}, {"columns", columns}});
  rows_ += static_cast<int64_t>(rows);
  return Status::Ok();
}

Status ColumnarWriter::Close(const nlohmann::json& metadata) {
  LATHE_RETURN_IF_ERROR(Flush());
  nlohmann::json schema = nlohmann::json::array();
  for (const auto& f : schema_.fields)
    schema.push_back({{"name", f.name}, {"type", ColumnTypeName(f.type)}});
  nlohmann::json footer = {{"format", "lathe.columnar"}, {"version", kColumnarVersion},
                           {"schema", schema},           {"rows", rows_},
                           {"row_groups", row_groups_},  {"metadata", metadata}};
  std::string tail = footer.dump();
  Put(tail, static_cast<uint64_t>(tail.size()));
  tail.append(kMagic, sizeof kMagic);
  bool ok = std::fwrite(tail.data(), 1, tail.size(), file_) == tail.size();
  ok = std::fflush(file_) == 0 && ok;
  ok = fsync(fileno(file_)) == 0 && ok;
  ok = std::fclose(file_) == 0 && ok;
  file_ = nullptr;
  if (!ok) return DataLossError(fmt::format("cannot finish {}: {}", path_, std::strerror(errno)));
  return Status::Ok();
}

Result<std::unique_ptr<ColumnarReader>> ColumnarReader::Open(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    const int err = errno;
    std::string what = fmt::format("cannot read {}: {}", path, std::strerror(err));
    return err == EACCES ? Status(StatusCode::kPermissionDenied, what) : NotFoundError(what);
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return InvalidArgumentError(fmt::format("{} is not a regular file", path));
  }
  std::unique_ptr<ColumnarReader> r(new ColumnarReader());
  r->path_ = path;
  r->size_ = static_cast<size_t>(st.st_size);
  if (r->size_ < kHeaderSize + kTailSize) {
    close(fd);
    return DataLossError(
        fmt::format("{} is too short to be a Lathe columnar file (truncated?)", path));
  }
  void* map = mmap(nullptr, r->size_, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (map == MAP_FAILED)
    return DataLossError(fmt::format("cannot map {}: {}", path, std::strerror(errno)));
  r->data_ = static_cast<const uint8_t*>(map);
  if (std::memcmp(r->data_, kMagic, sizeof kMagic) != 0)
    return InvalidArgumentError(fmt::format("{} is not a Lathe columnar file", path));
  uint32_t version = 0;
  std::memcpy(&version, r->data_ + 8, sizeof version);
  if (version > kColumnarVersion)
    return InvalidArgumentError(
        fmt::format("{} has columnar format version {}, newer than {} that this lathe reads", path,
                    version, kColumnarVersion));
  if (std::memcmp(r->data_ + r->size_ - sizeof kMagic, kMagic, sizeof kMagic) != 0)
    return DataLossError(
        fmt::format("{} has no footer: the file is truncated or was not closed", path));
  uint64_t footer_len = 0;
  std::memcpy(&footer_len, r->data_ + r->size_ - kTailSize, sizeof footer_len);
  if (footer_len > r->size_ - kHeaderSize - kTailSize)
    return DataLossError(
        fmt::format("{}: damaged footer (its length lies outside the file)", path));
  const uint64_t data_end = r->size_ - kTailSize - footer_len;
  std::string_view text(reinterpret_cast<const char*>(r->data_ + data_end), footer_len);
  auto footer = ParseJsonText(text);
  if (!footer.ok())
    return DataLossError(fmt::format("{}: damaged footer: {}", path, footer.status().message()));
  if (Status st = r->ParseFooter(*footer, data_end); !st.ok())
    return DataLossError(fmt::format("{}: damaged footer: {}", path, st.message()));
  return r;
}

namespace {

// Typed access to footer fields: every missing or mistyped field is an error naming it.
Result<uint64_t> FooterUint(const nlohmann::json& j, const char* key, std::string_view where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned())
    return InvalidArgumentError(
        fmt::format("{}: '{}' missing or not a non-negative integer", where, key));
  return it->get<uint64_t>();
}

Result<std::string> FooterString(const nlohmann::json& j, const char* key, std::string_view where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string())
    return InvalidArgumentError(fmt::format("{}: '{}' missing or not a string", where, key));
  return it->get<std::string>();
}

}  // namespace

Status ColumnarReader::ParseFooter(const nlohmann::json& j, uint64_t data_end) {
  if (!j.is_object()) return InvalidArgumentError("not an object");
  LATHE_ASSIGN_OR_RETURN(std::string format, FooterString(j, "format", "footer"));
  if (format != "lathe.columnar")
    return InvalidArgumentError(fmt::format("format '{}', not lathe.columnar", format));
  auto schema = j.find("schema");
  if (schema == j.end() || !schema->is_array())
    return InvalidArgumentError("'schema' missing or not a list");
  for (size_t i = 0; i < schema->size(); ++i) {
    const auto& f = (*schema)[i];
    const std::string where = fmt::format("schema field {}", i);
    if (!f.is_object()) return InvalidArgumentError(fmt::format("{}: not an object", where));
    LATHE_ASSIGN_OR_RETURN(std::string name, FooterString(f, "name", where));
    LATHE_ASSIGN_OR_RETURN(std::string type_name, FooterString(f, "type", where));
    LATHE_ASSIGN_OR_RETURN(ColumnType type, ParseColumnType(type_name));
    schema_.fields.push_back({std::move(name), type});
  }
  LATHE_ASSIGN_OR_RETURN(uint64_t rows, FooterUint(j, "rows", "footer"));
  auto groups = j.find("row_groups");
  if (groups == j.end() || !groups->is_array())
    return InvalidArgumentError("'row_groups' missing or not a list");
  uint64_t total = 0;
  for (size_t g = 0; g < groups->size(); ++g) {
    const auto& rg = (*groups)[g];
    const std::string where = fmt::format("row group {}", g);
    if (!rg.is_object()) return InvalidArgumentError(fmt::format("{}: not an object", where));
    RowGroupRef ref;
    LATHE_ASSIGN_OR_RETURN(uint64_t group_rows, FooterUint(rg, "rows", where));
    // A chunk stores its row count in 32 bits, and a row costs at least its validity byte.
    if (group_rows == 0 || group_rows > UINT32_MAX || group_rows > data_end)
      return InvalidArgumentError(fmt::format("{}: {} rows", where, group_rows));
    ref.rows = static_cast<size_t>(group_rows);
    total += group_rows;
    auto columns = rg.find("columns");
    if (columns == rg.end() || !columns->is_array() || columns->size() != schema_.fields.size())
      return InvalidArgumentError(
          fmt::format("{}: {} columns for {} schema fields", where,
                      columns == rg.end() || !columns->is_array() ? size_t{0} : columns->size(),
                      schema_.fields.size()));
    for (size_t c = 0; c < columns->size(); ++c) {
      const auto& chunk = (*columns)[c];
      const std::string at = fmt::format("{} column '{}'", where, schema_.fields[c].name);
      if (!chunk.is_object()) return InvalidArgumentError(fmt::format("{}: not an object", at));
      ChunkRef cr;
      LATHE_ASSIGN_OR_RETURN(cr.offset, FooterUint(chunk, "offset", at));
      LATHE_ASSIGN_OR_RETURN(cr.size, FooterUint(chunk, "size", at));
      LATHE_ASSIGN_OR_RETURN(cr.raw_size, FooterUint(chunk, "raw_size", at));
      LATHE_ASSIGN_OR_RETURN(std::string hash, FooterString(chunk, "xxh3", at));
      if (cr.offset < kHeaderSize || cr.size > data_end || cr.offset > data_end - cr.size)
        return InvalidArgumentError(fmt::format("{}: the chunk lies outside the file", at));
      auto [end, ec] = std::from_chars(hash.data(), hash.data() + hash.size(), cr.xxh3, 16);
      if (hash.size() != 16 || ec != std::errc() || end != hash.data() + hash.size())
        return InvalidArgumentError(fmt::format("{}: malformed checksum '{}'", at, hash));
      ref.columns.push_back(cr);
    }
    row_groups_.push_back(std::move(ref));
  }
  if (total != rows)
    return InvalidArgumentError(
        fmt::format("'rows' is {} but the row groups hold {} rows", rows, total));
  rows_ = static_cast<int64_t>(rows);
  auto metadata = j.find("metadata");
  if (metadata != j.end() && !metadata->is_object())
    return InvalidArgumentError("'metadata' is not an object");
  metadata_ = metadata != j.end() ? *metadata : nlohmann::json::object();
  return Status::Ok();
}

ColumnarReader::~ColumnarReader() {
  if (data_ != nullptr) munmap(const_cast<uint8_t*>(data_), size_);
}

size_t ColumnarReader::row_group_rows(size_t rg) const {
  return rg < row_groups_.size() ? row_groups_[rg].rows : 0;
}

Result<Column> ColumnarReader::ReadColumn(size_t rg, size_t column) const {
  if (rg >= row_groups_.size() || column >= schema_.fields.size())
    return OutOfRangeError(fmt::format("{}: no row group {} column {}", path_, rg, column));
  const ChunkRef& c = row_groups_[rg].columns[column];
  const std::string& name = schema_.fields[column].name;
  const uint8_t* p = data_ + c.offset;
  if (XXH3_64bits(p, c.size) != c.xxh3)
    return DataLossError(
        fmt::format("{}: checksum mismatch in row group {} column '{}'", path_, rg, name));
  // The frame (covered by the checksum) says how much it holds; the footer must agree before
  // anything is allocated.
  const unsigned long long frame_size = ZSTD_getFrameContentSize(p, c.size);
  if (frame_size == ZSTD_CONTENTSIZE_ERROR || frame_size == ZSTD_CONTENTSIZE_UNKNOWN ||
      frame_size != c.raw_size)
    return DataLossError(
        fmt::format("{}: row group {} column '{}' does not hold the {} bytes "
                    "its footer entry says",
                    path_, rg, name, c.raw_size));
  std::string raw(c.raw_size, '\0');
  size_t n = ZSTD_decompress(raw.data(), raw.size(), p, c.size);
  if (ZSTD_isError(n) || n != raw.size())
    return DataLossError(
        fmt::format("{}: cannot decompress row group {} column '{}'", path_, rg, name));
  auto col = Decode(raw, schema_.fields[column].type, row_groups_[rg].rows);
  if (!col.ok()) return col.status().WithContext(path_);
  return col;
}

Result<Batch> ColumnarReader::ReadRowGroup(size_t rg) const {
  Batch b;
  b.schema = schema_;
  for (size_t c = 0; c < schema_.fields.size(); ++c) {
    LATHE_ASSIGN_OR_RETURN(Column col, ReadColumn(rg, c));
    b.columns.push_back(std::move(col));
  }
  return b;
}

}  // namespace lathe::data
