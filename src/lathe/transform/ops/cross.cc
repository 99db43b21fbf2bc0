// cross: several columns' values together (as text, joined) hashed into `buckets` buckets (1024
// by default); missing when any of them is.
#include <memory>

#include "lathe/transform/detail/column_values.h"
#include "lathe/transform/ops/builtin_ops.h"

namespace lathe::transform::ops {

namespace {

class Cross final : public HashingOp {
 public:
  std::string_view name() const override { return "cross"; }
  bool several_inputs() const override { return true; }
  void Apply(const FittedFeature& f, const std::vector<const data::Column*>& inputs, size_t rows,
             const FeatureOutput& out) const override {
    std::string scratch, joined;
    for (size_t r = 0; r < rows; ++r) {
      joined.clear();
      bool missing = false;
      for (const data::Column* part : inputs) {
        if (part->is_null(r)) missing = true;
        joined += detail::TextAt(*part, r, scratch);
        joined += '\x1f';
      }
      out.Set(r, missing ? detail::kNaN : detail::HashBucket(joined, f.spec.buckets));
    }
  }
};

}  // namespace

void RegisterCross(FeatureOpRegistry& registry) {
  registry.Register(std::make_unique<Cross>());
}

}  // namespace lathe::transform::ops
