// The server's view of the deployments in the metadata store (deployment.h): it reads them every
// interval and publishes an immutable snapshot, routes each request to a deployment's model by
// its traffic split (traffic_split.h), remembers which version answered which request id and
// sticky key, joins fed-back outcomes to those versions, and adds the outcomes to the store (one
// look of the sequential test per write) and to the Model artifacts.
//
// Several servers on one store converge: each reads the state every interval, and each adds its
// own outcomes to the stored totals with an optimistic read-modify-write.
//
// Feedback is joined by request id (remembered for the last `assignments` requests this server
// answered) or by sticky key (with keyed routing, the key's version under the current split is
// recomputed, so feedback may go to any server; else the version that last answered the key here).
//
// Thread-safety: every method may be called from any thread; Route, RecordAssignment and
// Feedback are on the request path and take short locks only.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lathe/core/periodic_thread.h"
#include "lathe/core/status.h"
#include "lathe/metadata/metadata_store.h"
#include "lathe/registry/model_repository.h"
#include "lathe/serve/deployment.h"

namespace lathe::serve {

struct DeploymentsOptions {
  std::chrono::milliseconds interval{1000};  // how often the store is read and outcomes written
  size_t assignments = 200000;               // request ids and keys remembered for feedback
};

// The version of a deployment that answers one request.
struct DeploymentRoute {
  std::shared_ptr<const Deployment> deployment;
  Route route;
  const char* role() const { return route.canary ? "canary" : "stable"; }
};

// One outcome report: by request id or sticky key, with named values.
struct Feedback {
  std::string request_id;
  std::string key;
  std::vector<std::pair<std::string, double>> outcomes;
};

class Deployments {
 public:
  // `store` (not owned) must outlive this object.
  Deployments(metadata::MetadataStore& store, registry::ModelRepository repository,
              DeploymentsOptions options = {});
  ~Deployments();
  Deployments(const Deployments&) = delete;
  Deployments& operator=(const Deployments&) = delete;

  // Writes the outcomes gathered since the last call, then reads every deployment and publishes
  // them. Errors are the store's (the previous snapshot stays, and unwritten outcomes are kept).
  Status Refresh();
  // Refresh now and every interval; `on_change` runs (on that thread) after a refresh that
  // changed which versions some deployment routes to.
  void Start(std::function<void()> on_change);
  void Stop();

  // The deployment serving `model` (the first by name), or null.
  std::shared_ptr<const Deployment> ForModel(const std::string& model) const;
  std::shared_ptr<const Deployment> Named(const std::string& name) const;
  std::vector<std::shared_ptr<const Deployment>> All() const;
  // The versions deployments route `model` to (stable, canary, shadow), for the model manager.
  std::vector<int64_t> VersionsOf(const std::string& model) const;

  // The route of one request under `d` (ForModel's) with sticky `key` (if any). Random draws
  // come from a per-thread generator.
  static DeploymentRoute Route(std::shared_ptr<const Deployment> d,
                               std::optional<std::string_view> key);
  // Remembers that `version` of deployment `d` answered `request_id` (and `key`).
  void RecordAssignment(const Deployment& d, int64_t version, const std::string& request_id,
                        std::optional<std::string_view> key);

  // Joins `f` to the version that answered it and queues its outcomes for the store. Returns that
  // version. NOT_FOUND for an unknown deployment or an unknown request id or key;
  // INVALID_ARGUMENT for neither id nor key, no outcomes, or a value that is not finite.
  Result<int64_t> AddFeedback(const std::string& deployment, const Feedback& f);

  // Applies `change` to deployment `name` in the store (UpdateDeployment), then refreshes.
  Result<std::optional<Deployment>> Change(const std::string& name,
                                           const DeploymentChangeFn& change);

  // Prometheus text: each deployment's split, and feedback counters.
  std::string RenderMetrics() const;

  metadata::MetadataStore& store() { return store_; }
  const registry::ModelRepository& repository() const { return repository_; }

 private:
  struct Assignment {
    int64_t experiment = 0;
    int64_t version = 0;
  };
  // The assignments' key: a 64-bit hash of the kind ('i' request id, 'k' sticky key), the
  // deployment and the id (compact: the request path stores no strings).
  static uint64_t AssignmentKey(char kind, std::string_view deployment, std::string_view id);
  struct Pending {
    int64_t experiment = 0;
    std::map<int64_t, OutcomeTotals> outcomes;
  };
  struct Snapshot {
    std::map<std::string, std::shared_ptr<const Deployment>> by_name;
    std::map<std::string, std::shared_ptr<const Deployment>> by_model;  // the first by name
  };
  std::shared_ptr<const Snapshot> snapshot() const { return snapshot_.load(); }
  Status FlushOutcomes();

  metadata::MetadataStore& store_;
  const registry::ModelRepository repository_;
  const DeploymentsOptions options_;

  // Read by every routed request: swapped whole, never locked by readers for long.
  std::atomic<std::shared_ptr<const Snapshot>> snapshot_;

  mutable std::mutex assignments_mu_;  // guards the assignments and the pending outcomes
  absl::flat_hash_map<uint64_t, Assignment> assignments_;
  std::vector<uint64_t> assignment_ring_;   // keys in the order first seen, for eviction
  size_t ring_next_ = 0;                    // the oldest, once the ring is full
  std::map<std::string, Pending> pending_;  // by deployment
  uint64_t feedback_joined_ = 0, feedback_unmatched_ = 0, feedback_stale_ = 0;

  std::mutex refresh_mu_;  // one Refresh at a time
  PeriodicThread thread_;
};

}  // namespace lathe::serve
