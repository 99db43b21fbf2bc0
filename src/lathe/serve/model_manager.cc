#include "lathe/serve/model_manager.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>

#include "lathe/core/fs.h"
#include "lathe/core/json_depth.h"
#include "lathe/core/threads.h"

namespace lathe::serve {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxWarmupRequests = 100;
constexpr uintmax_t kMaxWarmupBytes = 16u << 20;

// The warm-up instances of a bundle (see the header).
Result<nlohmann::json> WarmupInstances(const fs::path& dir) {
  nlohmann::json instances = nlohmann::json::array();
  const fs::path file = dir / "warmup.jsonl";
  if (!PathExists(file)) {
    instances.push_back(nlohmann::json::object());  // every input missing
    return instances;
  }
  LATHE_ASSIGN_OR_RETURN(std::string text, ReadTextFile(file, "warm-up requests", kMaxWarmupBytes));
  size_t line_no = 0, start = 0;
  while (start < text.size() && instances.size() < kMaxWarmupRequests) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    ++line_no;
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto j = ParseJsonText(line);
    if (!j.ok())
      return InvalidArgumentError(
          fmt::format("{}:{}: {}", file.string(), line_no, j.status().message()));
    if (!j->is_object())
      return InvalidArgumentError(
          fmt::format("{}:{}: expected an object (input: value)", file.string(), line_no));
    instances.push_back(std::move(*j));
  }
  return instances;
}

}  // namespace

const char* VersionStateName(VersionState s) {
  switch (s) {
    case VersionState::kStart:
      return "START";
    case VersionState::kLoading:
      return "LOADING";
    case VersionState::kAvailable:
      return "AVAILABLE";
    case VersionState::kUnloading:
      return "UNLOADING";
    case VersionState::kEnd:
      return "END";
  }
  return "UNKNOWN";
}

ModelManager::ModelManager(ManagerOptions options, ServingMetrics* metrics)
    : options_(std::move(options)),
      repository_(options_.repository),
      metrics_(metrics),
      snapshot_(std::make_shared<const ServingSnapshot>()) {}

ModelManager::~ModelManager() {
  StopPolling();
}

const VersionPolicy& ModelManager::PolicyFor(const std::string& name) const {
  auto it = options_.policies.find(name);
  return it != options_.policies.end() ? it->second : options_.policy;
}

void ModelManager::SetRecord(const std::string& name, int64_t version, VersionState state,
                             Status status) {
  std::lock_guard lock(mu_);
  Record& r = records_[name][version];
  r.state = state;
  r.status = std::move(status);
}

Result<ServableHandle> ModelManager::Load(const std::string& name, int64_t version) {
  // A served model predicts one request on one thread: the server's parallelism is across
  // requests, so the model's own pools (XGBoost's OpenMP) get one thread.
  ScopedThreadBudget budget(1);
  const fs::path dir = repository_.root() / name / std::to_string(version);
  LATHE_ASSIGN_OR_RETURN(auto model, train::LoadedModel::Load(dir.string()));
  LATHE_ASSIGN_OR_RETURN(auto instances, WarmupInstances(dir));
  for (size_t i = 0; i < instances.size(); ++i) {
    auto p = model->PredictInstances(nlohmann::json::array({instances[i]}));
    if (!p.ok())
      return Status(p.status().code(), fmt::format("{}: warm-up request {}: {}", dir.string(),
                                                   i + 1, p.status().message()));
    for (double v : p->values)
      if (!std::isfinite(v))
        return InternalError(
            fmt::format("{}: warm-up request {}: the model predicted {}", dir.string(), i + 1, v));
  }
  auto servable = std::make_shared<ServableVersion>();
  servable->name = name;
  servable->version = version;
  servable->dir = dir;
  servable->model = std::move(model);
  servable->metrics = metrics_ != nullptr ? metrics_->ForVersion(name, version)
                                          : std::make_shared<VersionMetrics>();
  if (options_.drift_window_rows >= 2 && servable->model->training_statistics() != nullptr)
    servable->window = std::make_shared<FeatureWindow>(servable->model->transform().inputs(),
                                                       options_.drift_window_rows);
  if (options_.batching.enabled())
    servable->batcher =
        std::make_unique<Batcher>(*servable->model, *servable->metrics, options_.batching);
  servable->loaded_at = std::chrono::system_clock::now();
  return ServableHandle(std::move(servable));
}

