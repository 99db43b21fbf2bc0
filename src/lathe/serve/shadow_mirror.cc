#include "lathe/serve/shadow_mirror.h"

#include <cmath>

#include "lathe/serve/inference.h"

namespace lathe::serve {

ShadowMirror::ShadowMirror(size_t capacity) : capacity_(capacity), thread_([this] { Run(); }) {}

ShadowMirror::~ShadowMirror() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool ShadowMirror::Submit(ServableHandle shadow, nlohmann::json instances,
                          train::Predictions answered, std::string request_id, RequestLog* log) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= capacity_) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    queue_.push_back(
        {std::move(shadow), std::move(instances), std::move(answered), std::move(request_id), log});
  }
  wake_.notify_one();
  return true;
}

void ShadowMirror::Drain() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

void ShadowMirror::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left
    Task task = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    Mirror(task);
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
}

void ShadowMirror::Mirror(Task& task) {
  const ServableVersion& shadow = *task.shadow;
  const InferContext context{"shadow", task.request_id, std::chrono::steady_clock::now(), task.log};
  auto inference = Infer(shadow, context, std::move(task.instances));
  const train::Predictions& a = task.answered;
  if (!inference.ok() || inference->predictions.classes != a.classes ||
      inference->predictions.values.size() != a.values.size()) {
    shadow.metrics->RecordShadow(false, 0, 0, 0);
    return;
  }
  const train::Predictions& b = inference->predictions;
  const size_t rows = a.rows(), k = a.classes;
  const auto task_kind = shadow.model->task();
  size_t disagreements = 0;
  double difference = 0;
  for (size_t r = 0; r < rows; ++r) {
    const double* x = a.values.data() + r * k;
    const double* y = b.values.data() + r * k;
    if (k == 1) {
      difference += std::abs(x[0] - y[0]);
      if (task_kind == transform::Task::kBinary && (x[0] >= 0.5) != (y[0] >= 0.5)) ++disagreements;
      continue;
    }
    size_t bx = 0, by = 0;
    double l1 = 0;
    for (size_t c = 0; c < k; ++c) {
      l1 += std::abs(x[c] - y[c]);
      if (x[c] > x[bx]) bx = c;
      if (y[c] > y[by]) by = c;
    }
    difference += l1 / 2;
    if (bx != by) ++disagreements;
  }
  shadow.metrics->RecordShadow(true, rows, disagreements, difference);
}

}  // namespace lathe::serve
