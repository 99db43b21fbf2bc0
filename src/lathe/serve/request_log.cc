#include "lathe/serve/request_log.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>

namespace lathe::serve {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxBuffered = 16u << 20;

std::string UtcNow() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  const std::time_t secs = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms.count() % 1000);
}

}  // namespace

RequestLog::RequestLog(const RequestLogOptions& options) : options_(options) {}

Result<std::unique_ptr<RequestLog>> RequestLog::Open(const RequestLogOptions& options) {
  if (!(options.sample_rate >= 0 && options.sample_rate <= 1))
    return InvalidArgumentError(
        fmt::format("request log sample rate {}: expected 0..1", options.sample_rate));
  if (options.max_bytes < 4096)
    return InvalidArgumentError("request log: the rotation size must be at least 4 KiB");
  if (options.keep < 1 || options.keep > 1000)
    return InvalidArgumentError("request log: keep 1 to 1000 rotated files");
  std::unique_ptr<RequestLog> log(new RequestLog(options));
  LATHE_RETURN_IF_ERROR(log->OpenFile());
  log->writer_ = std::thread([raw = log.get()] {
    std::unique_lock lock(raw->mu_);
    while (!raw->stopping_) {
      raw->wake_.wait_for(lock, std::chrono::milliseconds(100));
      lock.unlock();
      raw->Flush();
      lock.lock();
    }
  });
  return log;
}

RequestLog::~RequestLog() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
  Flush();
  if (fd_ >= 0) ::close(fd_);
}

Status RequestLog::OpenFile() {
  const fs::path& p = options_.path;
  if (p.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);
  }
  fd_ = ::open(p.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd_ < 0)
    return InternalError(
        fmt::format("cannot open the request log {}: {}", p.string(), std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd_, &st) == 0) {
    if (!S_ISREG(st.st_mode)) {
      ::close(fd_);
      fd_ = -1;
      return InvalidArgumentError(
          fmt::format("the request log {} is not a regular file", p.string()));
    }
    size_ = static_cast<uint64_t>(st.st_size);
  }
  return Status::Ok();
}

bool RequestLog::Sample() const {
  if (options_.sample_rate >= 1) return true;
  if (options_.sample_rate <= 0) return false;
  thread_local std::mt19937_64 rng(std::random_device{}());
  return std::uniform_real_distribution<double>(0, 1)(rng) < options_.sample_rate;
}

void RequestLog::Record(const LoggedRequest& r) {
  if (r.instances == nullptr || !r.instances->is_array()) return;
  std::string lines;
  const std::string time = UtcNow();
  for (size_t row = 0; row < r.instances->size(); ++row) {
    nlohmann::json line =
        (*r.instances)[row].is_object() ? (*r.instances)[row] : nlohmann::json::object();
    nlohmann::json prediction = nlohmann::json::object();
    if (r.outputs != nullptr)
      for (const auto& [name, values] : *r.outputs)
        if (row < values.size()) prediction[name] = values[row];
    line["lathe"] = {{"request_id", r.request_id},
                     {"row", row},
                     {"time", time},
                     {"model", r.model},
                     {"version", r.version},
                     {"label", r.label},
                     {"prediction", prediction},
                     {"latency_ms", r.latency_ms}};
    lines += line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    lines += '\n';
  }
  std::lock_guard lock(mu_);
  if (buffer_.size() + lines.size() > kMaxBuffered) {
    dropped_.fetch_add(r.instances->size(), std::memory_order_relaxed);
    return;
  }
  buffer_ += lines;
}

void RequestLog::Flush() {
  std::lock_guard write_lock(write_mu_);
  std::string text;
  {
    std::lock_guard lock(mu_);
    text.swap(buffer_);
  }
  if (!text.empty()) WriteOut(text);
}

void RequestLog::WriteOut(const std::string& text) {
  if (fd_ < 0) return;
  if (size_ > 0 && size_ + text.size() > options_.max_bytes) Rotate();
  if (fd_ < 0) return;
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      spdlog::error("request log {}: {} ({} bytes lost)", options_.path.string(),
                    std::strerror(errno), text.size() - done);
      break;
    }
    done += static_cast<size_t>(n);
  }
  size_ += done;
}

void RequestLog::Rotate() {
  ::close(fd_);
  fd_ = -1;
  const std::string base = options_.path.string();
  std::error_code ec;
  fs::remove(base + "." + std::to_string(options_.keep), ec);
  for (int i = options_.keep - 1; i >= 1; --i)
    fs::rename(base + "." + std::to_string(i), base + "." + std::to_string(i + 1), ec);
  fs::rename(base, base + ".1", ec);
  size_ = 0;
  if (Status st = OpenFile(); !st.ok()) spdlog::error("{}", st.message());
}

}  // namespace lathe::serve
