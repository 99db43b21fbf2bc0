// bench/run.sh abtest: the anytime-valid test of business metrics (stats/ab_test.h) against the
// naive repeated test, by simulation. Conversions (0/1) of users split 50/50 between two versions;
// each experiment is looked at after every 100 outcomes, up to a horizon.
//   A/A: both versions convert at the base rate. A false positive is an experiment in which some
//        look says "different" at alpha: the sequential test (its running p-value) or the naive
//        one (Welch's p-value of that look alone).
//   lift: the second version converts `lift` (relative) more often. Power: the share of
//        experiments the sequential test detects within the horizon; and the median number of
//        outcomes it needed, over those it detected.
// Fixed seeds: the same figures on every machine. The last line is one JSON object.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "lathe/stats/ab_test.h"

namespace {

using lathe::stats::Moments;

struct Outcome {
  bool sequential = false;
  bool naive = false;
  uint64_t outcomes_to_detect = 0;  // sequential; 0 when never
};

Outcome Experiment(std::mt19937_64& rng, double base, double lift, uint64_t horizon,
                   uint64_t look_every, double alpha, double design_lift) {
  std::bernoulli_distribution a(base), b(base * (1 + lift));
  Moments control, treatment;
  lathe::stats::SequentialState state;
  Outcome out;
  for (uint64_t i = 1; i <= horizon; ++i) {
    // Each outcome is a user assigned at random, as a router would.
    if (rng() & 1)
      treatment.Add(b(rng) ? 1 : 0);
    else
      control.Add(a(rng) ? 1 : 0);
    if (i % look_every != 0) continue;
    if (!out.naive && lathe::stats::WelchTest(control, treatment, 1 - alpha).p_value <= alpha)
      out.naive = true;
    state.Update(lathe::stats::MixtureSprt(
        control, treatment, lathe::stats::MixtureScale(control.mean, design_lift), alpha));
    if (!out.sequential && state.p_value <= alpha) {
      out.sequential = true;
      out.outcomes_to_detect = i;
    }
  }
  return out;
}

double Arg(int argc, char** argv, const std::string& name, double fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == "--" + name) return std::strtod(argv[i + 1], nullptr);
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const int experiments = static_cast<int>(Arg(argc, argv, "experiments", 1000));
  const double base = Arg(argc, argv, "base", 0.041);
  const double lift = Arg(argc, argv, "lift", 0.10);
  const auto horizon = static_cast<uint64_t>(Arg(argc, argv, "horizon", 400000));
  const auto look_every = static_cast<uint64_t>(Arg(argc, argv, "look-every", 100));
  const double alpha = Arg(argc, argv, "alpha", 0.05);

  int fp_sequential = 0, fp_naive = 0;
  std::mt19937_64 rng_aa(1);
  for (int e = 0; e < experiments; ++e) {
    const Outcome o = Experiment(rng_aa, base, 0, horizon, look_every, alpha, lift);
    fp_sequential += o.sequential;
    fp_naive += o.naive;
  }
  int detected = 0;
  std::vector<uint64_t> needed;
  std::mt19937_64 rng_lift(2);
  for (int e = 0; e < experiments; ++e) {
    const Outcome o = Experiment(rng_lift, base, lift, horizon, look_every, alpha, lift);
    if (o.sequential) {
      ++detected;
      needed.push_back(o.outcomes_to_detect);
    }
  }
  std::sort(needed.begin(), needed.end());
  const double n = experiments;
  const double fpr_sequential = fp_sequential / n, fpr_naive = fp_naive / n;
  // The simulation's standard error of a rate near alpha.
  const double error = std::sqrt(alpha * (1 - alpha) / n);
  const uint64_t median = needed.empty() ? 0 : needed[needed.size() / 2];
  fmt::print(stderr,
             "{} A/A experiments, conversion {:.1f}%, a look every {} outcomes up to {}:\n"
             "  false positives: sequential {:.1f}%, naive {:.1f}% (alpha {:.0f}%, simulation "
             "error {:.1f} points)\n"
             "{} experiments with a true lift of {:+.0f}%: sequential detects {:.1f}%, median {} "
             "outcomes\n",
             experiments, base * 100, look_every, horizon, fpr_sequential * 100, fpr_naive * 100,
             alpha * 100, error * 100, experiments, lift * 100, detected / n * 100, median);
  fmt::print(
      "{{\"experiments\": {}, \"base_rate\": {}, \"lift\": {}, \"look_every\": {}, \"horizon\": "
      "{}, \"alpha\": {}, \"fpr_sequential\": {}, \"fpr_naive\": {}, \"simulation_error\": {:.4f}, "
      "\"power_sequential\": {}, \"median_outcomes_to_detect\": {}}}\n",
      experiments, base, lift, look_every, horizon, alpha, fpr_sequential, fpr_naive, error,
      detected / n, median);
  return 0;
}
