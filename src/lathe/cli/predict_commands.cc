// lathe predict MODEL[/VERSION] DATA -o out.csv · lathe examples export ARTIFACT --split S -o
// rows.csv
//
// predict scores a data file with a model in the model repository through the bundle's own
// transform, by the same loading code as the InfraValidator and the model server
// (train::LoadedModel), batch by batch as the file streams in.
#include <fmt/format.h>

#include <charconv>
#include <filesystem>

#include "lathe/cli/commands.h"
#include "lathe/data/csv_writer.h"
#include "lathe/data/table_file.h"
#include "lathe/registry/model_repository.h"
#include "lathe/train/bundle.h"

namespace lathe::cli {

namespace {

namespace fs = std::filesystem;

struct PredictArgs {
  std::string model;
  std::string data;
  std::string out;
  std::vector<std::string> keep;
};

// The output columns a model's predictions become: binary, the probability of the positive class;
// multiclass, the predicted class and each class's probability; regression, the prediction.
std::vector<std::string> PredictionColumns(const train::LoadedModel& m) {
  switch (m.task()) {
    case transform::Task::kBinary:
      return {"probability"};
    case transform::Task::kMulticlass: {
      std::vector<std::string> out = {"predicted"};
      for (const auto& c : m.transform().classes()) out.push_back("probability_" + c);
      return out;
    }
    case transform::Task::kRegression:
      return {"prediction"};
  }
  return {};
}

int Predict(const GlobalOptions& g, const PredictArgs& a) {
  auto ref = registry::ParseModelReference(a.model);
  if (!ref.ok()) return ReportUsageError(ref.status());
  const registry::ModelRepository repository(g.model_repository);
  auto version = repository.Resolve(a.model);
  if (!version.ok()) return ReportError(version.status());
  auto model = train::LoadedModel::Load(version->dir.string());
  if (!model.ok()) return ReportError(model.status());
  const auto& m = **model;
  auto out = OutputFile::Open(a.out);
  if (!out.ok()) return ReportError(out.status());
  std::vector<std::string> header = a.keep;
  for (auto& c : PredictionColumns(m)) header.push_back(std::move(c));
  (*out)->Write(data::CsvHeader(header));

  FileProgress progress(a.data);
  data::CsvOptions options;
  options.on_progress = progress.callback();
  // A column empty in the first rows takes the type the model was trained with.
  for (const auto& f : m.transform().inputs().fields) options.types_if_empty[f.name] = f.type;
  int64_t rows = 0;
  std::string line;
  auto read = data::ReadTableFile(a.data, options, [&](data::Batch&& b) -> Status {
    std::vector<const data::Column*> kept;
    for (const auto& name : a.keep) {
      int c = b.schema.Find(name);
      if (c < 0)
        return InvalidArgumentError(
            fmt::format("--keep {}: {} has no column '{}'", name, a.data, name));
      kept.push_back(&b.columns[static_cast<size_t>(c)]);
    }
    LATHE_ASSIGN_OR_RETURN(auto p, m.Predict(b));
    for (size_t r = 0; r < p.rows(); ++r) {
      line.clear();
      for (size_t k = 0; k < kept.size(); ++k) {
        if (k > 0) line += ',';
        data::AppendCsvValue(line, *kept[k], r);
      }
      if (!kept.empty()) line += ',';
      const double* v = p.values.data() + r * p.classes;
      if (m.task() == transform::Task::kMulticlass) {
        size_t best = 0;
        for (size_t c = 1; c < p.classes; ++c)
          if (v[c] > v[best]) best = c;
        line += data::CsvField(m.transform().classes().at(best));
        for (size_t c = 0; c < p.classes; ++c) {
          line += ',';
          data::AppendCsvNumber(line, v[c]);
        }
      } else {
        data::AppendCsvNumber(line, v[0]);
      }
      line += '\n';
      (*out)->Write(line);
    }
    rows += static_cast<int64_t>(p.rows());
    return Status::Ok();
  });
  progress.Done();
  if (!read.ok()) return ReportError(read.status());
  if (Status st = (*out)->Close(); !st.ok()) return ReportError(st);
  if (!(*out)->is_stdout())
    fmt::print("scored {} rows with {} version {} ({}): {}\n", rows, version->name,
               version->version, transform::TaskName(m.task()), a.out);
  return kExitOk;
}

// An Examples artifact's directory: an artifact id in the store, or a directory.
Result<fs::path> ExamplesDir(const GlobalOptions& g, const std::string& what) {
  std::error_code ec;
  if (fs::is_directory(what, ec)) return fs::path(what);
  int64_t id = 0;
  auto [end, err] = std::from_chars(what.data(), what.data() + what.size(), id);
  if (err != std::errc() || end != what.data() + what.size() || id <= 0)
    return InvalidArgumentError(
        fmt::format("'{}' is neither an artifact id nor a directory", what));
  LATHE_ASSIGN_OR_RETURN(auto store, OpenStoreReadOnly(g));
  LATHE_ASSIGN_OR_RETURN(auto artifact, store->GetArtifact(id));
  return fs::path(artifact.uri);
}

int ExamplesExport(const GlobalOptions& g, const std::string& artifact, const std::string& split,
                   const std::string& out_path) {
  auto dir = ExamplesDir(g, artifact);
  if (!dir.ok())
    return dir.status().code() == StatusCode::kInvalidArgument ? ReportUsageError(dir.status())
                                                               : ReportError(dir.status());
  const fs::path file = *dir / (split + ".lcol");
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    std::string splits;
    for (const auto& e : fs::directory_iterator(*dir, ec))
      if (e.path().extension() == ".lcol")
        splits += (splits.empty() ? "" : ", ") + e.path().stem().string();
    return ReportError(NotFoundError(fmt::format("{} has no split '{}' (splits: {})", dir->string(),
                                                 split, splits.empty() ? "none" : splits)));
  }
  auto out = OutputFile::Open(out_path);
  if (!out.ok()) return ReportError(out.status());
  int64_t rows = 0;
  bool header = false;
  std::string line;
  auto read = data::ReadTableFile(file.string(), {}, [&](data::Batch&& b) -> Status {
    if (!header) {
      std::vector<std::string> names;
      for (const auto& f : b.schema.fields) names.push_back(f.name);
      (*out)->Write(data::CsvHeader(names));
      header = true;
    }
    for (size_t r = 0; r < b.rows(); ++r) {
      line.clear();
      for (size_t c = 0; c < b.columns.size(); ++c) {
        if (c > 0) line += ',';
        data::AppendCsvValue(line, b.columns[c], r);
      }
      line += '\n';
      (*out)->Write(line);
    }
    rows += static_cast<int64_t>(b.rows());
    return Status::Ok();
  });
  if (!read.ok()) return ReportError(read.status());
  if (Status st = (*out)->Close(); !st.ok()) return ReportError(st);
  if (!(*out)->is_stdout()) fmt::print("wrote {} rows of split {} to {}\n", rows, split, out_path);
  return kExitOk;
}

}  // namespace

