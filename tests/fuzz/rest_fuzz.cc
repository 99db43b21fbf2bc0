// libFuzzer target for the server's request handling (RestApi::Handle) over the penguins bundle in
// rest_bundle/, deployed (routing, the deployments API and feedback included): the input's first
// line is "METHOD TARGET", the rest the body. Any request must be answered -- never crash, throw or
// hang -- with a JSON body, and every 4xx/5xx answer must say
// {"error": "..."} (scripts/fuzz.sh).
#include <cstddef>
#include <cstdint>
#include <string>

#include "lathe/serve/deployments.h"
#include "lathe/serve/rest_api.h"
#include "served_bundle.h"

namespace {

// With a deployment of the model (sticky by a feature) in an in-memory store, so that routing,
// the deployments API and feedback are fuzzed too.
std::unique_ptr<lathe::serve::Deployments> Deploy(lathe::metadata::MetadataStore& store,
                                                  const std::filesystem::path& repository) {
  using namespace lathe::serve;
  auto d = std::make_unique<Deployments>(store, lathe::registry::ModelRepository(repository));
  auto made = UpdateDeployment(
      store, lathe::registry::ModelRepository(repository), "penguins",
      [](const std::optional<Deployment>& current)
          -> lathe::Result<std::optional<DeploymentUpdate>> {
        auto next = PlanDeploy(
            current, {.name = "penguins", .version = 1, .key = StickyKey{"", "island"}}, 1);
        if (!next.ok()) return next.status();
        return std::optional<DeploymentUpdate>(DeploymentUpdate{*next});
      });
  if (!made.ok() || !d->Refresh().ok()) __builtin_trap();
  return d;
}

struct Server {
  lathe::fuzz::ServedBundle served{"lathe-rest-fuzz"};
  std::unique_ptr<lathe::metadata::MetadataStore> store =
      std::move(*lathe::metadata::MetadataStore::Open("sqlite://:memory:"));
  std::unique_ptr<lathe::serve::Deployments> deployments =
      Deploy(*store, served.manager->options().repository);
  lathe::serve::RestApi api{*served.manager, served.metrics,
                            lathe::serve::RestOptions{.deployments = deployments.get()}};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Never destroyed: freeing a booster during static destruction, after XGBoost's thread-local
  // store of the main thread is gone, is a double free inside XGBoost.
  static Server* server = new Server();
  const std::string text(reinterpret_cast<const char*>(data), size);
  const size_t eol = text.find('\n');
  const std::string line = text.substr(0, eol);
  lathe::serve::HttpRequest r;
  const size_t space = line.find(' ');
  r.method = line.substr(0, space);
  r.target = space == std::string::npos ? "/" : line.substr(space + 1);
  r.body = eol == std::string::npos ? "" : text.substr(eol + 1);
  const auto response = server->api.Handle(r);
  if (response.status < 200 || response.status > 599) __builtin_trap();
  if (response.content_type == "application/json") {
    auto j = nlohmann::json::parse(response.body, nullptr, false);
    if (j.is_discarded()) __builtin_trap();
    if (response.status >= 400 && !(j.is_object() && j.contains("error") && j["error"].is_string()))
      __builtin_trap();
  }
  return 0;
}
