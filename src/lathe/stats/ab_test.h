// The statistics of comparing an outcome (a conversion, a sale's revenue) between two model
// versions, control (the stable version) and treatment (a canary): pure functions of each arm's
// running moments, so they can be recomputed whenever feedback arrives.
//
//   fixed horizon  the mean with a Student t interval; Welch's two-sample t-test of the difference
//                  with its interval; the relative lift with a delta-method interval. Valid when
//                  looked at once, at a sample size fixed in advance.
//   anytime-valid  a mixture sequential probability ratio test (mSPRT; Johari, Koomen, Pekelis and
//                  Walsh, "Always valid inference", 2017) on the difference of means, with a normal
//                  mixture centred on no difference. Its p-value and confidence sequence stay valid
//                  however often they are looked at (here asymptotically, with the variances
//                  estimated from the data), which is what a dashboard watched during a rollout
//                  needs: the fixed-horizon p-value, looked at repeatedly, finds differences that
//                  are not there far more often than its level says.
//
// Distributions are Boost.Math's. Everything here is a pure function; Moments is a value type.
#pragma once

#include <cstdint>

namespace lathe::stats {

// Count, mean and sum of squared deviations of a stream of values (Welford), mergeable.
struct Moments {
  uint64_t n = 0;
  double mean = 0;
  double m2 = 0;
  void Add(double x);
  void Merge(const Moments& other);
  // The sample variance (n - 1 in the denominator); 0 below two values.
  double variance() const;
};

struct Interval {
  double low = 0;
  double high = 0;
};

// The Student t interval of the mean at `confidence` (e.g. 0.95). Needs n >= 2; else the
// interval is the mean alone.
Interval MeanInterval(const Moments& m, double confidence);

struct TwoSampleTest {
  double difference = 0;  // treatment mean - control mean
  Interval difference_interval;
  double t = 0;        // Welch's statistic
  double df = 0;       // Welch-Satterthwaite degrees of freedom
  double p_value = 1;  // two-sided
  // difference / control mean, with the delta method's interval; 0 when the control mean is 0.
  double lift = 0;
  Interval lift_interval;
};

// Welch's unequal-variance t-test of treatment against control at `confidence`. With fewer than
// two values in an arm, or no variance in either, the p-value is 1 and the intervals are the
// point estimates.
TwoSampleTest WelchTest(const Moments& control, const Moments& treatment, double confidence);

// The mixture SPRT at one look. `tau` is the mixture's standard deviation on the difference of
// means: the size of difference the test is most sensitive to (MixtureScale gives one).
struct SequentialLook {
  double log_likelihood_ratio = 0;  // of "some difference" against "no difference"
  double p_value = 1;               // 1 / likelihood ratio, at most 1: this look's alone
  Interval difference;              // this look's confidence set at level 1 - alpha
};
// Needs at least `min_per_arm` values in each arm and a positive variance of the difference;
// before that the look says nothing (ratio 1, p-value 1, an unbounded interval).
SequentialLook MixtureSprt(const Moments& control, const Moments& treatment, double tau,
                           double alpha, uint64_t min_per_arm = 100);

// A mixture scale for a relative lift of interest (e.g. 0.1 for +10%) on a control mean.
double MixtureScale(double control_mean, double relative_lift);

// The anytime-valid state across looks: the running minimum of the looks' p-values and the
// running intersection of their intervals. Update with each look, in order.
struct SequentialState {
  double p_value = 1;
  Interval difference{-1e308, 1e308};
  uint64_t looks = 0;
  void Update(const SequentialLook& look);
};

}  // namespace lathe::stats
