// lathe transform apply: a transform graph's features of a data file, as CSV (for trainers
// outside Lathe, e.g. a Python script in a command step; see docs/bundles.md).
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "lathe/cli/commands.h"
#include "lathe/data/csv_writer.h"
#include "lathe/data/table_file.h"
#include "lathe/transform/transform_graph.h"

namespace lathe::cli {

namespace {

// Features are the model's float32 values, printed so that they read back to the same floats; a
// regression label is the data's own value, to the last digit (it is a double there).
int TransformApply(const std::string& graph_path, const std::string& data_path,
                   const std::string& out_path) {
  auto graph = transform::TransformGraph::Load(graph_path);
  if (!graph.ok()) return ReportError(graph.status());
  auto out = OutputFile::Open(out_path);
  if (!out.ok()) return ReportError(out.status());
  std::vector<std::string> header = graph->FeatureNames();
  header.push_back("label");
  (*out)->Write(data::CsvHeader(header));
  const bool regression = graph->task() == transform::Task::kRegression;
  int64_t rows = 0;
  std::string line;
  FileProgress progress(data_path);
  data::CsvOptions options;
  options.on_progress = progress.callback();
  // A column empty in the first rows takes the type the transform was fitted on.
  for (const auto& f : graph->inputs().fields) options.types_if_empty[f.name] = f.type;
  auto status = data::ReadTableFile(data_path, options, [&](data::Batch&& b) -> Status {
    transform::FeatureMatrix x;
    std::vector<float> labels;
    LATHE_RETURN_IF_ERROR(graph->Apply(b, x));
    // Data without the label column (serving logs, say) gets an empty label column.
    const int label_column = b.schema.Find(graph->label().column);
    if (label_column >= 0 && !regression) LATHE_RETURN_IF_ERROR(graph->Labels(b, labels));
    for (size_t r = 0; r < x.rows; ++r) {
      line.clear();
      for (size_t c = 0; c < x.cols(); ++c) {
        if (c > 0) line += ',';
        const float v = x.at(r, c);
        if (!std::isnan(v)) fmt::format_to(std::back_inserter(line), "{}", v);
      }
      line += ',';
      if (label_column >= 0 && regression)
        data::AppendCsvValue(line, b.columns[static_cast<size_t>(label_column)], r);
      else if (!labels.empty() && !std::isnan(labels[r]))
        fmt::format_to(std::back_inserter(line), "{}", labels[r]);
      line += '\n';
      (*out)->Write(line);
    }
    rows += static_cast<int64_t>(x.rows);
    return Status::Ok();
  });
  progress.Done();
  if (!status.ok()) return ReportError(status.status());
  if (Status st = (*out)->Close(); !st.ok()) return ReportError(st);
  if (!(*out)->is_stdout())
    fmt::print("wrote {} rows of {} features to {}\n", rows, graph->FeatureNames().size(),
               out_path);
  return kExitOk;
}

}  // namespace

void AddTransformCommands(CLI::App& app, const GlobalOptions& /*g*/, int& exit_code) {
  auto* t = app.add_subcommand("transform", "apply a fitted transform to data");
  t->require_subcommand(1);
  auto* cmd =
      t->add_subcommand("apply", "write the model features (and the label) of a data file as CSV");
  auto graph = std::make_shared<std::string>();
  auto data = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  cmd->add_option("--graph", *graph,
                  "a TransformGraph artifact directory, a model bundle or a transform.json")
      ->required();
  cmd->add_option("--examples", *data, "a data file: .lcol, CSV or JSON Lines")->required();
  cmd->add_option("-o,--out", *out, "the CSV to write (default: standard output)");
  cmd->callback(
      [&exit_code, graph, data, out] { exit_code = TransformApply(*graph, *data, *out); });
}

}  // namespace lathe::cli
