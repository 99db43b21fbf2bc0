// Drift between two datasets' statistics (a span and the previous one; training and serving
// data): per categorical feature the L-infinity distance between value frequencies; per numeric
// feature the Jensen-Shannon divergence (base 2, in [0, 1]) and the population stability index,
// both over bins cut at the baseline's deciles, plus one bin below its minimum and one above its
// maximum (so that values outside the baseline's range always count as drift). Each measure has a
// threshold (defaults below, overridable per measure and per feature). Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lathe/stats/dataset_stats.h"

namespace lathe::stats {

struct DriftOptions {
  int bins = 10;  // numeric bins, at the baseline's quantiles
  std::map<std::string, double> thresholds = {{"linf", 0.1}, {"js", 0.1}, {"psi", 0.2}};
  // "feature.measure" -> threshold, overriding the measure's default for one feature.
  std::map<std::string, double> feature_thresholds;
};

struct FeatureDrift {
  std::string feature;
  std::string measure;  // "linf", "js", "psi"
  double value = 0;
  double threshold = 0;
  bool exceeded() const { return value > threshold; }
};

// Measures for every feature present in both; features of different kinds are skipped.
std::vector<FeatureDrift> CompareStats(const DatasetStats& baseline, const DatasetStats& current,
                                       const DriftOptions& options = {});

// The measures on explicit distributions (counts or frequencies; normalised here), for tests and
// for callers with their own bins.
double LInfinityDistance(const std::map<std::string, double>& p,
                         const std::map<std::string, double>& q);
double JensenShannonDivergence(const std::vector<double>& p, const std::vector<double>& q);
double PopulationStabilityIndex(const std::vector<double>& expected,
                                const std::vector<double>& actual);

}  // namespace lathe::stats
