// lathe serve: the model server over the model repository (serve/, server/), and
// lathe models label|unlabel|labels: the version labels it routes by.
//
// Options come from flags and from a YAML --config file whose keys are the flags' long names
// (port: 8501, version-policy: latest:2, models: [penguins]); a flag given on the command line
// wins over the file.
#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <memory>

#include "lathe/cli/commands.h"
#include "lathe/core/fs.h"
#include "lathe/core/json_depth.h"
#include "lathe/core/strings.h"
#include "lathe/core/yaml.h"
#include "lathe/registry/model_labels.h"
#include "lathe/serve/deployments.h"
#include "lathe/serve/drift_monitor.h"
#include "lathe/serve/model_manager.h"
#include "lathe/serve/rest_api.h"
#include "lathe/serve/rollout_controller.h"
#include "lathe/serve/shadow_mirror.h"
#include "lathe/server/grpc_server.h"
#include "lathe/server/http_server.h"

namespace lathe::cli {

namespace {

namespace fs = std::filesystem;

struct ServeArgs {
  std::string config;
  std::string model_repository;  // empty: the global --model-repository
  std::string address = "0.0.0.0";
  int port = 8501;
  int grpc_port = -1;  // -1: no gRPC
  int threads = 0;
  std::string version_policy = "latest";
  std::vector<std::string> models;
  std::vector<std::string> model_policies;  // NAME=POLICY
  int poll_interval_ms = 2000;
  size_t max_body_bytes = 4u << 20;
  int read_timeout_ms = 30000;
  int max_connections = 1024;
  std::string write_token_file;
  std::string predict_token_file;
  int shutdown_grace_ms = 10000;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string request_log;
  double request_log_sample_rate = 1.0;
  uint64_t request_log_max_bytes = 64ull << 20;
  int request_log_keep = 5;
  size_t drift_window_rows = 10000;
  int drift_interval_ms = 10000;
  size_t batch_max_size = 0;
  int batch_max_wait_us = 1000;
  bool no_deployments = false;
  int deployment_interval_ms = 1000;
  int rollout_interval_ms = 10000;
  size_t feedback_window_requests = 200000;
  size_t shadow_queue = 1024;
};

// Applies the --config file to every option not given on the command line.
Status ApplyConfig(CLI::App& cmd, const std::string& file) {
  LATHE_ASSIGN_OR_RETURN(std::string text, ReadTextFile(file, "serve configuration", 1 << 20));
  LATHE_ASSIGN_OR_RETURN(YAML::Node root, LoadUserYaml(text, file));
  if (!root.IsMap() && !root.IsNull())
    return InvalidArgumentError(file + ": expected a mapping of option: value");
  for (const auto& item : root) {
    const std::string key = item.first.as<std::string>();
    const auto mark = item.first.Mark();
    const std::string where = fmt::format("{}:{}:{}", file, mark.line + 1, mark.column + 1);
    CLI::Option* opt =
        key == "config" || key == "help" ? nullptr : cmd.get_option_no_throw("--" + key);
    if (opt == nullptr)
      return InvalidArgumentError(
          fmt::format("{}: unknown option '{}' (see lathe serve --help)", where, key));
    if (opt->count() > 0) continue;  // the command line wins
    std::vector<std::string> values;
    if (item.second.IsSequence()) {
      for (const auto& v : item.second) {
        if (!v.IsScalar())
          return InvalidArgumentError(
              fmt::format("{}: '{}': expected a list of values", where, key));
        values.push_back(v.as<std::string>());
      }
    } else if (item.second.IsScalar()) {
      values.push_back(item.second.as<std::string>());
    } else {
      return InvalidArgumentError(fmt::format("{}: '{}': expected a value or a list", where, key));
    }
    try {
      opt->clear();
      for (const auto& v : values) opt->add_result(v);
      opt->run_callback();
    } catch (const CLI::Error& e) {
      return InvalidArgumentError(fmt::format("{}: '{}': {}", where, key, e.what()));
    }
  }
  return Status::Ok();
}

int Serve(CLI::App& cmd, const GlobalOptions& g, ServeArgs& a) {
  if (!a.config.empty())
    if (Status st = ApplyConfig(cmd, a.config); !st.ok()) return ReportUsageError(st);
  spdlog::set_level(g.verbose ? spdlog::level::debug : spdlog::level::info);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  serve::ManagerOptions mo;
  mo.repository = a.model_repository.empty() ? g.model_repository : a.model_repository;
  mo.models = a.models;
  mo.drift_window_rows = a.drift_window_rows;
  mo.batching = {.max_batch_size = a.batch_max_size,
                 .max_wait = std::chrono::microseconds(a.batch_max_wait_us)};
  for (const auto& m : a.models)
    if (Status st = registry::ModelRepository::CheckModelName(m); !st.ok())
      return ReportUsageError(InvalidArgumentError("--models: " + st.message()));
  auto policy = serve::ParseVersionPolicy(a.version_policy);
  if (!policy.ok()) return ReportUsageError(policy.status());
  mo.policy = *policy;
  for (const auto& item : a.model_policies) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos)
      return ReportUsageError(
          InvalidArgumentError(fmt::format("--model-policy '{}': expected NAME=POLICY", item)));
    const std::string name = item.substr(0, eq);
    if (Status st = registry::ModelRepository::CheckModelName(name); !st.ok())
      return ReportUsageError(InvalidArgumentError("--model-policy: " + st.message()));
    auto p = serve::ParseVersionPolicy(item.substr(eq + 1));
    if (!p.ok()) return ReportUsageError(p.status());
    mo.policies[name] = *p;
  }
  serve::RestOptions ro;
  auto write_token = ReadTokenFile(a.write_token_file, "--write-token-file");
  if (!write_token.ok()) return ReportUsageError(write_token.status());
  auto predict_token = ReadTokenFile(a.predict_token_file, "--predict-token-file");
  if (!predict_token.ok()) return ReportUsageError(predict_token.status());
  ro.write_token = *write_token;
  ro.predict_token = *predict_token;
  std::unique_ptr<serve::RequestLog> request_log;
  if (!a.request_log.empty()) {
    auto log = serve::RequestLog::Open({.path = a.request_log,
                                        .sample_rate = a.request_log_sample_rate,
                                        .max_bytes = a.request_log_max_bytes,
                                        .keep = a.request_log_keep});
    if (!log.ok()) return ReportStartError(log.status());
    request_log = std::move(*log);
    ro.request_log = request_log.get();
  }

