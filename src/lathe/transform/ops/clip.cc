// clip: x limited to [min, max]; each bound given, or a quantile of the training data
// (min_quantile, max_quantile), or open.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "lathe/transform/detail/column_values.h"
#include "lathe/transform/ops/builtin_ops.h"

namespace lathe::transform::ops {

namespace {

class Clip final : public FeatureOp {
 public:
  std::string_view name() const override { return "clip"; }
  std::vector<std::string> options() const override {
    return {"min", "max", "min_quantile", "max_quantile"};
  }
  void ParseOptions(const nlohmann::json& f, const std::string& at, OptionReader& reader,
                    FeatureSpec& spec) const override {
    spec.min = reader.Number(f, "min", at);
    spec.max = reader.Number(f, "max", at);
    spec.min_quantile = reader.Number(f, "min_quantile", at);
    spec.max_quantile = reader.Number(f, "max_quantile", at);
    for (const auto& [q, key] : {std::pair{spec.min_quantile, "min_quantile"},
                                 std::pair{spec.max_quantile, "max_quantile"}})
      if (q && (*q < 0 || *q > 1)) reader.Fail(at + "." + key, "expected a number from 0 to 1");
    if (!spec.min && !spec.max && !spec.min_quantile && !spec.max_quantile)
      reader.Fail(at, "clip needs min, max, min_quantile or max_quantile");
  }
  void OptionsToJson(const FeatureSpec& spec, nlohmann::json& out) const override {
    if (spec.min) out["min"] = *spec.min;
    if (spec.max) out["max"] = *spec.max;
    if (spec.min_quantile) out["min_quantile"] = *spec.min_quantile;
    if (spec.max_quantile) out["max_quantile"] = *spec.max_quantile;
  }
  bool numeric() const override { return true; }
  bool NeedsStatistics(const FeatureSpec& spec) const override {
    return spec.min_quantile || spec.max_quantile;
  }
  Status Fit(const stats::FeatureStats& st, FittedFeature& f) const override {
    const FeatureSpec& fs = f.spec;
    const bool empty = st.num.count == 0;
    f.clip_min = fs.min                      ? *fs.min
                 : fs.min_quantile && !empty ? st.num.Quantile(*fs.min_quantile)
                                             : -std::numeric_limits<double>::infinity();
    f.clip_max = fs.max                      ? *fs.max
                 : fs.max_quantile && !empty ? st.num.Quantile(*fs.max_quantile)
                                             : std::numeric_limits<double>::infinity();
    if (f.clip_min > f.clip_max)
      return InvalidArgumentError("clip bounds are reversed (min > max)");
    return Status::Ok();
  }
  void Apply(const FittedFeature& f, const std::vector<const data::Column*>& inputs, size_t rows,
             const FeatureOutput& out) const override {
    const data::Column& c = *inputs[0];
    for (size_t r = 0; r < rows; ++r) {
      const double x = detail::NumberOrFill(f, c, r);
      out.Set(r, std::isnan(x) ? x : std::clamp(x, f.clip_min, f.clip_max));
    }
  }
};

}  // namespace

void RegisterClip(FeatureOpRegistry& registry) {
  registry.Register(std::make_unique<Clip>());
}

}  // namespace lathe::transform::ops
