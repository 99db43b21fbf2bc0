#include "lathe/stats/drift.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unsupported/Eigen/SpecialFunctions>

#include "lathe/core/strings.h"

namespace lathe::stats {

namespace {

std::vector<double> Normalised(const std::vector<double>& v) {
  double total = std::accumulate(v.begin(), v.end(), 0.0);
  std::vector<double> out(v.size(), 0.0);
  if (total > 0)
    for (size_t i = 0; i < v.size(); ++i) out[i] = v[i] / total;
  return out;
}

// Empty bins get this share so that logarithms stay finite (the usual PSI convention).
constexpr double kFloor = 1e-4;

}  // namespace

double LInfinityDistance(const std::map<std::string, double>& p,
                         const std::map<std::string, double>& q) {
  double tp = 0, tq = 0;
  for (const auto& [k, v] : p) tp += v;
  for (const auto& [k, v] : q) tq += v;
  return LInfinityDistance(p, q, tp, tq);
}

double LInfinityDistance(const std::map<std::string, double>& p,
                         const std::map<std::string, double>& q, double tp, double tq) {
  double worst = 0;
  auto freq = [](const std::map<std::string, double>& m, const std::string& k, double total) {
    auto it = m.find(k);
    return it == m.end() || total == 0 ? 0.0 : it->second / total;
  };
  for (const auto& [k, v] : p) worst = std::max(worst, std::fabs(freq(p, k, tp) - freq(q, k, tq)));
  for (const auto& [k, v] : q) worst = std::max(worst, std::fabs(freq(p, k, tp) - freq(q, k, tq)));
  return worst;
}

double JensenShannonDivergence(const std::vector<double>& p_in, const std::vector<double>& q_in) {
  auto p = Normalised(p_in), q = Normalised(q_in);
  double js = 0;
  for (size_t i = 0; i < p.size() && i < q.size(); ++i) {
    double m = (p[i] + q[i]) / 2;
    if (p[i] > 0) js += 0.5 * p[i] * std::log2(p[i] / m);
    if (q[i] > 0) js += 0.5 * q[i] * std::log2(q[i] / m);
  }
  return std::clamp(js, 0.0, 1.0);
}

double PopulationStabilityIndex(const std::vector<double>& expected,
                                const std::vector<double>& actual) {
  auto e = Normalised(expected), a = Normalised(actual);
  double psi = 0;
  for (size_t i = 0; i < e.size() && i < a.size(); ++i) {
    double ei = std::max(e[i], kFloor), ai = std::max(a[i], kFloor);
    psi += (ai - ei) * std::log(ai / ei);
  }
  return psi;
}

double KolmogorovSmirnovPValue(double d, int64_t n, int64_t m) {
  if (n <= 0 || m <= 0 || std::isnan(d)) return std::numeric_limits<double>::quiet_NaN();
  const double ne = static_cast<double>(n) * static_cast<double>(m) / static_cast<double>(n + m);
  const double root = std::sqrt(ne);
  const double lambda = (root + 0.12 + 0.11 / root) * d;
  if (lambda < 0.2) return 1;  // the series converges slowly here, to 1
  // Q(lambda) = 2 * sum_{k >= 1} (-1)^(k-1) exp(-2 k^2 lambda^2)
  double sum = 0;
  for (int k = 1; k <= 100; ++k) {
    const double term = std::exp(-2.0 * k * k * lambda * lambda);
    sum += (k % 2 == 1 ? 2 : -2) * term;
    if (term < 1e-16) break;
  }
  return std::clamp(sum, 0.0, 1.0);
}

double ChiSquarePValue(double chi2, double dof) {
  if (dof <= 0 || std::isnan(chi2)) return std::numeric_limits<double>::quiet_NaN();
  if (chi2 <= 0) return 1;
  return Eigen::numext::igammac(dof / 2, chi2 / 2);
}

std::string_view DriftStatusName(DriftStatus s) {
  switch (s) {
    case DriftStatus::kMeasured:
      return "measured";
    case DriftStatus::kTooFewRows:
      return "too_few_rows";
    case DriftStatus::kOnlyInBaseline:
      return "only_in_baseline";
    case DriftStatus::kOnlyInCurrent:
      return "only_in_current";
  }
  return "measured";
}

namespace {

// The share of a numeric feature's values at or below x.
class EmpiricalCdf {
 public:
  explicit EmpiricalCdf(const NumericStats& s) : s_(s) {
    if (!s.exact) return;
    sorted_.assign(s.values.begin(), s.values.end());
    std::sort(sorted_.begin(), sorted_.end());
    uint64_t seen = 0;
    for (auto& [v, c] : sorted_) c = seen += c;  // running counts
  }
  double At(double x) const {
    const double n = static_cast<double>(s_.count);
    if (!s_.exact)
      return static_cast<double>(s_.sketch.CountBetween(
                 -std::numeric_limits<double>::infinity(),
                 std::nextafter(x, std::numeric_limits<double>::infinity()))) /
             n;
    auto it = std::upper_bound(sorted_.begin(), sorted_.end(), x,
                               [](double v, const auto& e) { return v < e.first; });
    return it == sorted_.begin() ? 0 : static_cast<double>(std::prev(it)->second) / n;
  }
  // Where the CDF may jump: every value when exact, else 1,001 quantiles.
  void Points(std::vector<double>& out) const {
    if (s_.exact) {
      for (const auto& [v, c] : sorted_) out.push_back(v);
      return;
    }
    for (int k = 0; k <= 1000; ++k) out.push_back(s_.Quantile(k / 1000.0));
  }

