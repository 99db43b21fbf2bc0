// lathe deploy | promote | rollback | deployments list|show: the deployments of models in the
// model repository (serve/deployment.h), kept in the metadata store that lathe serve reads.
#include <fmt/format.h>

#include <chrono>

#include "lathe/cli/commands.h"
#include "lathe/core/clock.h"
#include "lathe/registry/model_repository.h"
#include "lathe/serve/deployment.h"

namespace lathe::cli {

namespace {

struct DeployArgs {
  std::string name;
  std::string model;
  int64_t version = 0;
  std::string canary;
  std::string shadow;
  std::string sticky_header;
  std::string sticky_feature;
  std::string reason;
  bool no_sticky = false;
  serve::Guardrails guardrails;  // options given on the command line override these
  int64_t breach_window_s = 60;
  int64_t promote_after_s = 0;
};

void PrintDeployment(const GlobalOptions& g, const serve::Deployment& d,
                     const std::vector<metadata::Execution>* history) {
  if (g.json) {
    PrintJson(serve::DescribeDeployment(d, history));
    return;
  }
  const auto& s = d.split;
  fmt::print("deployment {} (model {})\n", d.name, d.model);
  fmt::print("  stable      v{} ({:g}% of requests)\n", s.stable, (1 - s.canary_share) * 100);
  if (s.canary)
    fmt::print("  canary      v{} ({:g}% of requests, since {})\n", s.canary, s.canary_share * 100,
               FormatTime(d.experiment.id));
  if (s.shadow)
    fmt::print("  shadow      v{} (mirrors {:g}% of requests)\n", s.shadow, s.shadow_share * 100);
  fmt::print("  sticky key  {}\n", d.key.ToString());
  const auto& gr = d.guardrails;
  fmt::print(
      "  guardrails  error rate {}, p99 {}, prediction shift {}, feature drift {}, business "
      "alpha {}; held {} s; promote {}\n",
      gr.max_error_rate > 0 ? fmt::format("<= {:g}%", gr.max_error_rate * 100) : "off",
      gr.max_p99_ms > 0 ? fmt::format("<= {:g} ms", gr.max_p99_ms) : "off",
      gr.max_prediction_shift > 0 ? fmt::format("<= {:g}", gr.max_prediction_shift) : "off",
      gr.max_feature_drift > 0 ? fmt::format("<= {:g}", gr.max_feature_drift) : "off",
      gr.business_alpha > 0 ? fmt::format("{:g}", gr.business_alpha) : "off",
      gr.breach_window.count(),
      gr.promote_after.count() > 0 ? fmt::format("after {} s and {} requests",
                                                 gr.promote_after.count(), gr.promote_min_requests)
                                   : "by hand");
  fmt::print("  last change {} at {}: {}\n", d.last_action, FormatTime(d.changed_ms),
             d.last_reason);
  const auto comparisons = serve::CompareOutcomes(d.experiment);
  for (const auto& c : comparisons)
    fmt::print("  uplift      {}\n", serve::UpliftLine(d.experiment, c));
  if (comparisons.empty())
    for (const auto& line : serve::OutcomeLines(d.experiment, s.stable, "stable"))
      fmt::print("  outcomes    {}\n", line);
  if (d.last_experiment.is_object())
    if (auto e = serve::ExperimentFromJson(d.last_experiment.value("experiment", nlohmann::json()));
        e.ok())
      for (const auto& c : serve::CompareOutcomes(*e))
        fmt::print("  previous    {} ({})\n", serve::UpliftLine(*e, c),
                   d.last_experiment.value("ended_by", std::string("ended")));
  if (history && !history->empty()) {
    fmt::print("  history\n");
    for (const auto& e : *history)
      fmt::print("    {}  {:<14} {}\n", FormatTime(e.create_time_ms),
                 e.properties.count("action") ? e.properties.at("action").ToDisplayString() : "",
                 e.properties.count("reason") ? e.properties.at("reason").ToDisplayString() : "");
  }
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Prints the deployment a change wrote, or the error.
int Report(const GlobalOptions& g, const Result<serve::Deployment>& written) {
  if (!written.ok()) return ReportRequestError(written.status());
  PrintDeployment(g, *written, nullptr);
  return kExitOk;
}

int Deploy(const GlobalOptions& g, const DeployArgs& a, const CLI::App& cmd) {
  serve::DeployRequest r;
  r.name = a.name;
  r.model = a.model;
  r.version = a.version;
  r.reason = a.reason;
  if (!a.canary.empty()) {
    auto share = serve::ParseShare(a.canary);
    if (!share.ok())
      return ReportUsageError(InvalidArgumentError("--canary: " + share.status().message()));
    r.canary = *share;
  }
  if (!a.shadow.empty()) {
    auto share = serve::ParseShare(a.shadow);
    if (!share.ok())
      return ReportUsageError(InvalidArgumentError("--shadow: " + share.status().message()));
    r.shadow = *share;
  }
  if (!a.sticky_header.empty() && !a.sticky_feature.empty())
    return ReportUsageError(
        InvalidArgumentError("--sticky-header and --sticky-feature: routing has one key"));
  if (cmd.count("--sticky-header") || cmd.count("--sticky-feature") || cmd.count("--no-sticky"))
    r.key = serve::StickyKey{a.sticky_header, a.sticky_feature};
  if (Status st = registry::ModelRepository::CheckModelName(a.name); !st.ok())
    return ReportUsageError(InvalidArgumentError("deployment name: " + st.message()));
  auto store = OpenStore(g, /*create=*/true);
  if (!store.ok()) return ReportError(store.status());
  const registry::ModelRepository repository(g.model_repository);
  // Guardrail options given on the command line change those the deployment has.
  auto edit = [&](const serve::Guardrails& current) -> std::optional<serve::Guardrails> {
    serve::Guardrails gr = current;
    bool changed = false;
    auto take = [&](const char* flag, auto& field, auto value) {
      if (cmd.count(flag)) field = value, changed = true;
    };
    take("--max-error-rate", gr.max_error_rate, a.guardrails.max_error_rate);
    take("--min-interval-requests", gr.min_interval_requests, a.guardrails.min_interval_requests);
    take("--max-p99-ms", gr.max_p99_ms, a.guardrails.max_p99_ms);
    take("--max-prediction-shift", gr.max_prediction_shift, a.guardrails.max_prediction_shift);
    take("--max-feature-drift", gr.max_feature_drift, a.guardrails.max_feature_drift);
    take("--business-alpha", gr.business_alpha, a.guardrails.business_alpha);
    take("--breach-window-s", gr.breach_window, std::chrono::seconds(a.breach_window_s));
    take("--promote-after-s", gr.promote_after, std::chrono::seconds(a.promote_after_s));
    take("--promote-min-requests", gr.promote_min_requests, a.guardrails.promote_min_requests);
    return changed ? std::optional(gr) : std::nullopt;
  };
  return Report(g, serve::ApplyDeploy(**store, repository, r, NowMs(), edit));
}

int NotDeployed(const std::string& name) {
  return ReportError(
      NotFoundError(fmt::format("no deployment named '{}' (see lathe deployments list)", name)));
}

int Show(const GlobalOptions& g, const std::string& name) {
  auto store = OpenStoreReadOnly(g);
  if (!store.ok()) return ReportError(store.status());
  auto d = serve::GetDeployment(**store, name);
  if (!d.ok()) return ReportError(d.status());
  if (!*d) return NotDeployed(name);
  auto history = serve::DeploymentHistory(**store, **d, 50);
  if (!history.ok()) return ReportError(history.status());
  PrintDeployment(g, **d, &*history);
  return kExitOk;
}

int List(const GlobalOptions& g) {
  auto store = OpenStoreReadOnly(g);
  if (!store.ok()) return ReportError(store.status());
  auto all = serve::ListDeployments(**store);
  if (!all.ok()) return ReportError(all.status());
  if (g.json) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& d : *all) items.push_back(serve::DescribeDeployment(d, nullptr));
    PrintJson({{"items", items}});
    return kExitOk;
  }
  if (all->empty()) fmt::print("no deployments (lathe deploy NAME --version V makes one)\n");
  for (const auto& d : *all) {
    std::string line = fmt::format("{}\tmodel {}\tstable v{}", d.name, d.model, d.split.stable);
    if (d.split.canary)
      line += fmt::format("\tcanary v{} at {:g}%", d.split.canary, d.split.canary_share * 100);
    if (d.split.shadow)
      line += fmt::format("\tshadow v{} at {:g}%", d.split.shadow, d.split.shadow_share * 100);
    line += fmt::format("\t{}: {}", d.last_action, d.last_reason);
    fmt::print("{}\n", line);
  }
  return kExitOk;
}

}  // namespace

