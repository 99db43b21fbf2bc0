#include "lathe/train/tree_ensemble.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace lathe::train {

namespace {

using nlohmann::json;

// The member `key` of `j`, or INVALID_ARGUMENT naming `where`.
Result<const json*> Member(const json& j, const char* key, const std::string& where) {
  if (!j.is_object() || !j.contains(key))
    return InvalidArgumentError(fmt::format("XGBoost model dump: {} has no \"{}\"", where, key));
  return &j.at(key);
}

// A parameter XGBoost stores as a string ("5E-1", "3"), as a float. strtof rounds the decimal
// text straight to float, as XGBoost's own parameter parsing does.
Result<float> FloatParam(const json& j, const char* key, const std::string& where) {
  LATHE_ASSIGN_OR_RETURN(const json* v, Member(j, key, where));
  if (v->is_number()) return v->get<float>();
  if (!v->is_string())
    return InvalidArgumentError(
        fmt::format("XGBoost model dump: {}.{} is not a number", where, key));
  const std::string& s = v->get_ref<const std::string&>();
  char* end = nullptr;
  const float f = std::strtof(s.c_str(), &end);
  if (s.empty() || *end != '\0')
    return InvalidArgumentError(
        fmt::format("XGBoost model dump: {}.{} is \"{}\", not a number", where, key, s));
  return f;
}

// An array member of a tree, as values of type T, of `n` elements.
template <typename T>
Result<std::vector<T>> TreeArray(const json& tree, const char* key, size_t n, size_t t) {
  const std::string where = fmt::format("tree {}", t);
  LATHE_ASSIGN_OR_RETURN(const json* a, Member(tree, key, where));
  if (!a->is_array() || a->size() != n)
    return InvalidArgumentError(
        fmt::format("XGBoost model dump: {}.{} is not an array of {} values", where, key, n));
  std::vector<T> out;
  out.reserve(n);
  for (const json& v : *a) {
    if (!v.is_number())
      return InvalidArgumentError(
          fmt::format("XGBoost model dump: {}.{} holds a value that is not a number", where, key));
    out.push_back(v.get<T>());
  }
  return out;
}

}  // namespace

