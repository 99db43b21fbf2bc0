// hash: the value as text hashed into `buckets` buckets (1024 by default): a category index
// without a vocabulary, for columns with too many values to count.
#include <memory>

#include "lathe/transform/detail/column_values.h"
#include "lathe/transform/ops/builtin_ops.h"

namespace lathe::transform::ops {

namespace {

class Hash final : public HashingOp {
 public:
  std::string_view name() const override { return "hash"; }
  void Apply(const FittedFeature& f, const std::vector<const data::Column*>& inputs, size_t rows,
             const FeatureOutput& out) const override {
    const data::Column& c = *inputs[0];
    std::string scratch;
    for (size_t r = 0; r < rows; ++r)
      out.Set(r, c.is_null(r) ? detail::kNaN
                              : detail::HashBucket(detail::TextAt(c, r, scratch), f.spec.buckets));
  }
};

}  // namespace

void HashingOp::ParseOptions(const nlohmann::json& f, const std::string& at, OptionReader& reader,
                             FeatureSpec& spec) const {
  spec.buckets = static_cast<int>(reader.Int(f, "buckets", at, 1024, 2));
}

void HashingOp::OptionsToJson(const FeatureSpec& spec, nlohmann::json& out) const {
  out["buckets"] = spec.buckets;
}

void RegisterHash(FeatureOpRegistry& registry) {
  registry.Register(std::make_unique<Hash>());
}

}  // namespace lathe::transform::ops
