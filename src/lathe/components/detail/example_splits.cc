#include "lathe/components/detail/example_splits.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>

namespace lathe::components::detail {

SplitPlan SplitPlan::FromParameters(const nlohmann::json& p) {
  SplitPlan plan;
  plan.by_range_ = p.contains("split_ranges");
  const nlohmann::json ranges =
      plan.by_range_ ? p["split_ranges"]["ranges"] : nlohmann::json::object();
  const nlohmann::json& listed = plan.by_range_ ? ranges : p["splits"];
  for (auto it = listed.begin(); it != listed.end(); ++it) {
    plan.names_.push_back(it.key());
    plan.buckets_.push_back(plan.by_range_ ? 1 : it.value().get<int64_t>());
    plan.total_ += plan.buckets_.back();
    std::pair<Bound, Bound> fb;
    for (auto [key, bound] : {std::pair{"from", &fb.first}, std::pair{"to", &fb.second}}) {
      if (!plan.by_range_ || !it.value().contains(key)) continue;
      const auto& v = it.value()[key];
      bound->set = true;
      bound->numeric = v.is_number();
      if (bound->numeric)
        bound->number = v.get<double>();
      else
        bound->text = v.get<std::string>();
    }
    plan.bounds_.push_back(std::move(fb));
  }
  if (plan.by_range_) plan.range_name_ = p["split_ranges"]["feature"].get<std::string>();
  if (p.contains("split_key")) plan.key_name_ = p["split_key"].get<std::string>();
  return plan;
}

Status SplitPlan::Bind(const data::Schema& schema, const std::string& source) {
  if (by_range_) {
    range_column_ = schema.Find(range_name_);
    if (range_column_ < 0)
      return InvalidArgumentError(
          fmt::format("split_ranges: {} has no column '{}'", source, range_name_));
  }
  if (!key_name_.empty()) {
    key_ = schema.Find(key_name_);
    if (key_ < 0)
      return InvalidArgumentError(
          fmt::format("split_key: {} has no column '{}'", source, key_name_));
  }
  return Status::Ok();
}

int SplitPlan::RangeSplit(const data::Column& c, size_t row) {
  if (c.is_null(row)) return -1;
  const bool numeric =
      c.type() == data::ColumnType::kInt64 || c.type() == data::ColumnType::kDouble;
  const double x = c.type() == data::ColumnType::kInt64    ? static_cast<double>(c.int_at(row))
                   : c.type() == data::ColumnType::kDouble ? c.double_at(row)
                                                           : 0;
  const std::string_view text = numeric ? std::string_view()
                                : c.type() == data::ColumnType::kString
                                    ? c.string_at(row)
                                    : (scratch_ = c.ToText(row));
  auto below = [&](const Bound& bound) {  // value < bound (a bound of the other kind: never)
    return numeric ? bound.numeric && x < bound.number
                   : !bound.numeric && text < std::string_view(bound.text);
  };
  for (size_t s = 0; s < bounds_.size(); ++s) {
    if (bounds_[s].first.set && below(bounds_[s].first)) continue;
    if (bounds_[s].second.set && !below(bounds_[s].second)) continue;
    return static_cast<int>(s);
  }
  return -1;
}

void SplitPlan::Assign(const data::Batch& b, std::vector<int>& target) {
  target.resize(b.rows());
  std::string text;
  for (size_t row = 0; row < b.rows(); ++row) {
    if (by_range_) {
      target[row] = RangeSplit(b.columns[static_cast<size_t>(range_column_)], row);
      if (target[row] < 0) ++outside_;
      continue;
    }
    text.clear();
    if (key_ >= 0) {
      text = b.columns[static_cast<size_t>(key_)].ToText(row);
    } else {
      for (const auto& c : b.columns) text += c.ToText(row) + '\x1f';
    }
    const auto bucket =
        static_cast<int64_t>(XXH3_64bits(text.data(), text.size()) % static_cast<uint64_t>(total_));
    size_t s = 0;
    for (int64_t acc = buckets_[0]; bucket >= acc; acc += buckets_[++s]) {
    }
    target[row] = static_cast<int>(s);
  }
}

Status SplitFiles::Open(const data::Schema& schema) {
  for (const auto& name : names_) {
    LATHE_ASSIGN_OR_RETURN(
        auto w, data::ColumnarWriter::Create((dir_ / (name + ".lcol")).string(), schema));
    writers_.push_back(std::move(w));
  }
  return Status::Ok();
}

Status SplitFiles::Write(const data::Batch& b, const std::vector<int>& target) {
  if (writers_.empty()) LATHE_RETURN_IF_ERROR(Open(b.schema));
  // Data ordered by the range feature (time, typically) sends whole batches to one split.
  if (!target.empty() && target[0] >= 0 &&
      std::all_of(target.begin(), target.end(), [&](int t) { return t == target[0]; }))
    return writers_[static_cast<size_t>(target[0])]->Write(b);
  parts_.assign(names_.size(), data::Batch{});
  for (auto& part : parts_) {
    part.schema = b.schema;
    for (const auto& f : b.schema.fields) part.columns.emplace_back(f.type);
  }
  for (size_t row = 0; row < b.rows(); ++row) {
    if (target[row] < 0) continue;
    for (size_t c = 0; c < b.columns.size(); ++c)
      parts_[static_cast<size_t>(target[row])].columns[c].AppendFrom(b.columns[c], row);
  }
  for (size_t s = 0; s < parts_.size(); ++s) LATHE_RETURN_IF_ERROR(writers_[s]->Write(parts_[s]));
  return Status::Ok();
}

Result<std::vector<int64_t>> SplitFiles::Close(const data::Schema& schema,
                                               const nlohmann::json& metadata) {
  if (writers_.empty()) LATHE_RETURN_IF_ERROR(Open(schema));
  std::vector<int64_t> rows;
  for (size_t s = 0; s < writers_.size(); ++s) {
    rows.push_back(writers_[s]->rows());
    nlohmann::json m = metadata;
    m["split"] = names_[s];
    LATHE_RETURN_IF_ERROR(writers_[s]->Close(m));
  }
  return rows;
}

}  // namespace lathe::components::detail
