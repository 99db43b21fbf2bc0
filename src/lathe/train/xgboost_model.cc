#include "lathe/train/xgboost_model.h"

#include <fmt/format.h>
#include <xgboost/c_api.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>

#include "lathe/core/threads.h"

namespace lathe::train {

namespace {

Status XgbError(const char* what) {
  return InternalError(fmt::format("XGBoost: {}: {}", what, XGBGetLastError()));
}

#define LATHE_XGB(call, what) \
  if ((call) != 0) return XgbError(what)

// Owns a DMatrix.
struct Matrix {
  DMatrixHandle h = nullptr;
  ~Matrix() {
    if (h) XGDMatrixFree(h);
  }
};
// Owns a Booster.
struct Booster {
  BoosterHandle h = nullptr;
  ~Booster() {
    if (h) XGBoosterFree(h);
  }
};

Status MakeMatrix(const FeatureMatrix& x, const std::vector<float>* y, int threads, Matrix& m) {
  static const float kEmpty = 0;
  LATHE_XGB(
      XGDMatrixCreateFromMat_omp(x.values.empty() ? &kEmpty : x.values.data(), x.rows, x.cols(),
                                 std::numeric_limits<float>::quiet_NaN(), &m.h, threads),
      "creating a matrix");
  if (y) LATHE_XGB(XGDMatrixSetFloatInfo(m.h, "label", y->data(), y->size()), "setting labels");
  return Status::Ok();
}

const char* Objective(Task t) {
  return t == Task::kBinary       ? "binary:logistic"
         : t == Task::kMulticlass ? "multi:softprob"
                                  : "reg:squarederror";
}
const char* EvalMetric(Task t) {
  return t == Task::kBinary ? "logloss" : t == Task::kMulticlass ? "mlogloss" : "rmse";
}

}  // namespace

Result<TrainReport> TrainXgboost(const FeatureMatrix& x, const std::vector<float>& y,
                                 const FeatureMatrix* eval_x, const std::vector<float>* eval_y,
                                 Task task, int num_class, const XgboostParams& p,
                                 const std::string& warm_start, const std::string& out_path) {
  if (x.rows == 0) return InvalidArgumentError("no training rows (with a label)");
  if (y.size() != x.rows) return InvalidArgumentError("labels and rows differ in number");
  const int threads = ThreadCount(p.threads);
  Matrix train, eval;
  LATHE_RETURN_IF_ERROR(MakeMatrix(x, &y, threads, train));
  const bool has_eval = eval_x != nullptr && eval_x->rows > 0;
  if (has_eval) LATHE_RETURN_IF_ERROR(MakeMatrix(*eval_x, eval_y, threads, eval));
  // The eval set is scored every round only for early stopping; otherwise once, at the end
  // (scoring it every round costs about as much as a third of the boosting).
  const bool every_round = has_eval && p.early_stopping_rounds > 0;
  Booster b;
  DMatrixHandle cache[2] = {train.h, eval.h};
  LATHE_XGB(XGBoosterCreate(cache, every_round ? 2 : 1, &b.h), "creating a booster");
  TrainReport report;
  report.eval_metric = EvalMetric(task);
  if (!warm_start.empty()) {
    LATHE_XGB(XGBoosterLoadModel(b.h, warm_start.c_str()), "loading the warm-start model");
    bst_ulong nf = 0;
    LATHE_XGB(XGBoosterGetNumFeature(b.h, &nf), "reading the warm-start model");
    if (nf != x.cols())
      return InvalidArgumentError(
          fmt::format("the warm-start model takes {} features; this data has {}", nf, x.cols()));
    LATHE_XGB(XGBoosterBoostedRounds(b.h, &report.base_rounds), "reading the warm-start model");
  }
  const std::map<std::string, std::string> params = {
      {"objective", Objective(task)},
      {"eval_metric", report.eval_metric},
      {"max_depth", std::to_string(p.max_depth)},
      {"eta", fmt::format("{}", p.eta)},
      {"tree_method", p.tree_method},
      {"seed", std::to_string(p.seed)},
      {"nthread", std::to_string(threads)},
      {"subsample", fmt::format("{}", p.subsample)},
      {"colsample_bytree", fmt::format("{}", p.colsample_bytree)},
      {"min_child_weight", fmt::format("{}", p.min_child_weight)},
      {"lambda", fmt::format("{}", p.lambda)},
      {"max_bin", std::to_string(p.max_bin)},
      {"verbosity", "0"}};
  for (const auto& [k, v] : params)
    LATHE_XGB(XGBoosterSetParam(b.h, k.c_str(), v.c_str()), "setting a parameter");
  if (task == Task::kMulticlass)
    LATHE_XGB(XGBoosterSetParam(b.h, "num_class", std::to_string(num_class).c_str()),
              "setting num_class");
  double best = std::numeric_limits<double>::infinity();
  int best_i = -1;
  for (int i = 0; i < p.rounds; ++i) {
    const int iter = report.base_rounds + i;
    const auto round_start = std::chrono::steady_clock::now();
    LATHE_XGB(XGBoosterUpdateOneIter(b.h, iter, train.h), "boosting");
    report.seconds_boosting +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - round_start).count();
    ++report.rounds_trained;
    if (!every_round && !(has_eval && i + 1 == p.rounds)) continue;
    const char* names[1] = {"eval"};
    const char* out = nullptr;
    LATHE_XGB(XGBoosterEvalOneIter(b.h, iter, &eval.h, names, 1, &out), "evaluating");
    std::string text(out);  // "[3]\teval-logloss:0.1234"
    // strtod, not stod: a metric XGBoost prints as "nan" or "inf" must not throw.
    const size_t colon = text.rfind(':');
    double v =
        colon == std::string::npos ? std::nan("") : std::strtod(text.c_str() + colon + 1, nullptr);
    report.eval_history.push_back(v);
    if (v < best) {
      best = v;
      best_i = i;
    }
    if (p.early_stopping_rounds > 0 && i - best_i >= p.early_stopping_rounds) break;
  }
  BoosterHandle save = b.h;
  Booster trimmed;
  if (p.early_stopping_rounds > 0 && best_i >= 0 && best_i + 1 < report.rounds_trained) {
    LATHE_XGB(XGBoosterSlice(b.h, 0, report.base_rounds + best_i + 1, 1, &trimmed.h),
              "keeping the best rounds");
    save = trimmed.h;
  }
  if (best_i >= 0) report.best_round = report.base_rounds + best_i;
  LATHE_XGB(XGBoosterSaveModel(save, out_path.c_str()), "saving the model");
  return report;
}

