// lathe stats compute DATA
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "lathe/cli/commands.h"
#include "lathe/cli/data_input.h"
#include "lathe/cli/table.h"
#include "lathe/core/strings.h"
#include "lathe/stats/dataset_stats.h"
#include "lathe/stats/drift.h"

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

void PrintStats(const stats::DatasetStats& stats) {
  // Infinities get a column only when there are some (COUNT + MISSING + NON-FINITE = rows).
  bool any_non_finite = false;
  for (const auto& f : stats.features()) any_non_finite |= f.numeric() && f.num.non_finite > 0;
  std::vector<std::string> numeric_headers = {"FEATURE", "TYPE", "COUNT", "MISSING"};
  if (any_non_finite) numeric_headers.push_back("NON-FINITE");
  for (const char* h : {"MEAN", "STDDEV", "MIN", "MEDIAN", "MAX", "ZEROS", "HISTOGRAM"})
    numeric_headers.push_back(h);
  Table numeric(numeric_headers);
  Table categorical({"FEATURE", "TYPE", "COUNT", "MISSING", "UNIQUE", "TOP VALUES", "LENGTH"});
  for (const auto& f : stats.features()) {
    double rows = static_cast<double>(std::max<int64_t>(1, stats.rows()));
    std::string missing = fmt::format("{:.1f}%", 100.0 * static_cast<double>(f.missing) / rows);
    if (f.numeric()) {
      const auto& n = f.num;
      std::vector<std::string> row = {f.name, std::string(data::ColumnTypeName(f.type)),
                                      std::to_string(n.count), missing};
      if (any_non_finite) row.push_back(std::to_string(n.non_finite));
      for (auto cell : {Num(n.count ? n.mean : NAN), Num(n.stddev()), Num(n.count ? n.min : NAN),
                        Num(n.Quantile(0.5)), Num(n.count ? n.max : NAN), std::to_string(n.zeros),
                        Sparkline(n.EqualWidthHistogram(10))})
        row.push_back(std::move(cell));
      numeric.AddRow(std::move(row));
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
  if (numeric.size() > 0) numeric.Print(stdout, width);
  if (numeric.size() > 0 && categorical.size() > 0) fmt::print("\n");
  if (categorical.size() > 0) categorical.Print(stdout, width);
}

int StatsCompute(const GlobalOptions& g, const std::string& path, int threads, bool full,
                 const std::string& slice_by) {
  if (auto splits = SplitFiles(path); !splits.empty()) {  // an artifact: every split
    nlohmann::json all = nlohmann::json::object();
    for (const auto& file : splits) {
      std::string split = std::filesystem::path(file).stem().string();
      auto s = LoadStats(file, threads);
      if (!s.ok()) return ReportError(s.status());
      if (g.json) {
        nlohmann::json j = s->ToJson();
        if (!full) stats::DatasetStats::DropState(j);
        all[split] = j;
        continue;
      }
      fmt::print("{}split {}: {} rows, {} features\n\n",
                 all.empty() && file == splits.front() ? "" : "\n", split, s->rows(),
                 s->features().size());
      PrintStats(*s);
    }
    if (g.json) PrintJson({{"splits", all}});
    return kExitOk;
  }
  Result<stats::SlicedStats> sliced = stats::SlicedStats(stats::DatasetStats());
  if (slice_by.empty()) {
    auto s = LoadStats(path, threads);
    if (!s.ok()) return ReportError(s.status());
    sliced = stats::SlicedStats(std::move(*s));
  } else {
    sliced = stats::ComputeFileSlicedStats(path, slice_by, threads);
    if (!sliced.ok()) return ReportError(sliced.status());
  }
  const stats::DatasetStats& all = sliced->all();
  if (g.json) {
    nlohmann::json j = slice_by.empty() ? all.ToJson() : sliced->ToJson();
    if (!full) stats::DatasetStats::DropState(j);
    PrintJson(j);
    return kExitOk;
  }
  fmt::print("{}: {} rows, {} features\n\n", path, all.rows(), all.features().size());
  PrintStats(all);
  for (const auto& [value, s] : sliced->slices()) {
    fmt::print("\n-- slice {} = {} ({} rows)\n", slice_by, value, s.rows());
    PrintStats(s);
  }
  return kExitOk;
}

std::string Center(const stats::FeatureStats& f) {
  if (f.numeric()) return f.num.count ? fmt::format("mean {:.4g}", f.num.mean) : "";
  auto top = f.cat.Top(1);
  return top.empty() ? ""
                     : fmt::format("{} {:.0f}%", top[0].first,
                                   100.0 * top[0].second / std::max<int64_t>(1, f.cat.count));
}

int StatsCompare(const GlobalOptions& g, const std::string& a_path, const std::string& b_path,
                 const std::vector<std::string>& thresholds, bool fail_on_drift, int threads,
                 int64_t min_rows) {
  stats::DriftOptions o;
  o.min_rows = min_rows;
  for (const auto& t : thresholds) {
    auto kv = SplitAssignment(t, "--threshold");
    if (!kv.ok()) return ReportUsageError(kv.status());
    auto v = ParseDouble(kv->second);
    if (!v)
      return ReportUsageError(
          InvalidArgumentError(fmt::format("--threshold {}: '{}' is not a number", t, kv->second)));
    const std::string& key = kv->first;
    if (key == "linf" || key == "js" || key == "psi") {
      o.thresholds[key] = *v;
    } else if (key.find('.') != std::string::npos) {
      o.feature_thresholds[key] = *v;
    } else {
      return ReportUsageError(InvalidArgumentError(
          fmt::format("--threshold {}: expected linf|js|psi=VALUE or FEATURE.MEASURE=VALUE", t)));
    }
  }
  auto a = LoadStats(a_path, threads);
  if (!a.ok()) return ReportError(a.status());
  auto b = LoadStats(b_path, threads);
  if (!b.ok()) return ReportError(b.status());
  auto drift = stats::CompareStats(*a, *b, o);
  int exceeded = 0, measures = 0, too_few = 0, one_sided = 0;
  for (const auto& d : drift) {
    exceeded += d.exceeded();
    measures += d.status == stats::DriftStatus::kMeasured;
    too_few += d.status == stats::DriftStatus::kTooFewRows;
    one_sided += d.one_sided();
  }
  if (g.json) {
    nlohmann::json j = {{"baseline", a_path},
                        {"current", b_path},
                        {"baseline_rows", a->rows()},
                        {"current_rows", b->rows()},
                        {"min_rows", o.min_rows}};
    j.update(stats::DriftReportToJson(drift));
    PrintJson(j);
  } else {
    fmt::print("baseline {} ({} rows) vs current {} ({} rows)\n\n", a_path, a->rows(), b_path,
               b->rows());
    Table t(
        {"FEATURE", "BASELINE", "CURRENT", "MEASURE", "VALUE", "THRESHOLD", "P-VALUE", "RESULT"});
    for (const auto& d : drift) {
      const auto* fa = a->Find(d.feature);
      const auto* fb = b->Find(d.feature);
      switch (d.status) {
        case stats::DriftStatus::kMeasured: {
          auto [tv, tt] = DistinctNumbers(d.value, d.threshold, 4);
          t.AddRow({d.feature, Center(*fa), Center(*fb), d.measure, tv, tt,
                    fmt::format("{:.3g} ({})", d.p_value, d.test), d.exceeded() ? "DRIFT" : "ok"});
          break;
        }
        case stats::DriftStatus::kTooFewRows:
          t.AddRow({d.feature, Center(*fa), Center(*fb), "", "", "", "",
                    fmt::format("too few rows to measure ({} and {} values; {} needed)",
                                d.baseline_values, d.current_values, o.min_rows)});
          break;
        case stats::DriftStatus::kOnlyInBaseline:
        case stats::DriftStatus::kOnlyInCurrent:
          t.AddRow({d.feature, Center(*fa), Center(*fb), "", "", "", "",
                    d.status == stats::DriftStatus::kOnlyInBaseline
                        ? "values in the baseline only"
                        : "values in the current data only"});
          break;
      }
    }
    t.Print(stdout, TerminalWidth(stdout));
    fmt::print("\n{} of {} over their threshold", exceeded,
               Counted(measures, "measure", "measures"));
    if (too_few > 0)
      fmt::print("; {} too few rows to measure", Counted(too_few, "feature has", "features have"));
    if (one_sided > 0)
      fmt::print("; {} values on one side only",
                 Counted(one_sided, "feature has", "features have"));
    fmt::print("\n");
  }
  return fail_on_drift && (exceeded > 0 || one_sided > 0) ? kExitFailure : kExitOk;
}

}  // namespace

void AddStatsCommands(CLI::App& app, const GlobalOptions& g, int& exit_code) {
  auto* stats = app.add_subcommand("stats", "statistics of datasets");
  stats->require_subcommand(1);
  auto* compute = stats->add_subcommand(
      "compute",
      "per-feature statistics of a CSV, JSON Lines (.jsonl, .ndjson) or Lathe columnar (.lcol) "
      "file, or of an Examples artifact's splits");
  auto path = std::make_shared<std::string>();
  auto threads = std::make_shared<int>(0);
  compute->add_option("DATA", *path, "a CSV, JSON Lines or .lcol file, or an artifact directory")
      ->required();
  compute->add_option("--threads", *threads, "parsing threads (default: one per core)")
      ->check(CLI::Range(1, 256));
  auto full = std::make_shared<bool>(false);
  compute->add_flag("--full", *full,
                    "with --json, include the mergeable state (for `stats compare`)");
  auto slice_by = std::make_shared<std::string>();
  compute->add_option("--slice-by", *slice_by, "also statistics per value of this feature");
  compute->callback([&g, &exit_code, path, threads, full, slice_by] {
    exit_code = StatsCompute(g, *path, *threads, *full, *slice_by);
  });

  auto* compare = stats->add_subcommand(
      "compare",
      "drift between two datasets: L-infinity (categorical), Jensen-Shannon and PSI (numeric)");
  auto a = std::make_shared<std::string>(), b = std::make_shared<std::string>();
  auto thresholds = std::make_shared<std::vector<std::string>>();
  auto fail = std::make_shared<bool>(false);
  compare
      ->add_option("BASELINE", *a, "data file (CSV, .lcol) or statistics saved with --json --full")
      ->required();
  compare->add_option("CURRENT", *b, "data file or statistics")->required();
  compare->add_option(
      "--threshold", *thresholds,
      "MEASURE=VALUE (linf, js, psi; defaults 0.1, 0.1, 0.2) or FEATURE.MEASURE=VALUE");
  compare->add_flag("--fail-on-drift", *fail,
                    "exit 1 when a measure is over its threshold or a feature has values on one "
                    "side only");
  auto min_rows = std::make_shared<int64_t>(stats::DriftOptions().min_rows);
  compare
      ->add_option("--min-rows", *min_rows,
                   "fewer values than this on either side: too few rows to measure")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40))
      ->capture_default_str();
  compare->add_option("--threads", *threads, "parsing threads (default: one per core)")
      ->check(CLI::Range(1, 256));
  compare->callback([&g, &exit_code, a, b, thresholds, fail, threads, min_rows] {
    exit_code = StatsCompare(g, *a, *b, *thresholds, *fail, *threads, *min_rows);
  });
}

}  // namespace lathe::cli
