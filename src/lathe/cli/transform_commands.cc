// lathe transform apply: a transform graph's features of a data file, as CSV (for trainers
// outside Lathe, e.g. a Python script in a command step; see docs/bundles.md).
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "lathe/cli/commands.h"
#include "lathe/data/table_file.h"
#include "lathe/transform/transform_graph.h"

namespace lathe::cli {

namespace {

void AppendNumber(std::string& line, float v) {
  if (!std::isnan(v)) fmt::format_to(std::back_inserter(line), "{}", v);
}

int TransformApply(const std::string& graph_path, const std::string& data_path,
                   const std::string& out_path) {
  auto graph = transform::TransformGraph::Load(graph_path);
  if (!graph.ok()) return ReportError(graph.status());
  std::FILE* out = out_path.empty() || out_path == "-" ? stdout : std::fopen(out_path.c_str(), "w");
  if (out == nullptr) return ReportError(DataLossError(fmt::format("cannot write {}", out_path)));
  // Header names come from data values (one-hot columns): quoted when they need it (RFC 4180).
  auto quoted = [](const std::string& n) {
    if (n.find_first_of(",\"\r\n") == std::string::npos) return n;
    std::string q = "\"";
    for (char c : n) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  std::string line;
  for (const auto& n : graph->FeatureNames()) line += (line.empty() ? "" : ",") + quoted(n);
  line += ",label\n";
  std::fputs(line.c_str(), out);
  int64_t rows = 0;
  auto status = data::ReadTableFile(data_path, {}, [&](data::Batch&& b) -> Status {
    transform::FeatureMatrix x;
    std::vector<float> labels;
    LATHE_RETURN_IF_ERROR(graph->Apply(b, x));
    // Data without the label column (serving logs, say) gets an empty label column.
    if (b.schema.Find(graph->label().column) >= 0) LATHE_RETURN_IF_ERROR(graph->Labels(b, labels));
    for (size_t r = 0; r < x.rows; ++r) {
      line.clear();
      for (size_t c = 0; c < x.cols(); ++c) {
        if (c > 0) line += ',';
        AppendNumber(line, x.at(r, c));
      }
      line += ',';
      if (!labels.empty()) AppendNumber(line, labels[r]);
      line += '\n';
      std::fputs(line.c_str(), out);
    }
    rows += static_cast<int64_t>(x.rows);
    return Status::Ok();
  });
  bool write_failed = std::ferror(out) != 0;
  if (out != stdout) write_failed = std::fclose(out) != 0 || write_failed;
  if (!status.ok()) return ReportError(status.status());
  if (write_failed) return ReportError(DataLossError(fmt::format("cannot write {}", out_path)));
  if (out != stdout)
    fmt::print(stderr, "wrote {} rows of {} features to {}\n", rows, graph->FeatureNames().size(),
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
