// standardize: (x - mean) / standard deviation; min_max: (x - min) / (max - min). Both fitted on
// the training split's statistics, as shift and scale (a scale of 1 when the input is constant).
#include <cmath>
#include <memory>

#include "lathe/transform/detail/column_values.h"
#include "lathe/transform/ops/builtin_ops.h"

namespace lathe::transform::ops {

namespace {

// (x - shift) / scale, with shift and scale from Fit.
class Scaling : public FeatureOp {
 public:
  bool numeric() const override { return true; }
  bool NeedsStatistics(const FeatureSpec& /*spec*/) const override { return true; }
  void Apply(const FittedFeature& f, const std::vector<const data::Column*>& inputs, size_t rows,
             const FeatureOutput& out) const override {
    const data::Column& c = *inputs[0];
    for (size_t r = 0; r < rows; ++r)
      out.Set(r, (detail::NumberOrFill(f, c, r) - f.shift) / f.scale);
  }
};

class Standardize final : public Scaling {
 public:
  std::string_view name() const override { return "standardize"; }
  Status Fit(const stats::FeatureStats& st, FittedFeature& f) const override {
    const bool empty = st.num.count == 0;
    f.shift = empty ? 0 : st.num.mean;
    const double sd = empty ? 0 : st.num.stddev();
    f.scale = sd > 0 && std::isfinite(sd) ? sd : 1;
    return Status::Ok();
  }
};

class MinMax final : public Scaling {
 public:
  std::string_view name() const override { return "min_max"; }
  Status Fit(const stats::FeatureStats& st, FittedFeature& f) const override {
    const bool empty = st.num.count == 0;
    f.shift = empty ? 0 : st.num.min;
    f.scale = !empty && st.num.max > st.num.min ? st.num.max - st.num.min : 1;
    return Status::Ok();
  }
};

}  // namespace

void RegisterScaling(FeatureOpRegistry& registry) {
  registry.Register(std::make_unique<Standardize>());
  registry.Register(std::make_unique<MinMax>());
}

}  // namespace lathe::transform::ops
