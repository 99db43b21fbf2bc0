// Reports over statistics for the UI's API (server/ui_api.h), answering what the CLI prints for the
// same files: a statistics artifact's splits (= `lathe stats compute URI --json`) with the
// anomalies ExampleValidator found in them, the drift between two splits (= `lathe stats compare
// A/SPLIT.json B/SPLIT.json --json`), and a model version's training statistics against the rows
// it served (`lathe serve --request-log`: = `lathe stats compare BUNDLE/statistics.json LOG`, for
// that version's rows).
//
// Stateless; the store's thread-safety applies. Errors: the store's; NOT_FOUND for an unknown
// artifact or split; INVALID_ARGUMENT for an artifact that is not ExampleStatistics; the file
// errors of reading statistics (DATA_LOSS, naming the file).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "lathe/core/status.h"
#include "lathe/metadata/metadata_store.h"
#include "lathe/registry/model_repository.h"

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

// Training against serving for `reference` (NAME or NAME/VERSION in `repository`): the bundle's
// training statistics and those of the rows of that version in the request log at `request_log`
// (lines of other models and versions skipped; the log's "lathe" details are not features), with
// the drift between them at the default thresholds: {"model", "version", "request_log",
// "log_lines", "served_rows", "training": stats, "served": stats} (without their mergeable state)
// and stats::DriftReportToJson with "baseline_rows", "current_rows", "min_rows". NOT_FOUND for an
// unknown version, a bundle without statistics, or no rows of the version in the log; the log's
// read errors (naming the file and line).
Result<nlohmann::json> ServedStatisticsReport(const registry::ModelRepository& repository,
                                              const std::string& reference,
                                              const std::string& request_log);

}  // namespace lathe::server
