#include "lathe/serve/batcher.h"

#include <algorithm>

namespace lathe::serve {

struct Batcher::Pending {
  data::Batch rows;
  size_t requests = 0;
  bool closed = false;  // no more joins: full, or its leader stopped waiting
  bool done = false;
  Status status;
  train::Predictions predictions;
  std::condition_variable joined;    // the leader waits on it for rows
  std::condition_variable finished;  // the others wait on it for the predictions
};

Batcher::Batcher(const train::LoadedModel& model, VersionMetrics& metrics, BatchingOptions options)
    : model_(model), metrics_(metrics), options_(options) {}

Result<train::Predictions> Batcher::Alone(const data::Batch& rows) {
  metrics_.RecordBatch(rows.rows());
  return model_.Predict(rows);
}

void Batcher::Run(Pending& p) {
  metrics_.RecordBatch(p.rows.rows());
  auto predicted = model_.Predict(p.rows);
  if (predicted.ok())
    p.predictions = std::move(*predicted);
  else
    p.status = predicted.status();
}

Result<train::Predictions> Batcher::Predict(const data::Batch& rows) {
  const size_t n = rows.rows();
  if (!options_.enabled() || n == 0 || n >= options_.max_batch_size) return Alone(rows);
  std::unique_lock lock(mu_);
  if (open_ != nullptr && open_->rows.rows() + n > options_.max_batch_size) {
    open_->closed = true;  // full for this request: its leader runs it now
    open_->joined.notify_one();
    open_ = nullptr;
  }
  const bool leader = open_ == nullptr;
  if (leader) {
    open_ = std::make_shared<Pending>();
    open_->rows.schema = rows.schema;
    for (const auto& f : rows.schema.fields) open_->rows.columns.emplace_back(f.type);
  }
  std::shared_ptr<Pending> p = open_;
  const size_t offset = p->rows.rows();
  if (!data::AppendRows(p->rows, rows).ok()) {
    // Columns of another type than the batch's (a column of nulls, say): predicted alone.
    if (leader) open_ = nullptr;
    lock.unlock();
    return Alone(rows);
  }
  ++p->requests;
  if (leader) {
    const auto deadline = std::chrono::steady_clock::now() + options_.max_wait;
    p->joined.wait_until(lock, deadline,
                         [&] { return p->closed || p->rows.rows() >= options_.max_batch_size; });
    p->closed = true;
    if (open_ == p) open_ = nullptr;
    lock.unlock();
    Run(*p);  // outside the lock: new requests open the next batch meanwhile
    lock.lock();
    p->done = true;
    p->finished.notify_all();
  } else {
    if (p->rows.rows() >= options_.max_batch_size) {
      p->closed = true;
      if (open_ == p) open_ = nullptr;
      p->joined.notify_one();
    }
    p->finished.wait(lock, [&] { return p->done; });
  }
  lock.unlock();
  if (!p->status.ok())
    return p->requests == 1 ? Result<train::Predictions>(p->status) : Alone(rows);
  train::Predictions mine;
  mine.classes = p->predictions.classes;
  const auto begin =
      p->predictions.values.begin() + static_cast<std::ptrdiff_t>(offset * mine.classes);
  mine.values.assign(begin, begin + static_cast<std::ptrdiff_t>(n * mine.classes));
  return mine;
}

}  // namespace lathe::serve
