#include "lathe/serve/deployment.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "lathe/core/retry.h"
#include "lathe/core/strings.h"

namespace lathe::serve {

namespace {

using metadata::Value;

nlohmann::json GuardrailsToJson(const Guardrails& g) {
  return {{"max_error_rate", g.max_error_rate},
          {"min_interval_requests", g.min_interval_requests},
          {"max_p99_ms", g.max_p99_ms},
          {"max_prediction_shift", g.max_prediction_shift},
          {"max_feature_drift", g.max_feature_drift},
          {"business_alpha", g.business_alpha},
          {"breach_window_s", g.breach_window.count()},
          {"promote_after_s", g.promote_after.count()},
          {"promote_min_requests", g.promote_min_requests}};
}

Guardrails GuardrailsFromJson(const nlohmann::json& j) {
  Guardrails g;
  g.max_error_rate = j.at("max_error_rate").get<double>();
  g.min_interval_requests = j.at("min_interval_requests").get<uint64_t>();
  g.max_p99_ms = j.at("max_p99_ms").get<double>();
  g.max_prediction_shift = j.at("max_prediction_shift").get<double>();
  g.max_feature_drift = j.at("max_feature_drift").get<double>();
  g.business_alpha = j.at("business_alpha").get<double>();
  g.breach_window = std::chrono::seconds(j.at("breach_window_s").get<int64_t>());
  g.promote_after = std::chrono::seconds(j.at("promote_after_s").get<int64_t>());
  g.promote_min_requests = j.at("promote_min_requests").get<uint64_t>();
  return g;
}

// Ends the current experiment (keeping its comparisons for show) and starts one for the versions
// of `d` now.
void NewExperiment(Deployment& d, const std::string& ended_by, int64_t now_ms) {
  if (d.experiment.canary != 0 && !d.experiment.arms.empty())
    d.last_experiment = {{"experiment", ExperimentToJson(d.experiment)}, {"ended_by", ended_by}};
  d.experiment = Experiment{.id = now_ms, .stable = d.split.stable, .canary = d.split.canary};
}

void Changed(Deployment& d, const std::string& action, const std::string& reason, int64_t now_ms) {
  d.last_action = action;
  d.last_reason = reason;
  d.changed_ms = now_ms;
}

}  // namespace

std::string StickyKey::ToString() const {
  if (!header.empty()) return "header " + header;
  if (!feature.empty()) return "feature " + feature;
  return "none";
}

Result<double> ParseShare(std::string_view text) {
  std::string_view t = Trim(text);
  if (!t.empty() && t.back() == '%') t.remove_suffix(1);
  auto v = ParseDouble(t);
  if (!v || !std::isfinite(*v) || *v < 0 || *v > 100)
    return InvalidArgumentError(
        fmt::format("share '{}': expected a percentage from 0% to 100%, e.g. 10%",
                    std::string(text).substr(0, 40)));
  return *v / 100;
}

Result<Deployment> PlanDeploy(const std::optional<Deployment>& current, const DeployRequest& r,
                              int64_t now_ms) {
  if (r.version < 1) return InvalidArgumentError("--version: expected a version number");
  if (!current) {
    if (r.canary || r.shadow)
      return FailedPreconditionError(fmt::format(
          "deployment '{}' has no stable version yet: deploy one first (lathe deploy {} "
          "--version V)",
          r.name, r.name));
    Deployment d;
    d.name = r.name;
    d.model = r.model.empty() ? r.name : r.model;
    d.split.stable = r.version;
    if (r.key) d.key = *r.key;
    if (r.guardrails) d.guardrails = *r.guardrails;
    d.experiment = Experiment{.id = now_ms, .stable = r.version};
    Changed(d, "deploy", r.reason.empty() ? fmt::format("v{} stable", r.version) : r.reason,
            now_ms);
    return d;
  }
  Deployment d = *current;
  if (!r.model.empty() && r.model != d.model)
    return InvalidArgumentError(
        fmt::format("deployment '{}' serves model '{}', not '{}'", d.name, d.model, r.model));
  if (r.key) d.key = *r.key;
  if (r.guardrails) d.guardrails = *r.guardrails;
  std::string what;
  if (r.canary || r.shadow) {
    if (r.version == d.split.stable)
      return FailedPreconditionError(
          fmt::format("v{} is deployment '{}''s stable version already", r.version, d.name));
  }
  if (r.canary) {
    if (*r.canary <= 0)
      return InvalidArgumentError(
          fmt::format("--canary 0%: to take a canary out, use lathe rollback {}", d.name));
    const bool same = d.split.canary == r.version;
    d.split.canary = r.version;
    d.split.canary_share = *r.canary;
    if (d.split.shadow == r.version) d.split.shadow = 0, d.split.shadow_share = 0;
    if (!same) NewExperiment(d, "deploy", now_ms);
    what = fmt::format("v{} canary at {:g}%", r.version, *r.canary * 100);
  }
  if (r.shadow) {
    if (r.canary)
      return InvalidArgumentError("--canary and --shadow: one version is either, not both");
    if (r.version == d.split.canary)
      return FailedPreconditionError(fmt::format(
          "v{} is deployment '{}''s canary: roll it back before shadowing it", r.version, d.name));
    d.split.shadow = *r.shadow > 0 ? r.version : 0;
    d.split.shadow_share = *r.shadow;
    what = *r.shadow > 0 ? fmt::format("v{} shadow of {:g}%", r.version, *r.shadow * 100)
                         : fmt::format("shadow v{} off", r.version);
  }
  if (!r.canary && !r.shadow) {
    if (r.version != d.split.stable) {
      d.previous_stable = d.split.stable;
      d.split.stable = r.version;
      if (d.split.canary == r.version) d.split.canary = 0, d.split.canary_share = 0;
      if (d.split.shadow == r.version) d.split.shadow = 0, d.split.shadow_share = 0;
      NewExperiment(d, "deploy", now_ms);
    }
    what = fmt::format("v{} stable", r.version);
  }
  if (d.split.canary == 0) d.experiment.canary = 0;
  Changed(d, "deploy", r.reason.empty() ? what : r.reason, now_ms);
  return d;
}

Result<Deployment> PlanPromote(const Deployment& current, const std::string& action,
                               const std::string& reason, int64_t now_ms) {
  if (current.split.canary == 0)
    return FailedPreconditionError(
        fmt::format("deployment '{}' has no canary to promote", current.name));
  Deployment d = current;
  d.previous_stable = d.split.stable;
  d.split.stable = d.split.canary;
  d.split.canary = 0;
  d.split.canary_share = 0;
  if (d.split.shadow == d.split.stable) d.split.shadow = 0, d.split.shadow_share = 0;
  NewExperiment(d, action, now_ms);
  Changed(d, action,
          reason.empty() ? fmt::format("v{} promoted to stable", d.split.stable) : reason, now_ms);
  return d;
}

Result<Deployment> PlanRollback(const Deployment& current, const std::string& action,
                                const std::string& reason, int64_t now_ms) {
  Deployment d = current;
  std::string what;
  if (d.split.canary != 0 || d.split.shadow != 0) {
    what = d.split.canary != 0 ? fmt::format("canary v{} rolled back", d.split.canary)
                               : fmt::format("shadow v{} stopped", d.split.shadow);
    const bool had_canary = d.split.canary != 0;
    d.split.canary = 0;
    d.split.canary_share = 0;
    d.split.shadow = 0;
    d.split.shadow_share = 0;
    if (had_canary) NewExperiment(d, action, now_ms);
  } else if (d.previous_stable != 0) {
    what = fmt::format("stable back from v{} to v{}", d.split.stable, d.previous_stable);
    d.split.stable = d.previous_stable;
    d.previous_stable = 0;
    NewExperiment(d, action, now_ms);
  } else {
    return FailedPreconditionError(fmt::format(
        "deployment '{}' has no canary, shadow or earlier stable version to roll back to", d.name));
  }
  Changed(d, action, reason.empty() ? what : reason, now_ms);
  return d;
}

nlohmann::json DeploymentToJson(const Deployment& d) {
  return {{"name", d.name},
          {"model", d.model},
          {"stable", d.split.stable},
          {"canary", d.split.canary},
          {"canary_share", d.split.canary_share},
          {"shadow", d.split.shadow},
          {"shadow_share", d.split.shadow_share},
          {"sticky_header", d.key.header},
          {"sticky_feature", d.key.feature},
          {"guardrails", GuardrailsToJson(d.guardrails)},
          {"previous_stable", d.previous_stable},
          {"last_action", d.last_action},
          {"last_reason", d.last_reason},
          {"changed_ms", d.changed_ms},
          {"experiment", ExperimentToJson(d.experiment)},
          {"last_experiment", d.last_experiment}};
}

Result<Deployment> DeploymentFromJson(const nlohmann::json& j) {
  try {
    Deployment d;
    d.name = j.at("name").get<std::string>();
    d.model = j.at("model").get<std::string>();
    d.split.stable = j.at("stable").get<int64_t>();
    d.split.canary = j.at("canary").get<int64_t>();
    d.split.canary_share = j.at("canary_share").get<double>();
    d.split.shadow = j.at("shadow").get<int64_t>();
    d.split.shadow_share = j.at("shadow_share").get<double>();
    d.key.header = j.at("sticky_header").get<std::string>();
    d.key.feature = j.at("sticky_feature").get<std::string>();
    d.guardrails = GuardrailsFromJson(j.at("guardrails"));
    d.previous_stable = j.at("previous_stable").get<int64_t>();
    d.last_action = j.at("last_action").get<std::string>();
    d.last_reason = j.at("last_reason").get<std::string>();
    d.changed_ms = j.at("changed_ms").get<int64_t>();
    LATHE_ASSIGN_OR_RETURN(d.experiment, ExperimentFromJson(j.at("experiment")));
    d.last_experiment = j.value("last_experiment", nlohmann::json());
    return d;
  } catch (const std::exception& e) {
    return DataLossError(std::string("a deployment's state is malformed: ") + e.what());
  }
}

namespace {

Status EnsureTypes(metadata::MetadataStore& store) {
  using metadata::PropertyType;
  using metadata::Type;
  using metadata::TypeKind;
  LATHE_RETURN_IF_ERROR(
      store.PutType(Type{.kind = TypeKind::kContext, .name = kDeploymentContext}).status());
  return store
      .PutType(Type{
          .kind = TypeKind::kExecution,
          .name = kDeploymentChange,
          .properties = {{"action", PropertyType::kString}, {"reason", PropertyType::kString}}})
      .status();
}

Result<Deployment> FromContext(const metadata::Context& c) {
  auto it = c.custom_properties.find("deployment");
  if (it == c.custom_properties.end() || it->second.type() != metadata::PropertyType::kStruct)
    return DataLossError(
        fmt::format("deployment context {} ('{}') has no deployment state", c.id, c.name));
  auto d = DeploymentFromJson(it->second.as_struct());
  if (!d.ok())
    return DataLossError(fmt::format("deployment '{}': {}", c.name, d.status().message()));
  d->context_id = c.id;
  d->revision = c.revision;
  return d;
}

// The Model artifact of each version `d` routes to, with its role, from the push markers.
std::vector<std::pair<std::string, int64_t>> ModelArtifacts(
    metadata::MetadataStore& store, const registry::ModelRepository& repository,
    const Deployment& d) {
  std::vector<std::pair<std::string, int64_t>> out;
  for (const auto& [role, version] : {std::pair<const char*, int64_t>{"stable", d.split.stable},
                                      {"canary", d.split.canary},
                                      {"shadow", d.split.shadow}}) {
    if (version == 0) continue;
    auto marker = repository.Marker(d.model, version);
    if (!marker.ok() || marker->model_artifact_id == 0) continue;
    auto found = store.GetArtifacts({marker->model_artifact_id});
    if (found.ok() && !found->empty()) out.emplace_back(role, marker->model_artifact_id);
  }
  return out;
}

}  // namespace

Result<std::optional<Deployment>> GetDeployment(metadata::MetadataStore& store,
                                                std::string_view name) {
  LATHE_ASSIGN_OR_RETURN(auto c, store.GetContextByTypeAndName(kDeploymentContext, name));
  if (!c) return std::optional<Deployment>();
  LATHE_ASSIGN_OR_RETURN(Deployment d, FromContext(*c));
  return std::optional<Deployment>(std::move(d));
}

Result<std::vector<Deployment>> ListDeployments(metadata::MetadataStore& store) {
  std::vector<Deployment> out;
  metadata::ListOptions options;
  options.page_size = metadata::ListOptions::kMaxPageSize;
  do {
    auto page = store.GetContextsByType(kDeploymentContext, options);
    // A store no deployment was ever written to has no such type.
    if (!page.ok() && page.status().code() == StatusCode::kNotFound) return out;
    LATHE_RETURN_IF_ERROR(page.status());
    for (const auto& c : page->items) {
      LATHE_ASSIGN_OR_RETURN(Deployment d, FromContext(c));
      out.push_back(std::move(d));
    }
    options.page_token = page->next_page_token;
  } while (!options.page_token.empty());
  std::sort(out.begin(), out.end(),
            [](const Deployment& a, const Deployment& b) { return a.name < b.name; });
  return out;
}

Result<std::optional<Deployment>> UpdateDeployment(metadata::MetadataStore& store,
                                                   const registry::ModelRepository& repository,
                                                   std::string_view name,
                                                   const DeploymentChangeFn& change) {
  LATHE_RETURN_IF_ERROR(EnsureTypes(store));
  std::optional<Deployment> result;
  LATHE_RETURN_IF_ERROR(RetryOnConflict(
      [&]() -> Status {
        LATHE_ASSIGN_OR_RETURN(std::optional<Deployment> current, GetDeployment(store, name));
        LATHE_ASSIGN_OR_RETURN(std::optional<DeploymentUpdate> update, change(current));
        if (!update) {
          result = std::move(current);
          return Status::Ok();
        }
        Deployment& next = update->next;
        next.name = std::string(name);
        metadata::Context c;
        c.type = kDeploymentContext;
        c.name = next.name;
        c.id = current ? current->context_id : 0;
        c.revision = current ? current->revision : 0;
        c.custom_properties["deployment"] = Value::Struct(DeploymentToJson(next));
        Status st;
        if (update->record) {
          metadata::PutExecutionRequest req;
          req.execution.type = kDeploymentChange;
          req.execution.name = fmt::format("{} {}", next.name, next.last_action);
          req.execution.state = metadata::ExecutionState::kComplete;
          req.execution.properties = {{"action", next.last_action}, {"reason", next.last_reason}};
          req.execution.custom_properties["deployment"] = Value::Struct(DeploymentToJson(next));
          for (const auto& [role, id] : ModelArtifacts(store, repository, next))
            req.artifacts.push_back(metadata::ArtifactAndEvent::Reference(
                id, metadata::Event{.type = metadata::EventType::kInput, .path = {role}}));
          req.contexts = {c};
          req.reuse_context_if_exists = false;
          req.update_contexts = true;
          st = store.PutExecution(req).status();
        } else {
          st = store.PutContexts({c}).status();
        }
        // Another writer changed it (or created it) since we read: re-read and apply again.
        if (st.code() == StatusCode::kAlreadyExists) return AbortedError(st.message());
        LATHE_RETURN_IF_ERROR(st);
        LATHE_ASSIGN_OR_RETURN(result, GetDeployment(store, name));
        return Status::Ok();
      },
      fmt::format("deployment '{}'", std::string(name))));
  return result;
}

Result<std::vector<metadata::Execution>> DeploymentHistory(metadata::MetadataStore& store,
                                                           const Deployment& d, int limit) {
  metadata::ListOptions options;
  options.page_size = std::clamp(limit, 1, metadata::ListOptions::kMaxPageSize);
  options.descending = true;
  LATHE_ASSIGN_OR_RETURN(auto page, store.GetExecutionsByContext(d.context_id, options));
  return page.items;
}

Status WriteBusinessMetrics(metadata::MetadataStore& store,
                            const registry::ModelRepository& repository, const Deployment& d) {
  const nlohmann::json comparisons = ComparisonsToJson(d.experiment);
  for (const auto& artifact : ModelArtifacts(store, repository, d)) {
    // Plain names, not structured bindings: clang before 16 cannot capture those in a lambda.
    const std::string& role = artifact.first;
    const int64_t id = artifact.second;
    if (role == "shadow") continue;
    LATHE_RETURN_IF_ERROR(RetryOnConflict(
        [&]() -> Status {
          LATHE_ASSIGN_OR_RETURN(metadata::Artifact a, store.GetArtifact(id));
          nlohmann::json all = nlohmann::json::object();
          if (auto it = a.custom_properties.find("business_metrics");
              it != a.custom_properties.end() &&
              it->second.type() == metadata::PropertyType::kStruct)
            all = it->second.as_struct();
          nlohmann::json mine = {{"role", role},
                                 {"deployment", d.name},
                                 {"experiment", d.experiment.id},
                                 {"stable_version", d.experiment.stable},
                                 {"canary_version", d.experiment.canary},
                                 {"comparisons", comparisons}};
          for (const auto& line : OutcomeLines(
                   d.experiment, role == "stable" ? d.split.stable : d.split.canary, role.c_str()))
            mine["outcomes"].push_back(line);
          // One entry per deployment and experiment: a version keeps what each experiment it
          // took part in measured (as canary, then as stable after a promotion), the newest 20.
          const std::string key = fmt::format("{}/{}", d.name, d.experiment.id);
          if (all.contains(key) && all[key] == mine) return Status::Ok();
          all[key] = std::move(mine);
          while (all.size() > 20) {
            auto oldest = all.begin();
            for (auto it = all.begin(); it != all.end(); ++it)
              if (it.value().value("experiment", int64_t{0}) <
                  oldest.value().value("experiment", int64_t{0}))
                oldest = it;
            all.erase(oldest);
          }
          a.custom_properties["business_metrics"] = Value::Struct(std::move(all));
          return store.PutArtifacts({a}).status();
        },
        fmt::format("business metrics of model artifact {}", id)));
  }
  return Status::Ok();
}

namespace {

// Writes the state `plan` makes of the current one (a recorded change).
Result<Deployment> ApplyPlan(
    metadata::MetadataStore& store, const registry::ModelRepository& repository,
    std::string_view name,
    const std::function<Result<Deployment>(const std::optional<Deployment>&)>& plan) {
  LATHE_ASSIGN_OR_RETURN(
      auto changed,
      UpdateDeployment(
          store, repository, name,
          [&](const std::optional<Deployment>& current) -> Result<std::optional<DeploymentUpdate>> {
            LATHE_ASSIGN_OR_RETURN(Deployment next, plan(current));
            return std::optional<DeploymentUpdate>(DeploymentUpdate{std::move(next)});
          }));
  if (!changed) return InternalError("the deployment was not written");
  return *std::move(changed);
}

Status NoDeployment(std::string_view name) {
  return NotFoundError(fmt::format("no deployment named '{}' (see lathe deployments list)", name));
}

}  // namespace

Result<Deployment> ApplyDeploy(metadata::MetadataStore& store,
                               const registry::ModelRepository& repository,
                               const DeployRequest& request, int64_t now_ms,
                               const GuardrailEdit& edit_guardrails) {
  return ApplyPlan(store, repository, request.name,
                   [&](const std::optional<Deployment>& current) -> Result<Deployment> {
                     DeployRequest req = request;
                     const std::string model = !req.model.empty() ? req.model
                                               : current          ? current->model
                                                                  : req.name;
                     // The version must be in the repository: a server could not load it otherwise.
                     LATHE_RETURN_IF_ERROR(
                         repository.Resolve(fmt::format("{}/{}", model, req.version)).status());
                     if (!current) {
                       // One deployment per model: requests to the model are routed by it.
                       LATHE_ASSIGN_OR_RETURN(auto all, ListDeployments(store));
                       for (const auto& other : all)
                         if (other.model == model)
                           return FailedPreconditionError(fmt::format(
                               "model '{}' is deployed as '{}' already: change that deployment",
                               model, other.name));
                     }
                     if (edit_guardrails)
                       if (auto gr = edit_guardrails(current ? current->guardrails : Guardrails{}))
                         req.guardrails = *gr;
                     return PlanDeploy(current, req, now_ms);
                   });
}

Result<Deployment> ApplyPromote(metadata::MetadataStore& store,
                                const registry::ModelRepository& repository,
                                const std::string& name, const std::string& reason,
                                int64_t now_ms) {
  return ApplyPlan(store, repository, name,
                   [&](const std::optional<Deployment>& current) -> Result<Deployment> {
                     if (!current) return NoDeployment(name);
                     return PlanPromote(*current, "promote", reason, now_ms);
                   });
}

Result<Deployment> ApplyRollback(metadata::MetadataStore& store,
                                 const registry::ModelRepository& repository,
                                 const std::string& name, const std::string& reason,
                                 int64_t now_ms) {
  return ApplyPlan(store, repository, name,
                   [&](const std::optional<Deployment>& current) -> Result<Deployment> {
                     if (!current) return NoDeployment(name);
                     return PlanRollback(*current, "rollback", reason, now_ms);
                   });
}

nlohmann::json DescribeDeployment(const Deployment& d,
                                  const std::vector<metadata::Execution>* history) {
  nlohmann::json j = DeploymentToJson(d);
  j["comparisons"] = ComparisonsToJson(d.experiment);
  if (history) {
    auto property = [](const metadata::Execution& e, const char* name) {
      auto it = e.properties.find(name);
      return it == e.properties.end() ? nlohmann::json() : it->second.ToJson();
    };
    j["history"] = nlohmann::json::array();
    for (const auto& e : *history)
      j["history"].push_back({{"execution", e.id},
                              {"time_ms", e.create_time_ms},
                              {"action", property(e, "action")},
                              {"reason", property(e, "reason")}});
  }
  return j;
}

}  // namespace lathe::serve
