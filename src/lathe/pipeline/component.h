// Components: what a pipeline node runs. A component declares its parameters, validates a node
// that uses it, and executes the work (the executor); the driver (cache) and publisher (moving
// outputs into place and recording them) are shared by all components (launcher.h).
//
// Components are registered by type name in a ComponentRegistry; adding one touches no switch
// statement. Components are stateless and safe to execute from several threads at once.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lathe/core/status.h"
#include "lathe/metadata/metadata_store.h"
#include "lathe/pipeline/shards.h"
#include "lathe/pipeline/spec.h"

namespace lathe::pipeline {

// An input artifact as an executor sees it.
struct InputArtifact {
  int64_t id = 0;
  std::string type;
  std::string uri;  // a local path
  std::string fingerprint;
};

struct ExecutionRequest {
  std::string pipeline;
  std::string run_id;
  std::string node;
  std::filesystem::path base_dir;     // the spec's directory: commands run here
  std::filesystem::path staging_dir;  // private to this attempt; removed afterwards
  std::map<std::string, std::filesystem::path> output_dirs;  // inside staging_dir, created empty
  std::map<std::string, std::vector<InputArtifact>> inputs;
  nlohmann::json parameters;  // resolved
  // What the component's ExternalInputs resolved to when the driver fingerprinted them.
  std::vector<std::filesystem::path> external_inputs;
  const std::vector<std::string>* command = nullptr;  // command components
  const std::map<std::string, std::string>* env = nullptr;
  std::filesystem::path log_path;  // append the step's logs here
  double timeout_s = 0;            // 0: none
  // The node's share of the run's threads (also the default of ThreadCount while it executes).
  int threads = 1;
  // Set when the run reproduces an earlier one (that run's id): a component whose work reaches
  // outside its output directories (the Pusher) must then only check what it would do.
  std::string reproduction_of;
  const std::atomic<bool>* cancelled = nullptr;
  metadata::MetadataStore* store = nullptr;  // for components that read the store (resolvers)
  // Shardable components: how many shard tasks, and what runs them (null: this process, one
  // after another).
  int shards = 1;
  const ShardLauncher* shard_launcher = nullptr;
};

struct ExecutionResult {
  // Components that select existing artifacts (resolvers) return them here instead of files.
  std::map<std::string, std::vector<int64_t>> existing_outputs;
  // Custom properties for the output artifacts, by output name (span, split names, ...).
  std::map<std::string, metadata::Properties> output_properties;
};

class Component {
 public:
  virtual ~Component() = default;
  virtual std::string type() const = 0;
  // Part of every cache key: bump it when the component's behaviour changes.
  virtual std::string version() const = 0;
  // Checks a node that uses this component (parameters, inputs, outputs) and fills in what the
  // component defines itself (its outputs, parameter defaults); errors name `field`.
  virtual Status Prepare(NodeSpec& node, const SourceMap& source,
                         const std::string& field) const = 0;
  // Files the component reads from outside the store (ExampleGen's data file, found through a
  // pattern; a command's code files): the driver fingerprints them into the cache key, so new data
  // is never mistaken for a cache hit, and records them as ExternalArtifact inputs, so lineage
  // reaches them and a reproduction reads them again unchanged. Errors (no file matches) fail the
  // node before anything runs.
  virtual Result<std::vector<std::filesystem::path>> ExternalInputs(
      const NodeSpec& /*node*/, const std::filesystem::path& /*base_dir*/) const {
    return std::vector<std::filesystem::path>{};
  }
  // Resolvers select existing artifacts and are never cached: they run every time.
  virtual bool produces_files() const { return true; }
  // Components whose data work can be split into shard tasks (NodeSpec::shards).
  virtual bool shardable() const { return false; }
  // Does the work. CANCELLED when `cancelled` was set, DEADLINE_EXCEEDED on timeout.
  virtual Status Execute(const ExecutionRequest& request, ExecutionResult& result) const = 0;
};

class ComponentRegistry {
 public:
  using Factory = std::function<std::unique_ptr<Component>()>;
  void Register(std::unique_ptr<Component> component);
  const Component* Find(const std::string& type) const;
  std::vector<std::string> Types() const;
  // The built-in components: "command" and the resolvers.
  static const ComponentRegistry& Builtin();

 private:
  std::map<std::string, std::unique_ptr<Component>> components_;
};

}  // namespace lathe::pipeline
