// The limit of bench/run.sh serve: single-row predictions through a model bundle in this process,
// with no network: (1) LoadedModel::PredictInstances on a parsed instance, (2) RestApi::Handle on
// the HTTP body, as lathe serve calls it, (3) the same under a deployment (an in-memory store;
// stable and a 10% canary of the same version, sticky by a header that differs per request, each
// request remembered for feedback): the cost of routing. Prints one JSON object of rates per
// second, one thread.
//   lathe_bench_serve_inprocess REPOSITORY MODEL BODY_FILE [SECONDS]
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "lathe/serve/deployments.h"
#include "lathe/serve/model_manager.h"
#include "lathe/serve/rest_api.h"

using namespace lathe;

namespace {

template <typename F>
double Rate(double seconds, F&& call) {
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  long n = 0;
  while (std::chrono::steady_clock::now() < end) {
    for (int i = 0; i < 100; ++i) call();
    n += 100;
  }
  return n / std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: lathe_bench_serve_inprocess REPOSITORY MODEL BODY_FILE [SECONDS]\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);  // stdout carries the JSON only
  const double seconds = argc > 4 ? std::stod(argv[4]) : 3;
  std::stringstream body;
  body << std::ifstream(argv[3]).rdbuf();
  serve::ManagerOptions o;
  o.repository = argv[1];
  serve::ServingMetrics metrics;
  serve::ModelManager manager(o, &metrics);
  manager.Poll();
  auto handle = manager.Find(argv[2], std::nullopt, "");
  if (!handle.ok()) {
    std::cerr << handle.status().ToString() << "\n";
    return 1;
  }
  const auto instances = nlohmann::json::parse(body.str())["instances"];
  const train::LoadedModel& model = *(*handle)->model;
  bool ok = true;
  const double predict = Rate(seconds, [&] { ok = ok && model.PredictInstances(instances).ok(); });
  serve::RestApi api(manager, metrics, {});
  serve::HttpRequest request;
  request.method = "POST";
  request.target = fmt::format("/v1/models/{}:predict", argv[2]);
  request.body = body.str();
  const double handle_rate = Rate(seconds, [&] { ok = ok && api.Handle(request).status == 200; });
  // (3) Under a deployment.
  auto store = metadata::MetadataStore::Open("sqlite://:memory:");
  if (!store.ok()) return 1;
  const registry::ModelRepository repository(o.repository);
  serve::Deployments deployments(**store, repository);
  const int64_t version = (*handle)->version;
  for (const auto& r :
       {serve::DeployRequest{
            .name = argv[2], .version = version, .key = serve::StickyKey{"X-User-Id", ""}},
        serve::DeployRequest{.name = argv[2], .version = version, .canary = 0.1}}) {
    auto changed = serve::UpdateDeployment(
        **store, repository, argv[2],
        [&](const std::optional<serve::Deployment>& current)
            -> Result<std::optional<serve::DeploymentUpdate>> {
          serve::DeployRequest req = r;
          if (req.canary) {  // the same version as canary: PlanDeploy refuses the stable one
            serve::Deployment d = *current;
            d.split.canary = version;
            d.split.canary_share = *req.canary;
            return std::optional<serve::DeploymentUpdate>(serve::DeploymentUpdate{d});
          }
          auto next = serve::PlanDeploy(current, req, 1);
          if (!next.ok()) return next.status();
          return std::optional<serve::DeploymentUpdate>(serve::DeploymentUpdate{*next});
        });
    if (!changed.ok()) {
      std::cerr << changed.status().ToString() << "\n";
      return 1;
    }
  }
  if (!deployments.Refresh().ok()) return 1;
  serve::RestOptions ro;
  ro.deployments = &deployments;
  serve::RestApi routed(manager, metrics, ro);
  uint64_t n = 0;
  std::string user;
  request.header = [&user](std::string_view) -> std::optional<std::string> { return user; };
  const double deployed_rate = Rate(seconds, [&] {
    ++n;
    user = fmt::format("user-{}", n);
    request.request_id = fmt::format("request-{}", n);
    ok = ok && routed.Handle(request).status == 200;
  });
  if (!ok) {
    std::cerr << "a prediction failed\n";
    return 1;
  }
  fmt::print(
      "{{\"predict_instances_per_s\": {:.0f}, \"rest_handle_per_s\": {:.0f}, "
      "\"rest_handle_deployed_per_s\": {:.0f}}}\n",
      predict, handle_rate, deployed_rate);
  return 0;
}
