// bucketize: the bucket of x among `buckets` (10 by default) of about equal size in the training
// data: the number of quantile boundaries <= x (boundaries that coincide are merged).
#include <algorithm>
#include <cmath>
#include <memory>

#include "lathe/transform/detail/column_values.h"
#include "lathe/transform/ops/builtin_ops.h"

namespace lathe::transform::ops {

namespace {

class Bucketize final : public FeatureOp {
 public:
  std::string_view name() const override { return "bucketize"; }
  std::vector<std::string> options() const override { return {"buckets"}; }
  void ParseOptions(const nlohmann::json& f, const std::string& at, OptionReader& reader,
                    FeatureSpec& spec) const override {
    spec.buckets = static_cast<int>(reader.Int(f, "buckets", at, 10, 2));
  }
  void OptionsToJson(const FeatureSpec& spec, nlohmann::json& out) const override {
    out["buckets"] = spec.buckets;
  }
  bool numeric() const override { return true; }
  bool NeedsStatistics(const FeatureSpec& /*spec*/) const override { return true; }
  Status Fit(const stats::FeatureStats& st, FittedFeature& f) const override {
    if (st.num.count == 0) return Status::Ok();
    const auto edges = st.num.QuantileEdges(f.spec.buckets);
    for (size_t i = 1; i + 1 < edges.size(); ++i)
      if (f.boundaries.empty() || edges[i] > f.boundaries.back()) f.boundaries.push_back(edges[i]);
    return Status::Ok();
  }
  void Apply(const FittedFeature& f, const std::vector<const data::Column*>& inputs, size_t rows,
             const FeatureOutput& out) const override {
    const data::Column& c = *inputs[0];
    for (size_t r = 0; r < rows; ++r) {
      const double x = detail::NumberOrFill(f, c, r);
      out.Set(r, std::isnan(x) ? x
                               : static_cast<double>(
                                     std::upper_bound(f.boundaries.begin(), f.boundaries.end(), x) -
                                     f.boundaries.begin()));
    }
  }
};

}  // namespace

void RegisterBucketize(FeatureOpRegistry& registry) {
  registry.Register(std::make_unique<Bucketize>());
}

}  // namespace lathe::transform::ops
