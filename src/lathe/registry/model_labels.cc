#include "lathe/registry/model_labels.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <functional>
#include <utility>

#include "lathe/core/fs.h"
#include "lathe/core/json_depth.h"

namespace lathe::registry {

namespace fs = std::filesystem;

namespace {

constexpr const char* kLabelsFile = "labels.json";

// Holds an exclusive flock on a model's lock file for its lifetime.
class LabelsLock {
 public:
  static Result<LabelsLock> Acquire(const fs::path& model_dir) {
    const fs::path file = model_dir / ".labels.lock";
    int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
      return InternalError(fmt::format("cannot open {}: {}", file.string(), std::strerror(errno)));
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return InternalError(fmt::format("cannot lock {}: {}", file.string(), std::strerror(err)));
    }
    return LabelsLock(fd);
  }
  LabelsLock(LabelsLock&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  LabelsLock(const LabelsLock&) = delete;
  LabelsLock& operator=(const LabelsLock&) = delete;
  LabelsLock& operator=(LabelsLock&&) = delete;
  ~LabelsLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }

 private:
  explicit LabelsLock(int fd) : fd_(fd) {}
  int fd_;
};

Result<fs::path> ModelDir(const ModelRepository& repository, const std::string& name) {
  LATHE_RETURN_IF_ERROR(ModelRepository::CheckModelName(name));
  const fs::path dir = repository.root() / name;
  if (repository.Versions(name).empty())
    return NotFoundError(
        fmt::format("no model '{}' in the model repository {}", name, repository.root().string()));
  return dir;
}

Result<Labels> ReadLabelsFile(const fs::path& file) {
  if (!PathExists(file)) return Labels{};
  LATHE_ASSIGN_OR_RETURN(auto j, ReadJsonFile(file));
  if (!j.is_object())
    return DataLossError(file.string() + ": expected an object of label: version");
  Labels labels;
  for (const auto& [label, version] : j.items()) {
    if (!CheckLabelName(label).ok() || !version.is_number_integer() || version.get<int64_t>() < 1)
      return DataLossError(fmt::format("{}: label '{}': expected a version number, got {}",
                                       file.string(), label, JsonText(version)));
    labels[label] = version.get<int64_t>();
  }
  return labels;
}

// Reads, changes and atomically rewrites the labels under the lock.
Result<Labels> ChangeLabels(const ModelRepository& repository, const std::string& name,
                            const std::function<Status(Labels&)>& change) {
  LATHE_ASSIGN_OR_RETURN(fs::path dir, ModelDir(repository, name));
  LATHE_ASSIGN_OR_RETURN(auto lock, LabelsLock::Acquire(dir));
  const fs::path file = dir / kLabelsFile;
  LATHE_ASSIGN_OR_RETURN(Labels labels, ReadLabelsFile(file));
  LATHE_RETURN_IF_ERROR(change(labels));
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [label, version] : labels) j[label] = version;
  const fs::path tmp = dir / fmt::format(".labels.json.{}", ::getpid());
  LATHE_RETURN_IF_ERROR(WriteJsonFile(tmp, j));
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return InternalError(fmt::format("cannot replace {}: {}", file.string(), ec.message()));
  }
  return labels;
}

}  // namespace

Status CheckLabelName(std::string_view label) {
  const bool ok = !label.empty() && label.size() <= 64 &&
                  std::isalpha(static_cast<unsigned char>(label[0])) &&
                  std::all_of(label.begin(), label.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
                  });
  if (!ok)
    return InvalidArgumentError(
        fmt::format("label '{}': expected 1-64 letters, digits, '-' or '_', starting with a letter",
                    label.substr(0, 80)));
  return Status::Ok();
}

Result<Labels> ReadLabels(const ModelRepository& repository, const std::string& name) {
  LATHE_RETURN_IF_ERROR(ModelRepository::CheckModelName(name));
  return ReadLabelsFile(repository.root() / name / kLabelsFile);
}

Result<Labels> SetLabel(const ModelRepository& repository, const std::string& name,
                        const std::string& label, int64_t version) {
  LATHE_RETURN_IF_ERROR(CheckLabelName(label));
  return ChangeLabels(repository, name, [&](Labels& labels) -> Status {
    auto versions = repository.Versions(name);
    if (!std::binary_search(versions.begin(), versions.end(), version))
      return NotFoundError(fmt::format("model '{}' has no version {} (versions {}..{})", name,
                                       version, versions.front(), versions.back()));
    labels[label] = version;
    return Status::Ok();
  });
}

Result<Labels> RemoveLabel(const ModelRepository& repository, const std::string& name,
                           const std::string& label) {
  LATHE_RETURN_IF_ERROR(CheckLabelName(label));
  return ChangeLabels(repository, name, [&](Labels& labels) -> Status {
    if (labels.erase(label) == 0)
      return NotFoundError(fmt::format("model '{}' has no label '{}'", name, label));
    return Status::Ok();
  });
}

}  // namespace lathe::registry
