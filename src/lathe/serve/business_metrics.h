// Business metrics of a deployment's experiment: the outcomes fed back for its requests (a
// conversion, a sale's revenue), totalled per model version, and the comparison of the canary
// against the stable version (stats/ab_test.h) that `lathe deployments show`, `lathe models show`
// and the rollout guardrails read.
//
// An experiment starts when a canary is deployed (or, without one, when the stable version is) and
// ends with the next change of versions. Outcomes are "higher is better" (a cost is fed back as its
// negative). Every merge of new outcomes is one look of the anytime-valid test, so its p-value and
// confidence sequence stay valid however often outcomes arrive and are read.
//
// Value types and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lathe/core/status.h"
#include "lathe/stats/ab_test.h"

namespace lathe::serve {

// The values of one outcome: their moments, and whether every value was 0 or 1 (a rate, shown
// as a percentage).
struct OutcomeMetric {
  stats::Moments moments;
  bool binary = true;
  void Add(double value);
  void Merge(const OutcomeMetric& other);
};
using OutcomeTotals = std::map<std::string, OutcomeMetric>;  // outcome name -> values

struct Experiment {
  int64_t id = 0;  // when it started, in milliseconds since the epoch
  int64_t stable = 0;
  int64_t canary = 0;                                        // 0: none
  std::map<int64_t, OutcomeTotals> arms;                     // by version
  std::map<std::string, stats::SequentialState> sequential;  // by outcome: canary against stable
};

// The sequential test's settings: its level, and the relative lift it is most sensitive to.
inline constexpr double kBusinessAlpha = 0.05;
inline constexpr double kDesignLift = 0.1;

// Adds `delta` (outcomes by version) to `e`, then takes one look of the sequential test for every
// outcome both arms have.
void AddOutcomes(Experiment& e, const std::map<int64_t, OutcomeTotals>& delta);

// The canary against stable on one outcome.
struct OutcomeComparison {
  std::string outcome;
  bool binary = true;
  stats::Moments stable, canary;
  stats::Interval stable_interval, canary_interval;  // each mean's, at 95%
  stats::TwoSampleTest test;                         // Welch, at 95%
  stats::SequentialState sequential;                 // anytime-valid, at kBusinessAlpha
};
// Every outcome both arms of `e` have, by name; empty without a canary.
std::vector<OutcomeComparison> CompareOutcomes(const Experiment& e);

// "canary v7: converted 4.8% vs 4.1% stable v6, +17% (95% CI +6%..+29%), always-valid p 0.003".
std::string UpliftLine(const Experiment& e, const OutcomeComparison& c);
// "stable v6: converted 4.1% (95% CI 3.9%..4.3%, n 5210)" for each outcome of one version.
std::vector<std::string> OutcomeLines(const Experiment& e, int64_t version, const char* role);

nlohmann::json ExperimentToJson(const Experiment& e);
// DATA_LOSS naming the field for a malformed object.
Result<Experiment> ExperimentFromJson(const nlohmann::json& j);
// The comparisons as JSON (for --json and the figures on model artifacts).
nlohmann::json ComparisonsToJson(const Experiment& e);

}  // namespace lathe::serve
