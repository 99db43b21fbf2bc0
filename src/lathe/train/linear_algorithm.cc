// "linear": logistic or ridge regression (linear_model.h), saved as linear.json. A warm start
// begins from the base model's weights.
#include <fmt/format.h>

#include <memory>

#include "lathe/core/fs.h"
#include "lathe/train/detail/builtin_algorithms.h"
#include "lathe/train/linear_model.h"

namespace lathe::train::detail {

namespace {

using Kind = Hyperparameter::Kind;

class LinearAlgorithm final : public Algorithm {
 public:
  std::string_view name() const override { return "linear"; }
  std::vector<Hyperparameter> hyperparameters() const override {
    return {{"l2", Kind::kNumber, std::nullopt, 0.0},
            {"max_iter", Kind::kPositiveInt, 1000000},
            {"tolerance", Kind::kNumber}};
  }

  Result<TrainResult> Train(const TrainRequest& r) const override {
    const nlohmann::json& hp = r.hyperparameters;
    LinearParams lp;
    lp.l2 = hp.value("l2", lp.l2);
    lp.max_iter = hp.value("max_iter", lp.max_iter);
    lp.tolerance = hp.value("tolerance", lp.tolerance);
    const auto* start = dynamic_cast<const LinearModel*>(r.base);
    LATHE_ASSIGN_OR_RETURN(auto fit, LinearModel::Train(r.x, r.y, r.task, lp, start));
    TrainResult out;
    out.model_file = "linear.json";
    LATHE_RETURN_IF_ERROR(WriteJsonFile(r.out_dir / out.model_file, fit.first.ToJson()));
    out.training["iterations"] = fit.second.iterations;
    out.training["training_loss"] = fit.second.loss;
    out.log = fmt::format("fitted a linear model in {} iterations, training loss {:.5f}",
                          fit.second.iterations, fit.second.loss);
    return out;
  }

  Result<std::unique_ptr<Model>> Load(const std::filesystem::path& file, Task task,
                                      int /*num_class*/,
                                      const std::vector<std::string>& features) const override {
    LATHE_ASSIGN_OR_RETURN(auto lm, LinearModel::Load(file.string()));
    if (lm.task() != task)
      return InvalidArgumentError(fmt::format("{}: task {} differs from the manifest's ({})",
                                              file.string(), TaskName(lm.task()), TaskName(task)));
    if (lm.features() != features)
      return InvalidArgumentError(
          fmt::format("{}: its features differ from the transform's (expected {} features: {}...)",
                      file.string(), features.size(), features.empty() ? "" : features[0]));
    return std::unique_ptr<Model>(std::make_unique<LinearModel>(std::move(lm)));
  }
};

}  // namespace

void RegisterLinearAlgorithm(AlgorithmRegistry& registry) {
  registry.Register(std::make_unique<LinearAlgorithm>());
}

}  // namespace lathe::train::detail