void ModelManager::Poll() {
  std::lock_guard poll_lock(poll_mu_);
  const auto current = snapshot();
  auto next = std::make_shared<ServingSnapshot>();
  const std::vector<std::string> names =
      options_.models.empty() ? repository_.Models() : options_.models;
  bool all_served = true;
  for (const auto& name : names) {
    const std::vector<int64_t> available = repository_.Versions(name);
    if (available.empty()) continue;
    ServingSnapshot::Model model;
    const ServingSnapshot::Model* before = nullptr;
    if (auto it = current->models.find(name); it != current->models.end()) before = &it->second;
    if (auto labels = registry::ReadLabels(repository_, name); labels.ok()) {
      model.labels = std::move(*labels);
    } else {
      spdlog::warn("model {}: {} (keeping the labels read before)", name,
                   labels.status().message());
      if (before != nullptr) model.labels = before->labels;
    }
    // The policy's versions plus every labelled version that exists.
    std::vector<int64_t> aspired = AspiredVersions(PolicyFor(name), available);
    for (const auto& [label, v] : model.labels)
      if (std::binary_search(available.begin(), available.end(), v)) aspired.push_back(v);
    if (options_.pinned_versions)
      for (int64_t v : options_.pinned_versions(name))
        if (std::binary_search(available.begin(), available.end(), v)) aspired.push_back(v);
    std::sort(aspired.begin(), aspired.end());
    aspired.erase(std::unique(aspired.begin(), aspired.end()), aspired.end());

    size_t failed = 0;
    for (int64_t v : aspired) {
      if (before != nullptr) {
        if (auto it = before->versions.find(v); it != before->versions.end()) {
          model.versions[v] = it->second;
          continue;
        }
      }
      {
        std::lock_guard lock(mu_);
        auto& records = records_[name];
        if (auto it = records.find(v); it != records.end() &&
                                       it->second.state == VersionState::kEnd &&
                                       !it->second.status.ok()) {
          ++failed;  // failed before: versions are immutable, so it would fail again
          continue;
        }
      }
      SetRecord(name, v, VersionState::kLoading, Status::Ok());
      const auto started = std::chrono::steady_clock::now();
      auto loaded = Load(name, v);
      if (metrics_ != nullptr) metrics_->RecordLoad(name, loaded.ok());
      if (!loaded.ok()) {
        spdlog::error("model {} version {} failed to load and is not served: {}", name, v,
                      loaded.status().message());
        SetRecord(name, v, VersionState::kEnd, loaded.status());
        ++failed;
        continue;
      }
      spdlog::info(
          "model {} version {} loaded and warmed up in {:.0f} ms", name, v,
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
              .count());
      model.versions[v] = std::move(*loaded);
    }
    // A version that failed to load does not take a served one's place: keep as many of the
    // versions served before (newest first) as failed, while their directories exist.
    if (failed > 0 && before != nullptr) {
      for (auto it = before->versions.rbegin(); it != before->versions.rend() && failed > 0; ++it) {
        if (model.versions.count(it->first) ||
            !std::binary_search(available.begin(), available.end(), it->first))
          continue;
        model.versions[it->first] = it->second;
        --failed;
      }
    }
    if (model.versions.empty()) all_served = false;
    next->models[name] = std::move(model);
  }
  all_served = all_served && !next->models.empty();
  // Publish, then mark what left the snapshot as unloading until its last request finishes.
  std::vector<std::pair<std::string, ServableHandle>> retired;
  for (const auto& [name, model] : current->models)
    for (const auto& [v, handle] : model.versions) {
      auto it = next->models.find(name);
      if (it == next->models.end() || !it->second.versions.count(v))
        retired.emplace_back(name, handle);
    }
  {
    std::lock_guard lock(mu_);
    snapshot_ = std::move(next);
    for (const auto& [name, model] : snapshot_->models)
      for (const auto& [v, handle] : model.versions) {
        Record& r = records_[name][v];
        r.state = VersionState::kAvailable;
        r.status = Status::Ok();
        r.retired.reset();
      }
    for (const auto& [name, handle] : retired) {
      Record& r = records_[name][handle->version];
      r.state = VersionState::kUnloading;
      r.retired = handle;
      spdlog::info("model {} version {} retired; it unloads when its requests finish", name,
                   handle->version);
    }
    polled_ = true;
    ready_ = all_served;
  }
}

void ModelManager::StartPolling(std::chrono::milliseconds interval) {
  poller_.Start(interval, [this] { Poll(); });
}

void ModelManager::StopPolling() {
  poller_.Stop();
}

std::shared_ptr<const ServingSnapshot> ModelManager::snapshot() const {
  std::lock_guard lock(mu_);
  return snapshot_;
}

Result<ServableHandle> ModelManager::Find(const std::string& name, std::optional<int64_t> version,
                                          const std::string& label) const {
  const auto snap = snapshot();
  auto it = snap->models.find(name);
  if (it == snap->models.end() || it->second.versions.empty())
    return NotFoundError(fmt::format("no model '{}' is being served", name));
  const auto& model = it->second;
  auto served = [&] {
    std::vector<int64_t> v;
    for (const auto& [n, h] : model.versions) v.push_back(n);
    return fmt::format("{}", fmt::join(v, ", "));
  };
  if (version) {
    auto v = model.versions.find(*version);
    if (v == model.versions.end())
      return NotFoundError(fmt::format("model '{}' has no version {} being served (served: {})",
                                       name, *version, served()));
    return v->second;
  }
  if (!label.empty()) {
    auto l = model.labels.find(label);
    if (l == model.labels.end()) {
      std::vector<std::string> names;
      for (const auto& [n, v] : model.labels) names.push_back(n);
      return NotFoundError(
          fmt::format("model '{}' has no label '{}' (labels: {})", name, label,
                      names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
    }
    auto v = model.versions.find(l->second);
    if (v == model.versions.end())
      return UnavailableError(fmt::format(
          "label '{}' of model '{}' points at version {}, which is not loaded (served: {})", label,
          name, l->second, served()));
    return v->second;
  }
  return model.versions.rbegin()->second;
}

Result<std::vector<VersionStatus>> ModelManager::Statuses(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = records_.find(name);
  if (it == records_.end()) return NotFoundError(fmt::format("no model '{}' is known", name));
  std::vector<VersionStatus> out;
  for (const auto& [v, r] : it->second) {
    VersionState state = r.state;
    if (state == VersionState::kUnloading && r.retired.expired()) state = VersionState::kEnd;
    out.push_back({v, state, r.status});
  }
  return out;
}

std::vector<std::pair<std::string, int64_t>> ModelManager::Loaded() const {
  std::vector<std::pair<std::string, int64_t>> out;
  const auto snap = snapshot();
  for (const auto& [name, model] : snap->models)
    for (const auto& [v, h] : model.versions) out.emplace_back(name, v);
  return out;
}

bool ModelManager::Ready() const {
  std::lock_guard lock(mu_);
  return polled_ && ready_;
}

}  // namespace lathe::serve
