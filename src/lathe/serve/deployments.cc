#include "lathe/serve/deployments.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <xxhash.h>

#include <cmath>
#include <random>
#include <set>

#include "lathe/serve/metrics.h"

namespace lathe::serve {

namespace {

double Draw() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return std::uniform_real_distribution<double>(0, 1)(rng);
}

std::set<int64_t> RoutedVersions(const Deployment& d) {
  std::set<int64_t> out;
  for (int64_t v : {d.split.stable, d.split.canary, d.split.shadow})
    if (v != 0) out.insert(v);
  return out;
}

}  // namespace

Deployments::Deployments(metadata::MetadataStore& store, registry::ModelRepository repository,
                         DeploymentsOptions options)
    : store_(store),
      repository_(std::move(repository)),
      options_(options),
      snapshot_(std::make_shared<const Snapshot>()) {}

Deployments::~Deployments() {
  Stop();
}

Status Deployments::FlushOutcomes() {
  std::map<std::string, Pending> pending;
  {
    std::lock_guard lock(assignments_mu_);
    pending.swap(pending_);
  }
  Status result;
  for (auto& entry : pending) {
    const std::string& name = entry.first;
    Pending& p = entry.second;  // named, not bound: lambdas capture it
    bool stale = false;
    auto written = UpdateDeployment(
        store_, repository_, name,
        [&](const std::optional<Deployment>& current) -> Result<std::optional<DeploymentUpdate>> {
          stale = !current || current->experiment.id != p.experiment;
          if (stale) return std::optional<DeploymentUpdate>();
          DeploymentUpdate u{*current, false};
          AddOutcomes(u.next.experiment, p.outcomes);
          return std::optional<DeploymentUpdate>(std::move(u));
        });
    if (!written.ok()) {
      // Keep them for the next flush.
      std::lock_guard lock(assignments_mu_);
      Pending& back = pending_[name];
      if (back.experiment == 0 || back.experiment == p.experiment) {
        back.experiment = p.experiment;
        for (const auto& [version, totals] : p.outcomes)
          for (const auto& [outcome, metric] : totals)
            back.outcomes[version][outcome].Merge(metric);
      }
      result = written.status();
      continue;
    }
    if (stale) {
      std::lock_guard lock(assignments_mu_);
      for (const auto& [version, totals] : p.outcomes)
        for (const auto& [outcome, metric] : totals) feedback_stale_ += metric.moments.n;
      continue;
    }
    if (*written)
      if (Status st = WriteBusinessMetrics(store_, repository_, **written); !st.ok()) result = st;
  }
  return result;
}

Status Deployments::Refresh() {
  std::lock_guard refresh(refresh_mu_);
  Status flushed = FlushOutcomes();
  if (!flushed.ok()) spdlog::warn("deployments: outcomes not written yet: {}", flushed.message());
  LATHE_ASSIGN_OR_RETURN(std::vector<Deployment> all, ListDeployments(store_));
  auto next = std::make_shared<Snapshot>();
  const auto before = snapshot();
  for (auto& d : all) {
    const std::string name = d.name;
    auto it = before->by_name.find(name);
    // Unchanged deployments keep their object, so routes in flight see one state.
    if (it != before->by_name.end() && it->second->revision == d.revision &&
        it->second->context_id == d.context_id)
      next->by_name[name] = it->second;
    else
      next->by_name[name] = std::make_shared<const Deployment>(std::move(d));
  }
  for (const auto& [name, d] : next->by_name) next->by_model.emplace(d->model, d);
  snapshot_.store(std::move(next));
  return flushed;
}

