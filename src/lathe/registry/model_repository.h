// The model repository: a directory of models, each a directory of numbered versions holding a
// model bundle (train/bundle.h) -- <root>/<name>/<version>/ -- the layout TF Serving's model base
// path expects. The Pusher publishes into it, `lathe models` and `lathe predict` read it, and the
// model server watches it.
//
// A version is published atomically: the bundle is copied into a private directory, which is
// renamed to the next free number without replacing anything (renameat2 RENAME_NOREPLACE), so a
// reader never sees a half-written version and two concurrent pushes never share a number. Each
// version holds lathe-push.json (the push marker: which model artifact, with which fingerprint,
// from which run); the same bundle pushed again reuses its version.
//
// A ModelRepository is a path; every method reads or writes the file system anew, so several
// threads and processes may use one repository at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lathe/core/status.h"

namespace lathe::registry {

// lathe-push.json in a version directory.
struct PushMarker {
  int64_t model_artifact_id = 0;
  std::string model_fingerprint;
  std::string pipeline;
  std::string run;
};

// A version in the repository.
struct ModelVersion {
  std::string name;
  int64_t version = 0;
  std::filesystem::path dir;
};

// "NAME" or "NAME/VERSION", parsed.
struct ModelReference {
  std::string name;
  std::optional<int64_t> version;  // unset: the newest
};
// INVALID_ARGUMENT for a bad name or a version that is not a positive whole number.
Result<ModelReference> ParseModelReference(std::string_view reference);

class ModelRepository {
 public:
  explicit ModelRepository(std::filesystem::path root);  // no I/O; `root` made absolute
  const std::filesystem::path& root() const { return root_; }

  // INVALID_ARGUMENT unless `name` can name a model: not empty, no slash, no leading dot.
  static Status CheckModelName(std::string_view name);

  // The models (directories with a valid model name) in the repository, sorted; empty when the
  // repository does not exist.
  std::vector<std::string> Models() const;

  // The numbered versions of `name`, ascending; empty when it has none (or does not exist).
  std::vector<int64_t> Versions(const std::string& name) const;

  // "NAME" (its newest version) or "NAME/VERSION". INVALID_ARGUMENT for a malformed reference,
  // NOT_FOUND (naming the repository) when there is no such model or version.
  Result<ModelVersion> Resolve(std::string_view reference) const;

  // The push marker of a version; NOT_FOUND if it has none.
  Result<PushMarker> Marker(const std::string& name, int64_t version) const;

  // The version holding a bundle with `model_fingerprint`, if any. Reads only.
  std::optional<int64_t> FindBundle(const std::string& name,
                                    const std::string& model_fingerprint) const;

  // Publishes the bundle directory `bundle` as the next version of `name` (or returns the
  // version already holding the same fingerprint). INTERNAL when copying or renaming fails,
  // ABORTED when no version number could be claimed after 100 tries.
  Result<int64_t> Publish(const std::string& name, const std::filesystem::path& bundle,
                          const PushMarker& marker) const;

 private:
  std::filesystem::path root_;
};

}  // namespace lathe::registry
