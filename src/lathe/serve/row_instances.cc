#include "lathe/serve/row_instances.h"

#include <simdjson.h>

#include <cmath>
#include <cstdint>

namespace lathe::serve {

namespace {

using simdjson::dom::element_type;

// Appends `v` to `col` as BatchFromInstances would, or returns false to decline.
bool AppendValue(simdjson::dom::element v, data::Column& col) {
  const element_type t = v.type();
  if (t == element_type::NULL_VALUE) {
    col.AppendNull();
    return true;
  }
  switch (col.type()) {
    case data::ColumnType::kInt64:
      // simdjson reads a whole number as UINT64 only above INT64_MAX: declined, as it is there.
      if (t == element_type::INT64) {
        col.AppendInt(v.get_int64().value_unsafe());
        return true;
      }
      if (t == element_type::DOUBLE) {
        const double d = v.get_double().value_unsafe();
        if (std::floor(d) != d || !(std::abs(d) < 9.2e18)) return false;
        col.AppendInt(static_cast<int64_t>(d));
        return true;
      }
      return false;
    case data::ColumnType::kDouble:
      if (t == element_type::INT64)
        col.AppendDouble(static_cast<double>(v.get_int64().value_unsafe()));
      else if (t == element_type::UINT64)
        col.AppendDouble(static_cast<double>(v.get_uint64().value_unsafe()));
      else if (t == element_type::DOUBLE)
        col.AppendDouble(v.get_double().value_unsafe());
      else
        return false;
      return true;
    case data::ColumnType::kBool:
      if (t != element_type::BOOL) return false;
      col.AppendBool(v.get_bool().value_unsafe());
      return true;
    case data::ColumnType::kString:
      // Numbers and booleans are read as their JSON text there; left to that path.
      if (t != element_type::STRING) return false;
      col.AppendString(v.get_string().value_unsafe());
      return true;
    case data::ColumnType::kNull:  // trained on no values: any scalar reads as missing
      if (t == element_type::ARRAY || t == element_type::OBJECT) return false;
      col.AppendNull();
      return true;
  }
  return false;
}

}  // namespace

std::optional<data::Batch> ReadRowInstances(std::string_view body, const data::Schema& inputs) {
  const size_t width = inputs.fields.size();
  if (width == 0 || width > 64) return std::nullopt;  // `filled` below is a 64-bit set
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size(), /*realloc_if_needed=*/true).get(doc))
    return std::nullopt;
  simdjson::dom::object root;
  if (doc.get_object().get(root)) return std::nullopt;
  simdjson::dom::array rows;
  bool found = false;
  for (auto member : root) {
    if (member.key != "instances" || found || member.value.get_array().get(rows))
      return std::nullopt;
    found = true;
  }
  if (!found) return std::nullopt;
  data::Batch batch;
  batch.schema = inputs;
  batch.columns.reserve(width);
  for (const auto& f : inputs.fields) {
    batch.columns.emplace_back(f.type);
    batch.columns.back().Reserve(rows.size());
  }
  for (simdjson::dom::element row : rows) {
    simdjson::dom::object instance;
    if (row.get_object().get(instance)) return std::nullopt;
    uint64_t filled = 0;
    for (auto member : instance) {
      const int c = inputs.Find(member.key);
      if (c < 0 || (filled >> c & 1) != 0) return std::nullopt;
      filled |= uint64_t{1} << c;
      if (!AppendValue(member.value, batch.columns[static_cast<size_t>(c)])) return std::nullopt;
    }
    for (size_t c = 0; c < width; ++c)
      if ((filled >> c & 1) == 0) batch.columns[c].AppendNull();
  }
  return batch;
}

}  // namespace lathe::serve
