// Server-side batching (TF Serving's batching, in small): concurrent requests to one model
// version are predicted together in one call of the model, which costs less per row than one
// call each. Off unless max_batch_size is set.
//
// No thread of its own: the first request of a batch leads it. It waits up to `max_wait` for
// others to join (or until `max_batch_size` rows are in), predicts them all, and hands each
// request its rows' predictions. A request that would overflow the open batch closes it and
// leads the next; a request of more than `max_batch_size` rows is predicted alone. Since the
// server's handlers are synchronous, a batch holds at most one request per handler thread
// (`lathe serve --threads`, and gRPC's RPC threads). If the joint prediction fails, each request
// is predicted alone, so one bad request cannot fail the others.
//
// Thread-safety: Predict may be called from any number of threads at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>

#include "lathe/serve/metrics.h"
#include "lathe/train/bundle.h"

namespace lathe::serve {

struct BatchingOptions {
  size_t max_batch_size = 0;  // rows; 0: no batching
  std::chrono::microseconds max_wait{1000};
  bool enabled() const { return max_batch_size > 1; }
};

class Batcher {
 public:
  // `model` and `metrics` must outlive the batcher.
  Batcher(const train::LoadedModel& model, VersionMetrics& metrics, BatchingOptions options);

  // `rows` (the model's raw inputs) -> their predictions, in order. The errors of
  // LoadedModel::Predict.
  Result<train::Predictions> Predict(const data::Batch& rows);

 private:
  struct Pending;
  Result<train::Predictions> Alone(const data::Batch& rows);
  void Run(Pending& pending);

  const train::LoadedModel& model_;
  VersionMetrics& metrics_;
  const BatchingOptions options_;
  std::mutex mu_;
  std::shared_ptr<Pending> open_;  // the batch requests may still join
};

}  // namespace lathe::serve
