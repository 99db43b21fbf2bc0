// Deployments: which versions of a model answer its traffic, kept in the metadata store so that
// they survive restarts and every server on the store applies the same state.
//
// A deployment is a Context of type "Deployment", named by the deployment, whose custom property
// "deployment" holds its state as a struct: the model, the traffic split (stable; canary and its
// share; shadow and its share), the sticky key, the guardrails, and the outcomes of its current
// experiment (business_metrics.h). Every change of versions or shares (deploy, promote, rollback,
// and the rollout controller's automatic rollback or promotion) is an Execution of type
// "DeploymentChange" (action, reason, the state after) attributed to the context and written in
// the same transaction as the new state, with INPUT events from the Model artifacts of the
// versions it routes to (found through each version's push marker), so lineage runs data ->
// model -> deployment. Outcome updates change the context alone.
//
// Writes are read-modify-write with the context's revision (optimistic concurrency): Update
// re-reads and retries on a conflict, so concurrent commands and servers never lose a change.
//
// Functions over a MetadataStore (its thread-safety applies); Plan* are pure. Errors: the store's;
// NOT_FOUND for an unknown deployment; INVALID_ARGUMENT for a malformed option; FAILED_PRECONDITION
// for a change that does not fit the state (a canary with no stable version, promoting without a
// canary).
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lathe/core/status.h"
#include "lathe/metadata/metadata_store.h"
#include "lathe/registry/model_repository.h"
#include "lathe/serve/business_metrics.h"
#include "lathe/serve/rollout_policy.h"
#include "lathe/serve/traffic_split.h"

