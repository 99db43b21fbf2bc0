#include "lathe/data/jsonl.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "lathe/core/json_depth.h"
#include "lathe/data/detail/ordered_chunks.h"

namespace lathe::data {

namespace {

using detail::Chunk;
using detail::ChunkResult;

// An integer too large for int64 (JSON allows any): as text, so distinct values never merge.
bool BeyondInt64(const nlohmann::json& v) {
  return v.is_number_unsigned() &&
         v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
}

// The type a column of type `seen` (kNull: none yet) becomes to hold `v` as well.
ColumnType Widen(ColumnType seen, const nlohmann::json& v) {
  ColumnType t = v.is_boolean()                             ? ColumnType::kBool
                 : v.is_number_integer() && !BeyondInt64(v) ? ColumnType::kInt64
                 : v.is_number_integer()                    ? ColumnType::kString
                 : v.is_number()                            ? ColumnType::kDouble
                                                            : ColumnType::kString;
  if (seen == ColumnType::kNull || seen == t) return t;
  bool numbers = (seen == ColumnType::kInt64 || seen == ColumnType::kDouble) &&
                 (t == ColumnType::kInt64 || t == ColumnType::kDouble);
  return numbers ? ColumnType::kDouble : ColumnType::kString;
}

// Why `v` (not null) cannot go into a column of type `t`; empty if it can.
std::string Misfit(ColumnType t, const nlohmann::json& v) {
  switch (t) {
    case ColumnType::kInt64:
      return v.is_number_integer() && !BeyondInt64(v)
                 ? ""
                 : fmt::format("{} is not an int64", JsonText(v));
    case ColumnType::kDouble:
      return v.is_number() ? "" : fmt::format("{} is not a number", JsonText(v));
    case ColumnType::kBool:
      return v.is_boolean() ? "" : fmt::format("{} is not a boolean", JsonText(v));
    case ColumnType::kString:
      return "";
    case ColumnType::kNull:
      return fmt::format(
          "{} is a value of a key that had none in the first lines read; give the "
          "key a type",
          JsonText(v));
  }
  return "";
}

void Append(Column& c, const nlohmann::json& v) {
  if (v.is_null()) return c.AppendNull();
  switch (c.type()) {
    case ColumnType::kInt64:
      return c.AppendInt(v.get<int64_t>());
    case ColumnType::kDouble:
      return c.AppendDouble(v.get<double>());
    case ColumnType::kBool:
      return c.AppendBool(v.get<bool>());
    case ColumnType::kString:
      return c.AppendString(v.is_string() ? v.get<std::string>() : JsonText(v));
    case ColumnType::kNull:
      return c.AppendNull();
  }
}

bool Blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == line.npos;
}

// Parses one line into an object; the error names line and byte.
Result<nlohmann::json> ParseLine(std::string_view text, const std::string& name, int64_t line) {
  if (size_t at = JsonTooDeepAt(text); at != std::string_view::npos)
    return InvalidArgumentError(fmt::format("{}:{}:{}: values nested deeper than {} levels", name,
                                            line, at + 1, kMaxJsonDepth));
  nlohmann::json v;
  try {
    v = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    return InvalidArgumentError(fmt::format("{}:{}:{}: malformed JSON", name, line, e.byte));
  } catch (const nlohmann::json::exception& e) {
    // A number beyond what a double holds (1e999) is out_of_range, not a parse_error:
    // "[json.exception.out_of_range.406] number overflow parsing '1e999'".
    return InvalidArgumentError(fmt::format("{}:{}: {}", name, line, JsonErrorText(e)));
  }
  if (!v.is_object())
    return InvalidArgumentError(fmt::format("{}:{}:1: expected a JSON object", name, line));
  return v;
}

// Visits the lines of `text`, numbered from `first_line`; stops at the first non-OK status.
template <typename F>
Status ForEachLine(std::string_view text, int64_t first_line, F&& f) {
  int64_t line = first_line;
  for (size_t start = 0; start < text.size(); ++line) {
    size_t end = text.find('\n', start);
    if (end == text.npos) end = text.size();
    LATHE_RETURN_IF_ERROR(f(text.substr(start, end - start), line));
    start = end + 1;
  }
  return Status::Ok();
}

class LineConverter {
 public:
  LineConverter(const JsonLinesOptions& o, const std::string& name, const Schema& schema,
                detail::TypeConflicts& conflicts)
      : o_(o), name_(name), schema_(schema), conflicts_(conflicts) {}

