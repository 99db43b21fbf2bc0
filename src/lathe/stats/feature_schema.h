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
  std::optional<double> min, max;              // numeric: the allowed range
};

struct FeatureSchema {
  std::vector<FeatureSpec> features;
  const FeatureSpec* Find(std::string_view name) const;
  std::string ToYaml() const;
  nlohmann::json ToJson() const;
};

struct InferOptions {
  size_t max_domain_size = 100;  // categorical features with more distinct values get no domain
};

FeatureSchema InferSchema(const DatasetStats& stats, const InferOptions& options = {});

// Parses a schema file; errors name the file, line and field.
Result<FeatureSchema> LoadFeatureSchema(const std::string& path);
Result<FeatureSchema> ParseFeatureSchema(const std::string& yaml, const std::string& name);

struct Anomaly {
  std::string feature;
  // missing_feature, new_feature, type_mismatch, missing_values, out_of_domain, out_of_range, drift
  std::string kind;
  std::string description;
  double value = 0;      // what was measured
  double threshold = 0;  // what the schema allows
};

std::vector<Anomaly> Validate(const DatasetStats& stats, const FeatureSchema& schema);

}  // namespace lathe::stats
