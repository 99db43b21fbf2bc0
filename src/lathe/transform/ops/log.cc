// log: log(x + offset) (offset 1 by default); missing where x + offset <= 0.
#include <cmath>
#include <memory>

#include "lathe/transform/detail/column_values.h"
#include "lathe/transform/ops/builtin_ops.h"

namespace lathe::transform::ops {

namespace {

class Log final : public FeatureOp {
 public:
  std::string_view name() const override { return "log"; }
  std::vector<std::string> options() const override { return {"offset"}; }
  void ParseOptions(const nlohmann::json& f, const std::string& at, OptionReader& reader,
                    FeatureSpec& spec) const override {
    spec.offset = reader.Number(f, "offset", at).value_or(1.0);
  }
  void OptionsToJson(const FeatureSpec& spec, nlohmann::json& out) const override {
    out["offset"] = spec.offset;
  }
  bool numeric() const override { return true; }
  void Apply(const FittedFeature& f, const std::vector<const data::Column*>& inputs, size_t rows,
             const FeatureOutput& out) const override {
    const data::Column& c = *inputs[0];
    for (size_t r = 0; r < rows; ++r) {
      const double x = detail::NumberOrFill(f, c, r) + f.spec.offset;
      out.Set(r, x > 0 ? std::log(x) : detail::kNaN);
    }
  }
};

}  // namespace

void RegisterLog(FeatureOpRegistry& registry) {
  registry.Register(std::make_unique<Log>());
}

}  // namespace lathe::transform::ops
