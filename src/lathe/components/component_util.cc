#include "lathe/components/component_util.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include "lathe/core/fs.h"
#include "lathe/core/threads.h"
#include "lathe/data/columnar.h"
#include "lathe/pipeline/params.h"

namespace lathe::components {

namespace fs = std::filesystem;

Status NoCommand(const pipeline::NodeSpec& node, const pipeline::SourceMap& source,
                 const std::string& field) {
  return pipeline::RejectCommandFields(node, source, field);
}

Status RequireInputs(const pipeline::NodeSpec& node, const pipeline::SourceMap& source,
                     const std::string& field, std::initializer_list<const char*> required,
                     std::initializer_list<const char*> optional) {
  for (const char* name : required)
    if (!node.inputs.count(name))
      return source.Error(field + ".inputs",
                          fmt::format("{} needs input '{}'", node.component, name));
  for (const auto& [name, refs] : node.inputs) {
    bool known = false;
    for (const char* r : required) known = known || name == r;
    for (const char* o : optional) known = known || name == o;
    if (!known)
      return source.Error(field + ".inputs." + name,
                          fmt::format("{} has no input '{}'", node.component, name));
  }
  return Status::Ok();
}

Result<pipeline::InputArtifact> RequiredInput(const pipeline::ExecutionRequest& r,
                                              const std::string& name) {
  auto it = r.inputs.find(name);
  if (it == r.inputs.end() || it->second.size() != 1)
    return InvalidArgumentError(fmt::format("input '{}' needs exactly one artifact; it got {}",
                                            name,
                                            it == r.inputs.end() ? size_t{0} : it->second.size()));
  return it->second[0];
}

Result<fs::path> OneInput(const pipeline::ExecutionRequest& r, const std::string& name) {
  LATHE_ASSIGN_OR_RETURN(auto a, RequiredInput(r, name));
  return fs::path(a.uri);
}

Result<std::optional<pipeline::InputArtifact>> OptionalInput(const pipeline::ExecutionRequest& r,
                                                             const std::string& name) {
  auto it = r.inputs.find(name);
  if (it == r.inputs.end() || it->second.empty()) return std::optional<pipeline::InputArtifact>();
  if (it->second.size() != 1)
    return InvalidArgumentError(fmt::format("input '{}' takes at most one artifact", name));
  return std::optional<pipeline::InputArtifact>(it->second[0]);
}

std::map<std::string, fs::path> SplitFiles(const fs::path& dir, const std::string& ext) {
  std::map<std::string, fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ext) out[e.path().stem().string()] = e.path();
  return out;
}

namespace {

struct SplitFile {
  std::unique_ptr<data::ColumnarReader> reader;
  std::vector<size_t> wanted;  // column indexes read
  data::Schema schema;         // of the columns read
};

Result<std::vector<SplitFile>> OpenSplit(const std::vector<fs::path>& dirs,
                                         const std::string& split,
                                         const std::vector<std::string>* columns) {
  std::vector<SplitFile> files;
  for (const auto& dir : dirs) {
    const fs::path file = dir / (split + ".lcol");
    if (!PathExists(file))
      return NotFoundError(fmt::format("{} has no split '{}'", dir.string(), split));
    SplitFile f;
    LATHE_ASSIGN_OR_RETURN(f.reader, data::ColumnarReader::Open(file.string()));
    for (size_t c = 0; c < f.reader->schema().fields.size(); ++c) {
      const auto& field = f.reader->schema().fields[c];
      if (columns == nullptr ||
          std::find(columns->begin(), columns->end(), field.name) != columns->end()) {
        f.wanted.push_back(c);
        f.schema.fields.push_back(field);
      }
    }
    files.push_back(std::move(f));
  }
  return files;
}

Result<data::Batch> ReadRowGroup(const SplitFile& f, size_t g) {
  data::Batch b;
  b.schema = f.schema;
  for (size_t c : f.wanted) {
    LATHE_ASSIGN_OR_RETURN(data::Column col, f.reader->ReadColumn(g, c));
    b.columns.push_back(std::move(col));
  }
  return b;
}

}  // namespace

Status ForEachRowGroupParallel(const std::vector<fs::path>& dirs, const std::string& split,
                               const std::vector<std::string>* columns, int threads,
                               const std::function<void(size_t tasks)>& on_tasks,
                               const std::function<Status(size_t task, const data::Batch&)>& fn) {
  LATHE_ASSIGN_OR_RETURN(auto files, OpenSplit(dirs, split, columns));
  int64_t rows = 0;
  for (const auto& f : files) rows += f.reader->rows();
  if (rows == 0) {
    std::string where;
    for (const auto& d : dirs) where += (where.empty() ? "" : ", ") + d.string();
    return InvalidArgumentError(fmt::format(
        "the {} split has 0 rows (in {}): nothing to learn from or measure", split, where));
  }
  std::vector<std::pair<const SplitFile*, size_t>> tasks;
  for (const auto& f : files)
    for (size_t g = 0; g < f.reader->row_groups(); ++g) tasks.emplace_back(&f, g);
  on_tasks(tasks.size());
  std::atomic<size_t> next{0};
  std::mutex mu;
  Status failure;
  auto work = [&] {
    for (size_t t = next++; t < tasks.size(); t = next++) {
      Status st;
      try {
        auto b = ReadRowGroup(*tasks[t].first, tasks[t].second);
        st = b.ok() ? fn(t, *b) : b.status();
      } catch (const std::exception& e) {
        st = InternalError(fmt::format("reading row group {}: {}", t, e.what()));
      }
      if (!st.ok()) {
        std::lock_guard lock(mu);
        if (failure.ok()) failure = st;
        next = tasks.size();  // stop handing out work
      }
    }
  };
  const int n = ThreadCount(threads);
  std::vector<std::thread> pool;
  for (int i = 1; i < n; ++i) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  return failure;
}

Status ForEachRowGroup(const std::vector<fs::path>& dirs, const std::string& split,
                       const std::vector<std::string>* columns,
                       const std::function<Status(const data::Batch&)>& fn) {
  // One thread: the calling one, in file order.
  return ForEachRowGroupParallel(
      dirs, split, columns, 1, [](size_t) {}, [&](size_t, const data::Batch& b) { return fn(b); });
}

Result<data::Batch> ReadSplit(const std::vector<fs::path>& examples, const std::string& split,
                              const std::vector<std::string>* columns) {
  data::Batch all;
  bool first = true;
  LATHE_RETURN_IF_ERROR(ForEachRowGroup(examples, split, columns, [&](const data::Batch& b) {
    if (first) {
      first = false;
      all = b;
      return Status::Ok();
    }
    return data::AppendRows(all, b);
  }));
  return all;
}

std::vector<fs::path> InputDirs(const pipeline::ExecutionRequest& r, const std::string& name) {
  std::vector<fs::path> out;
  if (auto it = r.inputs.find(name); it != r.inputs.end())
    for (const auto& a : it->second) out.emplace_back(a.uri);
  return out;
}

Result<stats::DatasetStats> ReadStats(const fs::path& file) {
  LATHE_ASSIGN_OR_RETURN(auto j, ReadJsonFile(file));
  return stats::DatasetStats::FromJson(j);
}

}  // namespace lathe::components
