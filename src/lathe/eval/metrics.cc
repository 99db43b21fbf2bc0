#include "lathe/eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

namespace lathe::eval {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double Ratio(double a, double b) {
  return b > 0 ? a / b : kNaN;
}
// F1 from counts: 2tp / (2tp + fp + fn); 0 when nothing was right, undefined only without any
// positive, predicted or true.
double F1(double tp, double fp, double fn) {
  return Ratio(2 * tp, 2 * tp + fp + fn);
}
nlohmann::json JsonNumber(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}
double Clamp(double p) {
  return std::clamp(p, 1e-15, 1 - 1e-15);
}

// ROC AUC and average precision of `order` (rows by descending score) for `positive(row)`.
template <typename Score, typename Positive, typename Weight>
std::pair<double, double> Auc(const std::vector<uint32_t>* order, size_t n, Score score,
                              Positive positive, Weight weight) {
  double tp = 0, fp = 0, area = 0, ap = 0, total_pos = 0, total_neg = 0;
  for (size_t i = 0; i < n; ++i) {
    size_t r = order ? (*order)[i] : i;
    (positive(r) ? total_pos : total_neg) += weight(r);
  }
  for (size_t i = 0; i < n;) {
    size_t j = i;
    double gtp = 0, gfp = 0;
    const double s = score(order ? (*order)[i] : i);
    for (; j < n && score(order ? (*order)[j] : j) == s; ++j) {
      size_t r = order ? (*order)[j] : j;
      (positive(r) ? gtp : gfp) += weight(r);
    }
    area += gfp * (tp + gtp / 2);
    tp += gtp;
    fp += gfp;
    if (gtp > 0) ap += gtp / total_pos * (tp / (tp + fp));
    i = j;
  }
  double auc = total_pos > 0 && total_neg > 0 ? area / (total_pos * total_neg) : kNaN;
  return {auc, total_pos > 0 ? ap : kNaN};
}

}  // namespace

void PrepareBinary(ScoredRows& rows) {
  std::vector<uint32_t> order(rows.labels.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return rows.scores[a] > rows.scores[b]; });
  ScoredRows sorted;
  sorted.classes = 1;
  for (uint32_t r : order) {
    sorted.labels.push_back(rows.labels[r]);
    sorted.scores.push_back(rows.scores[r]);
  }
  rows = std::move(sorted);
}

void PrepareMulticlass(ScoredRows& rows) {
  const size_t n = rows.labels.size(), k = rows.classes;
  rows.class_order.assign(k, {});
  for (size_t c = 0; c < k; ++c) {
    auto& order = rows.class_order[c];
    order.resize(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      return rows.scores[a * k + c] > rows.scores[b * k + c];
    });
  }
}

MetricValues BinaryMetrics(const ScoredRows& rows, const std::vector<double>* weights,
                           double threshold, nlohmann::json* details) {
  const size_t n = rows.labels.size();
  auto w = [&](size_t r) { return weights ? (*weights)[r] : 1.0; };
  auto [auc, ap] = Auc(
      nullptr, n, [&](size_t r) { return rows.scores[r]; },
      [&](size_t r) { return rows.labels[r] > 0.5f; }, w);
  double tp = 0, fp = 0, tn = 0, fn = 0, loss = 0, sum_p = 0, sum_y = 0, total = 0;
  constexpr int kBins = 10;
  double bin_w[kBins] = {}, bin_p[kBins] = {}, bin_y[kBins] = {};
  for (size_t r = 0; r < n; ++r) {
    const double wr = w(r), p = rows.scores[r];
    const bool y = rows.labels[r] > 0.5f, predicted = p >= threshold;
    (y ? (predicted ? tp : fn) : (predicted ? fp : tn)) += wr;
    loss -= wr * (y ? std::log(Clamp(p)) : std::log(1 - Clamp(p)));
    sum_p += wr * p;
    sum_y += wr * (y ? 1 : 0);
    total += wr;
    int b = std::clamp(static_cast<int>(p * kBins), 0, kBins - 1);
    bin_w[b] += wr;
    bin_p[b] += wr * p;
    bin_y[b] += wr * (y ? 1 : 0);
  }
  double precision = Ratio(tp, tp + fp), recall = Ratio(tp, tp + fn);
  if (details) {
    (*details)["confusion_matrix"] = {{"tp", tp}, {"fp", fp}, {"tn", tn}, {"fn", fn}};
    nlohmann::json bins = nlohmann::json::array();
    for (int b = 0; b < kBins; ++b)
      bins.push_back({{"from", b / double(kBins)},
                      {"to", (b + 1) / double(kBins)},
                      {"count", bin_w[b]},
                      {"mean_prediction", JsonNumber(Ratio(bin_p[b], bin_w[b]))},
                      {"positive_rate", JsonNumber(Ratio(bin_y[b], bin_w[b]))}});
    (*details)["calibration_bins"] = bins;
  }
  return {{"auc", auc},
          {"auc_pr", ap},
          {"log_loss", Ratio(loss, total)},
          {"accuracy", Ratio(tp + tn, total)},
          {"precision", precision},
          {"recall", recall},
          {"f1", F1(tp, fp, fn)},
          {"calibration", Ratio(sum_p, sum_y)},
          {"prediction_mean", Ratio(sum_p, total)},
          {"label_mean", Ratio(sum_y, total)},
          {"count", total}};
}

