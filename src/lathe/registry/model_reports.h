// What `lathe eval show|compare` and `lathe models list|show` print with --json, built here so that
// the CLI and the UI's API (server/ui_api.h) answer the same: an evaluation's sliced metrics with
// its blessing, two evaluations side by side per slice, and the pushed versions of the model
// repository with their lineage summary and business metrics.
//
// Stateless functions over a MetadataStore (its thread-safety applies); they read the artifacts'
// files (metrics.json, blessing.json, manifest.json). Errors: the store's; NOT_FOUND for an
// unknown id or version; DATA_LOSS for an evaluation file without candidate metrics;
// INVALID_ARGUMENT for evaluations that cannot be compared.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lathe/core/status.h"
#include "lathe/eval/evaluation.h"
#include "lathe/eval/metrics.h"
#include "lathe/metadata/metadata_store.h"
#include "lathe/registry/model_versions.h"

namespace lathe::registry {

// An evaluation as read from its artifact: `id` is a ModelEvaluation, or a Model whose newest
// evaluation is taken.
struct LoadedEvaluation {
  metadata::Artifact artifact;
  nlohmann::json file;  // metrics.json
  eval::ModelMetrics candidate;
  std::optional<eval::ModelMetrics> baseline;
  std::optional<nlohmann::json> blessing;  // blessing.json of the Evaluator's blessing output
};
Result<LoadedEvaluation> LoadEvaluation(metadata::MetadataStore& store, int64_t id);

// The metrics worth a column for a task ("binary", "multiclass", else regression), in order.
std::vector<std::string> MainMetrics(const std::string& task);

// = `lathe eval show ID --json`: metrics.json with evaluation_id, model_id, baseline_id (when
// there is a baseline) and blessing (when recorded).
Result<nlohmann::json> DescribeEvaluation(metadata::MetadataStore& store, int64_t id);

// = `lathe eval compare A [B] --json`: {"a": name, "b": name, "rows": [{slice, metric, a, b,
// change: better|worse|same}]}. With b_id 0, A's candidate against its baseline (INVALID_ARGUMENT
// when it has none).
Result<nlohmann::json> CompareEvaluations(metadata::MetadataStore& store, int64_t a_id,
                                          int64_t b_id);

// One pushed version as `lathe models list --json` lists it.
nlohmann::json PushedVersionToJson(const PushedVersion& v);

// = `lathe models list [NAME] --json`.
Result<nlohmann::json> ListModelVersions(metadata::MetadataStore& store, const std::string& name);

// = `lathe models show NAME[/VERSION] --json`: the version with its manifest (or, when it cannot
// be read, "manifest_error") and the business metrics deployments measured ("business_metrics").
// INVALID_ARGUMENT for a malformed reference, NOT_FOUND for no such version.
Result<nlohmann::json> DescribeModelVersion(metadata::MetadataStore& store,
                                            const std::string& reference);
// The same of a version already found; the store's and the files' errors are in the JSON
// ("manifest_error"), or leave fields out.
nlohmann::json DescribeModelVersion(metadata::MetadataStore& store, const PushedVersion& version);
// The version `reference` (NAME: the newest, or NAME/VERSION) names: INVALID_ARGUMENT for a
// malformed reference, NOT_FOUND for no such version.
Result<PushedVersion> FindPushedVersion(metadata::MetadataStore& store,
                                        const std::string& reference);

}  // namespace lathe::registry