  ChunkResult Convert(const Chunk& chunk) const {
    ChunkResult r;
    r.batch.schema = schema_;
    for (const auto& f : schema_.fields) r.batch.columns.emplace_back(f.type);
    r.status = ForEachLine(chunk.text, chunk.first_line, [&](std::string_view text, int64_t line) {
      if (Blank(text)) return Status::Ok();
      Status bad = Add(r.batch, text, line);
      if (bad.ok() || o_.bad_rows == ReadOptions::BadRows::kFail) return bad;
      ++r.bad_rows;
      if (r.errors.size() < detail::kKeptErrors) r.errors.push_back(bad.message());
      return Status::Ok();
    });
    return r;
  }

 private:
  // Appends one line, or nothing if any value is bad. A key first seen here, or a value its
  // inferred type cannot hold, is a conflict: the read widens and starts over (ReadOptions).
  Status Add(Batch& b, std::string_view text, int64_t line) const {
    LATHE_ASSIGN_OR_RETURN(auto v, ParseLine(text, name_, line));
    for (auto it = v.begin(); it != v.end(); ++it)
      if (schema_.Find(it.key()) < 0 && !it->is_null())  // a new key's nulls are just missing
        return conflicts_.Record(
            it.key(), Widen(ColumnType::kNull, *it),
            fmt::format("{}:{}: key '{}' was not in the first {} lines; give it a type (e.g. "
                        "`types: {{{}: {}}}`)",
                        name_, line, it.key(), o_.infer_rows, it.key(),
                        ColumnTypeName(Widen(ColumnType::kNull, *it))));
    for (const auto& f : schema_.fields) {
      auto it = v.find(f.name);
      if (it == v.end() || it->is_null()) continue;
      std::string why = Misfit(f.type, *it);
      if (why.empty()) continue;
      const bool given = o_.types.count(f.name) > 0;
      if (!given && (f.type == ColumnType::kNull || o_.bad_rows == ReadOptions::BadRows::kFail)) {
        const ColumnType to = Widen(f.type, *it);
        return conflicts_.Record(
            f.name, to,
            fmt::format("{}:{}: key '{}' was read as {} from the first {} lines, but {} here "
                        "needs {}; give the key a type (e.g. `types: {{{}: {}}}`)",
                        name_, line, f.name, ColumnTypeName(f.type), o_.infer_rows,
                        JsonText(*it).substr(0, 40), ColumnTypeName(to), f.name,
                        ColumnTypeName(to)));
      }
      return InvalidArgumentError(fmt::format("{}:{}: key '{}': {}{}", name_, line, f.name, why,
                                              given ? " (its type is given)" : ""));
    }
    static const nlohmann::json kNull;
    for (size_t c = 0; c < schema_.fields.size(); ++c) {
      auto it = v.find(schema_.fields[c].name);
      Append(b.columns[c], it == v.end() ? kNull : *it);
    }
    return Status::Ok();
  }