void Deployments::Start(std::function<void()> on_change) {
  thread_.Start(options_.interval, [this, on_change = std::move(on_change)] {
    std::map<std::string, std::set<int64_t>> before;
    for (const auto& [name, d] : snapshot()->by_name) before[name] = RoutedVersions(*d);
    if (Status st = Refresh(); !st.ok()) spdlog::warn("deployments: {}", st.message());
    std::map<std::string, std::set<int64_t>> after;
    for (const auto& [name, d] : snapshot()->by_name) {
      after[name] = RoutedVersions(*d);
      auto it = before.find(name);
      if (it == before.end() || it->second != after[name])
        spdlog::info("deployment {} (model {}): stable v{}, canary {}, shadow {} ({}: {})", name,
                     d->model, d->split.stable,
                     d->split.canary
                         ? fmt::format("v{} at {:g}%", d->split.canary, d->split.canary_share * 100)
                         : "none",
                     d->split.shadow
                         ? fmt::format("v{} at {:g}%", d->split.shadow, d->split.shadow_share * 100)
                         : "none",
                     d->last_action, d->last_reason);
    }
    if (before != after && on_change) on_change();
  });
}

void Deployments::Stop() {
  thread_.Stop();
  std::lock_guard refresh(refresh_mu_);
  if (Status st = FlushOutcomes(); !st.ok())
    spdlog::warn("deployments: outcomes not written: {}", st.message());
}

std::shared_ptr<const Deployment> Deployments::ForModel(const std::string& model) const {
  const auto snap = snapshot();
  auto it = snap->by_model.find(model);
  return it == snap->by_model.end() ? nullptr : it->second;
}

