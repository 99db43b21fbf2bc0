#include "lathe/train/linear_model.h"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <cmath>

#include "lathe/core/fs.h"

namespace lathe::train {

namespace {

// The design matrix with a leading column of ones; missing values are 0.
Eigen::MatrixXd Design(const FeatureMatrix& x) {
  Eigen::MatrixXd a(static_cast<Eigen::Index>(x.rows), static_cast<Eigen::Index>(x.cols() + 1));
  for (size_t r = 0; r < x.rows; ++r) {
    a(static_cast<Eigen::Index>(r), 0) = 1;
    for (size_t c = 0; c < x.cols(); ++c) {
      float v = x.at(r, c);
      a(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c + 1)) = std::isnan(v) ? 0 : v;
    }
  }
  return a;
}

double Sigmoid(double z) {
  return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z));
}

}  // namespace

Result<Predictions> LinearModel::Predict(const FeatureMatrix& x) const {
  if (x.cols() != weights_.size())
    return InvalidArgumentError(
        fmt::format("the model takes {} features; got {}", weights_.size(), x.cols()));
  Predictions out;
  out.values.resize(x.rows);
  for (size_t r = 0; r < x.rows; ++r) {
    double z = intercept_;
    for (size_t c = 0; c < x.cols(); ++c) {
      float v = x.at(r, c);
      if (!std::isnan(v)) z += weights_[c] * v;
    }
    out.values[r] = task_ == Task::kBinary ? Sigmoid(z) : z;
  }
  return out;
}

Result<std::pair<LinearModel, LinearFit>> LinearModel::Train(const FeatureMatrix& x,
                                                             const std::vector<float>& y, Task task,
                                                             const LinearParams& p,
                                                             const LinearModel* start) {
  if (task == Task::kMulticlass)
    return InvalidArgumentError(
        "the linear trainer fits binary and regression tasks; use xgboost for multiclass");
  if (x.rows == 0) return InvalidArgumentError("no training rows (with a label)");
  const Eigen::MatrixXd a = Design(x);
  const auto n = a.rows(), d = a.cols();
  Eigen::VectorXd t(n);
  for (Eigen::Index i = 0; i < n; ++i) t(i) = y[static_cast<size_t>(i)];
  Eigen::MatrixXd penalty = Eigen::MatrixXd::Identity(d, d) * p.l2;
  penalty(0, 0) = 0;
  Eigen::VectorXd w = Eigen::VectorXd::Zero(d);
  if (start) {
    if (start->features_ != x.names)
      return InvalidArgumentError("the warm-start model was trained on other features");
    w(0) = start->intercept_;
    for (Eigen::Index c = 1; c < d; ++c) w(c) = start->weights_[static_cast<size_t>(c - 1)];
  }
  LinearFit fit;
  const double inv_n = 1.0 / static_cast<double>(n);
  if (task == Task::kRegression) {
    // Ridge: (A'A/n + P) w = A't/n, solved directly (a warm start changes nothing here).
    Eigen::MatrixXd h = a.transpose() * a * inv_n + penalty;
    w = h.ldlt().solve(a.transpose() * t * inv_n);
    fit.iterations = 1;
    fit.loss = (a * w - t).squaredNorm() * inv_n;
  } else {
    for (int it = 0; it < p.max_iter; ++it) {
      Eigen::VectorXd prob = (a * w).unaryExpr([](double z) { return Sigmoid(z); });
      Eigen::VectorXd g = a.transpose() * (prob - t) * inv_n + penalty * w;
      fit.iterations = it + 1;
      if (g.cwiseAbs().maxCoeff() < p.tolerance) break;
      Eigen::VectorXd s = prob.unaryExpr([](double q) { return std::max(q * (1 - q), 1e-12); });
      Eigen::MatrixXd h = a.transpose() * s.asDiagonal() * a * inv_n + penalty;
      h.diagonal().array() += 1e-12;  // keeps separable data solvable
      w -= h.ldlt().solve(g);
    }
    double loss = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      double q = std::clamp(Sigmoid(a.row(i).dot(w)), 1e-15, 1 - 1e-15);
      loss -= t(i) > 0.5 ? std::log(q) : std::log(1 - q);
    }
    fit.loss = loss * inv_n;
  }
  if (!w.allFinite())
    return FailedPreconditionError(
        "the linear fit did not converge to finite weights (raise l2, or standardize features)");
  LinearModel m;
  m.task_ = task;
  m.features_ = x.names;
  m.intercept_ = w(0);
  for (Eigen::Index c = 1; c < d; ++c) m.weights_.push_back(w(c));
  return std::make_pair(std::move(m), fit);
}

nlohmann::json LinearModel::ToJson() const {
  return {{"task", TaskName(task_)},
          {"features", features_},
          {"weights", weights_},
          {"intercept", intercept_}};
}

Result<LinearModel> LinearModel::FromJson(const nlohmann::json& j) {
  LinearModel m;
  try {
    LATHE_ASSIGN_OR_RETURN(m.task_, ParseTask(j.at("task").get<std::string>()));
    m.features_ = j.at("features").get<std::vector<std::string>>();
    m.weights_ = j.at("weights").get<std::vector<double>>();
    m.intercept_ = j.at("intercept").get<double>();
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(fmt::format(
        "expected {{task, features: [...], weights: [...], intercept}} ({})", e.what()));
  }
  if (m.task_ == Task::kMulticlass)
    return InvalidArgumentError("a linear model is binary or regression");
  if (m.features_.size() != m.weights_.size())
    return InvalidArgumentError(
        fmt::format("{} features but {} weights", m.features_.size(), m.weights_.size()));
  return m;
}

Result<LinearModel> LinearModel::Load(const std::string& path) {
  LATHE_ASSIGN_OR_RETURN(auto j, ReadJsonFile(path));
  auto m = FromJson(j);
  if (!m.ok()) return InvalidArgumentError(fmt::format("{}: {}", path, m.status().message()));
  return m;
}

}  // namespace lathe::train