Result<TreeEnsemble> TreeEnsemble::FromUbjson(const std::vector<uint8_t>& dump) {
  json model = json::from_ubjson(dump, /*strict=*/true, /*allow_exceptions=*/false);
  if (model.is_discarded()) return InvalidArgumentError("XGBoost model dump: not UBJSON");
  LATHE_ASSIGN_OR_RETURN(const json* learner, Member(model, "learner", "the dump"));
  LATHE_ASSIGN_OR_RETURN(const json* objective, Member(*learner, "objective", "learner"));
  LATHE_ASSIGN_OR_RETURN(const json* objective_name, Member(*objective, "name", "objective"));
  LATHE_ASSIGN_OR_RETURN(const json* param, Member(*learner, "learner_model_param", "learner"));
  LATHE_ASSIGN_OR_RETURN(const json* booster, Member(*learner, "gradient_booster", "learner"));
  LATHE_ASSIGN_OR_RETURN(const json* booster_name, Member(*booster, "name", "gradient_booster"));
  if (*booster_name != "gbtree")
    return UnimplementedError(fmt::format("the booster is {}, not gbtree", booster_name->dump()));

  TreeEnsemble e;
  LATHE_ASSIGN_OR_RETURN(const float base_score,
                         FloatParam(*param, "base_score", "learner_model_param"));
  if (*objective_name == "binary:logistic") {
    // XGBoost keeps base_score as a probability and starts from its logit.
    if (!(base_score > 0 && base_score < 1))
      return InvalidArgumentError(
          fmt::format("XGBoost model dump: base_score {} is not a probability", base_score));
    e.link_ = Link::kSigmoid;
    e.base_margin_ = -logf(1.0f / base_score - 1.0f);
  } else if (*objective_name == "multi:softprob") {
    e.link_ = Link::kSoftmax;
    e.base_margin_ = base_score;
    LATHE_ASSIGN_OR_RETURN(const float classes,
                           FloatParam(*param, "num_class", "learner_model_param"));
    if (!(classes >= 1 && classes <= 1e6))
      return InvalidArgumentError(
          fmt::format("XGBoost model dump: num_class {} is out of range", classes));
    e.groups_ = static_cast<size_t>(classes);
  } else if (*objective_name == "reg:squarederror") {
    e.base_margin_ = base_score;
  } else {
    return UnimplementedError(fmt::format("the objective is {}", objective_name->dump()));
  }

  LATHE_ASSIGN_OR_RETURN(const json* gbtree, Member(*booster, "model", "gradient_booster"));
  LATHE_ASSIGN_OR_RETURN(const json* trees, Member(*gbtree, "trees", "model"));
  LATHE_ASSIGN_OR_RETURN(const json* tree_info, Member(*gbtree, "tree_info", "model"));
  if (!trees->is_array() || !tree_info->is_array() || trees->size() != tree_info->size())
    return InvalidArgumentError("XGBoost model dump: trees and tree_info differ in length");
  for (size_t t = 0; t < trees->size(); ++t) {
    const json& tree = (*trees)[t];
    const std::string where = fmt::format("tree {}", t);
    LATHE_ASSIGN_OR_RETURN(const json* tree_param, Member(tree, "tree_param", where));
    LATHE_ASSIGN_OR_RETURN(const float leaf_vector,
                           FloatParam(*tree_param, "size_leaf_vector", where));
    if (leaf_vector > 1) return UnimplementedError(fmt::format("{} has vector leaves", where));
    LATHE_ASSIGN_OR_RETURN(const json* nodes, Member(tree, "left_children", where));
    const size_t n = nodes->is_array() ? nodes->size() : 0;
    if (n == 0) return InvalidArgumentError(fmt::format("XGBoost model dump: {} is empty", where));
    LATHE_ASSIGN_OR_RETURN(auto left, TreeArray<int64_t>(tree, "left_children", n, t));
    LATHE_ASSIGN_OR_RETURN(auto right, TreeArray<int64_t>(tree, "right_children", n, t));
    LATHE_ASSIGN_OR_RETURN(auto feature, TreeArray<int64_t>(tree, "split_indices", n, t));
    LATHE_ASSIGN_OR_RETURN(auto condition, TreeArray<float>(tree, "split_conditions", n, t));
    LATHE_ASSIGN_OR_RETURN(auto default_left, TreeArray<int64_t>(tree, "default_left", n, t));
    LATHE_ASSIGN_OR_RETURN(auto split_type, TreeArray<int64_t>(tree, "split_type", n, t));
    const json& group = (*tree_info)[t];
    if (!group.is_number_integer() || group.get<int64_t>() < 0 ||
        group.get<int64_t>() >= static_cast<int64_t>(e.groups_))
      return InvalidArgumentError(
          fmt::format("XGBoost model dump: tree_info[{}] is not a class index", t));

    // Walk from the root so that every reachable node is checked once: a child out of range, or
    // reached twice (a cycle), is an error; deleted nodes are never reached.
    const auto offset = static_cast<int32_t>(e.nodes_.size());
    e.nodes_.resize(e.nodes_.size() + n);
    std::vector<bool> seen(n, false);
    std::vector<int64_t> stack = {0};
    while (!stack.empty()) {
      const int64_t i = stack.back();
      stack.pop_back();
      if (i < 0 || i >= static_cast<int64_t>(n) || seen[i])
        return InvalidArgumentError(fmt::format(
            "XGBoost model dump: {} has a child index {} out of range or reached twice", where, i));
      seen[i] = true;
      Node& node = e.nodes_[offset + i];
      node.value = condition[i];
      if (left[i] < 0) {
        node.left = node.right = -1;
        node.feature = 0;
        continue;
      }
      if (split_type[i] != 0)
        return UnimplementedError(fmt::format("{} has a categorical split", where));
      if (feature[i] < 0 || feature[i] >= (int64_t{1} << 31))
        return InvalidArgumentError(
            fmt::format("XGBoost model dump: {} splits on feature {}", where, feature[i]));
      node.left = offset + static_cast<int32_t>(left[i]);
      node.right = offset + static_cast<int32_t>(right[i]);
      node.feature = static_cast<uint32_t>(feature[i]) | (default_left[i] ? kDefaultLeft : 0);
      e.features_used_ = std::max(e.features_used_, static_cast<size_t>(feature[i]) + 1);
      stack.push_back(left[i]);
      stack.push_back(right[i]);
    }
    e.roots_.push_back(offset);
    e.group_.push_back(static_cast<uint32_t>(group.get<int64_t>()));
  }
  return e;
}

void TreeEnsemble::Predict(const float* x, size_t rows, size_t cols, float* out) const {
  (void)cols;  // the caller guarantees cols >= features_used()
  for (size_t r = 0; r < rows; ++r) {
    const float* row = x + r * cols;
    float* acc = out + r * groups_;
    std::fill(acc, acc + groups_, base_margin_);
    for (size_t t = 0; t < roots_.size(); ++t) {
      const Node* node = &nodes_[roots_[t]];
      while (node->left >= 0) {
        const float v = row[node->feature & ~kDefaultLeft];
        const bool go_left = std::isnan(v) ? (node->feature & kDefaultLeft) != 0 : v < node->value;
        node = &nodes_[go_left ? node->left : node->right];
      }
      acc[group_[t]] += node->value;
    }
    switch (link_) {
      case Link::kIdentity:
        break;
      case Link::kSigmoid:
        acc[0] = 1.0f / (1.0f + expf(-acc[0]));
        break;
      case Link::kSoftmax: {
        // As XGBoost's common::Softmax: the sum in double, each divided by it as a float.
        float max = acc[0];
        for (size_t g = 1; g < groups_; ++g) max = fmaxf(acc[g], max);
        double sum = 0;
        for (size_t g = 0; g < groups_; ++g) {
          acc[g] = expf(acc[g] - max);
          sum += acc[g];
        }
        for (size_t g = 0; g < groups_; ++g) acc[g] /= static_cast<float>(sum);
        break;
      }
    }
  }
}

std::vector<float> TreeEnsemble::Thresholds(size_t f) const {
  std::vector<float> out;
  for (const Node& n : nodes_)
    if (n.left >= 0 && (n.feature & ~kDefaultLeft) == f) out.push_back(n.value);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace lathe::train
