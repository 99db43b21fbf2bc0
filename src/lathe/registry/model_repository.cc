#include "lathe/registry/model_repository.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "lathe/core/fs.h"
#include "lathe/core/names.h"

namespace lathe::registry {

namespace fs = std::filesystem;

namespace {

constexpr const char* kMarkerFile = "lathe-push.json";

// A version directory's number: digits only, at most 17 of them (no overflow, no sign).
std::optional<int64_t> VersionNumber(std::string_view name) {
  if (name.empty() || name.size() > 17 || name.find_first_not_of("0123456789") != name.npos)
    return std::nullopt;
  int64_t v = 0;
  std::from_chars(name.data(), name.data() + name.size(), v);
  return v;
}

}  // namespace

ModelRepository::ModelRepository(fs::path root) {
  std::error_code ec;
  root_ = fs::absolute(root, ec).lexically_normal();
  if (ec) root_ = std::move(root);
}

Status ModelRepository::CheckModelName(std::string_view name) {
  if (std::string problem = NameProblem(name, "-_."); !problem.empty())
    return InvalidArgumentError("model name: " + problem);
  return Status::Ok();
}

std::vector<std::string> ModelRepository::Models() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::directory_iterator(root_, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::error_code dec;
    std::string name = it->path().filename().string();
    if (it->is_directory(dec) && !it->is_symlink(dec) && CheckModelName(name).ok())
      out.push_back(std::move(name));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<int64_t> ModelRepository::Versions(const std::string& name) const {
  std::vector<int64_t> out;
  if (!CheckModelName(name).ok()) return out;
  std::error_code ec;
  for (auto it = fs::directory_iterator(root_ / name, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::error_code dec;
    if (!it->is_directory(dec) || it->is_symlink(dec)) continue;
    if (auto v = VersionNumber(it->path().filename().string())) out.push_back(*v);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<ModelReference> ParseModelReference(std::string_view reference) {
  ModelReference r;
  std::string_view name = reference;
  if (auto slash = reference.find('/'); slash != reference.npos) {
    name = reference.substr(0, slash);
    r.version = VersionNumber(reference.substr(slash + 1));
    if (!r.version || *r.version == 0)
      return InvalidArgumentError(fmt::format(
          "model '{}': expected NAME or NAME/VERSION (a positive whole number)", reference));
  }
  LATHE_RETURN_IF_ERROR(ModelRepository::CheckModelName(name));
  r.name = std::string(name);
  return r;
}

Result<ModelVersion> ModelRepository::Resolve(std::string_view reference) const {
  LATHE_ASSIGN_OR_RETURN(ModelReference ref, ParseModelReference(reference));
  const std::string& n = ref.name;
  const std::optional<int64_t>& version = ref.version;
  auto versions = Versions(n);
  if (versions.empty())
    return NotFoundError(
        fmt::format("no model '{}' in the model repository {}", n, root_.string()));
  if (version && !std::binary_search(versions.begin(), versions.end(), *version))
    return NotFoundError(fmt::format("model '{}' has no version {} in {} (versions {}..{})", n,
                                     *version, root_.string(), versions.front(), versions.back()));
  const int64_t v = version ? *version : versions.back();
  return ModelVersion{n, v, root_ / n / std::to_string(v)};
}

Result<PushMarker> ModelRepository::Marker(const std::string& name, int64_t version) const {
  LATHE_ASSIGN_OR_RETURN(auto j,
                         ReadJsonFile(root_ / name / std::to_string(version) / kMarkerFile));
  PushMarker m;
  if (!j.is_object()) return DataLossError(fmt::format("{}/{}: not a JSON object", name, version));
  if (j.contains("model_artifact_id") && j["model_artifact_id"].is_number_integer())
    m.model_artifact_id = j["model_artifact_id"].get<int64_t>();
  for (auto [key, field] : {std::pair{"model_fingerprint", &m.model_fingerprint},
                            std::pair{"pipeline", &m.pipeline}, std::pair{"run", &m.run}})
    if (j.contains(key) && j[key].is_string()) *field = j[key].get<std::string>();
  return m;
}

std::optional<int64_t> ModelRepository::FindBundle(const std::string& name,
                                                   const std::string& fingerprint) const {
  if (fingerprint.empty()) return std::nullopt;
  for (int64_t v : Versions(name)) {
    auto marker = Marker(name, v);
    if (marker.ok() && marker->model_fingerprint == fingerprint) return v;
  }
  return std::nullopt;
}

Result<int64_t> ModelRepository::Publish(const std::string& name, const fs::path& bundle,
                                         const PushMarker& marker) const {
  LATHE_RETURN_IF_ERROR(CheckModelName(name));
  if (auto v = FindBundle(name, marker.model_fingerprint)) return *v;
  const fs::path dir = root_ / name;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return InternalError(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  const fs::path incoming = dir / fmt::format(".incoming-{}-{}", marker.run, getpid());
  fs::remove_all(incoming, ec);
  fs::copy(bundle, incoming, fs::copy_options::recursive, ec);
  if (ec) {
    fs::remove_all(incoming, ec);
    return InternalError(
        fmt::format("cannot copy {} to {}: {}", bundle.string(), incoming.string(), ec.message()));
  }
  Status written =
      WriteJsonFile(incoming / kMarkerFile, {{"model_artifact_id", marker.model_artifact_id},
                                             {"model_fingerprint", marker.model_fingerprint},
                                             {"pipeline", marker.pipeline},
                                             {"run", marker.run}});
  if (!written.ok()) {
    fs::remove_all(incoming, ec);
    return written;
  }
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto versions = Versions(name);
    const int64_t next = versions.empty() ? 1 : versions.back() + 1;
    const fs::path dest = dir / std::to_string(next);
    if (renameat2(AT_FDCWD, incoming.c_str(), AT_FDCWD, dest.c_str(), RENAME_NOREPLACE) == 0)
      return next;
    if (errno != EEXIST) {
      const int err = errno;
      fs::remove_all(incoming, ec);
      return InternalError(
          fmt::format("cannot move the model to {}: {}", dest.string(), std::strerror(err)));
    }
  }
  fs::remove_all(incoming, ec);
  return AbortedError(fmt::format("{}: could not claim a version number", dir.string()));
}

}  // namespace lathe::registry
