#include "lathe/stats/drift.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

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
    if (!b.numeric()) {
      std::map<std::string, double> p, q;
      for (const auto& [v, n] : b.cat.counts) p[v] = static_cast<double>(n);
      for (const auto& [v, n] : c->cat.counts) q[v] = static_cast<double>(n);
      out.push_back({b.name, "linf", LInfinityDistance(p, q), threshold(b.name, "linf")});
      continue;
    }
    if (b.num.count == 0 || c->num.count == 0) continue;
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
    out.push_back({b.name, "js", JensenShannonDivergence(pb, pc), threshold(b.name, "js")});
    out.push_back({b.name, "psi", PopulationStabilityIndex(pb, pc), threshold(b.name, "psi")});
  }
  return out;
}

}  // namespace lathe::stats
