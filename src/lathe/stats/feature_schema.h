// The schema of a dataset's features, as SchemaGen infers it and a user may curate it: type,
// whether the feature must be present (and how much may be missing), the domain of categorical
// values, the range of numeric ones. Stored as readable YAML. Validate() lists anomalies of a
// dataset's statistics against a schema. Value types; pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "lathe/core/status.h"
#include "lathe/stats/dataset_stats.h"

namespace lathe::stats {

struct FeatureSpec {
  std::string name;
  data::ColumnType type = data::ColumnType::kString;
  bool required = true;                        // present in every row
  std::optional<double> max_missing_fraction;  // for optional features; unset: no limit
  std::vector<std::string> domain;             // categorical: the allowed values (empty: any)
  // Categorical with a domain: the share of values that must be in the domain (TFDV's
  // distribution constraint); values outside it are an anomaly only when their share exceeds
  // 1 - min_domain_mass. Unset: any value outside the domain is an anomaly.
  std::optional<double> min_domain_mass;
  std::optional<double> min,
      max;  // numeric: the allowed range (curated, or inferred with a margin)
};

struct FeatureSchema {
  std::vector<FeatureSpec> features;
  const FeatureSpec* Find(std::string_view name) const;
  std::string ToYaml() const;
  nlohmann::json ToJson() const;
};

struct InferOptions {
  size_t max_domain_size = 100;  // categorical features with more distinct values get no domain
  // The min_domain_mass written for inferred domains: a new batch may hold up to 1% of values
  // that the inferring data did not, before it is an anomaly.
  double min_domain_mass = 0.99;
  // Unset: no numeric ranges (the observed extremes of a sample are not bounds; a second sample
  // of the same distribution would cross them). Set: [min - m * (max - min), max + m * (max -
  // min)].
  std::optional<double> range_margin;
};

FeatureSchema InferSchema(const DatasetStats& stats, const InferOptions& options = {});

// Parses a schema file; errors name the file, line and field.
Result<FeatureSchema> LoadFeatureSchema(const std::string& path);
Result<FeatureSchema> ParseFeatureSchema(const std::string& yaml, const std::string& name);

struct Anomaly {
  std::string feature;
  // missing_feature, new_feature, type_mismatch, missing_values, non_finite_values,
  // out_of_domain, out_of_range, drift
  std::string kind;
  std::string description;
  double value = 0;      // what was measured
  double threshold = 0;  // what the schema allows
};

std::vector<Anomaly> Validate(const DatasetStats& stats, const FeatureSchema& schema);

// [{"feature", "kind", "description", "value", "threshold"}, ...]
nlohmann::json AnomaliesToJson(const std::vector<Anomaly>& anomalies);

}  // namespace lathe::stats
