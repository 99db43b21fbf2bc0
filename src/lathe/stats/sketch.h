// Mergeable sketches for statistics over data too large to keep: quantiles with a relative-error
// guarantee, and distinct counts. Merging sketches built over shards gives the same sketch as one
// pass over all the data, so statistics can be computed apart and combined. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "lathe/core/status.h"

namespace lathe::stats {

// Quantiles with relative accuracy `alpha` (a DDSketch): every returned quantile q' of a true
// quantile q satisfies |q' - q| <= alpha * |q|. Values are kept in logarithmic buckets; values
// closer to 0 than 1e-9 count as zero.
class QuantileSketch {
 public:
  explicit QuantileSketch(double alpha = 0.005);
  void Add(double v, uint64_t count = 1);
  // FAILED_PRECONDITION if the sketches have different accuracies.
  Status Merge(const QuantileSketch& other);
  uint64_t count() const { return count_; }
  double alpha() const { return alpha_; }
  // q in [0, 1]; NaN when empty.
  double Quantile(double q) const;
  // How many added values lie in [lo, hi) as far as the buckets tell (a value within alpha of an
  // edge may be counted on the other side).
  uint64_t CountBetween(double lo, double hi) const;

  // `binary`: each side's buckets as {"offset", "counts": bytes} (a CBOR byte string of
  // little-endian uint64 counts), far cheaper to pass between processes; FromJson reads both.
  nlohmann::json ToJson(bool binary = false) const;
  static Result<QuantileSketch> FromJson(const nlohmann::json& j);

 private:
  // Bucket counts by index, dense from the lowest index seen (adding is the per-value hot loop:
  // an array index, no tree); empty buckets hold 0 and are never listed.
  class Buckets {
   public:
    void Add(int index, uint64_t count);
    bool empty() const { return counts_.empty(); }
    // Non-empty buckets as (index, count), ascending (or descending) by index.
    template <class F>
    void ForEach(F&& f) const {
      for (size_t i = 0; i < counts_.size(); ++i)
        if (counts_[i] != 0) f(offset_ + static_cast<int>(i), counts_[i]);
    }
    template <class F>
    bool ForEachDescendingUntil(F&& f) const {  // stops when f returns true
      for (size_t i = counts_.size(); i-- > 0;)
        if (counts_[i] != 0 && f(offset_ + static_cast<int>(i), counts_[i])) return true;
      return false;
    }
    int highest() const;  // the highest non-empty index (non-empty store only)
    int offset() const { return offset_; }
    const std::vector<uint64_t>& counts() const { return counts_; }

   private:
    int offset_ = 0;
    std::vector<uint64_t> counts_;
  };

  int Index(double v) const;      // bucket of |v|
  double Value(int index) const;  // representative |value| of a bucket
  double alpha_, gamma_, log_gamma_;
  Buckets positive_, negative_;
  uint64_t zeros_ = 0, count_ = 0;
};

// Distinct count estimate (HyperLogLog, 2^14 registers: about 0.8% standard error).
class DistinctSketch {
 public:
  DistinctSketch();
  void Add(std::string_view value);
  void Merge(const DistinctSketch& other);
  double Estimate() const;
  nlohmann::json ToJson() const;
  static Result<DistinctSketch> FromJson(const nlohmann::json& j);

 private:
  std::vector<uint8_t> registers_;
};

}  // namespace lathe::stats
