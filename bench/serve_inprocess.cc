// The limit of bench/run.sh serve: single-row predictions through a model bundle in this process,
// with no network: (1) LoadedModel::PredictInstances on a parsed instance, (2) RestApi::Handle on
// the HTTP body, as lathe serve calls it. Prints one JSON object of rates per second, one thread.
//   lathe_bench_serve_inprocess REPOSITORY MODEL BODY_FILE [SECONDS]
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

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
  if (!ok) {
    std::cerr << "a prediction failed\n";
    return 1;
  }
  fmt::print("{{\"predict_instances_per_s\": {:.0f}, \"rest_handle_per_s\": {:.0f}}}\n", predict,
             handle_rate);
  return 0;
}