  // SIGTERM and SIGINT are taken by sigwait below, so every thread started from here blocks them.
  const sigset_t signals = BlockTermination();

  // Deployments (deployment.h) live in the metadata store, shared with lathe deploy and with
  // every other server on the store.
  std::unique_ptr<metadata::MetadataStore> store;
  std::unique_ptr<serve::Deployments> deployments;
  std::unique_ptr<serve::ShadowMirror> shadow;
  if (!a.no_deployments) {
    auto opened = OpenStore(g, /*create=*/true);
    if (!opened.ok()) return ReportStartError(opened.status());
    store = std::move(*opened);
    deployments = std::make_unique<serve::Deployments>(
        *store, registry::ModelRepository(mo.repository),
        serve::DeploymentsOptions{.interval = std::chrono::milliseconds(a.deployment_interval_ms),
                                  .assignments = a.feedback_window_requests});
    if (Status st = deployments->Refresh(); !st.ok()) return ReportStartError(st);
    shadow = std::make_unique<serve::ShadowMirror>(a.shadow_queue);
    mo.pinned_versions = [d = deployments.get()](const std::string& model) {
      return d->VersionsOf(model);
    };
    ro.deployments = deployments.get();
    ro.shadow = shadow.get();
  }

  serve::ServingMetrics metrics;
  serve::ModelManager manager(mo, &metrics);
  if (!PathExists(mo.repository))
    spdlog::warn("the model repository {} does not exist yet; watching for it",
                 mo.repository.string());
  manager.Poll();  // the first versions load before the port opens
  manager.StartPolling(std::chrono::milliseconds(std::max(a.poll_interval_ms, 50)));
  serve::RestApi api(manager, metrics, ro);
  std::unique_ptr<serve::RolloutController> rollout;
  if (deployments) {
    // A change of routed versions loads them at once, not at the next repository poll.
    deployments->Start([&manager] { manager.Poll(); });
    rollout = std::make_unique<serve::RolloutController>(*deployments, metrics);
    rollout->Start(std::chrono::milliseconds(a.rollout_interval_ms));
  }
  // Drift gauges: computed in the background from each version's window of served rows.
  serve::DriftMonitor drift(manager, {.interval = std::chrono::milliseconds(a.drift_interval_ms)});
  if (a.drift_window_rows > 0) drift.Start();

