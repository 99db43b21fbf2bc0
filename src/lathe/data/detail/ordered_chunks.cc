#include "lathe/data/detail/ordered_chunks.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "lathe/core/threads.h"
#include "lathe/data/detail/separators.h"

namespace lathe::data::detail {

bool FileByteSource::Read(std::string& buf, size_t max) {
  size_t old = buf.size();
  buf.resize(old + max);
  size_t got = std::fread(buf.data() + old, 1, max, f_);
  buf.resize(old + got);
  return got > 0;
}

bool TextByteSource::Read(std::string& buf, size_t max) {
  if (pos_ >= t_.size()) return false;
  size_t n = std::min(max, t_.size() - pos_);
  buf.append(t_.substr(pos_, n));
  pos_ += n;
  return true;
}

Result<std::unique_ptr<ByteSource>> OpenFileSource(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr)
    return NotFoundError(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  return std::unique_ptr<ByteSource>(std::make_unique<FileByteSource>(f));
}

Status TypeConflicts::Record(const std::string& column, ColumnType to, std::string message) {
  std::lock_guard lock(mu);
  auto [it, added] = widen.try_emplace(column, to);
  if (!added && it->second != to) it->second = ColumnType::kString;
  if (first.empty()) first = message;
  return Status(StatusCode::kAborted, std::move(message));
}

Result<CsvReport> ReadUntilTypesHold(const OpenSource& open, const ReadOptions& o,
                                     const ReadPass& pass) {
  std::map<std::string, ColumnType> widened;
  while (true) {
    LATHE_ASSIGN_OR_RETURN(auto src, open());
    TypeConflicts conflicts;
    auto report = pass(*src, widened, conflicts);
    if (report.ok() || conflicts.widen.empty()) return report;
    if (!o.on_restart) return InvalidArgumentError(conflicts.first);
    for (const auto& [column, type] : conflicts.widen) widened.insert_or_assign(column, type);
    o.on_restart();
  }
}

Status ReadChunksInOrder(ByteSource& src, std::string buf, bool eof, int64_t first_line,
                         const ChunkedRead& how, const BatchCallback& on_batch,
                         const WorkerCallback& in_worker, CsvReport& report) {
  const ReadOptions& o = *how.options;
  const int threads = ThreadCount(o.threads);
  const size_t max_in_flight = static_cast<size_t>(threads) * 2;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::pair<int64_t, Chunk>> queue;
  std::map<int64_t, ChunkResult> done;
  bool closed = false;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      std::unique_lock lock(mu);
      while (true) {
        cv.wait(lock, [&] { return closed || !queue.empty(); });
        if (queue.empty()) return;
        auto [index, chunk] = std::move(queue.front());
        queue.pop_front();
        lock.unlock();
        ChunkResult r = how.convert(chunk);
        if (r.status.ok() && in_worker) r.status = in_worker(t, index, r.batch);
        lock.lock();
        done.emplace(index, std::move(r));
        cv.notify_all();
      }
    });

  Status failure;
  int64_t next_to_emit = 0, next_index = 0;
  // Hands out finished chunks in order; with `all`, waits for every chunk.
  auto emit = [&](std::unique_lock<std::mutex>& lock, bool all) {
    while (failure.ok()) {
      auto it = done.find(next_to_emit);
      if (it == done.end()) {
        if (!all || next_to_emit == next_index) return;
        cv.wait(lock);
        continue;
      }
      ChunkResult r = std::move(it->second);
      done.erase(it);
      ++next_to_emit;
      if (!r.status.ok()) {
        failure = r.status;
        return;
      }
      report.bad_rows += r.bad_rows;
      for (auto& e : r.errors)
        if (report.bad_row_errors.size() < kKeptErrors)
          report.bad_row_errors.push_back(std::move(e));
      if (o.max_bad_rows >= 0 && report.bad_rows > o.max_bad_rows) {
        failure =
            InvalidArgumentError(fmt::format("{}: more than {} bad rows (first: {})", how.name,
                                             o.max_bad_rows, report.bad_row_errors.front()));
        return;
      }
      report.rows += static_cast<int64_t>(r.batch.rows());
      if (r.batch.rows() == 0) continue;
      lock.unlock();
      Status st = on_batch(std::move(r.batch));
      lock.lock();
      if (!st.ok()) failure = st;
    }
  };

  int64_t chunk_line = first_line;
  report.bytes += static_cast<int64_t>(buf.size());
  while (true) {
    size_t end = eof ? buf.size() : how.last_record_end(buf);
    if (end == 0 && !eof) {  // a record longer than the block: read more
      if (buf.size() > o.max_record_bytes) {
        std::lock_guard lock(mu);
        if (failure.ok())
          failure = InvalidArgumentError(fmt::format(
              "{}:{}: a record longer than {} bytes (no line end: is this a text file?)", how.name,
              chunk_line, o.max_record_bytes));
        break;
      }
      size_t before = buf.size();
      eof = !src.Read(buf, o.block_bytes);
      report.bytes += static_cast<int64_t>(buf.size() - before);
      continue;
    }
    if (end > 0) {
      // The block becomes the chunk; only the incomplete record after it is copied.
      Chunk c;
      std::string rest(std::string_view(buf).substr(end));
      c.text = std::move(buf);
      c.text.resize(end);
      buf = std::move(rest);
      c.first_line = chunk_line;
      chunk_line += static_cast<int64_t>(CountByte(c.text, '\n'));
      std::unique_lock lock(mu);
      while (failure.ok() && queue.size() + done.size() >= max_in_flight) {
        emit(lock, false);
        if (failure.ok() && queue.size() + done.size() >= max_in_flight) cv.wait(lock);
      }
      if (!failure.ok()) break;
      queue.emplace_back(next_index++, std::move(c));
      cv.notify_all();
      emit(lock, false);
      if (!failure.ok()) break;
    }
    if (eof && buf.empty()) break;
    size_t before = buf.size();
    eof = !src.Read(buf, o.block_bytes) || eof;
    report.bytes += static_cast<int64_t>(buf.size() - before);
    if (o.on_progress) o.on_progress(report.bytes);
  }
  {
    std::unique_lock lock(mu);
    emit(lock, true);
    closed = true;
    queue.clear();
    cv.notify_all();
  }
  for (auto& w : workers) w.join();
  return failure;
}

}  // namespace lathe::data::detail