namespace lathe::serve {

inline constexpr const char* kDeploymentContext = "Deployment";
inline constexpr const char* kDeploymentChange = "DeploymentChange";

// What makes routing sticky: a request header, or an input feature (the first row's value). Both
// empty: requests are routed at random in the split's shares.
struct StickyKey {
  std::string header;
  std::string feature;
  bool empty() const { return header.empty() && feature.empty(); }
  std::string ToString() const;  // "header X-User-Id", "feature user_id", "none"
};

struct Deployment {
  std::string name;
  std::string model;  // in the model repository
  TrafficSplit split;
  StickyKey key;
  Guardrails guardrails;
  int64_t previous_stable = 0;  // what `rollback` returns to without a canary; 0: none
  std::string last_action;      // "deploy", "promote", "rollback", "auto-rollback", ...
  std::string last_reason;
  int64_t changed_ms = 0;  // when versions or shares last changed
  Experiment experiment;   // outcomes since the current versions started
  // The comparisons of the last finished experiment (promoted or rolled back), kept for show.
  nlohmann::json last_experiment;
  int64_t context_id = 0;  // 0: not in the store yet
  int64_t revision = 0;
};

// "10%", "10" or "0.5%" -> 0.10, 0.10, 0.005; INVALID_ARGUMENT outside 0..100%.
Result<double> ParseShare(std::string_view text);

// A change a command asks for; the Plan functions apply it to the current state (nullopt for a
// deployment not in the store) and return the new one, or why it cannot be made.
struct DeployRequest {
  std::string name;
  std::string model;  // empty: the deployment's model, or `name` for a new one
  int64_t version = 0;
  std::optional<double> canary;  // a share: deploy `version` as canary
  std::optional<double> shadow;  // a share: mirror to `version`
  std::optional<StickyKey> key;
  std::optional<Guardrails> guardrails;
  std::string reason;
};
Result<Deployment> PlanDeploy(const std::optional<Deployment>& current, const DeployRequest& r,
                              int64_t now_ms);
// The canary becomes stable at 100%. FAILED_PRECONDITION without a canary.
Result<Deployment> PlanPromote(const Deployment& current, const std::string& action,
                               const std::string& reason, int64_t now_ms);
// Drops the canary (and shadow); without either, returns stable to the previous stable version.
// FAILED_PRECONDITION when there is nothing to roll back to.
Result<Deployment> PlanRollback(const Deployment& current, const std::string& action,
                                const std::string& reason, int64_t now_ms);

nlohmann::json DeploymentToJson(const Deployment& d);
Result<Deployment> DeploymentFromJson(const nlohmann::json& j);  // DATA_LOSS naming the field

// The deployment named `name`; nullopt when there is none.
Result<std::optional<Deployment>> GetDeployment(metadata::MetadataStore& store,
                                                std::string_view name);
// Every deployment, by name.
Result<std::vector<Deployment>> ListDeployments(metadata::MetadataStore& store);

// Reads `name`, lets `change` compute the new state, and writes it with the revision it read,
// re-reading and retrying on a conflict (core/retry.h: for up to 30 s, then ABORTED). `change`
// returns the new state and whether it is a recorded change (an execution) or an outcome update;
// nullopt for no write. A recorded change links the Model artifacts of its versions from
// `repository`'s push markers. Returns the state written (or read, without a write).
struct DeploymentUpdate {
  Deployment next;
  bool record = true;  // a DeploymentChange execution, else the context alone
};
using DeploymentChangeFn =
    std::function<Result<std::optional<DeploymentUpdate>>(const std::optional<Deployment>&)>;
Result<std::optional<Deployment>> UpdateDeployment(metadata::MetadataStore& store,
                                                   const registry::ModelRepository& repository,
                                                   std::string_view name,
                                                   const DeploymentChangeFn& change);

// The DeploymentChange executions of a deployment, newest first (at most `limit`).
Result<std::vector<metadata::Execution>> DeploymentHistory(metadata::MetadataStore& store,
                                                           const Deployment& d, int limit = 20);

// What `lathe deploy`, `lathe promote` and `lathe rollback` do, shared by every face that changes
// deployments (the CLI, the UI's API). Each writes through UpdateDeployment and returns the state
// written. ApplyDeploy: the version must be in `repository` (NOT_FOUND otherwise), and a new
// deployment's model must not be deployed under another name (FAILED_PRECONDITION);
// `edit_guardrails`, when given, returns the guardrails to set from the current ones (nullopt:
// keep them). ApplyPromote and ApplyRollback: NOT_FOUND for no deployment `name`, and the Plan
// functions' errors.
using GuardrailEdit = std::function<std::optional<Guardrails>(const Guardrails& current)>;
Result<Deployment> ApplyDeploy(metadata::MetadataStore& store,
                               const registry::ModelRepository& repository,
                               const DeployRequest& request, int64_t now_ms,
                               const GuardrailEdit& edit_guardrails = nullptr);
Result<Deployment> ApplyPromote(metadata::MetadataStore& store,
                                const registry::ModelRepository& repository,
                                const std::string& name, const std::string& reason, int64_t now_ms);
Result<Deployment> ApplyRollback(metadata::MetadataStore& store,
                                 const registry::ModelRepository& repository,
                                 const std::string& name, const std::string& reason,
                                 int64_t now_ms);

// = `lathe deployments show NAME --json`: DeploymentToJson with the experiment's "comparisons"
// and, when given, "history" ([{execution, time_ms, action, reason}], newest first).
nlohmann::json DescribeDeployment(const Deployment& d,
                                  const std::vector<metadata::Execution>* history);

// Writes the comparisons of `d`'s experiment onto the Model artifacts of its stable and canary
// versions (custom property "business_metrics": an object keyed "DEPLOYMENT/EXPERIMENT", the newest
// 20, each {role, deployment, experiment, stable_version, canary_version, comparisons, outcomes}),
// so that the model repository shows each version's business effect. Versions without a push
// marker are skipped.
Status WriteBusinessMetrics(metadata::MetadataStore& store,
                            const registry::ModelRepository& repository, const Deployment& d);

}  // namespace lathe::serve