void AddDeployCommands(CLI::App& app, const GlobalOptions& g, int& exit_code) {
  {
    auto* cmd = app.add_subcommand(
        "deploy",
        "route a deployment's requests to a model version: as stable, as a canary taking a "
        "share, or as a shadow mirroring a share (lathe serve applies it within seconds)");
    auto a = std::make_shared<DeployArgs>();
    cmd->add_option("NAME", a->name, "the deployment (new: serves the model of that name)")
        ->required();
    cmd->add_option("--version", a->version, "the model version")
        ->required()
        ->check(CLI::PositiveNumber);
    cmd->add_option("--model", a->model, "the model in the repository (default: NAME)");
    cmd->add_option("--canary", a->canary,
                    "deploy the version as a canary taking this share of requests, e.g. 10%");
    cmd->add_option("--shadow", a->shadow,
                    "mirror this share of requests to the version, e.g. 100%, comparing its "
                    "answers (0%: stop)");
    cmd->add_option("--sticky-header", a->sticky_header,
                    "route by this request header's value (e.g. X-User-Id): one key, one version");
    cmd->add_option("--sticky-feature", a->sticky_feature,
                    "route by this input feature's value (the first row's)");
    cmd->add_flag("--no-sticky", a->no_sticky,
                  "route at random in the shares (drops a sticky key)");
    cmd->add_option("--reason", a->reason, "why, for the record");
    auto& gr = a->guardrails;
    cmd->add_option("--max-error-rate", gr.max_error_rate,
                    "guardrail: the canary's error share in an interval, 0..1 (0: off)")
        ->default_str("0.05")
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--min-interval-requests", gr.min_interval_requests,
                    "intervals with fewer canary requests say nothing of its rates")
        ->default_str("20");
    cmd->add_option("--max-p99-ms", gr.max_p99_ms, "guardrail: the canary's p99 latency (0: off)")
        ->default_str("0")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--max-prediction-shift", gr.max_prediction_shift,
                    "guardrail: Jensen-Shannon divergence (0..1) of the canary's predictions "
                    "from stable's (0: off)")
        ->default_str("0")
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--max-feature-drift", gr.max_feature_drift,
                    "guardrail: the largest drift (JS) of the canary's inputs from its training "
                    "statistics (0: off)")
        ->default_str("0")
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--business-alpha", gr.business_alpha,
                    "guardrail: roll back when an outcome is significantly worse than stable's "
                    "at this level (always-valid p-value; 0: off)")
        ->default_str("0.05")
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--breach-window-s", a->breach_window_s,
                    "seconds a guardrail must stay breached before the canary is rolled back")
        ->default_str("60")
        ->check(CLI::Range(int64_t{0}, int64_t{86400 * 30}));
    cmd->add_option("--promote-after-s", a->promote_after_s,
                    "promote a canary that held its guardrails this long (0: promote by hand)")
        ->default_str("0")
        ->check(CLI::Range(int64_t{0}, int64_t{86400 * 365}));
    cmd->add_option("--promote-min-requests", gr.promote_min_requests,
                    "... and answered at least this many requests")
        ->default_str("1000");
    cmd->callback([&g, &exit_code, a, cmd] {
      if (cmd->count("--no-sticky")) a->sticky_header.clear(), a->sticky_feature.clear();
      exit_code = Deploy(g, *a, *cmd);
    });
  }
  for (const bool promote : {true, false}) {
    auto* cmd = app.add_subcommand(
        promote ? "promote" : "rollback",
        promote ? "make a deployment's canary its stable version (100% of requests)"
                : "take a deployment's canary and shadow out; without either, return stable to "
                  "the version before");
    auto name = std::make_shared<std::string>();
    auto reason = std::make_shared<std::string>();
    cmd->add_option("NAME", *name, "the deployment")->required();
    cmd->add_option("--reason", *reason, "why, for the record");
    cmd->callback([&g, &exit_code, name, reason, promote] {
      auto store = OpenStore(g, /*create=*/false);
      if (!store.ok()) {
        exit_code = ReportError(store.status());
        return;
      }
      const registry::ModelRepository repository(g.model_repository);
      exit_code =
          Report(g, promote ? serve::ApplyPromote(**store, repository, *name, *reason, NowMs())
                            : serve::ApplyRollback(**store, repository, *name, *reason, NowMs()));
    });
  }
  auto* deployments = app.add_subcommand("deployments", "the deployments lathe serve routes by");
  deployments->require_subcommand(1);
  {
    auto* cmd = deployments->add_subcommand("list", "every deployment and its traffic split");
    cmd->callback([&g, &exit_code] { exit_code = List(g); });
  }
  {
    auto* cmd = deployments->add_subcommand(
        "show", "one deployment: split, guardrails, business uplift, and its history of changes");
    auto name = std::make_shared<std::string>();
    cmd->add_option("NAME", *name, "the deployment")->required();
    cmd->callback([&g, &exit_code, name] { exit_code = Show(g, *name); });
  }
}

}  // namespace lathe::cli
