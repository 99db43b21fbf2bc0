#include "lathe/stats/dataset_stats.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

#include "lathe/core/strings.h"
#include "lathe/data/table_file.h"

namespace lathe::stats {

using data::ColumnType;

void NumericStats::Add(double v) {
  if (std::isnan(v)) return;
  if (std::isinf(v)) {
    ++non_finite;
    return;
  }
  if (count == 0) min = max = v;
  min = std::min(min, v);
  max = std::max(max, v);
  ++count;
  zeros += v == 0;
  double delta = v - mean;  // Welford
  mean += delta / static_cast<double>(count);
  m2 += delta * (v - mean);
  if (!exact) {
    sketch.Add(v);
    return;
  }
  ++values[v];
  if (values.size() > kExactLimit) SpillToSketch();
}

void NumericStats::SpillToSketch() {
  for (const auto& [v, c] : values) sketch.Add(v, c);
  values.clear();
  exact = false;
}

namespace {
std::vector<std::pair<double, uint64_t>> Sorted(
    const absl::flat_hash_map<double, uint64_t>& values) {
  std::vector<std::pair<double, uint64_t>> out(values.begin(), values.end());
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

double NumericStats::Quantile(double q) const {
  if (count == 0) return std::numeric_limits<double>::quiet_NaN();
  if (!exact) return std::clamp(sketch.Quantile(q), min, max);
  // Linear interpolation between the values at the ranks around q * (count - 1), as numpy and
  // pandas do: the median of [1, 3] is 2.
  const double h = std::clamp(q, 0.0, 1.0) * static_cast<double>(count - 1);
  const uint64_t below = static_cast<uint64_t>(h);
  const double frac = h - static_cast<double>(below);
  uint64_t seen = 0;
  const auto sorted = Sorted(values);
  for (size_t i = 0; i < sorted.size(); ++i) {
    seen += sorted[i].second;
    if (seen <= below) continue;
    // The value at rank `below` is sorted[i]; the next rank is the same value or the next one.
    if (frac == 0 || seen > below + 1 || i + 1 == sorted.size()) return sorted[i].first;
    return sorted[i].first + frac * (sorted[i + 1].first - sorted[i].first);
  }
  return max;
}

uint64_t NumericStats::CountBetween(double lo, double hi) const {
  if (!exact) return sketch.CountBetween(lo, hi);
  uint64_t n = 0;
  for (auto it = values.begin(); it != values.end(); ++it)
    if (it->first >= lo && it->first < hi) n += it->second;
  return n;
}

Status NumericStats::Merge(const NumericStats& o) {
  non_finite += o.non_finite;
  if (o.count == 0) return Status::Ok();
  if (!o.exact && !exact && o.sketch.alpha() != sketch.alpha())
    return FailedPreconditionError(
        "cannot merge statistics with quantile sketches of different accuracy");
  if (count == 0) {
    const int64_t nf = non_finite;
    *this = o;
    non_finite = nf;
    return Status::Ok();
  }
  // Chan et al.: combine counts, means and squared deviations of two parts.
  double n = static_cast<double>(count), m = static_cast<double>(o.count);
  double delta = o.mean - mean;
  mean += delta * m / (n + m);
  m2 += o.m2 + delta * delta * n * m / (n + m);
  count += o.count;
  zeros += o.zeros;
  min = std::min(min, o.min);
  max = std::max(max, o.max);
  if (exact && o.exact) {
    for (const auto& [v, c] : o.values) values[v] += c;
    if (values.size() > kExactLimit) SpillToSketch();
    return Status::Ok();
  }
  if (exact) SpillToSketch();
  if (o.exact) {
    for (const auto& [v, c] : o.values) sketch.Add(v, c);
    return Status::Ok();
  }
  return sketch.Merge(o.sketch);
}

double NumericStats::stddev() const {
  return count == 0 ? std::numeric_limits<double>::quiet_NaN()
                    : std::sqrt(m2 / static_cast<double>(count));
}

std::vector<std::pair<double, uint64_t>> NumericStats::EqualWidthHistogram(int buckets) const {
  std::vector<std::pair<double, uint64_t>> out;
  if (count == 0 || buckets < 1) return out;
  double width = (max - min) / buckets;
  if (width == 0) return {{min, static_cast<uint64_t>(count)}};
  for (int b = 0; b < buckets; ++b) {
    double lo = min + b * width;
    double hi = b + 1 == buckets ? std::numeric_limits<double>::infinity() : min + (b + 1) * width;
    uint64_t n = CountBetween(b == 0 ? -std::numeric_limits<double>::infinity() : lo, hi);
    out.emplace_back(lo, n);
  }
  return out;
}

std::vector<double> NumericStats::QuantileEdges(int buckets) const {
  std::vector<double> edges;
  if (count == 0 || buckets < 1) return edges;
  for (int b = 0; b <= buckets; ++b) {
    double q = static_cast<double>(b) / buckets;
    edges.push_back(b == 0 ? min : b == buckets ? max : Quantile(q));
  }
  return edges;
}

namespace {
// Characters (code points) of UTF-8 text: bytes that do not continue a character.
int64_t Utf8Length(std::string_view v) {
  int64_t n = 0;
  for (char c : v) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}
}  // namespace

namespace {

// The distinct-count sketch is kept up to date only once counting is no longer exact (until then
// the counts know every value): on that change it gets every value counted so far.
void FillDistinct(CategoricalStats& c) {
  for (const auto& [v, n] : c.counts) c.distinct.Add(v);
}

// Misra-Gries: with `counts` full and a value not in it, every counter goes down by one (the new
// value's single occurrence is spent against them) and counters at zero leave. Each such step
// removes kExactLimit + 1 occurrences from view, so there are at most count / (kExactLimit + 1)
// of them: the bound on how much any count is short.
void DecrementAll(CategoricalStats& c) {
  for (auto it = c.counts.begin(); it != c.counts.end();) {
    if (--it->second == 0)
      c.counts.erase(it++);  // erasing leaves the other iterators valid
    else
      ++it;
  }
  ++c.count_error;
}

// Keeps the kExactLimit largest counts after a merge: subtracting the next largest count from
// every counter (the mergeable form of Misra-Gries, Agarwal et al. 2012), which adds it to the
// error bound.
void Shrink(CategoricalStats& c) {
  if (c.counts.size() <= CategoricalStats::kExactLimit) return;
  if (c.exact) FillDistinct(c);  // the merged counts hold every value of both parts
  std::vector<int64_t> values;
  values.reserve(c.counts.size());
  for (const auto& [v, n] : c.counts) values.push_back(n);
  auto kth = values.begin() + static_cast<long>(CategoricalStats::kExactLimit);
  std::nth_element(values.begin(), kth, values.end(), std::greater<>());
  const int64_t cut = *kth;  // the (kExactLimit + 1)-th largest count
  for (auto it = c.counts.begin(); it != c.counts.end();) {
    it->second -= cut;
    if (it->second <= 0)
      c.counts.erase(it++);
    else
      ++it;
  }
  c.count_error += cut;
  c.exact = false;
}

}  // namespace

void CategoricalStats::Add(std::string_view v, int64_t times) {
  if (times <= 0) return;
  const int64_t len = Utf8Length(v);
  if (count == 0) min_length = max_length = len;
  min_length = std::min(min_length, len);
  max_length = std::max(max_length, len);
  total_length += static_cast<double>(len) * static_cast<double>(times);
  count += times;
  if (!exact) distinct.Add(v);  // while exact, the counts say how many distinct values there are
  // Misra-Gries one occurrence at a time while the counters are full and `v` is not among them
  // (a decrement may make room for the next); the rest of the run at once when it fits.
  for (int64_t left = times; left > 0; --left) {
    // Debian's abseil has its own string_view: look up through it (no copy).
    if (auto it = counts.find(absl::string_view(v.data(), v.size())); it != counts.end()) {
      it->second += left;
      return;
    }
    if (counts.size() < kExactLimit) {
      counts.emplace(std::string(v), left);
      return;
    }
    if (exact) {
      FillDistinct(*this);
      exact = false;
      distinct.Add(v);
    }
    DecrementAll(*this);
  }
}

void CategoricalStats::Merge(CategoricalStats o) {
  if (o.count == 0) return;
  if (count == 0) {  // nothing here yet: take the other side whole
    *this = std::move(o);
    return;
  }
  min_length = std::min(min_length, o.min_length);
  max_length = std::max(max_length, o.max_length);
  total_length += o.total_length;
  count += o.count;
  // A sketch is complete only for inexact stats; an exact side contributes its values.
  if (exact && !o.exact) FillDistinct(*this);
  if (o.exact && !exact)
    for (const auto& [v, n] : o.counts) distinct.Add(v);
  if (!o.exact) distinct.Merge(o.distinct);
  exact = exact && o.exact;
  count_error += o.count_error;
  // Values new to this side move over with their text (no copy, no allocation).
  for (auto it = o.counts.begin(); it != o.counts.end();) {
    auto node = o.counts.extract(it++);
    if (auto found = counts.find(node.key()); found != counts.end())
      found->second += node.mapped();
    else
      counts.insert(std::move(node));
  }
  Shrink(*this);
}

double CategoricalStats::Unique() const {
  return exact ? static_cast<double>(counts.size()) : std::round(distinct.Estimate());
}

std::vector<std::pair<std::string, int64_t>> CategoricalStats::Top(size_t k) const {
  // Sorted by pointer: only the k kept values are copied.
  using Entry = const std::pair<const std::string, int64_t>*;
  std::vector<Entry> all;
  all.reserve(counts.size());
  for (const auto& e : counts) all.push_back(&e);
  auto by_count = [](Entry a, Entry b) {
    return a->second != b->second ? a->second > b->second : a->first < b->first;
  };
  const size_t kept = std::min(k, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<long>(kept), all.end(), by_count);
  std::vector<std::pair<std::string, int64_t>> out;
  out.reserve(kept);
  for (size_t i = 0; i < kept; ++i) out.emplace_back(all[i]->first, all[i]->second);
  return out;
}

DatasetStats::DatasetStats(const data::Schema& schema) {
  for (const auto& f : schema.fields) {
    FeatureStats s;
    s.name = f.name;
    s.type = f.type;
    features_.push_back(std::move(s));
  }
}

const FeatureStats* DatasetStats::Find(std::string_view name) const {
  for (const auto& f : features_)
    if (f.name == name) return &f;
  return nullptr;
}

void DatasetStats::Add(const data::Batch& b) {
  std::vector<uint32_t> all(b.rows());
  for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
  Add(b, all);
}

void DatasetStats::Add(const data::Batch& b, const std::vector<uint32_t>& rows) {
  rows_ += static_cast<int64_t>(rows.size());
  for (size_t i = 0; i < features_.size(); ++i) {
    FeatureStats& f = features_[i];
    // Columns by name: a batch may hold them in another order (a file's) or hold others (the
    // label). A feature the batch lacks has no value in its rows.
    const int c = i < b.schema.fields.size() && b.schema.fields[i].name == f.name
                      ? static_cast<int>(i)
                      : b.schema.Find(f.name);
    if (c < 0 || static_cast<size_t>(c) >= b.columns.size()) {
      f.missing += static_cast<int64_t>(rows.size());
      continue;
    }
    const data::Column& col = b.columns[static_cast<size_t>(c)];
    if (col.type() == ColumnType::kString) {
      // Equal values in a row (sorted or clustered data: timestamps, IDs) are counted once with
      // their number: one lookup per run instead of per value, the same counts.
      std::string_view run;
      int64_t times = 0;
      for (uint32_t r : rows) {
        if (col.is_null(r)) {
          ++f.missing;
          continue;
        }
        std::string_view v = col.string_at(r);
        if (times > 0 && v == run) {
          ++times;
          continue;
        }
        f.cat.Add(run, times);
        run = v;
        times = 1;
      }
      f.cat.Add(run, times);
      continue;
    }
    for (uint32_t r : rows) {
      if (col.is_null(r)) {
        ++f.missing;
        continue;
      }
      switch (col.type()) {
        case ColumnType::kInt64:
          f.num.Add(static_cast<double>(col.int_at(r)));
          break;
        case ColumnType::kDouble:
          if (std::isnan(col.double_at(r)))
            ++f.missing;  // columns written before NaN was stored as missing
          else
            f.num.Add(col.double_at(r));
          break;
        case ColumnType::kBool:
          f.cat.Add(col.bool_at(r) ? "true" : "false");
          break;
        case ColumnType::kString:  // counted in runs of equal values (see below)
          break;
        case ColumnType::kNull:  // no values (null rows were counted above)
          break;
      }
    }
  }
}

Status DatasetStats::Merge(DatasetStats o) {
  if (features_.empty() && rows_ == 0) {
    *this = std::move(o);
    return Status::Ok();
  }
  for (size_t i = 0; i < std::max(features_.size(), o.features_.size()); ++i) {
    if (i >= features_.size() || i >= o.features_.size() ||
        features_[i].name != o.features_[i].name)
      return FailedPreconditionError(fmt::format(
          "cannot merge statistics: feature {} is '{}' in one part of the data and '{}' in "
          "another",
          i + 1, i < features_.size() ? features_[i].name : "(none)",
          i < o.features_.size() ? o.features_[i].name : "(none)"));
    auto common = data::CommonType(features_[i].type, o.features_[i].type, features_[i].name);
    if (!common.ok()) return FailedPreconditionError(common.status().message());
  }
  rows_ += o.rows_;
  for (size_t i = 0; i < features_.size(); ++i) {
    // A feature without values in one part (kNull) takes the other part's type.
    if (features_[i].type == data::ColumnType::kNull) features_[i].type = o.features_[i].type;
    features_[i].missing += o.features_[i].missing;
    LATHE_RETURN_IF_ERROR(features_[i].num.Merge(o.features_[i].num));
    features_[i].cat.Merge(std::move(o.features_[i].cat));
  }
  return Status::Ok();
}

namespace {

nlohmann::json Number(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

}  // namespace

namespace {
// What DatasetStats::FromJson restores a feature from; `binary`: the exact values and the sketch's
// buckets as CBOR byte strings (value and count as 8 bytes each, little-endian).
nlohmann::json FeatureState(const FeatureStats& f, bool binary = false) {
  if (f.numeric()) {
    const NumericStats& n = f.num;
    nlohmann::json values = nlohmann::json::array();
    const auto sorted = Sorted(n.values);
    if (binary) {
      std::vector<uint8_t> bytes(sorted.size() * 16);
      for (size_t i = 0; i < sorted.size(); ++i) {
        std::memcpy(bytes.data() + 16 * i, &sorted[i].first, 8);
        std::memcpy(bytes.data() + 16 * i + 8, &sorted[i].second, 8);
      }
      values = nlohmann::json::binary(std::move(bytes));
    } else {
      for (const auto& [v, c] : sorted) values.push_back({v, c});
    }
    return {{"count", n.count}, {"non_finite", n.non_finite},
            {"zeros", n.zeros}, {"mean", n.mean},
            {"m2", n.m2},       {"min", n.min},
            {"max", n.max},     {"exact", n.exact},
            {"values", values}, {"sketch", n.sketch.ToJson(binary)}};
  }
  const CategoricalStats& c = f.cat;
  return {{"count", c.count},
          {"exact", c.exact},
          {"counts", c.counts},
          {"count_error", c.count_error},
          {"distinct", c.distinct.ToJson()},
          {"min_length", c.min_length},
          {"max_length", c.max_length},
          {"total_length", c.total_length}};
}
}  // namespace

nlohmann::json DatasetStats::StateJson() const {
  nlohmann::json features = nlohmann::json::array();
  for (const auto& f : features_)
    features.push_back({{"name", f.name},
                        {"type", data::ColumnTypeName(f.type)},
                        {"missing", f.missing},
                        {"state", FeatureState(f, /*binary=*/true)}});
  return {{"rows", rows_}, {"features", features}};
}

nlohmann::json DatasetStats::ToJson(int buckets, size_t top_k) const {
  nlohmann::json features = nlohmann::json::array();
  for (const auto& f : features_) {
    nlohmann::json j = {
        {"name", f.name}, {"type", data::ColumnTypeName(f.type)}, {"missing", f.missing}};
    if (f.numeric()) {
      const NumericStats& n = f.num;
      j["count"] = n.count;
      j["non_finite"] = n.non_finite;
      j["mean"] = Number(n.count ? n.mean : NAN);
      j["stddev"] = Number(n.stddev());
      j["min"] = Number(n.count ? n.min : NAN);
      j["max"] = Number(n.count ? n.max : NAN);
      j["zeros"] = n.zeros;
      nlohmann::json q = nlohmann::json::object();
      for (double p : {0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99})
        q[fmt::format("{:g}", p)] = Number(n.Quantile(p));
      j["quantiles"] = q;
      j["median"] = Number(n.Quantile(0.5));
      nlohmann::json hist = nlohmann::json::array();
      for (const auto& [lo, c] : n.EqualWidthHistogram(buckets))
        hist.push_back({{"low", lo}, {"count", c}});
      j["histogram"] = hist;
      nlohmann::json edges = nlohmann::json::array();
      for (double e : n.QuantileEdges(buckets)) edges.push_back(Number(e));
      j["quantile_edges"] = edges;
      j["quantiles_exact"] = n.exact;
      j["state"] = FeatureState(f);
    } else {
      const CategoricalStats& c = f.cat;
      j["count"] = c.count;
      j["unique"] = c.Unique();
      j["unique_exact"] = c.exact;
      nlohmann::json top = nlohmann::json::array();
      for (const auto& [v, n] : c.Top(top_k)) top.push_back({{"value", v}, {"count", n}});
      j["top"] = top;
      j["top_count_error"] = c.count_error;  // counts in `top` may be this much too low
      j["length"] = {{"min", c.min_length},
                     {"max", c.max_length},
                     {"mean", c.count ? c.total_length / static_cast<double>(c.count) : 0.0}};
      j["state"] = FeatureState(f);
    }
    features.push_back(std::move(j));
  }
  return {{"rows", rows_}, {"features", features}};
}

void DatasetStats::DropState(nlohmann::json& j) {
  if (j.is_object()) {
    j.erase("state");
    for (auto& [k, v] : j.items()) DropState(v);
  } else if (j.is_array()) {
    for (auto& v : j) DropState(v);
  }
}

Result<DatasetStats> DatasetStats::FromJson(const nlohmann::json& j) {
  try {
    DatasetStats s;
    s.rows_ = j.at("rows").get<int64_t>();
    for (const auto& fj : j.at("features")) {
      FeatureStats f;
      f.name = fj.at("name").get<std::string>();
      LATHE_ASSIGN_OR_RETURN(f.type, data::ParseColumnType(fj.at("type").get<std::string>()));
      f.missing = fj.at("missing").get<int64_t>();
      const auto& st = fj.at("state");
      if (f.numeric()) {
        f.num.count = st.at("count").get<int64_t>();
        f.num.non_finite = st.value("non_finite", int64_t{0});
        f.num.zeros = st.at("zeros").get<int64_t>();
        f.num.mean = st.at("mean").get<double>();
        f.num.m2 = st.at("m2").get<double>();
        f.num.min = st.at("min").get<double>();
        f.num.max = st.at("max").get<double>();
        LATHE_ASSIGN_OR_RETURN(f.num.sketch, QuantileSketch::FromJson(st.at("sketch")));
        f.num.exact = st.at("exact").get<bool>();
        if (const auto& values = st.at("values"); values.is_binary()) {
          const auto& bytes = values.get_binary();
          if (bytes.size() % 16 != 0)
            return InvalidArgumentError("malformed statistics: exact values");
          for (size_t i = 0; i < bytes.size(); i += 16) {
            double v = 0;
            uint64_t c = 0;
            std::memcpy(&v, bytes.data() + i, 8);
            std::memcpy(&c, bytes.data() + i + 8, 8);
            f.num.values[v] = c;
          }
        } else {
          for (const auto& p : values) f.num.values[p[0].get<double>()] = p[1].get<uint64_t>();
        }
      } else {
        f.cat.count = st.at("count").get<int64_t>();
        f.cat.exact = st.at("exact").get<bool>();
        for (const auto& [v, c] : st.at("counts").items())
          f.cat.counts.emplace(v, c.get<int64_t>());
        f.cat.count_error = st.value("count_error", int64_t{0});
        LATHE_ASSIGN_OR_RETURN(f.cat.distinct, DistinctSketch::FromJson(st.at("distinct")));
        f.cat.min_length = st.at("min_length").get<int64_t>();
        f.cat.max_length = st.at("max_length").get<int64_t>();
        f.cat.total_length = st.at("total_length").get<double>();
      }
      s.features_.push_back(std::move(f));
    }
    return s;
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(std::string("malformed statistics: ") + e.what());
  }
}

SlicedStats::SlicedStats(const data::Schema& schema, std::string feature, size_t max_slices)
    : schema_(schema), feature_(std::move(feature)), max_slices_(max_slices), all_(schema) {}

SlicedStats::SlicedStats(DatasetStats all) : max_slices_(0), all_(std::move(all)) {
  for (const auto& f : all_.features()) schema_.fields.push_back({f.name, f.type});
}

Status SlicedStats::Add(const data::Batch& b) {
  all_.Add(b);
  if (feature_.empty()) return Status::Ok();
  int col = b.schema.Find(feature_);
  if (col < 0) return InvalidArgumentError(fmt::format("no feature '{}' to slice by", feature_));
  std::map<std::string, std::vector<uint32_t>> groups;
  const data::Column& c = b.columns[static_cast<size_t>(col)];
  size_t known = slices_.size();
  for (uint32_t r = 0; r < b.rows(); ++r) {
    std::string key = c.is_null(r) ? "(missing)" : c.ToText(r);
    if (key != "(missing)" && !slices_.count(key) && !groups.count(key)) {
      if (known >= max_slices_)
        key = "(other)";
      else
        ++known;
    }
    groups[key].push_back(r);
  }
  for (const auto& [key, rows] : groups) {
    auto it = slices_.try_emplace(key, schema_).first;
    it->second.Add(b, rows);
  }
  return Status::Ok();
}

Status SlicedStats::Merge(const SlicedStats& o) {
  LATHE_RETURN_IF_ERROR(all_.Merge(o.all_));
  for (const auto& [key, s] : o.slices_) {
    auto it = slices_.find(key);
    if (it != slices_.end()) {
      LATHE_RETURN_IF_ERROR(it->second.Merge(s));
    } else if (slices_.size() < max_slices_ || key == "(other)" || key == "(missing)") {
      slices_.emplace(key, s);
    } else {
      LATHE_RETURN_IF_ERROR(slices_.try_emplace("(other)", schema_).first->second.Merge(s));
    }
  }
  return Status::Ok();
}

nlohmann::json SlicedStats::ToJson(bool state_only) const {
  auto one = [&](const DatasetStats& s) { return state_only ? s.StateJson() : s.ToJson(); };
  nlohmann::json slices = nlohmann::json::object();
  for (const auto& [key, s] : slices_) slices[key] = one(s);
  return {
      {"feature", feature_}, {"max_slices", max_slices_}, {"all", one(all_)}, {"slices", slices}};
}

Result<SlicedStats> SlicedStats::FromJson(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("all") || !j.contains("slices") || !j["slices"].is_object() ||
      !j.contains("feature") || !j["feature"].is_string())
    return InvalidArgumentError("malformed sliced statistics: expected {feature, all, slices}");
  LATHE_ASSIGN_OR_RETURN(DatasetStats all, DatasetStats::FromJson(j["all"]));
  SlicedStats s(std::move(all));
  s.feature_ = j["feature"].get<std::string>();
  s.max_slices_ = j.value("max_slices", size_t{100});
  for (const auto& [key, value] : j["slices"].items()) {
    LATHE_ASSIGN_OR_RETURN(DatasetStats slice, DatasetStats::FromJson(value));
    s.slices_.emplace(key, std::move(slice));
  }
  return s;
}

Result<SlicedStats> ComputeRowGroupStats(const data::ColumnarReader& reader, size_t row_group,
                                         const std::string& slice_by) {
  LATHE_ASSIGN_OR_RETURN(data::Batch b, reader.ReadRowGroup(row_group));
  SlicedStats s(reader.schema(), slice_by);
  LATHE_RETURN_IF_ERROR(s.Add(b));
  return s;
}

Result<SlicedStats> FoldParts(std::vector<SlicedStats> parts, SlicedStats empty) {
  if (parts.empty()) return empty;
  SlicedStats total = std::move(parts[0]);
  for (size_t i = 1; i < parts.size(); ++i) LATHE_RETURN_IF_ERROR(total.Merge(parts[i]));
  return total;
}

void OrderedMerge::Reset() {
  std::lock_guard lock(mu_);
  pending_.clear();
  next_ = 0;
  total_ = DatasetStats();
  failure_ = Status::Ok();
}

Status OrderedMerge::Put(int64_t index, DatasetStats part) {
  std::unique_lock lock(mu_);
  if (!failure_.ok()) return failure_;
  pending_.emplace(index, std::move(part));
  if (merging_) return Status::Ok();  // the thread merging now takes this one too, in turn
  merging_ = true;
  while (failure_.ok() && !pending_.empty() && pending_.begin()->first == next_) {
    DatasetStats next = std::move(pending_.begin()->second);
    pending_.erase(pending_.begin());
    ++next_;
    lock.unlock();  // the others go on depositing their parts meanwhile
    Status st = total_.Merge(std::move(next));
    lock.lock();
    if (!st.ok()) failure_ = st;
  }
  merging_ = false;
  return failure_;
}

DatasetStats OrderedMerge::Take() {
  std::lock_guard lock(mu_);
  return std::move(total_);
}

Result<SlicedStats> ComputeFileSlicedStats(const std::string& path, const std::string& slice_by,
                                           int threads) {
  if (slice_by.empty()) {
    LATHE_ASSIGN_OR_RETURN(DatasetStats all, ComputeFileStats(path, threads));
    return SlicedStats(std::move(all));
  }
  // Batches in file order through one accumulator (slices need no per-thread merge here).
  std::optional<SlicedStats> s;
  data::CsvOptions o;
  o.threads = threads;
  o.on_restart = [&] { s.reset(); };
  auto report = data::ReadTableFile(path, o, [&](data::Batch&& b) -> Status {
    if (!s) s.emplace(b.schema, slice_by);
    return s->Add(b);
  });
  if (!report.ok()) return report.status();
  if (!s) s.emplace(report->schema, slice_by);
  if (s->all().features().size() > 0 && s->all().Find(slice_by) == nullptr)
    return InvalidArgumentError(fmt::format("{} has no feature '{}' to slice by", path, slice_by));
  return std::move(*s);
}

Result<DatasetStats> ComputeFileStats(const std::string& path, int threads,
                                      const std::function<void(int64_t)>& progress) {
  data::CsvOptions o;
  o.threads = threads;
  o.on_progress = progress;
  OrderedMerge merged;
  o.on_restart = [&] { merged.Reset(); };
  auto report = data::ReadTableFile(
      path, o, [](data::Batch&&) { return Status::Ok(); },
      [&](int, int64_t index, const data::Batch& b) {
        DatasetStats part(b.schema);
        part.Add(b);
        return merged.Put(index, std::move(part));
      });
  if (!report.ok()) return report.status();
  DatasetStats s = merged.Take();
  if (s.features().empty()) s = DatasetStats(report->schema);
  return s;
}

}  // namespace lathe::stats