void AddPredictCommands(CLI::App& app, const GlobalOptions& g, int& exit_code) {
  {
    auto* cmd = app.add_subcommand(
        "predict",
        "score a CSV, JSON Lines or Examples file with a model from the model repository");
    auto a = std::make_shared<PredictArgs>();
    cmd->add_option("MODEL", a->model, "NAME (its newest version) or NAME/VERSION")->required();
    cmd->add_option("DATA", a->data, "raw rows: .csv, .jsonl or .lcol")->required();
    cmd->add_option("-o,--out", a->out, "the CSV to write (default: standard output)");
    cmd->add_option("--keep", a->keep, "input columns to copy into the output (an id, say)");
    cmd->callback([&g, &exit_code, a] { exit_code = Predict(g, *a); });
  }
  auto* ex = app.add_subcommand("examples", "Examples artifacts");
  ex->require_subcommand(1);
  {
    auto* cmd = ex->add_subcommand("export", "write a split's raw rows as CSV (full precision)");
    auto artifact = std::make_shared<std::string>();
    auto split = std::make_shared<std::string>("train");
    auto out = std::make_shared<std::string>();
    cmd->add_option("ARTIFACT", *artifact, "Examples artifact id, or its directory")->required();
    cmd->add_option("--split", *split, "the split")->default_str("train");
    cmd->add_option("-o,--out", *out, "the CSV to write (default: standard output)");
    cmd->callback([&g, &exit_code, artifact, split, out] {
      exit_code = ExamplesExport(g, *artifact, *split, *out);
    });
  }
}

}  // namespace lathe::cli
