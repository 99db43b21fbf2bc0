// "xgboost": gradient-boosted trees (xgboost_model.h), saved as model.json. Early stopping on the
// eval split when early_stopping_rounds > 0; a warm start continues boosting from the base
// model's file.
#include <fmt/format.h>

#include <memory>

#include "lathe/train/detail/builtin_algorithms.h"
#include "lathe/train/xgboost_model.h"

namespace lathe::train::detail {

namespace {

using Kind = Hyperparameter::Kind;
constexpr int64_t kMaxWhole = 1000000;

class XgboostAlgorithm final : public Algorithm {
 public:
  std::string_view name() const override { return "xgboost"; }
  std::vector<Hyperparameter> hyperparameters() const override {
    return {{"rounds", Kind::kPositiveInt, kMaxWhole},
            {"max_depth", Kind::kPositiveInt, kMaxWhole},
            {"eta", Kind::kNumber},
            {"tree_method", Kind::kText},
            {"early_stopping_rounds", Kind::kPositiveInt, kMaxWhole},
            {"seed", Kind::kNumber},
            {"threads", Kind::kPositiveInt, kMaxWhole},
            {"subsample", Kind::kNumber},
            {"colsample_bytree", Kind::kNumber},
            {"min_child_weight", Kind::kNumber},
            {"lambda", Kind::kNumber},
            {"max_bin", Kind::kPositiveInt, kMaxWhole}};
  }
  bool UsesEvalSplit(const nlohmann::json& hp) const override {
    return hp.value("early_stopping_rounds", 0) > 0;
  }

  Result<TrainResult> Train(const TrainRequest& r) const override {
    const nlohmann::json& hp = r.hyperparameters;
    XgboostParams xp;
    xp.rounds = hp.value("rounds", xp.rounds);
    xp.max_depth = hp.value("max_depth", xp.max_depth);
    xp.eta = hp.value("eta", xp.eta);
    xp.tree_method = hp.value("tree_method", xp.tree_method);
    xp.early_stopping_rounds = hp.value("early_stopping_rounds", xp.early_stopping_rounds);
    xp.seed = static_cast<int>(hp.value("seed", 0.0));
    xp.threads = hp.value("threads", xp.threads);
    xp.subsample = hp.value("subsample", xp.subsample);
    xp.colsample_bytree = hp.value("colsample_bytree", xp.colsample_bytree);
    xp.min_child_weight = hp.value("min_child_weight", xp.min_child_weight);
    xp.lambda = hp.value("lambda", xp.lambda);
    xp.max_bin = hp.value("max_bin", xp.max_bin);
    TrainResult out;
    out.model_file = "model.json";
    LATHE_ASSIGN_OR_RETURN(
        auto report,
        TrainXgboost(r.x, r.y, r.eval_x, r.eval_y, r.task, r.num_class, xp,
                     r.base ? r.base_file.string() : "", (r.out_dir / out.model_file).string()));
    out.training["base_rounds"] = report.base_rounds;
    out.training["rounds_trained"] = report.rounds_trained;
    out.training["best_round"] = report.best_round;
    out.training["eval_metric"] = report.eval_metric;
    if (!report.eval_history.empty()) out.training["eval_last"] = report.eval_history.back();
    out.properties["seconds_boosting"] = report.seconds_boosting;
    out.properties["rounds"] =
        static_cast<int64_t>(report.best_round >= 0 && xp.early_stopping_rounds > 0
                                 ? report.best_round + 1
                                 : report.base_rounds + report.rounds_trained);
    out.log = fmt::format(
        "boosted {} rounds ({} from the base model) in {:.2f} s; eval {} {}", report.rounds_trained,
        report.base_rounds, report.seconds_boosting, report.eval_metric,
        report.eval_history.empty() ? "-" : fmt::format("{:.5f}", report.eval_history.back()));
    return out;
  }

  Result<std::unique_ptr<Model>> Load(const std::filesystem::path& file, Task task, int num_class,
                                      const std::vector<std::string>& features) const override {
    LATHE_ASSIGN_OR_RETURN(auto m,
                           XgboostModel::Load(file.string(), task, num_class, features.size()));
    return std::unique_ptr<Model>(std::move(m));
  }
};

}  // namespace

void RegisterXgboostAlgorithm(AlgorithmRegistry& registry) {
  registry.Register(std::make_unique<XgboostAlgorithm>());
}

}  // namespace lathe::train::detail
