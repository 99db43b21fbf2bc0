// identity: the input number as it is (bools as 0 and 1), the fill value where missing.
#include <memory>

#include "lathe/transform/detail/column_values.h"
#include "lathe/transform/ops/builtin_ops.h"

namespace lathe::transform::ops {

namespace {

class Identity final : public FeatureOp {
 public:
  std::string_view name() const override { return "identity"; }
  bool numeric() const override { return true; }
  void Apply(const FittedFeature& f, const std::vector<const data::Column*>& inputs, size_t rows,
             const FeatureOutput& out) const override {
    const data::Column& c = *inputs[0];
    for (size_t r = 0; r < rows; ++r) out.Set(r, detail::NumberOrFill(f, c, r));
  }
};

}  // namespace

void RegisterIdentity(FeatureOpRegistry& registry) {
  registry.Register(std::make_unique<Identity>());
}

}  // namespace lathe::transform::ops