Result<std::unique_ptr<XgboostModel>> XgboostModel::Load(const std::string& path, Task task,
                                                         int num_class, size_t features) {
  std::unique_ptr<XgboostModel> m(new XgboostModel());
  if (XGBoosterCreate(nullptr, 0, &m->booster_) != 0) return XgbError("creating a booster");
  if (XGBoosterLoadModel(m->booster_, path.c_str()) != 0)
    return XgbError(fmt::format("loading {}", path).c_str());
  bst_ulong nf = 0;
  if (XGBoosterGetNumFeature(m->booster_, &nf) != 0) return XgbError("reading the model");
  // A model that never split on the last features may report fewer; more is a mismatch.
  if (nf > features)
    return InvalidArgumentError(
        fmt::format("{}: the model takes {} features; the bundle lists {}", path, nf, features));
  XGBoosterSetParam(m->booster_, "nthread", std::to_string(ThreadCount(0)).c_str());
  m->task_ = task;
  m->classes_ = task == Task::kMulticlass ? static_cast<size_t>(num_class) : 1;
  m->features_ = features;
  m->AdoptTreeEnsemble();
  return m;
}

XgboostModel::~XgboostModel() {
  if (booster_) XGBoosterFree(booster_);
}

Result<Predictions> XgboostModel::Predict(const FeatureMatrix& x) const {
  if (x.cols() != features_)
    return InvalidArgumentError(
        fmt::format("the model takes {} features; got {}", features_, x.cols()));
  Predictions out;
  out.classes = classes_;
  if (x.rows == 0) return out;
  std::vector<float> result;
  if (ensemble_ && x.rows <= kEnsembleMaxRows) {
    result.resize(x.rows * classes_);
    ensemble_->Predict(x.values.data(), x.rows, x.cols(), result.data());
  } else {
    LATHE_RETURN_IF_ERROR(PredictWithXgboost(x, result));
  }
  out.values.assign(result.begin(), result.end());
  return out;
}