MetricValues MulticlassMetrics(const ScoredRows& rows, const std::vector<double>* weights,
                               nlohmann::json* details) {
  const size_t n = rows.labels.size(), k = rows.classes;
  auto w = [&](size_t r) { return weights ? (*weights)[r] : 1.0; };
  std::vector<double> confusion(k * k, 0.0);
  double loss = 0, total = 0, correct = 0;
  for (size_t r = 0; r < n; ++r) {
    const size_t y = static_cast<size_t>(rows.labels[r]);
    const double* p = &rows.scores[r * k];
    size_t best = static_cast<size_t>(std::max_element(p, p + k) - p);
    confusion[y * k + best] += w(r);
    loss -= w(r) * std::log(Clamp(p[y]));
    total += w(r);
    if (best == y) correct += w(r);
  }
  // Macro averages over the classes that occur, as truth or as prediction; a class never
  // predicted has precision 0 (not undefined), as in scikit-learn.
  double sum_p = 0, sum_r = 0, sum_f = 0, sum_auc = 0;
  int n_classes = 0, n_auc = 0;
  for (size_t c = 0; c < k; ++c) {
    double tp = confusion[c * k + c], predicted = 0, actual = 0;
    for (size_t o = 0; o < k; ++o) {
      predicted += confusion[o * k + c];
      actual += confusion[c * k + o];
    }
    if (predicted > 0 || actual > 0) {
      ++n_classes;
      sum_p += predicted > 0 ? tp / predicted : 0;
      sum_r += actual > 0 ? tp / actual : 0;
      sum_f += F1(tp, predicted - tp, actual - tp);
    }
    if (rows.class_order.size() == k) {
      double auc =
          Auc(
              &rows.class_order[c], n, [&](size_t row) { return rows.scores[row * k + c]; },
              [&](size_t row) { return static_cast<size_t>(rows.labels[row]) == c; }, w)
              .first;
      if (!std::isnan(auc)) sum_auc += auc, ++n_auc;
    }
  }
  if (details) {
    nlohmann::json m = nlohmann::json::array();
    for (size_t c = 0; c < k; ++c)
      m.push_back(
          std::vector<double>(confusion.begin() + static_cast<std::ptrdiff_t>(c * k),
                              confusion.begin() + static_cast<std::ptrdiff_t>((c + 1) * k)));
    (*details)["confusion_matrix"] = m;
  }
  return {{"accuracy", Ratio(correct, total)},
          {"log_loss", Ratio(loss, total)},
          {"precision", n_classes ? sum_p / n_classes : kNaN},
          {"recall", n_classes ? sum_r / n_classes : kNaN},
          {"f1", n_classes ? sum_f / n_classes : kNaN},
          {"auc", n_auc ? sum_auc / n_auc : kNaN},
          {"count", total}};
}

MetricValues RegressionMetrics(const ScoredRows& rows, const std::vector<double>* weights) {
  const size_t n = rows.labels.size();
  double total = 0, se = 0, ae = 0, sum_y = 0, sum_y2 = 0, sum_p = 0, ape = 0, ape_w = 0;
  for (size_t r = 0; r < n; ++r) {
    const double wr = weights ? (*weights)[r] : 1.0, y = rows.labels[r], p = rows.scores[r];
    total += wr;
    se += wr * (p - y) * (p - y);
    ae += wr * std::abs(p - y);
    sum_y += wr * y;
    sum_y2 += wr * y * y;
    sum_p += wr * p;
    if (y != 0) {
      ape += wr * std::abs((p - y) / y);
      ape_w += wr;
    }
  }
  double ss_tot = sum_y2 - (total > 0 ? sum_y * sum_y / total : 0);
  return {{"rmse", total > 0 ? std::sqrt(se / total) : kNaN},
          {"mae", Ratio(ae, total)},
          {"r2", ss_tot > 0 ? 1 - se / ss_tot : kNaN},
          {"mape", ape_w > 0 ? 100 * ape / ape_w : kNaN},
          {"prediction_mean", Ratio(sum_p, total)},
          {"label_mean", Ratio(sum_y, total)},
          {"count", total}};
}

std::optional<bool> HigherIsBetter(const std::string& metric) {
  static const std::map<std::string, bool> kDirections = {
      {"auc", true},    {"auc_pr", true}, {"accuracy", true}, {"precision", true},
      {"recall", true}, {"f1", true},     {"r2", true},       {"log_loss", false},
      {"rmse", false},  {"mae", false},   {"mape", false}};
  auto it = kDirections.find(metric);
  if (it == kDirections.end()) return std::nullopt;
  return it->second;
}

}  // namespace lathe::eval
