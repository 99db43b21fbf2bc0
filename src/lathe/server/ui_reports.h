// Reports over the statistics artifacts for the UI's API (server/ui_api.h), answering what the CLI
// prints for the artifact's files: a statistics artifact's splits (= `lathe stats compute URI
// --json`) with the anomalies ExampleValidator found in them, and the drift between two splits
// (= `lathe stats compare A/SPLIT.json B/SPLIT.json --json`).
//
// Stateless; the store's thread-safety applies. Errors: the store's; NOT_FOUND for an unknown
// artifact or split; INVALID_ARGUMENT for an artifact that is not ExampleStatistics; the file
// errors of reading statistics (DATA_LOSS, naming the file).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "lathe/core/status.h"
#include "lathe/metadata/metadata_store.h"

namespace lathe::server {

// {"artifact_id", "uri", "span" (null without one), "splits": {split: statistics without their
// mergeable state}, "anomalies": null or {"artifact_id", "count", "splits": {split: [anomaly]}}
// (the newest ExampleAnomalies made from this artifact)}.
Result<nlohmann::json> StatisticsReport(metadata::MetadataStore& store, int64_t id);

// Drift of `current` (artifact id, split) against `baseline`, with the default thresholds:
// {"baseline", "current" (the split files), "baseline_id", "baseline_split", "current_id",
// "current_split", "baseline_rows", "current_rows", "min_rows"} and stats::DriftReportToJson.
Result<nlohmann::json> StatisticsComparison(metadata::MetadataStore& store, int64_t baseline_id,
                                            const std::string& baseline_split, int64_t current_id,
                                            const std::string& current_split);

}  // namespace lathe::server
