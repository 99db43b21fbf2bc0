#include "lathe/data/jsonl.h"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace lathe::data {

namespace {

// Where lines come from: a stream (a file) or text in memory.
class LineSource {
 public:
  explicit LineSource(std::istream& in) : in_(in) {}
  bool Next(std::string& line) { return static_cast<bool>(std::getline(in_, line)); }

 private:
  std::istream& in_;
};

ColumnType Widen(std::optional<ColumnType> seen, const nlohmann::json& v) {
  ColumnType t = v.is_boolean()          ? ColumnType::kBool
                 : v.is_number_integer() ? ColumnType::kInt64
                 : v.is_number()         ? ColumnType::kDouble
                                         : ColumnType::kString;
  if (!seen || *seen == t) return t;
  bool numbers = (*seen == ColumnType::kInt64 || *seen == ColumnType::kDouble) &&
                 (t == ColumnType::kInt64 || t == ColumnType::kDouble);
  return numbers ? ColumnType::kDouble : ColumnType::kString;
}

Status Append(Column& c, const nlohmann::json& v) {
  if (v.is_null()) {
    c.AppendNull();
    return Status::Ok();
  }
  switch (c.type()) {
    case ColumnType::kInt64:
      if (!v.is_number_integer())
        return InvalidArgumentError(fmt::format("{} is not an int64", v.dump()));
      c.AppendInt(v.get<int64_t>());
      return Status::Ok();
    case ColumnType::kDouble:
      if (!v.is_number()) return InvalidArgumentError(fmt::format("{} is not a number", v.dump()));
      c.AppendDouble(v.get<double>());
      return Status::Ok();
    case ColumnType::kBool:
      if (!v.is_boolean())
        return InvalidArgumentError(fmt::format("{} is not a boolean", v.dump()));
      c.AppendBool(v.get<bool>());
      return Status::Ok();
    case ColumnType::kString:
      c.AppendString(v.is_string() ? v.get<std::string>() : v.dump());
      return Status::Ok();
  }
  return Status::Ok();
}

Result<CsvReport> Read(LineSource& src, const std::string& name, const JsonLinesOptions& o,
                       const BatchCallback& on_batch) {
  CsvReport report;
  struct Line {
    int64_t number;
    nlohmann::json value;
  };
  std::vector<Line> sample;
  std::string text;
  int64_t line = 0;
  auto parse = [&](const std::string& s, int64_t n) -> Result<nlohmann::json> {
    nlohmann::json v;
    try {
      v = nlohmann::json::parse(s);
    } catch (const nlohmann::json::parse_error& e) {
      return InvalidArgumentError(fmt::format("{}:{}:{}: malformed JSON", name, n, e.byte));
    }
    if (!v.is_object())
      return InvalidArgumentError(fmt::format("{}:{}:1: expected a JSON object", name, n));
    return v;
  };
  auto bad = [&](const Status& st) -> Status {
    if (o.bad_rows == CsvOptions::BadRows::kFail) return st;
    ++report.bad_rows;
    if (report.bad_row_errors.size() < 10) report.bad_row_errors.push_back(st.message());
    if (o.max_bad_rows >= 0 && report.bad_rows > o.max_bad_rows)
      return InvalidArgumentError(fmt::format("{}: more than {} bad rows (first: {})", name,
                                              o.max_bad_rows, report.bad_row_errors.front()));
    return Status::Ok();
  };
  // The next object, skipping blank lines and (with BadRows::kSkip) malformed ones; null at the
  // end.
  auto next = [&]() -> Result<std::optional<nlohmann::json>> {
    while (src.Next(text)) {
      ++line;
      report.bytes += static_cast<int64_t>(text.size()) + 1;
      if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto v = parse(text, line);
      if (v.ok()) return std::optional<nlohmann::json>(std::move(*v));
      LATHE_RETURN_IF_ERROR(bad(v.status()));
    }
    return std::optional<nlohmann::json>();
  };
  // Sample: the keys and their types.
  std::vector<std::string> keys;
  std::map<std::string, std::optional<ColumnType>> types;
  while (sample.size() < o.infer_rows) {
    LATHE_ASSIGN_OR_RETURN(auto v, next());
    if (!v) break;
    for (auto it = v->begin(); it != v->end(); ++it) {
      if (!types.count(it.key())) {
        keys.push_back(it.key());
        types[it.key()] = std::nullopt;
      }
      if (!it.value().is_null()) types[it.key()] = Widen(types[it.key()], it.value());
    }
    sample.push_back({line, std::move(*v)});
  }
  for (const auto& k : keys) {
    auto given = o.types.find(k);
    report.schema.fields.push_back(
        {k, given != o.types.end() ? given->second : types[k].value_or(ColumnType::kString)});
  }
  for (const auto& [k, t] : o.types)
    if (!types.count(k))
      return InvalidArgumentError(fmt::format("{}: no key '{}' to give a type", name, k));

  Batch batch;
  auto reset = [&] {
    batch = Batch{};
    batch.schema = report.schema;
    for (const auto& f : report.schema.fields) batch.columns.emplace_back(f.type);
  };
  reset();
  auto flush = [&]() -> Status {
    if (batch.rows() == 0) return Status::Ok();
    report.rows += static_cast<int64_t>(batch.rows());
    LATHE_RETURN_IF_ERROR(on_batch(std::move(batch)));
    reset();
    return Status::Ok();
  };
  auto add = [&](int64_t n, const nlohmann::json& v) -> Status {
    for (auto it = v.begin(); it != v.end(); ++it)
      if (report.schema.Find(it.key()) < 0)
        return bad(InvalidArgumentError(fmt::format("{}:{}: key '{}' was not in the first {} lines",
                                                    name, n, it.key(), o.infer_rows)));
    // Check every value first so that a bad row adds nothing.
    for (size_t c = 0; c < report.schema.fields.size(); ++c) {
      auto it = v.find(report.schema.fields[c].name);
      if (it == v.end() || it->is_null()) continue;
      Column probe(report.schema.fields[c].type);
      Status st = Append(probe, *it);
      if (!st.ok())
        return bad(InvalidArgumentError(fmt::format("{}:{}: key '{}': {}", name, n,
                                                    report.schema.fields[c].name, st.message())));
    }
    for (size_t c = 0; c < report.schema.fields.size(); ++c) {
      auto it = v.find(report.schema.fields[c].name);
      LATHE_RETURN_IF_ERROR(Append(batch.columns[c], it == v.end() ? nlohmann::json() : *it));
    }
    if (batch.rows() >= o.batch_rows) return flush();
    return Status::Ok();
  };
  for (const auto& s : sample) LATHE_RETURN_IF_ERROR(add(s.number, s.value));
  while (true) {
    LATHE_ASSIGN_OR_RETURN(auto v, next());
    if (!v) break;
    LATHE_RETURN_IF_ERROR(add(line, *v));
  }
  LATHE_RETURN_IF_ERROR(flush());
  if (report.schema.fields.empty() && report.rows == 0 && report.bad_rows == 0)
    return InvalidArgumentError(
        fmt::format("{}: empty file: expected JSON objects, one per line", name));
  return report;
}

}  // namespace

Result<CsvReport> ReadJsonLines(const std::string& path, const JsonLinesOptions& options,
                                const BatchCallback& on_batch) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError(fmt::format("cannot read {}", path));
  LineSource src(in);
  return Read(src, path, options, on_batch);
}

Result<CsvReport> ReadJsonLinesText(std::string_view text, const std::string& name,
                                    const JsonLinesOptions& options,
                                    const BatchCallback& on_batch) {
  std::istringstream in{std::string(text)};
  LineSource src(in);
  return Read(src, name, options, on_batch);
}

}  // namespace lathe::data
