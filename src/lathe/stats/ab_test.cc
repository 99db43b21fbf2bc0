#include "lathe/stats/ab_test.h"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>

namespace lathe::stats {

void Moments::Add(double x) {
  ++n;
  const double delta = x - mean;
  mean += delta / static_cast<double>(n);
  m2 += delta * (x - mean);
}

void Moments::Merge(const Moments& o) {
  if (o.n == 0) return;
  if (n == 0) {
    *this = o;
    return;
  }
  const double na = static_cast<double>(n), nb = static_cast<double>(o.n), total = na + nb;
  const double delta = o.mean - mean;
  mean += delta * nb / total;
  m2 += o.m2 + delta * delta * na * nb / total;
  n += o.n;
}

double Moments::variance() const {
  return n < 2 ? 0 : m2 / static_cast<double>(n - 1);
}

namespace {

// The two-sided critical value of Student's t with `df` degrees of freedom.
double TCritical(double df, double confidence) {
  return boost::math::quantile(boost::math::students_t(df), 0.5 + confidence / 2);
}

}  // namespace

Interval MeanInterval(const Moments& m, double confidence) {
  if (m.n < 2) return {m.mean, m.mean};
  const double se = std::sqrt(m.variance() / static_cast<double>(m.n));
  const double half = TCritical(static_cast<double>(m.n - 1), confidence) * se;
  return {m.mean - half, m.mean + half};
}

TwoSampleTest WelchTest(const Moments& control, const Moments& treatment, double confidence) {
  TwoSampleTest r;
  r.difference = treatment.mean - control.mean;
  r.difference_interval = {r.difference, r.difference};
  if (control.mean != 0) {
    r.lift = r.difference / control.mean;
    r.lift_interval = {r.lift, r.lift};
  }
  if (control.n < 2 || treatment.n < 2) return r;
  const double vc = control.variance() / static_cast<double>(control.n);
  const double vt = treatment.variance() / static_cast<double>(treatment.n);
  if (vc + vt <= 0) return r;
  const double se = std::sqrt(vc + vt);
  r.t = r.difference / se;
  r.df = (vc + vt) * (vc + vt) /
         (vc * vc / static_cast<double>(control.n - 1) +
          vt * vt / static_cast<double>(treatment.n - 1));
  const boost::math::students_t dist(r.df);
  r.p_value = 2 * boost::math::cdf(boost::math::complement(dist, std::abs(r.t)));
  const double half = TCritical(r.df, confidence) * se;
  r.difference_interval = {r.difference - half, r.difference + half};
  if (control.mean != 0) {
    // lift = mt / mc - 1; its variance by the delta method: vt / mc^2 + mt^2 vc / mc^4.
    const double mc = control.mean, mt = treatment.mean;
    const double se_lift = std::sqrt(vt / (mc * mc) + mt * mt * vc / (mc * mc * mc * mc));
    const double z = boost::math::quantile(boost::math::normal(), 0.5 + confidence / 2);
    r.lift_interval = {r.lift - z * se_lift, r.lift + z * se_lift};
  }
  return r;
}

SequentialLook MixtureSprt(const Moments& control, const Moments& treatment, double tau,
                           double alpha, uint64_t min_per_arm) {
  SequentialLook look;
  look.difference = {-1e308, 1e308};
  const uint64_t needed = std::max<uint64_t>(min_per_arm, 2);
  if (control.n < needed || treatment.n < needed || !(tau > 0)) return look;
  // The difference of means is about normal with variance s2; with a N(0, tau^2) mixture over
  // the true difference, the likelihood ratio against "no difference" has a closed form.
  const double s2 = control.variance() / static_cast<double>(control.n) +
                    treatment.variance() / static_cast<double>(treatment.n);
  if (!(s2 > 0)) return look;
  const double t2 = tau * tau, d = treatment.mean - control.mean;
  look.log_likelihood_ratio = 0.5 * std::log(s2 / (s2 + t2)) + t2 * d * d / (2 * s2 * (s2 + t2));
  look.p_value = std::min(1.0, std::exp(-look.log_likelihood_ratio));
  // The differences theta0 the test would not reject at alpha: |d - theta0| below this.
  const double half =
      std::sqrt(2 * s2 * (s2 + t2) / t2 * (std::log(1 / alpha) + 0.5 * std::log((s2 + t2) / s2)));
  look.difference = {d - half, d + half};
  return look;
}

double MixtureScale(double control_mean, double relative_lift) {
  return std::max(std::abs(control_mean * relative_lift), 1e-12);
}

void SequentialState::Update(const SequentialLook& look) {
  ++looks;
  p_value = std::min(p_value, look.p_value);
  difference.low = std::max(difference.low, look.difference.low);
  difference.high = std::min(difference.high, look.difference.high);
}

}  // namespace lathe::stats
