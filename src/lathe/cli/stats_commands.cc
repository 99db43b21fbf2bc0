// lathe stats compute DATA
#include <fmt/format.h>

#include <cmath>

#include "lathe/cli/commands.h"
#include "lathe/cli/table.h"
#include "lathe/stats/dataset_stats.h"

namespace lathe::cli {

namespace {

// "▁▃█▅▂" from counts.
std::string Sparkline(const std::vector<std::pair<double, uint64_t>>& hist) {
  static const char* kBars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  uint64_t top = 0;
  for (const auto& [lo, c] : hist) top = std::max(top, c);
  std::string out;
  for (const auto& [lo, c] : hist)
    out += top == 0 ? kBars[0] : kBars[std::min<uint64_t>(7, c * 7 / top)];
  return out;
}

std::string Num(double v) {
  if (std::isnan(v)) return "";
  return fmt::format("{:.6g}", v);
}

int StatsCompute(const GlobalOptions& g, const std::string& path, int threads) {
  auto stats = stats::ComputeFileStats(path, threads);
  if (!stats.ok()) return ReportError(stats.status());
  if (g.json) {
    nlohmann::json j = stats->ToJson();
    for (auto& f : j["features"]) f.erase("state");
    PrintJson(j);
    return kExitOk;
  }
  fmt::print("{}: {} rows, {} features\n\n", path, stats->rows(), stats->features().size());
  Table numeric({"FEATURE", "TYPE", "COUNT", "MISSING", "MEAN", "STDDEV", "MIN", "MEDIAN", "MAX",
                 "ZEROS", "HISTOGRAM"});
  Table categorical({"FEATURE", "TYPE", "COUNT", "MISSING", "UNIQUE", "TOP VALUES", "LENGTH"});
  for (const auto& f : stats->features()) {
    double rows = static_cast<double>(std::max<int64_t>(1, stats->rows()));
    std::string missing = fmt::format("{:.1f}%", 100.0 * static_cast<double>(f.missing) / rows);
    if (f.numeric()) {
      const auto& n = f.num;
      numeric.AddRow({f.name, std::string(data::ColumnTypeName(f.type)), std::to_string(n.count),
                      missing, Num(n.count ? n.mean : NAN), Num(n.stddev()),
                      Num(n.count ? n.min : NAN), Num(n.Quantile(0.5)), Num(n.count ? n.max : NAN),
                      std::to_string(n.zeros), Sparkline(n.EqualWidthHistogram(10))});
    } else {
      const auto& c = f.cat;
      std::string top;
      for (const auto& [v, k] : c.Top(3))
        top += (top.empty() ? "" : ", ") + fmt::format("{} ({})", v, k);
      std::string unique = fmt::format("{:.0f}{}", c.Unique(), c.exact ? "" : "~");
      std::string length = c.count ? fmt::format("{}..{}", c.min_length, c.max_length) : "";
      categorical.AddRow({f.name, std::string(data::ColumnTypeName(f.type)),
                          std::to_string(c.count), missing, unique, top, length});
    }
  }
  size_t width = TerminalWidth(stdout);
  if (numeric.size() > 0) {
    numeric.Print(stdout, width);
    fmt::print("\n");
  }
  if (categorical.size() > 0) categorical.Print(stdout, width);
  return kExitOk;
}

}  // namespace

void AddStatsCommands(CLI::App& app, const GlobalOptions& g, int& exit_code) {
  auto* stats = app.add_subcommand("stats", "statistics of datasets");
  stats->require_subcommand(1);
  auto* compute = stats->add_subcommand(
      "compute", "per-feature statistics of a CSV or Lathe columnar (.lcol) file");
  auto path = std::make_shared<std::string>();
  auto threads = std::make_shared<int>(0);
  compute->add_option("DATA", *path, "a CSV file or an .lcol file")->required();
  compute->add_option("--threads", *threads, "parsing threads (default: one per core)")
      ->check(CLI::Range(1, 256));
  compute->callback(
      [&g, &exit_code, path, threads] { exit_code = StatsCompute(g, *path, *threads); });
}

}  // namespace lathe::cli
