// lathe ui [--address] [--port] [--assets DIR] [--server URL] [--token-file F]: the web app and
// its JSON API over the store.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "lathe/cli/commands.h"
#include "lathe/serve/http_json.h"
#include "lathe/server/http_server.h"
#include "lathe/server/static_files.h"
#include "lathe/server/ui_api.h"

namespace lathe::cli {

namespace {

struct UiArgs {
  std::string address = "127.0.0.1";
  int port = 8080;
  std::string assets;
  int threads = 0;
  std::string server;  // a lathe serve for the serving monitor
  std::string token_file;
  std::string request_log;
};

// Where the build put the web app: next to the lathe binary (build/bin/lathe -> build/ui), or
// installed beside it (bin/lathe -> share/lathe/ui).
std::filesystem::path DefaultAssets() {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "ui";
  std::filesystem::path dir = exe.parent_path();
  for (const auto& candidate :
       {dir / "ui", dir.parent_path() / "ui", dir.parent_path() / "share" / "lathe" / "ui"})
    if (std::filesystem::is_regular_file(candidate / "index.html", ec)) return candidate;
  return dir.parent_path() / "ui";
}

int RunUi(const GlobalOptions& g, const UiArgs& a) {
  spdlog::set_level(g.verbose ? spdlog::level::debug : spdlog::level::info);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  auto files = server::StaticFiles::Load(a.assets.empty() ? DefaultAssets()
                                                          : std::filesystem::path(a.assets));
  if (!files.ok()) return ReportError(files.status());
  auto token = ReadTokenFile(a.token_file, "--token-file");
  if (!token.ok()) return ReportUsageError(token.status());
  // Read-only unless writes are allowed: then deploys write to the store.
  auto store = token->empty() ? OpenStoreReadOnly(g) : OpenStore(g, /*create=*/false);
  if (!store.ok()) return ReportError(store.status());
  std::string serving = a.server;
  while (!serving.empty() && serving.back() == '/') serving.pop_back();
  server::UiApi api(**store, {.store_uri = g.store_uri,
                              .write_token = *token,
                              .model_repository = g.model_repository,
                              .artifact_root = g.artifacts_dir,
                              .serving_url = serving,
                              .request_log = a.request_log});

  const sigset_t signals = BlockTermination();

  server::HttpServerOptions ho;
  ho.address = a.address;
  ho.port = a.port;
  ho.threads = a.threads;
  const server::StaticFiles& assets = *files;
  auto http = server::HttpServer::Start(ho, [&](const serve::HttpRequest& r) {
    if (r.target.rfind("/api/", 0) == 0) return api.Handle(r);
    if (r.method != "GET" && r.method != "HEAD")
      return serve::ErrorResponse(405, "only GET is allowed for the web app's files");
    auto target = serve::ParseTarget(r.target);
    std::optional<serve::HttpResponse> file;
    if (target.ok()) file = assets.Serve(target->path);
    return file ? *std::move(file) : serve::ErrorResponse(404, "no such file");
  });
  if (!http.ok()) return ReportStartError(http.status());
  spdlog::info("the Lathe UI for {} ({} files, {})", g.store_uri, assets.size(),
               token->empty() ? "read-only" : "writes allowed with the token");
  // Tests and scripts read the port from here when they ask for port 0.
  fmt::print("listening on {}:{}\nopen http://{}:{}/\n", a.address, (*http)->port(),
             a.address == "0.0.0.0" ? "127.0.0.1" : a.address, (*http)->port());
  std::fflush(stdout);
  WaitForTermination(signals);
  (*http)->Shutdown(std::chrono::milliseconds(2000));
  (*http)->Wait();
  return kExitOk;
}

}  // namespace

void AddUiCommand(CLI::App& app, const GlobalOptions& g, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "ui",
      "the web UI in a browser: runs, lineage, statistics, evaluations, run comparison, models, "
      "deployments and serving");
  auto a = std::make_shared<UiArgs>();
  cmd->add_option("--address", a->address, "address to listen on")->default_str("127.0.0.1");
  cmd->add_option("--port", a->port, "HTTP port (0: any free port)")
      ->check(CLI::Range(0, 65535))
      ->default_str("8080");
  cmd->add_option("--assets", a->assets,
                  "folder of the built web app (default: the one built next to this binary)");
  cmd->add_option("--server", a->server,
                  "a lathe serve (http://HOST:PORT) whose metrics the serving monitor shows")
      ->check([](const std::string& url) {
        return url.rfind("http://", 0) == 0 && url.size() > 7
                   ? std::string()
                   : std::string("expected http://HOST:PORT, got '" + url + "'");
      });
  cmd->add_option("--request-log", a->request_log,
                  "the request log of a lathe serve (--request-log): its rows against each "
                  "version's training statistics");
  cmd->add_option("--token-file", a->token_file,
                  "file holding a bearer token that allows deploy, promote, rollback, feedback "
                  "and reproductions from the UI (without it the UI is read-only)");
  cmd->add_option("--threads", a->threads, "I/O threads (default: the thread budget)")
      ->check(CLI::Range(0, 256));
  cmd->callback([&g, &exit_code, a] { exit_code = RunUi(g, *a); });
}

}  // namespace lathe::cli
