// Per-feature statistics of a dataset, built from batches and mergeable: statistics of shards
// merged equal the statistics of the whole (exactly for counts, moments, extremes and exact
// categorical counts; within the sketches' stated bounds for quantiles and large distinct counts).
//
// One rule for every feature: count + missing + non_finite = rows. `count` is the values that
// statistics are made of; `missing` is empty fields, missing-value markers and NaN; `non_finite`
// is +inf and -inf (numeric features only), which no mean, extreme or quantile includes.
// Numeric features (int64, double): count, missing, non-finite, mean, standard deviation
// (population), min, max, zeros, quantiles and histograms (exact up to 4,096 distinct values, else
// within a relative error of 0.5%), equal-width and quantile histograms. Categorical features
// (string, bool): count, missing, distinct values (exact up to 100,000 distinct, an estimate with
// about 0.8% error beyond), top values with counts, string lengths. Not thread-safe: build one per
// thread and Merge.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "lathe/data/column.h"
#include "lathe/data/columnar.h"
#include "lathe/stats/sketch.h"

namespace lathe::stats {

struct NumericStats {
  // Up to this many distinct values are counted exactly, so quantiles and histograms of
  // low-cardinality features (years, ratings, small counts) are exact; beyond, the sketch answers.
  static constexpr size_t kExactLimit = 4096;
  int64_t count = 0;       // finite values
  int64_t non_finite = 0;  // +inf and -inf, counted apart
  int64_t zeros = 0;
  double mean = 0, m2 = 0;  // running mean and sum of squared deviations
  double min = 0, max = 0;
  QuantileSketch sketch;  // filled once `exact` ends
  bool exact = true;
  // Every distinct value with its count, while `exact` (an open-addressing map: this is the
  // per-value hot loop).
  absl::flat_hash_map<double, uint64_t> values;

  // Adds a value: NaN is ignored (the caller counts it missing), infinities count as non_finite.
  void Add(double v);
  Status Merge(const NumericStats& other);
  double stddev() const;  // population standard deviation; NaN when empty
  // The q-quantile, q in [0, 1]: while `exact`, interpolated linearly between the two nearest
  // ranks (numpy's default; an integer feature may have a fractional median); otherwise within
  // the sketch's relative error, clamped to [min, max]. NaN when there are no values.
  double Quantile(double q) const;
  uint64_t CountBetween(double lo, double hi) const;
  // Ends exact counting: the values move into the sketch.
  void SpillToSketch();
  // `buckets` equal-width buckets over [min, max]: (lower edge, count) pairs.
  std::vector<std::pair<double, uint64_t>> EqualWidthHistogram(int buckets) const;
  // Bucket edges at equal quantile steps (buckets + 1 edges).
  std::vector<double> QuantileEdges(int buckets) const;
};

// Hashes std::string and std::string_view alike, so lookups by view allocate nothing (for
// standard maps keyed by text, such as a vocabulary's index).
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Value counts are exact up to kExactLimit distinct values. Beyond, `counts` is a Misra-Gries
// heavy-hitters summary of at most kExactLimit counters (as TFDV keeps for top-k): every value
// that occurs more than count / (kExactLimit + 1) times is in it, whatever the order of the rows,
// and each kept count is at most `count_error` below the true count (never above).
struct CategoricalStats {
  static constexpr size_t kExactLimit = 100000;
  int64_t count = 0;
  bool exact = true;                                 // `counts` holds every distinct value, exactly
  absl::flat_hash_map<std::string, int64_t> counts;  // looked up by string_view without copying
  int64_t count_error = 0;  // how far below its true count any count in `counts` may be
  DistinctSketch distinct;  // complete once not exact (while exact, counts.size() is the answer)
  int64_t min_length = 0, max_length = 0;  // in characters (UTF-8 code points), not bytes
  double total_length = 0;

  // Adds `times` occurrences of `v` (none when times <= 0), as `times` single additions would.
  void Add(std::string_view v, int64_t times = 1);
  // Taken by value: merging a temporary moves its values in instead of copying them.
  void Merge(CategoricalStats other);
  double Unique() const;
  // The k most frequent values (ties by value), with counts (lower bounds, within count_error,
  // when not exact).
  std::vector<std::pair<std::string, int64_t>> Top(size_t k) const;
};

struct FeatureStats {
  std::string name;
  data::ColumnType type = data::ColumnType::kString;
  int64_t missing = 0;
  bool numeric() const {
    return type == data::ColumnType::kInt64 || type == data::ColumnType::kDouble;
  }
  NumericStats num;
  CategoricalStats cat;
};

class DatasetStats {
 public:
  DatasetStats() = default;
  explicit DatasetStats(const data::Schema& schema);

