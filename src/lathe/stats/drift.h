// Drift between two datasets' statistics (a span and the previous one; training and serving
// data): per categorical feature the L-infinity distance between value frequencies; per numeric
// feature the Jensen-Shannon divergence (base 2, in [0, 1]) and the population stability index,
// both over bins cut at the baseline's deciles, plus one bin below its minimum and one above its
// maximum (so that values outside the baseline's range always count as drift). Each measure has a
// threshold (defaults below, overridable per measure and per feature).
//
// Distances do not shrink with sample size: ten rows drawn from the baseline's distribution are
// far from it by chance. So next to them each feature gets a test that accounts for the number of
// rows (two-sample Kolmogorov-Smirnov for numeric features, chi-square for categorical ones) with
// its p-value, and a feature with fewer than `min_rows` values on either side is reported as too
// few rows to measure instead of being measured. A feature with values on one side and none on
// the other is reported as such. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "lathe/stats/dataset_stats.h"
#include "lathe/stats/feature_schema.h"

namespace lathe::stats {

struct DriftOptions {
  int bins = 10;  // numeric bins, at the baseline's quantiles
  std::map<std::string, double> thresholds = {{"linf", 0.1}, {"js", 0.1}, {"psi", 0.2}};
  // "feature.measure" -> threshold, overriding the measure's default for one feature.
  std::map<std::string, double> feature_thresholds;
  // Fewer values than this on either side: "too few rows to measure" (10 bins need about 5 rows
  // each before a distance over them means anything).
  int64_t min_rows = 50;
};

enum class DriftStatus {
  kMeasured,        // value, threshold and the test are set
  kTooFewRows,      // fewer than min_rows values on a side: nothing measured
  kOnlyInBaseline,  // the baseline has values, the current data none
  kOnlyInCurrent,   // the current data has values, the baseline none
};
std::string_view DriftStatusName(DriftStatus s);  // "measured", "too_few_rows", ...

struct FeatureDrift {
  std::string feature;
  std::string measure;  // "linf", "js", "psi"; empty unless measured
  double value = 0;
  double threshold = 0;
  DriftStatus status = DriftStatus::kMeasured;
  int64_t baseline_values = 0, current_values = 0;  // values each side (missing excluded)
  // The feature's test: "ks" (statistic: the largest distance between the two empirical CDFs) or
  // "chi2" (statistic: Pearson's chi-square over the values' counts); the p-value is the chance
  // of a difference at least this large between two samples of one distribution. NaN if not run.
  std::string test;
  double statistic = std::numeric_limits<double>::quiet_NaN();
  double p_value = std::numeric_limits<double>::quiet_NaN();
  bool exceeded() const { return status == DriftStatus::kMeasured && value > threshold; }
  bool one_sided() const {
    return status == DriftStatus::kOnlyInBaseline || status == DriftStatus::kOnlyInCurrent;
  }
};

// For every feature present in both (of the same kind): one entry per measure when measured,
// else one entry saying why not. Features without values on either side are left out.
std::vector<FeatureDrift> CompareStats(const DatasetStats& baseline, const DatasetStats& current,
                                       const DriftOptions& options = {});

// The anomalies ExampleValidator and `lathe validate` report for a comparison: each measure over
// its threshold, and each feature with values on one side only.
std::vector<Anomaly> DriftAnomalies(const std::vector<FeatureDrift>& drift);

// As `lathe stats compare --json` and the UI give a comparison: {"drift": [{feature, status,
// baseline_values, current_values, and when measured: measure, value, threshold, exceeded, test,
// statistic, p_value (null when not run)}], "exceeded", "too_few_rows", "one_sided"} (counts).
nlohmann::json DriftReportToJson(const std::vector<FeatureDrift>& drift);

// The measures on explicit distributions (counts or frequencies; normalised here), for tests and
// for callers with their own bins.
double LInfinityDistance(const std::map<std::string, double>& p,
                         const std::map<std::string, double>& q);
// The same with the totals given: values beyond the maps (uncounted) make up the rest.
double LInfinityDistance(const std::map<std::string, double>& p,
                         const std::map<std::string, double>& q, double total_p, double total_q);
double JensenShannonDivergence(const std::vector<double>& p, const std::vector<double>& q);
double PopulationStabilityIndex(const std::vector<double>& expected,
                                const std::vector<double>& actual);

// The asymptotic p-value of a two-sample Kolmogorov-Smirnov statistic `d` for samples of n and m
// values (Stephens' small-sample correction of the Kolmogorov distribution).
double KolmogorovSmirnovPValue(double d, int64_t n, int64_t m);
// The p-value of Pearson's chi-square statistic with `dof` degrees of freedom.
double ChiSquarePValue(double chi2, double dof);

}  // namespace lathe::stats
