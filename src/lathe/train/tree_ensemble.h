// An XGBoost tree model evaluated directly from flat arrays, for the small batches of the serving
// path. XGBoost's in-place prediction parses two JSON texts on every call (the array description
// and the configuration), which is most of a single-row predict; walking the same trees here
// costs a few hundred nanoseconds.
//
// It is built from the booster's own UBJSON dump, where thresholds and leaf values are stored as
// float32, so every number is the booster's exactly. It computes what XGBoost 1.7's CPU predictor
// computes, in the same float arithmetic: a missing value (NaN) takes the node's default branch,
// otherwise `value < threshold` goes left; leaf values are added in tree order onto the base
// margin; then the objective's sigmoid or softmax. XgboostModel (xgboost_model.h) checks that
// claim on probe rows when it loads a model, and keeps XGBoost's own path if one value differs.
//
// Immutable after FromUbjson; Predict is const and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lathe/core/status.h"

namespace lathe::train {

class TreeEnsemble {
 public:
  // Reads a dump made by XGBoosterSaveModelToBuffer with {"format": "ubj"}. Errors:
  // UNIMPLEMENTED for a model outside what it evaluates (a booster other than gbtree, categorical
  // splits, vector leaves, an objective other than binary:logistic, multi:softprob and
  // reg:squarederror); INVALID_ARGUMENT for a dump that is malformed or inconsistent (a child out
  // of range, a cycle, a tree group out of range).
  static Result<TreeEnsemble> FromUbjson(const std::vector<uint8_t>& dump);

  // Outputs per row: the classes of a multiclass model, else 1.
  size_t groups() const { return groups_; }
  // Features the trees split on: every split index is below this.
  size_t features_used() const { return features_used_; }
  size_t trees() const { return roots_.size(); }

  // `x`: `rows` x `cols` floats, row-major, NaN for missing; `cols` >= features_used().
  // `out`: rows x groups() floats, written as XGBoost's default prediction gives them
  // (probabilities for the classifiers, the value for regression).
  void Predict(const float* x, size_t rows, size_t cols, float* out) const;

  // Every threshold of feature `f`, sorted and distinct: what probe rows are made of.
  std::vector<float> Thresholds(size_t f) const;

 private:
  enum class Link { kIdentity, kSigmoid, kSoftmax };
  // 16 bytes; a leaf has left < 0 and its value in `value`.
  struct Node {
    int32_t left;
    int32_t right;
    uint32_t feature;  // the top bit: missing values go left
    float value;       // threshold, or leaf value
  };
  static constexpr uint32_t kDefaultLeft = 1u << 31;

  std::vector<Node> nodes_;      // every tree's nodes; child indexes are absolute
  std::vector<int32_t> roots_;   // per tree
  std::vector<uint32_t> group_;  // per tree
  size_t groups_ = 1;
  size_t features_used_ = 0;
  float base_margin_ = 0;
  Link link_ = Link::kIdentity;
};

}  // namespace lathe::train
