#include "lathe/data/csv.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <set>

#include "lathe/core/threads.h"
#include "lathe/data/detail/ordered_chunks.h"
#include "lathe/data/detail/separators.h"

namespace lathe::data {

using detail::ByteSource;
using detail::Chunk;
using detail::ChunkedRead;
using detail::ChunkResult;
using detail::kKeptErrors;
using detail::OpenFileSource;
using detail::ReadChunksInOrder;
using detail::TextByteSource;
using detail::TypeConflicts;

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || i + len > n) return false;
    uint32_t cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
    for (int k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

namespace {

struct FieldRef {
  // Where the text is: an unquoted field in the input itself, a quoted one (unescaped) in the
  // record's scratch buffer.
  size_t offset;
  uint32_t length;
  int64_t line;    // where the field starts
  int64_t column;  // 1-based byte column
  bool quoted;
};

// The text of a field of a record parsed from `data` with `scratch`.
std::string_view FieldText(const FieldRef& f, std::string_view data, const std::string& scratch) {
  return f.quoted ? std::string_view(scratch).substr(f.offset, f.length)
                  : data.substr(f.offset, f.length);
}

// Splits text into records. Quoted fields are copied (unquoted, unescaped) into one scratch buffer
// per record, so that parsing allocates nothing once warmed up; unquoted ones stay where they are.
class RecordParser {
 public:
  RecordParser(const CsvOptions& o, const std::string& name) : o_(o), name_(name) {
    // The bytes that end or break an unquoted field: one table lookup per byte.
    for (unsigned char c :
         {static_cast<unsigned char>(o.delimiter), static_cast<unsigned char>('\n'),
          static_cast<unsigned char>('\r'), static_cast<unsigned char>(o.quote)})
      special_[c] = true;
  }

  // Moves past blank lines (\n or \r\n); false when nothing else remains.
  static bool SkipBlankLines(std::string_view data, size_t& pos, int64_t& line,
                             size_t& line_start) {
    const size_t n = data.size();
    while (pos < n &&
           (data[pos] == '\n' || (data[pos] == '\r' && pos + 1 < n && data[pos + 1] == '\n'))) {
      pos += data[pos] == '\r' ? 2 : 1;
      ++line;
      line_start = pos;
    }
    return pos < n;
  }

  // Parses the record at data[pos]. Returns false when only blank lines remain.
  Result<bool> Next(std::string_view data, size_t& pos, int64_t& line, size_t& line_start,
                    std::string& scratch, std::vector<FieldRef>& fields) const {
    fields.clear();
    scratch.clear();
    const size_t n = data.size();
    if (!SkipBlankLines(data, pos, line, line_start)) return false;
    while (true) {
      FieldRef f{static_cast<uint32_t>(scratch.size()), 0, line,
                 static_cast<int64_t>(pos - line_start) + 1, false};
      if (pos < n && data[pos] == o_.quote) {
        f.quoted = true;
        ++pos;
        while (true) {
          size_t q = data.find(o_.quote, pos);
          if (q == std::string_view::npos)
            return Error(f.line, f.column, "unterminated quoted field");
          for (size_t k = pos; k < q; ++k)
            if (data[k] == '\n') {
              ++line;
              line_start = k + 1;
            }
          scratch.append(data.substr(pos, q - pos));
          if (q + 1 < n && data[q + 1] == o_.quote) {  // "" is one quote
            scratch.push_back(o_.quote);
            pos = q + 2;
            continue;
          }
          pos = q + 1;
          break;
        }
        if (pos < n && data[pos] != o_.delimiter && data[pos] != '\n' &&
            !(data[pos] == '\r' && pos + 1 < n && data[pos + 1] == '\n'))
          return Error(line, static_cast<int64_t>(pos - line_start) + 1,
                       fmt::format("unexpected '{}' after a closing quote", data[pos]));
      } else {
        const size_t start = pos;
        while (true) {
          while (pos < n && !special_[static_cast<unsigned char>(data[pos])]) ++pos;
          if (pos >= n || data[pos] == o_.delimiter || data[pos] == '\n') break;
          if (data[pos] == o_.quote)
            return Error(
                line, static_cast<int64_t>(pos - line_start) + 1,
                "quote inside an unquoted field (quote the whole field and double the quote)");
          if (pos + 1 < n && data[pos + 1] == '\n') break;  // \r\n ends the line
          ++pos;                                            // a lone \r is part of the field
        }
        f.offset = start;
        f.length = static_cast<uint32_t>(pos - start);
      }
      if (f.quoted) f.length = static_cast<uint32_t>(scratch.size() - f.offset);
      fields.push_back(f);
      if (pos < n && data[pos] == o_.delimiter) {
        ++pos;
        continue;
      }
      if (pos < n) {  // end of line
        pos += data[pos] == '\r' ? 2 : 1;
        ++line;
        line_start = pos;
      }
      return true;
    }
  }

  // Next() for text without quotes: walks the offsets of its separators (`seps`, from
  // FindSeparators; `k` is the cursor into them) instead of testing every byte. The same records,
  // fields and locations as Next().
  bool NextUnquoted(std::string_view data, const std::vector<uint32_t>& seps, size_t& k,
                    size_t& pos, int64_t& line, size_t& line_start,
                    std::vector<FieldRef>& fields) const {
    fields.clear();
    const size_t n = data.size();
    if (!SkipBlankLines(data, pos, line, line_start)) return false;
    while (k < seps.size() && seps[k] < pos) ++k;  // those of the blank lines
    size_t start = pos;
    auto field = [&](size_t end) {
      fields.push_back({start, static_cast<uint32_t>(end - start), line,
                        static_cast<int64_t>(start - line_start) + 1, false});
    };
    auto end_line = [&](size_t next) {
      pos = next;
      ++line;
      line_start = pos;
    };
    while (true) {
      if (k == seps.size()) {  // the last field runs to the end of the text
        field(n);
        pos = n;
        return true;
      }
      const size_t at = seps[k++];
      const char c = data[at];
      if (c == o_.delimiter) {
        field(at);
        start = at + 1;
      } else if (c == '\n') {
        field(at);
        end_line(at + 1);
        return true;
      } else if (at + 1 < n && data[at + 1] == '\n') {  // \r\n ends the line
        field(at);
        ++k;  // past the \n
        end_line(at + 2);
        return true;
      }  // else a lone \r, part of the field
    }
  }

  Status Error(int64_t line, int64_t column, const std::string& what) const {
    return InvalidArgumentError(fmt::format("{}:{}:{}: {}", name_, line, column, what));
  }

 private:
  const CsvOptions& o_;
  const std::string& name_;
  bool special_[256] = {};
};

// The end of the last complete record in `block` (0 if none), scanning from a point outside quotes.
size_t LastRecordEnd(std::string_view block, char quote) {
  // Without quotes (most data), the last newline ends the last record: a vectorised search.
  if (std::memchr(block.data(), quote, block.size()) == nullptr) {
    size_t nl = block.rfind('\n');
    return nl == std::string_view::npos ? 0 : nl + 1;
  }
  bool in_quotes = false;
  size_t end = 0;
  for (size_t i = 0; i < block.size(); ++i) {
    char c = block[i];
    if (c == quote)
      in_quotes = !in_quotes;
    else if (c == '\n' && !in_quotes)
      end = i + 1;
  }
  return end;
}

// An optional sign and digits only.
bool IsIntegerLiteral(std::string_view v) {
  if (!v.empty() && (v.front() == '+' || v.front() == '-')) v.remove_prefix(1);
  return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The narrowest type that holds every value: int64, double, bool, string; kNull without values.
// Integers too long for int64 make text (as doubles, distinct IDs would merge).
ColumnType Infer(const std::vector<std::string_view>& values) {
  bool any = false, ints = true, doubles = true, bools = true, integers = true;
  for (auto v : values) {
    any = true;
    ints = ints && ParseInt64(v).has_value();
    integers = integers && IsIntegerLiteral(v);
    doubles = doubles && ParseFloat64(v).has_value();
    bools = bools && ParseBoolean(v).has_value() && v != "1" && v != "0";
  }
  if (!any) return ColumnType::kNull;
  if (ints) return ColumnType::kInt64;
  if (integers) return ColumnType::kString;  // some do not fit 64 bits
  if (doubles) return ColumnType::kDouble;
  if (bools) return ColumnType::kBool;
  return ColumnType::kString;
}

// The type a column of type `t` becomes to hold `v` as well.
ColumnType Widen(ColumnType t, std::string_view v) {
  const ColumnType own = Infer({v});
  if (t == ColumnType::kNull) return own;
  if ((t == ColumnType::kInt64 && own == ColumnType::kDouble) ||
      (t == ColumnType::kDouble && own == ColumnType::kInt64))
    return ColumnType::kDouble;
  return ColumnType::kString;
}

class Converter {
 public:
  Converter(const CsvOptions& o, const std::string& name, const Schema& schema,
            TypeConflicts& conflicts)
      : o_(o),
        name_(name),
        schema_(schema),
        parser_(o, name),
        missing_(o.missing),
        conflicts_(conflicts) {}

  ChunkResult Convert(const Chunk& chunk) const {
    ChunkResult r;
    r.batch.schema = schema_;
    // Room for every row at once (one per line at most; text no longer than the chunk): no
    // column moves while growing.
    const size_t lines = detail::CountByte(chunk.text, '\n') + 1;
    for (const auto& f : schema_.fields) {
      r.batch.columns.emplace_back(f.type);
      r.batch.columns.back().Reserve(lines, chunk.text.size());
    }
    std::string scratch;
    std::vector<FieldRef> fields;
    size_t pos = 0, line_start = 0;
    int64_t line = chunk.first_line;
    // UTF-8 is checked once for the whole chunk (simdjson's vectorised validator); only a chunk
    // that fails is checked field by field, to say where.
    const bool valid_utf8 = simdjson::validate_utf8(chunk.text.data(), chunk.text.size());
    // Most data has no quotes at all: then records split at separators found 16 bytes at a time.
    const bool unquoted = std::memchr(chunk.text.data(), o_.quote, chunk.text.size()) == nullptr;
    thread_local std::vector<uint32_t> seps;
    if (unquoted) detail::FindSeparators(chunk.text, o_.delimiter, seps);
    size_t k = 0;
    while (true) {
      auto more = unquoted ? Result<bool>(parser_.NextUnquoted(chunk.text, seps, k, pos, line,
                                                               line_start, fields))
                           : parser_.Next(chunk.text, pos, line, line_start, scratch, fields);
      if (!more.ok()) {
        r.status = more.status();  // malformed quoting: the rest of the chunk cannot be trusted
        return r;
      }
      if (!*more) return r;
      Status bad = Append(r.batch, chunk.text, scratch, fields, valid_utf8);
      if (bad.ok()) continue;
      if (bad.code() == StatusCode::kAborted || o_.bad_rows == CsvOptions::BadRows::kFail) {
        r.status = bad;
        return r;
      }
      ++r.bad_rows;
      if (r.errors.size() < kKeptErrors) r.errors.push_back(bad.message());
    }
  }

 private:
  // Appends one record, or nothing if any field is bad: each field is parsed once and appended
  // at once; a bad field takes the record's earlier fields back out.
  Status Append(Batch& b, std::string_view data, const std::string& scratch,
                const std::vector<FieldRef>& fields, bool valid_utf8) const {
    const size_t n = schema_.fields.size();
    if (fields.size() != n)
      return parser_.Error(fields[0].line, 1,
                           fmt::format("expected {} fields, found {}", n, fields.size()));
    for (size_t c = 0; c < n; ++c) {
      std::string_view v = FieldText(fields[c], data, scratch);
      Column& col = b.columns[c];
      if (!valid_utf8 && !IsValidUtf8(v)) {
        TakeBack(b, c);
        return parser_.Error(fields[c].line, fields[c].column, "invalid UTF-8");
      }
      if (fields[c].quoted ? v.empty() : IsMissing(v)) {
        col.AppendNull();
        continue;
      }
      const ColumnType t = col.type();
      switch (t) {
        case ColumnType::kInt64:
          if (auto x = ParseInt64(v)) {
            col.AppendInt(*x);
            continue;
          }
          break;
        case ColumnType::kDouble:
          if (auto x = ParseFloat64(v)) {
            col.AppendDouble(*x);
            continue;
          }
          break;
        case ColumnType::kBool:
          if (auto x = ParseBoolean(v)) {
            col.AppendBool(*x);
            continue;
          }
          break;
        case ColumnType::kString:
          col.AppendString(v);
          continue;
        case ColumnType::kNull:  // a value where none was seen: a conflict
          break;
      }
      TakeBack(b, c);
      const std::string& column = schema_.fields[c].name;
      const bool given = o_.types.count(column) > 0;
      if (!given && (t == ColumnType::kNull || o_.bad_rows == CsvOptions::BadRows::kFail))
        return Conflict(c, v, fields[c]);
      return parser_.Error(
          fields[c].line, fields[c].column,
          fmt::format("'{}' is not a valid {} for column '{}'{}", v.substr(0, 40),
                      ColumnTypeName(t), column,
                      given ? " (its type is given)"
                            : fmt::format(" (types are inferred from the first {} rows; give the "
                                          "column a type to override)",
                                          o_.infer_rows)));
    }
    return Status::Ok();
  }

  // Removes the values a record put in its first `columns` columns.
  static void TakeBack(Batch& b, size_t columns) {
    for (size_t c = 0; c < columns; ++c) b.columns[c].PopBack();
  }

  // Records that column `c` needs a wider type to hold `v`; ABORTED stops the read.
  Status Conflict(size_t c, std::string_view v, const FieldRef& at) const {
    const ColumnType from = schema_.fields[c].type, to = Widen(from, v);
    return conflicts_.Record(
        schema_.fields[c].name, to,
        fmt::format("{}:{}:{}: column '{}' was read as {} from the first {} rows, but '{}' here "
                    "needs {}; give the column a type (e.g. `types: {{{}: {}}}`)",
                    name_, at.line, at.column, schema_.fields[c].name, ColumnTypeName(from),
                    o_.infer_rows, v.substr(0, 40), ColumnTypeName(to), schema_.fields[c].name,
                    ColumnTypeName(to)));
  }

  const CsvOptions& o_;
  const std::string& name_;
  const Schema& schema_;
  RecordParser parser_;
  // A missing-value marker? (A handful of short markers: comparing them beats any lookup.)
  bool IsMissing(std::string_view v) const {
    for (const auto& m : missing_)
      if (m.size() == v.size() &&
          (v.empty() || (m[0] == v[0] && std::memcmp(m.data(), v.data(), v.size()) == 0)))
        return true;
    return false;
  }

  std::vector<std::string> missing_;
  TypeConflicts& conflicts_;
};

// One pass over the input; `widened` holds types that earlier passes found too narrow.
Result<CsvReport> ReadOnce(ByteSource& src, const std::string& name, const CsvOptions& o,
                           const std::map<std::string, ColumnType>& widened,
                           TypeConflicts& conflicts, const BatchCallback& on_batch,
                           const WorkerCallback& in_worker) {
  CsvReport report;
  std::string buf;
  bool eof = false;
  // Fill until the buffer holds a complete record (the header) or the input ends.
  auto fill = [&](size_t at_least) {
    while (!eof && buf.size() < at_least) eof = !src.Read(buf, o.block_bytes);
  };
  fill(o.block_bytes);
  if (buf.empty())
    return InvalidArgumentError(fmt::format("{}: empty file: expected a header row", name));
  if (buf.compare(0, 3, "\xEF\xBB\xBF") == 0) buf.erase(0, 3);  // a UTF-8 byte order mark

  RecordParser parser(o, name);
  std::string scratch;
  std::vector<FieldRef> fields;
  size_t pos = 0, line_start = 0;
  int64_t line = 1;
  while (!eof && LastRecordEnd(buf, o.quote) == 0) {
    if (buf.size() > o.max_record_bytes)
      return InvalidArgumentError(
          fmt::format("{}:1: a header longer than {} bytes (no line end: is this a text file?)",
                      name, o.max_record_bytes));
    fill(buf.size() + o.block_bytes);
  }
  LATHE_ASSIGN_OR_RETURN(bool has_header, parser.Next(buf, pos, line, line_start, scratch, fields));
  if (!has_header)
    return InvalidArgumentError(fmt::format("{}: empty file: expected a header row", name));
  std::set<std::string> seen;
  for (const auto& f : fields) {
    std::string col(FieldText(f, buf, scratch));
    if (!IsValidUtf8(col)) return parser.Error(f.line, f.column, "invalid UTF-8 in the header");
    if (col.empty()) return parser.Error(f.line, f.column, "empty column name in the header");
    if (!seen.insert(col).second)
      return parser.Error(f.line, f.column, fmt::format("duplicate column name '{}'", col));
    report.schema.fields.push_back({col, ColumnType::kString});
  }
  for (const auto& [col, t] : o.types)
    if (report.schema.Find(col) < 0)
      return InvalidArgumentError(fmt::format("{}: no column '{}' to give a type", name, col));

  // Types: inferred from the first rows of the first block, unless given.
  {
    std::set<std::string, std::less<>> missing(o.missing.begin(), o.missing.end());
    std::vector<std::vector<std::string>> samples(report.schema.fields.size());
    size_t p = pos, ls = line_start;
    int64_t l = line;
    std::string_view complete(buf.data(), LastRecordEnd(buf, o.quote) > 0 && !eof
                                              ? LastRecordEnd(buf, o.quote)
                                              : buf.size());
    for (size_t r = 0; r < o.infer_rows; ++r) {
      auto more = parser.Next(complete, p, l, ls, scratch, fields);
      if (!more.ok() || !*more) break;
      if (fields.size() != samples.size()) continue;
      for (size_t c = 0; c < fields.size(); ++c) {
        std::string v(FieldText(fields[c], complete, scratch));
        if (!v.empty() && !(!fields[c].quoted && missing.count(v)))
          samples[c].push_back(std::move(v));
      }
    }
    for (size_t c = 0; c < samples.size(); ++c) {
      auto& f = report.schema.fields[c];
      auto given = o.types.find(f.name);
      if (given != o.types.end()) {
        f.type = given->second;
        continue;
      }
      if (auto wider = widened.find(f.name); wider != widened.end()) {
        f.type = wider->second;
        continue;
      }
      std::vector<std::string_view> views(samples[c].begin(), samples[c].end());
      f.type = Infer(views);
      if (auto fallback = o.types_if_empty.find(f.name);
          f.type == ColumnType::kNull && fallback != o.types_if_empty.end())
        f.type = fallback->second;
    }
  }

  // The rest: chunks cut at record boundaries, converted in parallel, delivered in order.
  const Converter converter(o, name, report.schema, conflicts);
  ChunkedRead how;
  how.name = name;
  how.options = &o;
  how.last_record_end = [&](std::string_view block) { return LastRecordEnd(block, o.quote); };
  how.convert = [&](const Chunk& chunk) { return converter.Convert(chunk); };
  buf.erase(0, pos);
  LATHE_RETURN_IF_ERROR(
      ReadChunksInOrder(src, std::move(buf), eof, line, how, on_batch, in_worker, report));
  return report;
}

Result<CsvReport> Read(const detail::OpenSource& open, const std::string& name, const CsvOptions& o,
                       const BatchCallback& on_batch, const WorkerCallback& in_worker) {
  return detail::ReadUntilTypesHold(
      open, o,
      [&](ByteSource& src, const std::map<std::string, ColumnType>& widened,
          TypeConflicts& conflicts) {
        return ReadOnce(src, name, o, widened, conflicts, on_batch, in_worker);
      });
}

}  // namespace

int CsvThreads(const CsvOptions& options) {
  return ThreadCount(options.threads);
}

Result<CsvReport> ReadCsv(const std::string& path, const CsvOptions& options,
                          const BatchCallback& on_batch, const WorkerCallback& in_worker) {
  return Read([&] { return OpenFileSource(path); }, path, options, on_batch, in_worker);
}

Result<CsvReport> ReadCsvText(std::string_view text, const std::string& name,
                              const CsvOptions& options, const BatchCallback& on_batch,
                              const WorkerCallback& in_worker) {
  return Read(
      [&]() -> Result<std::unique_ptr<ByteSource>> {
        return std::unique_ptr<ByteSource>(std::make_unique<TextByteSource>(text));
      },
      name, options, on_batch, in_worker);
}

}  // namespace lathe::data