  server::HttpServerOptions ho;
  ho.address = a.address;
  ho.port = a.port;
  ho.threads = a.threads;
  ho.max_body_bytes = a.max_body_bytes;
  ho.read_timeout = std::chrono::milliseconds(a.read_timeout_ms);
  ho.max_connections = a.max_connections;
  ho.tls_cert_file = a.tls_cert_file;
  ho.tls_key_file = a.tls_key_file;
  auto http =
      server::HttpServer::Start(ho, [&api](const serve::HttpRequest& r) { return api.Handle(r); });
  if (!http.ok()) return ReportStartError(http.status());
  std::unique_ptr<server::GrpcServer> grpc;
  if (a.grpc_port >= 0) {
    server::GrpcServerOptions go;
    go.address = a.address;
    go.port = a.grpc_port;
    go.threads = a.threads;
    go.max_message_bytes = a.max_body_bytes;
    go.predict_token = ro.predict_token;
    go.tls_cert_file = a.tls_cert_file;
    go.tls_key_file = a.tls_key_file;
    go.request_log = ro.request_log;
    go.deployments = ro.deployments;
    go.shadow = ro.shadow;
    auto started = server::GrpcServer::Start(go, manager, metrics);
    if (!started.ok()) {
      (*http)->Shutdown(std::chrono::milliseconds(0));
      return ReportStartError(started.status());
    }
    grpc = std::move(*started);
  }
  const auto loaded = manager.Loaded();
  spdlog::info(
      "serving {} on http://{}:{} ({} model versions loaded from {}; policy {})",
      loaded.empty() ? std::string("nothing yet") : fmt::format("{} versions", loaded.size()),
      a.address, (*http)->port(), loaded.size(), mo.repository.string(), mo.policy.ToString());
  // Tests and scripts read the port from here when they ask for port 0.
  fmt::print("listening on {}:{}{}\n", a.address, (*http)->port(),
             a.tls_cert_file.empty() ? "" : " (TLS)");
  if (grpc)
    fmt::print("gRPC listening on {}:{}{}\n", a.address, grpc->port(),
               a.tls_cert_file.empty() ? "" : " (TLS)");
  std::fflush(stdout);

  const int sig = WaitForTermination(signals);
  spdlog::info("{}: finishing requests in flight, then exiting",
               sig == SIGTERM ? "SIGTERM" : "SIGINT");
  (*http)->Shutdown(std::chrono::milliseconds(a.shutdown_grace_ms));
  if (grpc) grpc->Shutdown(std::chrono::milliseconds(a.shutdown_grace_ms));
  (*http)->Wait();
  if (rollout) rollout->Stop();
  if (deployments) deployments->Stop();  // writes the outcomes not written yet
  shadow.reset();
  drift.Stop();
  manager.StopPolling();
  spdlog::info("stopped");
  return kExitOk;
}

int ShowLabels(const GlobalOptions& g, const std::string& name, const registry::Labels& labels) {
  if (g.json) {
    fmt::print("{}\n", JsonText(nlohmann::json{{"model", name}, {"labels", labels}}, 2));
    return kExitOk;
  }
  if (labels.empty()) fmt::print("model {} has no labels\n", name);
  for (const auto& [label, version] : labels) fmt::print("{}\t{}\n", label, version);
  return kExitOk;
}

}  // namespace

