// lathe schema infer|show · lathe validate
#include <fmt/format.h>

#include "lathe/cli/commands.h"
#include "lathe/cli/data_input.h"
#include "lathe/cli/table.h"
#include "lathe/core/fs.h"
#include "lathe/core/json_depth.h"
#include "lathe/core/strings.h"
#include "lathe/stats/drift.h"
#include "lathe/stats/feature_schema.h"

namespace lathe::cli {

namespace {

int SchemaInfer(const GlobalOptions& g, const std::string& data_path, const std::string& out,
                const stats::InferOptions& options) {
  auto stats = LoadStats(data_path);
  if (!stats.ok()) return ReportError(stats.status());
  stats::FeatureSchema schema = stats::InferSchema(*stats, options);
  std::string text = g.json ? JsonText(schema.ToJson(), 2) + "\n" : schema.ToYaml();
  if (out.empty()) {
    fmt::print("{}", text);
    return kExitOk;
  }
  if (Status st = WriteTextFile(out, text); !st.ok()) return ReportError(st);
  fmt::print(stderr, "wrote the schema of {} features to {}\n", schema.features.size(), out);
  return kExitOk;
}

int SchemaShow(const GlobalOptions& g, const std::string& path) {
  auto schema = stats::LoadFeatureSchema(path);
  if (!schema.ok()) return ReportError(schema.status());
  if (g.json) {
    PrintJson(schema->ToJson());
    return kExitOk;
  }
  Table t({"FEATURE", "TYPE", "PRESENCE", "DOMAIN / RANGE"});
  for (const auto& f : schema->features) {
    std::string presence =
        f.required ? "required"
        : f.max_missing_fraction
            ? fmt::format("optional, missing <= {}", ShortestNumber(*f.max_missing_fraction))
            : "optional";
    std::string domain;
    if (!f.domain.empty()) {
      for (size_t i = 0; i < f.domain.size() && i < 8; ++i)
        domain += (domain.empty() ? "" : ", ") + f.domain[i];
      if (f.domain.size() > 8) domain += fmt::format(", ... ({} values)", f.domain.size());
    } else if (f.min || f.max) {
      domain = fmt::format("[{}, {}]", f.min ? ShortestNumber(*f.min) : "",
                           f.max ? ShortestNumber(*f.max) : "");
    }
    if (f.min_domain_mass) {
      domain +=
          fmt::format(" (at least {}% in the domain)", ShortestNumber(100 * *f.min_domain_mass));
    }
    t.AddRow({f.name, std::string(data::ColumnTypeName(f.type)), presence, domain});
  }
  t.Print(stdout, TerminalWidth(stdout));
  return kExitOk;
}

int Validate(const GlobalOptions& g, const std::string& data_path, const std::string& schema_path,
             const std::string& baseline_path) {
  auto schema = stats::LoadFeatureSchema(schema_path);
  if (!schema.ok()) return ReportError(schema.status());
  auto stats = LoadStats(data_path);
  if (!stats.ok()) return ReportError(stats.status());
  std::vector<stats::Anomaly> anomalies = stats::Validate(*stats, *schema);
  if (!baseline_path.empty()) {
    auto baseline = LoadStats(baseline_path);
    if (!baseline.ok()) return ReportError(baseline.status());
    for (auto& a : stats::DriftAnomalies(stats::CompareStats(*baseline, *stats)))
      anomalies.push_back(std::move(a));
  }
  if (g.json) {
    PrintJson({{"data", data_path},
               {"schema", schema_path},
               {"rows", stats->rows()},
               {"anomalies", stats::AnomaliesToJson(anomalies)}});
  } else if (anomalies.empty()) {
    fmt::print("{}: {} rows, no anomalies\n", data_path, stats->rows());
  } else {
    Table t({"FEATURE", "ANOMALY", "DETAILS"});
    for (const auto& a : anomalies) t.AddRow({a.feature, a.kind, a.description});
    t.Print(stdout, TerminalWidth(stdout));
    fmt::print("{}: {} rows, {}\n", data_path, stats->rows(),
               Counted(static_cast<long long>(anomalies.size()), "anomaly", "anomalies"));
  }
  return anomalies.empty() ? kExitOk : kExitFailure;
}

}  // namespace

void AddSchemaCommands(CLI::App& app, const GlobalOptions& g, int& exit_code) {
  auto* schema = app.add_subcommand("schema", "feature schemas: infer from data, show");
  schema->require_subcommand(1);
  auto* infer = schema->add_subcommand("infer", "infer a schema (YAML) from a CSV or .lcol file");
  auto data = std::make_shared<std::string>(), out = std::make_shared<std::string>();
  auto infer_options = std::make_shared<stats::InferOptions>();
  auto margin = std::make_shared<double>(-1);
  infer->add_option("DATA", *data, "data file (CSV, JSON Lines, .lcol)")->required();
  infer->add_option("-o,--output", *out, "write the schema here instead of printing it");
  infer
      ->add_option("--max-domain", infer_options->max_domain_size,
                   "largest categorical domain to record")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  infer
      ->add_option("--min-domain-mass", infer_options->min_domain_mass,
                   "share of a feature's values that must be in its domain before values outside "
                   "it are an anomaly")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  infer
      ->add_option("--range-margin", *margin,
                   "record numeric ranges: the observed [min, max] widened by this fraction of "
                   "its width on each side (default: no ranges)")
      ->check(CLI::Range(0.0, 1e6));
  infer->callback([&g, &exit_code, data, out, infer_options, margin] {
    if (*margin >= 0) infer_options->range_margin = *margin;
    exit_code = SchemaInfer(g, *data, *out, *infer_options);
  });
  auto* show = schema->add_subcommand("show", "show a schema file");
  auto path = std::make_shared<std::string>();
  show->add_option("SCHEMA", *path, "schema file (YAML)")->required();
  show->callback([&g, &exit_code, path] { exit_code = SchemaShow(g, *path); });

  auto* validate = app.add_subcommand(
      "validate",
      "anomalies of a dataset against a schema, and drift against a baseline; exit 1 if any");
  auto vdata = std::make_shared<std::string>(), vschema = std::make_shared<std::string>();
  auto baseline = std::make_shared<std::string>();
  validate->add_option("DATA", *vdata, "data file")->required();
  validate->add_option("--schema", *vschema, "schema file (YAML)")->required();
  validate->add_option("--baseline", *baseline,
                       "data to measure drift against (e.g. the previous span)");
  validate->callback([&g, &exit_code, vdata, vschema, baseline] {
    exit_code = Validate(g, *vdata, *vschema, *baseline);
  });
}

}  // namespace lathe::cli