std::shared_ptr<const Deployment> Deployments::Named(const std::string& name) const {
  const auto snap = snapshot();
  auto it = snap->by_name.find(name);
  return it == snap->by_name.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const Deployment>> Deployments::All() const {
  std::vector<std::shared_ptr<const Deployment>> out;
  for (const auto& [name, d] : snapshot()->by_name) out.push_back(d);
  return out;
}

std::vector<int64_t> Deployments::VersionsOf(const std::string& model) const {
  std::set<int64_t> out;
  for (const auto& [name, d] : snapshot()->by_name)
    if (d->model == model) out.merge(RoutedVersions(*d));
  return {out.begin(), out.end()};
}

DeploymentRoute Deployments::Route(std::shared_ptr<const Deployment> d,
                                   std::optional<std::string_view> key) {
  const bool keyed = key && !d->key.empty();
  const double draw = keyed ? 0 : Draw();
  const double shadow_draw = d->split.shadow != 0 ? Draw() : 1;
  const serve::Route route =
      serve::RouteRequest(d->split, d->name, keyed ? key : std::nullopt, draw, shadow_draw);
  return {std::move(d), route};
}

uint64_t Deployments::AssignmentKey(char kind, std::string_view deployment, std::string_view id) {
  const uint64_t seed =
      XXH3_64bits_withSeed(deployment.data(), deployment.size(), static_cast<uint64_t>(kind));
  return XXH3_64bits_withSeed(id.data(), id.size(), seed);
}

void Deployments::RecordAssignment(const Deployment& d, int64_t version,
                                   const std::string& request_id,
                                   std::optional<std::string_view> key) {
  if (options_.assignments == 0) return;
  const Assignment a{d.experiment.id, version};
  const uint64_t by_id = AssignmentKey('i', d.name, request_id);
  // With sticky routing a key's version is recomputed from the split: no need to remember it.
  const std::optional<uint64_t> by_key =
      key && d.key.empty() ? std::optional<uint64_t>(AssignmentKey('k', d.name, *key))
                           : std::nullopt;
  std::lock_guard lock(assignments_mu_);
  auto remember = [&](uint64_t k) {
    auto [it, inserted] = assignments_.insert_or_assign(k, a);
    if (!inserted) return;
    if (assignment_ring_.size() < options_.assignments) {
      assignment_ring_.push_back(k);
      return;
    }
    assignments_.erase(assignment_ring_[ring_next_]);
    assignment_ring_[ring_next_] = k;
    ring_next_ = (ring_next_ + 1) % assignment_ring_.size();
  };
  remember(by_id);
  if (by_key) remember(*by_key);
}

Result<int64_t> Deployments::AddFeedback(const std::string& deployment, const Feedback& f) {
  auto d = Named(deployment);
  if (!d) return NotFoundError(fmt::format("no deployment named '{}'", deployment.substr(0, 80)));
  if (f.request_id.empty() && f.key.empty())
    return InvalidArgumentError("feedback needs a \"request_id\" or a \"key\"");
  if (f.outcomes.empty())
    return InvalidArgumentError("feedback needs \"outcomes\": an object of name: number");
  for (const auto& [name, value] : f.outcomes) {
    if (name.empty() || name.size() > 64)
      return InvalidArgumentError("an outcome's name is 1 to 64 characters");
    if (!std::isfinite(value))
      return InvalidArgumentError(fmt::format("outcome '{}' is not a finite number", name));
  }
  std::optional<Assignment> a;
  {
    std::lock_guard lock(assignments_mu_);
    auto it = f.request_id.empty() ? assignments_.end()
                                   : assignments_.find(AssignmentKey('i', d->name, f.request_id));
    if (it == assignments_.end() && !f.key.empty() && d->key.empty())
      it = assignments_.find(AssignmentKey('k', d->name, f.key));
    if (it != assignments_.end()) a = it->second;
  }
  // Keyed routing: the key's version under the split now, on any server.
  if (!a && !f.key.empty() && !d->key.empty())
    a = Assignment{d->experiment.id, serve::RouteRequest(d->split, d->name, f.key, 0, 1).version};
  std::lock_guard lock(assignments_mu_);
  if (!a) {
    ++feedback_unmatched_;
    return NotFoundError(
        f.request_id.empty()
            ? fmt::format("deployment '{}' answered no request with key '{}' recently", d->name,
                          f.key.substr(0, 80))
            : fmt::format("request '{}' is not one this server answered for deployment '{}' "
                          "recently (feedback by request id goes to the server that answered; "
                          "with sticky routing, send the key)",
                          f.request_id.substr(0, 80), d->name));
  }
  if (a->experiment != d->experiment.id) {
    ++feedback_stale_;
    return a->version;  // for versions since replaced: joined, but their experiment is over
  }
  Pending& p = pending_[d->name];
  if (p.experiment != a->experiment) p = Pending{a->experiment, {}};
  for (const auto& [name, value] : f.outcomes) p.outcomes[a->version][name].Add(value);
  ++feedback_joined_;
  return a->version;
}

Result<std::optional<Deployment>> Deployments::Change(const std::string& name,
                                                      const DeploymentChangeFn& change) {
  auto changed = UpdateDeployment(store_, repository_, name, change);
  if (changed.ok()) (void)Refresh();
  return changed;
}

std::string Deployments::RenderMetrics() const {
  std::string out;
  const auto snap = snapshot();
  out +=
      "# HELP lathe_deployment_version The versions a deployment routes to (1 per version and "
      "role), with the share of requests each takes.\n"
      "# TYPE lathe_deployment_version gauge\n";
  for (const auto& entry : snap->by_name) {
    const std::string& name = entry.first;
    const Deployment* d = entry.second.get();
    const auto line = [&](const char* role, int64_t version, double share) {
      if (version != 0)
        out += fmt::format(
            "lathe_deployment_version{{deployment=\"{}\",model=\"{}\",role=\"{}\",version=\"{}\","
            "share=\"{:g}\"}} 1\n",
            EscapeLabelValue(name), EscapeLabelValue(d->model), role, version, share);
    };
    line("stable", d->split.stable, 1 - d->split.canary_share);
    line("canary", d->split.canary, d->split.canary_share);
    line("shadow", d->split.shadow, d->split.shadow_share);
  }
  std::lock_guard lock(assignments_mu_);
  out += fmt::format(
      "# HELP lathe_deployment_feedback_total Feedback reports: joined to the version that "
      "answered, unmatched (unknown request or key), or stale (for versions since replaced).\n"
      "# TYPE lathe_deployment_feedback_total counter\n"
      "lathe_deployment_feedback_total{{result=\"joined\"}} {}\n"
      "lathe_deployment_feedback_total{{result=\"unmatched\"}} {}\n"
      "lathe_deployment_feedback_total{{result=\"stale\"}} {}\n",
      feedback_joined_, feedback_unmatched_, feedback_stale_);
  return out;
}

}  // namespace lathe::serve