void AddServeCommands(CLI::App& app, const GlobalOptions& g, int& exit_code) {
  {
    auto* cmd = app.add_subcommand(
        "serve",
        "serve the model repository's models over HTTP (TF Serving REST and KServe v2) "
        "and gRPC (KServe v2)");
    auto a = std::make_shared<ServeArgs>();
    cmd->add_option("--config", a->config,
                    "a YAML file of these options by long name (port: 8501); flags win");
    cmd->add_option("--model-repository", a->model_repository,
                    "the model repository to serve (<repo>/<name>/<version>/); default: the "
                    "global --model-repository, .lathe/models");
    cmd->add_option("--address", a->address, "address to listen on")->default_str(a->address);
    cmd->add_option("--port", a->port, "HTTP port (0: any free port)")
        ->default_str(std::to_string(a->port))
        ->check(CLI::Range(0, 65535));
    cmd->add_option("--grpc-port", a->grpc_port,
                    "also serve KServe v2 over gRPC on this port (0: any free port; default: no "
                    "gRPC)")
        ->check(CLI::Range(0, 65535));
    cmd->add_option("--threads", a->threads,
                    "I/O and inference threads (default: the cores of this machine)")
        ->check(CLI::Range(0, 1024));
    cmd->add_option("--version-policy", a->version_policy,
                    "which versions to serve: latest[:N], specific:V[,V...] or all")
        ->default_str(a->version_policy);
    cmd->add_option("--models", a->models, "serve only these models (default: every model)");
    cmd->add_option("--model-policy", a->model_policies,
                    "a model's own version policy, NAME=POLICY (repeatable)");
    cmd->add_option("--poll-interval-ms", a->poll_interval_ms,
                    "how often to look for new versions and labels, in milliseconds")
        ->default_str(std::to_string(a->poll_interval_ms))
        ->check(CLI::Range(50, 3600000));
    cmd->add_option("--max-body-bytes", a->max_body_bytes,
                    "largest request body (or gRPC message) accepted")
        ->default_str(std::to_string(a->max_body_bytes))
        ->check(CLI::Range(size_t{1024}, size_t{1} << 30));
    cmd->add_option("--read-timeout-ms", a->read_timeout_ms,
                    "time a client has to send a whole request (and idle time between requests)")
        ->default_str(std::to_string(a->read_timeout_ms))
        ->check(CLI::Range(100, 3600000));
    cmd->add_option("--max-connections", a->max_connections, "open connections at most")
        ->default_str(std::to_string(a->max_connections))
        ->check(CLI::Range(1, 1000000));
    cmd->add_option("--write-token-file", a->write_token_file,
                    "file holding the bearer token that allows label changes and reloads "
                    "(without it they are disabled)");
    cmd->add_option("--predict-token-file", a->predict_token_file,
                    "file holding a bearer token required by predict requests (default: none)");
    cmd->add_option("--shutdown-grace-ms", a->shutdown_grace_ms,
                    "on SIGTERM, how long requests in flight may take to finish")
        ->default_str(std::to_string(a->shutdown_grace_ms))
        ->check(CLI::Range(0, 3600000));
    cmd->add_option(
        "--tls-cert-file", a->tls_cert_file,
        "serve HTTPS (and gRPC over TLS) with this PEM certificate chain (with --tls-key-file)");
    cmd->add_option("--tls-key-file", a->tls_key_file, "the PEM private key of --tls-cert-file");
    cmd->add_option("--request-log", a->request_log,
                    "append sampled requests to this JSON Lines file (raw features, prediction, "
                    "latency); lathe stats compare reads it as serving data");
    cmd->add_option("--request-log-sample-rate", a->request_log_sample_rate,
                    "the share of requests logged, 0..1")
        ->default_str("1")
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--request-log-max-bytes", a->request_log_max_bytes,
                    "rotate the request log past this size (to FILE.1, FILE.2, ...)")
        ->default_str(std::to_string(a->request_log_max_bytes))
        ->check(CLI::Range(uint64_t{4096}, uint64_t{1} << 50));
    cmd->add_option("--request-log-keep", a->request_log_keep, "rotated request logs kept")
        ->default_str("5")
        ->check(CLI::Range(1, 1000));
    cmd->add_option("--drift-window-rows", a->drift_window_rows,
                    "served rows kept per version to measure feature drift against the bundle's "
                    "training statistics (0: no drift gauges)")
        ->default_str(std::to_string(a->drift_window_rows))
        ->check(CLI::Range(size_t{0}, size_t{10000000}));
    cmd->add_option("--drift-interval-ms", a->drift_interval_ms,
                    "how often the drift gauges are computed, in milliseconds")
        ->default_str(std::to_string(a->drift_interval_ms))
        ->check(CLI::Range(50, 86400000));
    cmd->add_option("--batch-max-size", a->batch_max_size,
                    "server-side batching: predict concurrent requests to a version together, "
                    "up to this many rows per model call (0 or 1: off)")
        ->default_str("0")
        ->check(CLI::Range(size_t{0}, size_t{1000000}));
    cmd->add_option("--batch-max-wait-us", a->batch_max_wait_us,
                    "server-side batching: how long a batch waits for more requests, in "
                    "microseconds")
        ->default_str(std::to_string(a->batch_max_wait_us))
        ->check(CLI::Range(0, 1000000));
    cmd->add_flag("--no-deployments", a->no_deployments,
                  "do not read deployments from the metadata store (--store): requests without "
                  "a version or label go to the newest version");
    cmd->add_option("--deployment-interval-ms", a->deployment_interval_ms,
                    "how often deployments are read from the store and fed-back outcomes "
                    "written to it, in milliseconds")
        ->default_str(std::to_string(a->deployment_interval_ms))
        ->check(CLI::Range(50, 3600000));
    cmd->add_option("--rollout-interval-ms", a->rollout_interval_ms,
                    "how often each canary is observed and its guardrails applied, in "
                    "milliseconds")
        ->default_str(std::to_string(a->rollout_interval_ms))
        ->check(CLI::Range(50, 3600000));
    cmd->add_option("--feedback-window-requests", a->feedback_window_requests,
                    "deployment-routed requests (and sticky keys) remembered so that feedback "
                    "can name them by request id")
        ->default_str(std::to_string(a->feedback_window_requests))
        ->check(CLI::Range(size_t{0}, size_t{100000000}));
    cmd->add_option("--shadow-queue", a->shadow_queue,
                    "mirrored requests waiting for a shadow version at most; more are dropped "
                    "(lathe_serve_shadow_dropped_total)")
        ->default_str(std::to_string(a->shadow_queue))
        ->check(CLI::Range(size_t{1}, size_t{1000000}));
    cmd->callback([cmd, &g, &exit_code, a] { exit_code = Serve(*cmd, g, *a); });
  }
  CLI::App* models = app.get_subcommand("models");
  {
    auto* cmd = models->add_subcommand(
        "label", "point a version label (stable, canary, ...) at a version; lathe serve follows");
    auto name = std::make_shared<std::string>();
    auto label = std::make_shared<std::string>();
    auto version = std::make_shared<int64_t>(0);
    cmd->add_option("NAME", *name, "the model")->required();
    cmd->add_option("LABEL", *label, "the label")->required();
    cmd->add_option("VERSION", *version, "the version")->required()->check(CLI::PositiveNumber);
    cmd->callback([&g, &exit_code, name, label, version] {
      const registry::ModelRepository repository(g.model_repository);
      auto labels = registry::SetLabel(repository, *name, *label, *version);
      exit_code =
          !labels.ok() ? ReportRequestError(labels.status()) : ShowLabels(g, *name, *labels);
    });
  }
  {
    auto* cmd = models->add_subcommand("unlabel", "remove a version label");
    auto name = std::make_shared<std::string>();
    auto label = std::make_shared<std::string>();
    cmd->add_option("NAME", *name, "the model")->required();
    cmd->add_option("LABEL", *label, "the label")->required();
    cmd->callback([&g, &exit_code, name, label] {
      const registry::ModelRepository repository(g.model_repository);
      auto labels = registry::RemoveLabel(repository, *name, *label);
      exit_code =
          !labels.ok() ? ReportRequestError(labels.status()) : ShowLabels(g, *name, *labels);
    });
  }
  {
    auto* cmd = models->add_subcommand("labels", "list a model's version labels");
    auto name = std::make_shared<std::string>();
    cmd->add_option("NAME", *name, "the model")->required();
    cmd->callback([&g, &exit_code, name] {
      const registry::ModelRepository repository(g.model_repository);
      auto labels = registry::ReadLabels(repository, *name);
      exit_code =
          !labels.ok() ? ReportRequestError(labels.status()) : ShowLabels(g, *name, *labels);
    });
  }
}

}  // namespace lathe::cli