 private:
  const NumericStats& s_;
  std::vector<std::pair<double, uint64_t>> sorted_;
};

// Two-sample Kolmogorov-Smirnov statistic: the largest gap between the empirical CDFs.
double KolmogorovSmirnov(const NumericStats& a, const NumericStats& b) {
  EmpiricalCdf fa(a), fb(b);
  std::vector<double> points;
  fa.Points(points);
  fb.Points(points);
  double d = 0;
  for (double x : points) d = std::max(d, std::fabs(fa.At(x) - fb.At(x)));
  return d;
}

// Pearson's chi-square over the two samples' value counts (a 2 x k table); values seen fewer
// than 5 times in both together are pooled, as are values a sketch no longer counts. Sets dof.
double ChiSquare(const CategoricalStats& a, const CategoricalStats& b, double& dof) {
  std::map<std::string_view, std::pair<double, double>> table;
  double counted_a = 0, counted_b = 0;
  for (const auto& [v, n] : a.counts) {
    table[v].first += static_cast<double>(n);
    counted_a += static_cast<double>(n);
  }
  for (const auto& [v, n] : b.counts) {
    table[v].second += static_cast<double>(n);
    counted_b += static_cast<double>(n);
  }
  std::vector<std::pair<double, double>> cells;
  std::pair<double, double> pooled = {static_cast<double>(a.count) - counted_a,
                                      static_cast<double>(b.count) - counted_b};
  for (const auto& [v, c] : table) {
    if (c.first + c.second < 5) {
      pooled.first += c.first;
      pooled.second += c.second;
    } else {
      cells.push_back(c);
    }
  }
  if (pooled.first + pooled.second > 0) cells.push_back(pooled);
  const double na = static_cast<double>(a.count), nb = static_cast<double>(b.count);
  const double n = na + nb;
  double chi2 = 0;
  for (const auto& [oa, ob] : cells) {
    const double total = oa + ob;
    const double ea = total * na / n, eb = total * nb / n;
    if (ea > 0) chi2 += (oa - ea) * (oa - ea) / ea;
    if (eb > 0) chi2 += (ob - eb) * (ob - eb) / eb;
  }
  dof = static_cast<double>(cells.size()) - 1;
  return chi2;
}

}  // namespace

std::vector<FeatureDrift> CompareStats(const DatasetStats& baseline, const DatasetStats& current,
                                       const DriftOptions& o) {
  std::vector<FeatureDrift> out;
  auto threshold = [&](const std::string& feature, const std::string& measure) {
    auto it = o.feature_thresholds.find(feature + "." + measure);
    if (it != o.feature_thresholds.end()) return it->second;
    auto d = o.thresholds.find(measure);
    return d == o.thresholds.end() ? std::numeric_limits<double>::infinity() : d->second;
  };
  for (const auto& b : baseline.features()) {
    const FeatureStats* c = current.Find(b.name);
    if (c == nullptr || c->numeric() != b.numeric()) continue;
    FeatureDrift base;
    base.feature = b.name;
    base.baseline_values = b.numeric() ? b.num.count : b.cat.count;
    base.current_values = c->numeric() ? c->num.count : c->cat.count;
    if (base.baseline_values == 0 && base.current_values == 0) continue;
    if (base.baseline_values == 0 || base.current_values == 0) {
      base.status =
          base.current_values == 0 ? DriftStatus::kOnlyInBaseline : DriftStatus::kOnlyInCurrent;
      out.push_back(base);
      continue;
    }
    if (base.baseline_values < o.min_rows || base.current_values < o.min_rows) {
      base.status = DriftStatus::kTooFewRows;
      out.push_back(base);
      continue;
    }
    if (!b.numeric()) {
      double dof = 0;
      base.test = "chi2";
      base.statistic = ChiSquare(b.cat, c->cat, dof);
      base.p_value = ChiSquarePValue(base.statistic, dof);
      std::map<std::string, double> p, q;
      for (const auto& [v, n] : b.cat.counts) p[v] = static_cast<double>(n);
      for (const auto& [v, n] : c->cat.counts) q[v] = static_cast<double>(n);
      FeatureDrift d = base;
      d.measure = "linf";
      // Frequencies of all values, counted or not (heavy hitters keep only the frequent ones).
      d.value = LInfinityDistance(p, q, static_cast<double>(b.cat.count),
                                  static_cast<double>(c->cat.count));
      d.threshold = threshold(b.name, "linf");
      out.push_back(d);
      continue;
    }
    base.test = "ks";
    base.statistic = KolmogorovSmirnov(b.num, c->num);
    base.p_value = KolmogorovSmirnovPValue(base.statistic, b.num.count, c->num.count);
    // Bins cut at the baseline's quantiles (distinct edges only), with a bin of their own for
    // values below the baseline's minimum and above its maximum.
    std::vector<double> edges = {b.num.min};
    for (int k = 1; k < o.bins; ++k) {
      double e = b.num.Quantile(static_cast<double>(k) / o.bins);
      if (e > edges.back()) edges.push_back(e);
    }
    double above = std::nextafter(b.num.max, std::numeric_limits<double>::infinity());
    if (above > edges.back()) edges.push_back(above);
    std::vector<double> pb, pc;
    double lo = -std::numeric_limits<double>::infinity();
    for (size_t k = 0; k <= edges.size(); ++k) {
      double hi = k < edges.size() ? edges[k] : std::numeric_limits<double>::infinity();
      pb.push_back(static_cast<double>(b.num.CountBetween(lo, hi)));
      pc.push_back(static_cast<double>(c->num.CountBetween(lo, hi)));
      lo = hi;
    }
    FeatureDrift js = base, psi = base;
    js.measure = "js";
    js.value = JensenShannonDivergence(pb, pc);
    js.threshold = threshold(b.name, "js");
    psi.measure = "psi";
    psi.value = PopulationStabilityIndex(pb, pc);
    psi.threshold = threshold(b.name, "psi");
    out.push_back(js);
    out.push_back(psi);
  }
  return out;
}

std::vector<Anomaly> DriftAnomalies(const std::vector<FeatureDrift>& drift) {
  std::vector<Anomaly> out;
  for (const auto& d : drift) {
    if (d.exceeded()) {
      auto [tv, tt] = DistinctNumbers(d.value, d.threshold, 4);
      out.push_back({d.feature, "drift",
                     fmt::format("{} {} over {} (p-value {:.3g} by {})", d.measure, tv, tt,
                                 d.p_value, d.test),
                     d.value, d.threshold});
    } else if (d.one_sided()) {
      out.push_back({d.feature, "drift",
                     d.status == DriftStatus::kOnlyInBaseline
                         ? fmt::format("no values, where the baseline has {}", d.baseline_values)
                         : fmt::format("{} values, where the baseline has none", d.current_values),
                     static_cast<double>(d.current_values),
                     static_cast<double>(d.baseline_values)});
    }
  }
  return out;
}

nlohmann::json DriftReportToJson(const std::vector<FeatureDrift>& drift) {
  auto number = [](double v) { return std::isnan(v) ? nlohmann::json() : nlohmann::json(v); };
  int exceeded = 0, too_few = 0, one_sided = 0;
  nlohmann::json items = nlohmann::json::array();
  for (const auto& d : drift) {
    exceeded += d.exceeded();
    too_few += d.status == DriftStatus::kTooFewRows;
    one_sided += d.one_sided();
    nlohmann::json j = {{"feature", d.feature},
                        {"status", DriftStatusName(d.status)},
                        {"baseline_values", d.baseline_values},
                        {"current_values", d.current_values}};
    if (d.status == DriftStatus::kMeasured) {
      j["measure"] = d.measure;
      j["value"] = d.value;
      j["threshold"] = d.threshold;
      j["exceeded"] = d.exceeded();
      j["test"] = d.test;
      j["statistic"] = number(d.statistic);
      j["p_value"] = number(d.p_value);
    }
    items.push_back(std::move(j));
  }
  return {{"drift", std::move(items)},
          {"exceeded", exceeded},
          {"too_few_rows", too_few},
          {"one_sided", one_sided}};
}

}  // namespace lathe::stats