  // Adds the batch's rows. Its columns are matched to the features by name (another order and
  // other columns are fine); a feature the batch lacks has no value in those rows.
  void Add(const data::Batch& batch);
  // Adds only the given rows of the batch.
  void Add(const data::Batch& batch, const std::vector<uint32_t>& rows);
  // FAILED_PRECONDITION if the features differ. Taken by value: merging a temporary moves its
  // values in. Merging is associative but, for the sketches and floating-point moments, not
  // exactly commutative: merge parts in a fixed order for results that repeat to the last bit.
  Status Merge(DatasetStats other);

  int64_t rows() const { return rows_; }
  const std::vector<FeatureStats>& features() const { return features_; }
  const FeatureStats* Find(std::string_view name) const;

  // A readable summary per feature plus the mergeable state ("state"), from which FromJson
  // restores the statistics.
  nlohmann::json ToJson(int histogram_buckets = 10, size_t top_k = 10) const;
  // Only what FromJson needs, with binary fields (no summaries; exact values and sketch buckets
  // as byte strings): for passing parts between processes as CBOR, not for text.
  nlohmann::json StateJson() const;
  static Result<DatasetStats> FromJson(const nlohmann::json& j);
  // Removes the mergeable state from statistics JSON (recursively, through slices and splits):
  // what is left is the summary people read.
  static void DropState(nlohmann::json& j);

 private:
  int64_t rows_ = 0;
  std::vector<FeatureStats> features_;
};

// Statistics of consecutive parts of a dataset, computed in any order by several threads and
// merged in part order (0, 1, 2, ...; no gaps), so that the result is the same whatever the
// number of threads. Merging happens in whichever thread delivers the next part in order, one at
// a time, while the others go on. Thread-safe.
class OrderedMerge {
 public:
  // Adds part `index`; returns the first merge failure (FAILED_PRECONDITION: features differ).
  Status Put(int64_t index, DatasetStats part);
  // The merge of every part put so far (call once all are put; leaves this empty).
  DatasetStats Take();
  void Reset();  // forgets every part (a read that starts over)

 private:
  std::mutex mu_;
  std::map<int64_t, DatasetStats> pending_;  // parts waiting for an earlier one
  int64_t next_ = 0;
  bool merging_ = false;
  DatasetStats total_;
  Status failure_;
};

// Statistics per value of one feature (a slice), besides the statistics of all rows. At most
// `max_slices` distinct values get slices of their own; the rest are pooled under "(other)", and
// missing values under "(missing)".
class SlicedStats {
 public:
  SlicedStats(const data::Schema& schema, std::string feature, size_t max_slices = 100);
  // Statistics without slices.
  explicit SlicedStats(DatasetStats all);
  // INVALID_ARGUMENT if the batch has no such feature.
  Status Add(const data::Batch& batch);
  Status Merge(const SlicedStats& other);
  const DatasetStats& all() const { return all_; }
  size_t max_slices() const { return max_slices_; }
  const std::map<std::string, DatasetStats>& slices() const { return slices_; }
  const std::string& feature() const { return feature_; }
  // {"feature", "max_slices", "all", "slices": {value: stats}}, each with its mergeable state
  // (`state_only`: nothing else, DatasetStats::StateJson).
  nlohmann::json ToJson(bool state_only = false) const;
  // INVALID_ARGUMENT for JSON that ToJson did not make.
  static Result<SlicedStats> FromJson(const nlohmann::json& j);

 private:
  data::Schema schema_;
  std::string feature_;
  size_t max_slices_;
  DatasetStats all_;
  std::map<std::string, DatasetStats> slices_;
};

// Statistics of one row group of a columnar file, sliced by `slice_by` unless it is empty: a part
// of the file's statistics. Folding a file's parts left to right in row-group order (FoldParts)
// gives the same statistics, to the last bit, whichever processes computed the parts. DATA_LOSS
// for a damaged chunk; INVALID_ARGUMENT if the file has no feature `slice_by`.
Result<SlicedStats> ComputeRowGroupStats(const data::ColumnarReader& reader, size_t row_group,
                                         const std::string& slice_by);
// ((parts[0] + parts[1]) + parts[2]) + ...; `empty` when there are no parts. The order defines
// the result to the last bit (floating-point moments). FAILED_PRECONDITION if features differ.
Result<SlicedStats> FoldParts(std::vector<SlicedStats> parts, SlicedStats empty);

// Statistics of a file, optionally sliced by one feature (`slice_by`, empty for none).
Result<SlicedStats> ComputeFileSlicedStats(const std::string& path, const std::string& slice_by,
                                           int threads = 0);

// Statistics of a file: a Lathe columnar file (.lcol), JSON Lines (.jsonl, .ndjson) or CSV
// (anything else). `threads` parse the CSV; 0 is one per core.
// `progress`, if set, is called with the bytes read so far (CSV).
Result<DatasetStats> ComputeFileStats(const std::string& path, int threads = 0,
                                      const std::function<void(int64_t)>& progress = nullptr);

}  // namespace lathe::stats
