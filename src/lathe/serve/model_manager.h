// The model manager: TF Serving's Source -> Loader -> Manager, for the model repository.
//
// Each Poll() is one pass of the source: it lists the repository's models and versions, asks each
// model's version policy (version_policy.h) which to serve -- plus every version a label
// (registry/model_labels.h) points at and every version a deployment routes to -- loads the new
// ones through train::LoadedModel (the same code as InfraValidator and `lathe predict`), warms each
// up, and only then publishes a new snapshot in which they are visible. Versions that leave the
// snapshot are unloaded when the last request holding their ServableHandle finishes. A version that
// fails to load or to warm up is recorded with its error and never served (and not retried:
// versions are immutable); when it was to replace a version, that version keeps serving.
//
// Warm-up: the instances in the bundle's warmup.jsonl (one JSON object per line, at most 100),
// else one instance with every input missing; each must predict finite values.
//
// Thread-safety: Find, Statuses, Loaded and Ready may be called from any thread at any time and
// never wait for a load; Poll serialises with itself. StartPolling runs Poll on its own thread
// every interval until StopPolling (or destruction).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "lathe/core/periodic_thread.h"
#include "lathe/core/status.h"
#include "lathe/registry/model_labels.h"
#include "lathe/registry/model_repository.h"
#include "lathe/serve/batcher.h"
#include "lathe/serve/metrics.h"
#include "lathe/serve/servable.h"
#include "lathe/serve/version_policy.h"

namespace lathe::serve {

struct ManagerOptions {
  std::filesystem::path repository;
  std::vector<std::string> models;                // empty: every model in the repository
  VersionPolicy policy;                           // default for every model
  std::map<std::string, VersionPolicy> policies;  // per model, overriding `policy`
  // Served rows kept per version for drift gauges (drift_monitor.h), when its bundle has
  // training statistics; 0: none kept.
  size_t drift_window_rows = 10000;
  BatchingOptions batching;  // server-side batching (batcher.h); off by default
  // Versions of a model to serve besides the policy's and the labelled ones: those a deployment
  // routes to (deployments.h). Called on the polling thread; optional.
  std::function<std::vector<int64_t>(const std::string& model)> pinned_versions;
};

// TF Serving's ManagerState names, as its status API reports them.
enum class VersionState { kStart, kLoading, kAvailable, kUnloading, kEnd };
const char* VersionStateName(VersionState s);  // "START", "LOADING", ...

struct VersionStatus {
  int64_t version = 0;
  VersionState state = VersionState::kStart;
  Status status;  // why it ended, for a version that failed to load
};

// What the server serves at one moment; immutable, shared by the requests that read it.
struct ServingSnapshot {
  struct Model {
    std::map<int64_t, ServableHandle> versions;  // loaded, ascending
    registry::Labels labels;                     // as read from the repository
  };
  std::map<std::string, Model> models;
};

class ModelManager {
 public:
  // `metrics` (optional, not owned) must outlive the manager.
  explicit ModelManager(ManagerOptions options, ServingMetrics* metrics = nullptr);
  ~ModelManager();
  ModelManager(const ModelManager&) = delete;
  ModelManager& operator=(const ModelManager&) = delete;

  const ManagerOptions& options() const { return options_; }

  // One pass of the source (see above). Load failures are recorded, not returned.
  void Poll();
  void StartPolling(std::chrono::milliseconds interval);
  void StopPolling();

  std::shared_ptr<const ServingSnapshot> snapshot() const;

  // The version to serve: `version` when given, else the one `label` points at, else the newest
  // loaded. NOT_FOUND for an unknown model, version or label (the message says which, and what
  // is served instead); UNAVAILABLE when a label points at a version that is not loaded.
  Result<ServableHandle> Find(const std::string& name, std::optional<int64_t> version,
                              const std::string& label) const;

  // Every version of `name` the manager has seen: loaded, loading, unloading, ended (with the
  // error of a failed load); ascending. NOT_FOUND when it knows no such model.
  Result<std::vector<VersionStatus>> Statuses(const std::string& name) const;

  // The (model, version) pairs being served.
  std::vector<std::pair<std::string, int64_t>> Loaded() const;

  // True once a poll has finished, found a model, and every model with versions to serve has one
  // loaded.
  bool Ready() const;

 private:
  struct Record {
    VersionState state = VersionState::kStart;
    Status status;
    std::weak_ptr<const ServableVersion> retired;  // set while unloading
  };
  // Loads and warms up a version; the error names the directory.
  Result<ServableHandle> Load(const std::string& name, int64_t version);
  void SetRecord(const std::string& name, int64_t version, VersionState state, Status status);
  const VersionPolicy& PolicyFor(const std::string& name) const;

  const ManagerOptions options_;
  const registry::ModelRepository repository_;
  ServingMetrics* metrics_;

  std::mutex poll_mu_;  // one Poll at a time

  mutable std::mutex mu_;  // guards the fields below
  std::shared_ptr<const ServingSnapshot> snapshot_;
  std::map<std::string, std::map<int64_t, Record>> records_;
  bool polled_ = false;
  bool ready_ = false;

  PeriodicThread poller_;
};

}  // namespace lathe::serve