Status XgboostModel::PredictWithXgboost(const FeatureMatrix& x, std::vector<float>& out) const {
  // In-place prediction over the feature matrix itself: no DMatrix per call, and thread-safe for
  // tree models (XGBoost 1.4+), so concurrent requests of a server do not queue behind a lock.
  // The result lives in XGBoost's per-thread buffer until this thread's next call.
  static const float kEmpty = 0;
  const std::string values = fmt::format(
      R"({{"data": [{}, true], "shape": [{}, {}], "typestr": "<f4", "version": 3}})",
      reinterpret_cast<uintptr_t>(x.values.empty() ? &kEmpty : x.values.data()), x.rows, x.cols());
  // Only the keys in-place prediction reads: XGBoost parses this text on every call, and each
  // string in it costs a stream construction there ("training" is not read).
  static const char* kConfig =
      R"({"type": 0, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false,)"
      R"( "missing": NaN, "cache_id": 0})";
  // Without a proxy matrix XGBoost makes one per call, and each reads the cgroup CPU quota files
  // (two opens and reads per prediction: a third of a single-row predict). A proxy holds only
  // the data being predicted, so one per thread serves every model.
  thread_local Matrix proxy;
  if (proxy.h == nullptr) LATHE_XGB(XGProxyDMatrixCreate(&proxy.h), "creating a proxy matrix");
  const bst_ulong* shape = nullptr;
  bst_ulong dims = 0;
  const float* result = nullptr;
  LATHE_XGB(
      XGBoosterPredictFromDense(booster_, values.c_str(), kConfig, proxy.h, &shape, &dims, &result),
      "predicting");
  bst_ulong len = 1;
  for (bst_ulong d = 0; d < dims; ++d) len *= shape[d];
  if (len != x.rows * classes_)
    return InternalError(fmt::format("XGBoost returned {} values for {} rows", len, x.rows));
  out.assign(result, result + len);
  return Status::Ok();
}

void XgboostModel::AdoptTreeEnsemble() {
  bst_ulong length = 0;
  const char* buffer = nullptr;
  if (XGBoosterSaveModelToBuffer(booster_, R"({"format": "ubj"})", &length, &buffer) != 0) {
    ensemble_problem_ = fmt::format("XGBoost could not dump the model: {}", XGBGetLastError());
    return;
  }
  auto ensemble = TreeEnsemble::FromUbjson(std::vector<uint8_t>(buffer, buffer + length));
  if (!ensemble.ok()) {
    ensemble_problem_ = ensemble.status().message();
    return;
  }
  if (ensemble->groups() != classes_ || ensemble->features_used() > features_) {
    ensemble_problem_ = "the trees' classes or features differ from the model's";
    return;
  }
  // Probe rows: each value a threshold, a float either side of one, a value beyond them all, or
  // missing, so that every branch of every test is taken; fixed seed, so loading is deterministic.
  FeatureMatrix probe;
  probe.names.resize(features_);
  probe.rows = 512;
  probe.values.resize(probe.rows * features_);
  std::vector<std::vector<float>> thresholds(features_);
  for (size_t f = 0; f < features_; ++f) thresholds[f] = ensemble->Thresholds(f);
  std::mt19937 rng(20261130);
  for (size_t r = 0; r < probe.rows; ++r)
    for (size_t f = 0; f < features_; ++f) {
      const auto& t = thresholds[f];
      float v = std::numeric_limits<float>::quiet_NaN();
      const unsigned kind = rng() % 8;
      if (!t.empty() && kind < 6) {
        const float at = t[rng() % t.size()];
        v = kind < 2   ? at
            : kind < 4 ? std::nextafter(at, -std::numeric_limits<float>::infinity())
            : kind < 5 ? std::nextafter(at, std::numeric_limits<float>::infinity())
                       : (rng() % 2 ? t.front() - 1 : t.back() + 1);
      } else if (kind == 6) {
        v = static_cast<float>(rng() % 1000) / 100.0f - 5.0f;
      }
      probe.values[r * features_ + f] = v;
    }
  std::vector<float> expected;
  if (!PredictWithXgboost(probe, expected).ok()) {
    ensemble_problem_ = "XGBoost could not predict the probe rows";
    return;
  }
  std::vector<float> got(expected.size());
  ensemble->Predict(probe.values.data(), probe.rows, features_, got.data());
  for (size_t i = 0; i < got.size(); ++i)
    if (std::memcmp(&got[i], &expected[i], sizeof(float)) != 0) {
      ensemble_problem_ = fmt::format("on probe row {} the trees give {} where XGBoost gives {}",
                                      i / classes_, got[i], expected[i]);
      return;
    }
  ensemble_ = std::make_unique<const TreeEnsemble>(std::move(*ensemble));
}

}  // namespace lathe::train