  const JsonLinesOptions& o_;
  const std::string& name_;
  const Schema& schema_;
  detail::TypeConflicts& conflicts_;
};

size_t LastLineEnd(std::string_view block) {
  size_t nl = block.rfind('\n');
  return nl == block.npos ? 0 : nl + 1;
}

// One pass; `widened` holds types (and keys) earlier passes found the first lines lacked.
Result<CsvReport> ReadOnce(detail::ByteSource& src, const std::string& name,
                           const JsonLinesOptions& o,
                           const std::map<std::string, ColumnType>& widened,
                           detail::TypeConflicts& conflicts, const BatchCallback& on_batch,
                           const WorkerCallback& in_worker) {
  CsvReport report;
  // Keys and types: from the first `infer_rows` lines (read ahead; they are parsed again with the
  // rest, where malformed ones are reported).
  std::string buf;
  bool eof = false;
  size_t lines_read = 0, scanned = 0;
  size_t line_start = 0;  // of the line not yet ended
  while (!eof && lines_read < o.infer_rows) {
    eof = !src.Read(buf, o.block_bytes);
    for (size_t i = scanned; i < buf.size(); ++i)
      if (buf[i] == '\n') {
        ++lines_read;
        line_start = i + 1;
      }
    scanned = buf.size();
    if (buf.size() - line_start > o.max_record_bytes)
      return InvalidArgumentError(
          fmt::format("{}:{}: a line longer than {} bytes (no line end: is this a text file?)",
                      name, lines_read + 1, o.max_record_bytes));
  }
  std::vector<std::string> keys;
  std::map<std::string, std::optional<ColumnType>> types;
  size_t sampled = 0;
  std::string_view complete(buf.data(), eof ? buf.size() : LastLineEnd(buf));
  (void)ForEachLine(complete, 1, [&](std::string_view text, int64_t line) {
    if (sampled >= o.infer_rows) return OutOfRangeError("enough");
    if (Blank(text)) return Status::Ok();
    auto v = ParseLine(text, name, line);
    if (!v.ok()) return Status::Ok();
    ++sampled;
    for (auto it = v->begin(); it != v->end(); ++it) {
      if (!types.count(it.key())) {
        keys.push_back(it.key());
        types[it.key()] = std::nullopt;
      }
      if (!it.value().is_null())
        types[it.key()] = Widen(types[it.key()].value_or(ColumnType::kNull), it.value());
    }
    return Status::Ok();
  });
  // Keys seen only past the first lines, by an earlier pass, come last (by name).
  for (const auto& [k, t] : widened)
    if (!types.count(k)) {
      keys.push_back(k);
      types[k] = std::nullopt;
    }
  for (const auto& k : keys) {
    auto given = o.types.find(k);
    auto wider = widened.find(k);
    auto fallback = o.types_if_empty.find(k);
    report.schema.fields.push_back(
        {k, given != o.types.end() ? given->second
            : wider != widened.end()
                ? wider->second
                : types[k].value_or(fallback != o.types_if_empty.end() ? fallback->second
                                                                       : ColumnType::kNull)});
  }
  for (const auto& [k, t] : o.types)
    if (!types.count(k))
      return InvalidArgumentError(fmt::format("{}: no key '{}' to give a type", name, k));

  const LineConverter converter(o, name, report.schema, conflicts);
  detail::ChunkedRead how;
  how.name = name;
  how.options = &o;
  how.last_record_end = LastLineEnd;
  how.convert = [&](const Chunk& chunk) { return converter.Convert(chunk); };
  LATHE_RETURN_IF_ERROR(
      detail::ReadChunksInOrder(src, std::move(buf), eof, 1, how, on_batch, in_worker, report));
  if (report.schema.fields.empty() && report.rows == 0 && report.bad_rows == 0)
    return InvalidArgumentError(
        fmt::format("{}: empty file: expected JSON objects, one per line", name));
  return report;
}

Result<CsvReport> Read(const detail::OpenSource& open, const std::string& name,
                       const JsonLinesOptions& o, const BatchCallback& on_batch,
                       const WorkerCallback& in_worker) {
  return detail::ReadUntilTypesHold(
      open, o,
      [&](detail::ByteSource& src, const std::map<std::string, ColumnType>& widened,
          detail::TypeConflicts& conflicts) {
        return ReadOnce(src, name, o, widened, conflicts, on_batch, in_worker);
      });
}

}  // namespace

Result<CsvReport> ReadJsonLines(const std::string& path, const JsonLinesOptions& options,
                                const BatchCallback& on_batch, const WorkerCallback& in_worker) {
  return Read([&] { return detail::OpenFileSource(path); }, path, options, on_batch, in_worker);
}

Result<CsvReport> ReadJsonLinesText(std::string_view text, const std::string& name,
                                    const JsonLinesOptions& options, const BatchCallback& on_batch,
                                    const WorkerCallback& in_worker) {
  return Read(
      [&]() -> Result<std::unique_ptr<detail::ByteSource>> {
        return std::unique_ptr<detail::ByteSource>(std::make_unique<detail::TextByteSource>(text));
      },
      name, options, on_batch, in_worker);
}

}  // namespace lathe::data
