// The penguins bundle in rest_bundle/, served by a ModelManager from a fresh repository in the
// temporary directory: what the server's fuzz targets (rest_fuzz, grpc_fuzz) send requests to.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "lathe/serve/model_manager.h"

namespace lathe::fuzz {

struct ServedBundle {
  serve::ServingMetrics metrics;
  std::unique_ptr<serve::ModelManager> manager;

  // `name`: the repository's directory under the temporary directory, one per target.
  explicit ServedBundle(const std::string& name) {
    const auto repository = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(repository);
    std::filesystem::create_directories(repository / "penguins");
    std::filesystem::copy(LATHE_FUZZ_BUNDLE, repository / "penguins" / "1",
                          std::filesystem::copy_options::recursive);
    serve::ManagerOptions o;
    o.repository = repository;
    manager = std::make_unique<serve::ModelManager>(o, &metrics);
    manager->Poll();
    if (!manager->Ready()) __builtin_trap();  // the bundle must load
  }
};

}  // namespace lathe::fuzz
