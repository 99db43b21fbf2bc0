// A loaded model version as the server holds it, and the handle a request keeps while it uses one.
//
// A ServableVersion is immutable once published by the ModelManager (model_manager.h); requests
// hold a ServableHandle (a shared pointer) for their duration, so a version the manager retires is
// unloaded only when its last in-flight request lets go, as TF Serving's ServableHandle does.
// Its metrics are atomic or locked inside VersionMetrics; everything else is read-only.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "lathe/serve/batcher.h"
#include "lathe/serve/drift_monitor.h"
#include "lathe/serve/metrics.h"
#include "lathe/train/bundle.h"

namespace lathe::serve {

struct ServableVersion {
  std::string name;
  int64_t version = 0;
  std::filesystem::path dir;
  std::unique_ptr<const train::LoadedModel> model;
  std::shared_ptr<VersionMetrics> metrics;  // never null once published
  // The newest served rows, for drift against the training statistics; null when the bundle
  // has none or drift is off (serve/drift_monitor.h).
  std::shared_ptr<FeatureWindow> window;
  // Predicts concurrent requests together; null unless server-side batching is on (batcher.h).
  // Declared after the model and metrics it uses, so it goes first.
  std::unique_ptr<Batcher> batcher;
  std::chrono::system_clock::time_point loaded_at;
};

using ServableHandle = std::shared_ptr<const ServableVersion>;

}  // namespace lathe::serve
