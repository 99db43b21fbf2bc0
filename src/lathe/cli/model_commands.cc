// lathe eval show|compare · lathe models list|show
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "lathe/cli/commands.h"
#include "lathe/cli/table.h"
#include "lathe/core/fs.h"
#include "lathe/eval/evaluation.h"
#include "lathe/eval/metrics.h"
#include "lathe/metadata/standard_artifacts.h"
#include "lathe/registry/model_reports.h"
#include "lathe/registry/model_repository.h"
#include "lathe/registry/model_versions.h"

namespace lathe::cli {

namespace {

namespace fs = std::filesystem;
using metadata::Artifact;
using metadata::EventType;
using metadata::ListOptions;
using metadata::MetadataStore;
namespace standard = metadata::standard;
using registry::OverallMetrics;
using registry::PushedVersion;

int64_t IntProperty(const Artifact& a, const std::string& key) {
  return metadata::CustomPropertyInt(a, key);
}

std::string Cell(const eval::SliceMetrics& s, const std::string& metric, bool intervals) {
  if (s.skipped) return "-";
  auto it = s.metrics.find(metric);
  if (it == s.metrics.end() || !std::isfinite(it->second)) return "n/a";
  std::string v = fmt::format("{:.4f}", it->second);
  auto ci = s.intervals.find(metric);
  if (intervals && ci != s.intervals.end())
    v += fmt::format(" [{:.3f}, {:.3f}]", ci->second.first, ci->second.second);
  return v;
}

void PrintBlessing(const nlohmann::json& b) {
  bool blessed = b.value("blessed", false);
  fmt::print("{}\n", blessed ? "blessed" : "NOT blessed");
  for (const auto& c : b.value("checks", nlohmann::json::array()))
    fmt::print("  {} {}\n", c.value("passed", false) ? "pass" : "FAIL",
               c.value("check", std::string()));
}

int EvalShow(const GlobalOptions& g, int64_t id, bool intervals) {
  auto store = OpenStoreReadOnly(g);
  if (!store.ok()) return ReportError(store.status());
  if (g.json) {
    auto j = registry::DescribeEvaluation(**store, id);
    if (!j.ok()) return ReportError(j.status());
    PrintJson(*j);
    return kExitOk;
  }
  auto e = registry::LoadEvaluation(**store, id);
  if (!e.ok()) return ReportError(e.status());
  const auto& c = e->candidate;
  fmt::print(
      "evaluation {} of model {} ({} task, split {}){}\n", e->artifact.id,
      IntProperty(e->artifact, standard::kModelId), c.task, e->file.value("split", std::string()),
      e->baseline
          ? fmt::format(", baseline model {}", IntProperty(e->artifact, standard::kBaselineModelId))
          : "");
  if (c.rows_without_label > 0)
    fmt::print("{} rows without a label left out\n", c.rows_without_label);
  auto metrics = registry::MainMetrics(c.task);
  std::vector<std::string> headers = {"SLICE", "ROWS"};
  for (const auto& m : metrics) headers.push_back(m);
  Table t(headers);
  for (const auto& s : c.slices) {
    std::vector<std::string> row = {
        s.slice, s.skipped ? fmt::format("{} (too few)", s.rows) : std::to_string(s.rows)};
    for (const auto& m : metrics) row.push_back(Cell(s, m, intervals));
    t.AddRow(row);
  }
  t.Print(stdout, TerminalWidth(stdout));
  if (e->blessing) {
    fmt::print("\n");
    PrintBlessing(*e->blessing);
  }
  if (e->baseline) fmt::print("\nagainst the baseline: lathe eval compare {}\n", e->artifact.id);
  return kExitOk;
}

int EvalCompare(const GlobalOptions& g, int64_t a_id, int64_t b_id) {
  auto store = OpenStoreReadOnly(g);
  if (!store.ok()) return ReportError(store.status());
  auto j = registry::CompareEvaluations(**store, a_id, b_id);
  if (!j.ok()) return ReportError(j.status());
  if (g.json) {
    PrintJson(*j);
    return kExitOk;
  }
  Table t({"SLICE", "METRIC", (*j)["a"].get<std::string>(), (*j)["b"].get<std::string>(), "CHANGE",
           ""});
  for (const auto& row : (*j)["rows"]) {
    auto show = [](const nlohmann::json& v) {
      return v.is_number() ? fmt::format("{:.4f}", v.get<double>()) : std::string("-");
    };
    const auto &a = row["a"], &b = row["b"];
    t.AddRow({row["slice"].get<std::string>(), row["metric"].get<std::string>(), show(a), show(b),
              a.is_number() && b.is_number()
                  ? fmt::format("{:+.4f}", b.get<double>() - a.get<double>())
                  : "",
              row.value("change", std::string())});
  }
  t.Print(stdout, TerminalWidth(stdout));
  return kExitOk;
}

std::string SpansText(const PushedVersion& v) {
  std::string s;
  for (const auto& [id, span] : v.spans)
    if (span) s += (s.empty() ? "" : ",") + std::to_string(*span);
  return s.empty() ? "-" : s;
}

std::string MainMetricText(const PushedVersion& v) {
  if (!v.evaluation) return "";
  auto m = OverallMetrics(*v.evaluation);
  for (const char* key : {"auc", "accuracy", "rmse"})
    if (m.count(key)) return fmt::format("{} {:.4f}", key, m[key]);
  return "";
}

int ModelsList(const GlobalOptions& g, const std::string& name) {
  auto store = OpenStoreReadOnly(g);
  if (!store.ok()) return ReportError(store.status());
  auto versions = registry::ListPushedVersions(**store, name);
  if (!versions.ok()) return ReportError(versions.status());
  if (g.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& v : *versions) list.push_back(registry::PushedVersionToJson(v));
    PrintJson(list);
    return kExitOk;
  }
  if (versions->empty()) {
    fmt::print("no pushed models{}\n", name.empty() ? "" : " named " + name);
    return kExitOk;
  }
  Table t({"MODEL", "VERSION", "PUSHED", "MODEL ID", "SPANS", "METRIC", "RUN"});
  for (const auto& v : *versions)
    t.AddRow({v.name, std::to_string(v.version), FormatTime(v.pushed.create_time_ms),
              std::to_string(v.model_id), SpansText(v), MainMetricText(v), v.run});
  t.Print(stdout, TerminalWidth(stdout));
  return kExitOk;
}

int ModelsShow(const GlobalOptions& g, const std::string& what) {
  auto store = OpenStoreReadOnly(g);
  if (!store.ok()) return ReportError(store.status());
  auto ref = registry::ParseModelReference(what);
  if (!ref.ok()) return ReportUsageError(ref.status());
  auto found = registry::FindPushedVersion(**store, what);
  if (!found.ok()) return ReportError(found.status());
  const PushedVersion* v = &*found;
  const nlohmann::json j = registry::DescribeModelVersion(**store, *v);
  if (g.json) {
    PrintJson(j);
    return kExitOk;
  }
  const nlohmann::json* manifest = j.contains("manifest") ? &j["manifest"] : nullptr;
  const nlohmann::json& business = j["business_metrics"];
  fmt::print("{} version {}\n", v->name, v->version);
  fmt::print("  path        {}\n", v->destination);
  fmt::print("  pushed      {} by run {}\n", FormatTime(v->pushed.create_time_ms), v->run);
  fmt::print("  model       artifact {}\n", v->model_id);
  if (manifest && manifest->is_object()) {
    // Anyone may write a bundle: read the manifest defensively.
    const nlohmann::json& m = *manifest;
    auto text = [](const nlohmann::json& j, const char* key) {
      return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>()
                                                                    : std::string("?");
    };
    const nlohmann::json none = nlohmann::json::object();
    const auto& model = m.contains("model") ? m["model"] : none;
    fmt::print("  task        {} ({} model, label '{}')\n", text(m, "task"), text(model, "kind"),
               text(m, "label"));
    std::string inputs;
    if (m.contains("signature") && m["signature"].is_object() &&
        m["signature"].contains("inputs") && m["signature"]["inputs"].is_array())
      for (const auto& in : m["signature"]["inputs"])
        inputs +=
            fmt::format("{}{}:{}", inputs.empty() ? "" : ", ", text(in, "name"), text(in, "type"));
    fmt::print("  inputs      {}\n", inputs.empty() ? "-" : inputs);
    const auto& tr = m.contains("training") && m["training"].is_object() ? m["training"] : none;
    if (tr.contains("rows_train") && tr["rows_train"].is_number())
      fmt::print("  training    {} rows", tr["rows_train"].get<int64_t>());
    else
      fmt::print("  training    -");
    if (j.contains("warm_start_from"))
      fmt::print(", warm start from model {}", j["warm_start_from"].get<int64_t>());
    fmt::print("\n");
  } else {
    fmt::print("  manifest    {}\n",
               manifest ? "not a JSON object" : j.value("manifest_error", std::string()));
  }
  std::string data;
  for (const auto& [id, span] : v->spans)
    data += span ? fmt::format("{}span {} (examples {})", data.empty() ? "" : ", ", *span, id)
                 : fmt::format("{}examples {}", data.empty() ? "" : ", ", id);
  fmt::print("  data        {}\n", data.empty() ? "-" : data);
  if (v->evaluation) {
    std::string metrics;
    for (const auto& [k, x] : OverallMetrics(*v->evaluation))
      metrics += fmt::format("{}{} {:.4f}", metrics.empty() ? "" : ", ", k, x);
    fmt::print("  metrics     {} (lathe eval show {})\n", metrics, v->evaluation->id);
  }
  if (v->blessing) {
    fmt::print("  blessing    artifact {}{}\n", v->blessing->id,
               IntProperty(*v->blessing, standard::kBaselineModelId) > 0
                   ? fmt::format(", against baseline model {}",
                                 IntProperty(*v->blessing, standard::kBaselineModelId))
                   : ", first model (no baseline)");
  }
  for (const auto& [key, figures] : business.items()) {
    if (!figures.is_object()) continue;
    const auto experiment = figures.value("experiment", int64_t{0});
    fmt::print("  business    deployment {} ({} from {})\n",
               figures.value("deployment", std::string("?")),
               figures.value("role", std::string("?")),
               experiment > 0 ? FormatTime(experiment) : std::string("?"));
    if (figures.contains("comparisons") && figures["comparisons"].is_array())
      for (const auto& c : figures["comparisons"])
        if (c.is_object() && c.contains("line") && c["line"].is_string())
          fmt::print("              {}\n", c["line"].get<std::string>());
    if (figures.contains("outcomes") && figures["outcomes"].is_array())
      for (const auto& line : figures["outcomes"])
        if (line.is_string()) fmt::print("              {}\n", line.get<std::string>());
  }
  fmt::print("  lineage     lathe lineage {}\n", v->pushed.id);
  return kExitOk;
}

}  // namespace

void AddModelCommands(CLI::App& app, const GlobalOptions& g, int& exit_code) {
  auto* ev = app.add_subcommand("eval", "show and compare model evaluations");
  ev->require_subcommand(1);
  {
    auto* cmd = ev->add_subcommand(
        "show", "sliced metrics of an evaluation (or of a model's newest evaluation)");
    auto id = std::make_shared<int64_t>(0);
    auto intervals = std::make_shared<bool>(false);
    cmd->add_option("ID", *id, "ModelEvaluation or Model artifact id")->required();
    cmd->add_flag("--intervals", *intervals, "show bootstrap confidence intervals");
    cmd->callback([&g, &exit_code, id, intervals] { exit_code = EvalShow(g, *id, *intervals); });
  }
  {
    auto* cmd = ev->add_subcommand(
        "compare",
        "two evaluations side by side per slice; with one id, its model against its baseline");
    auto a = std::make_shared<int64_t>(0);
    auto b = std::make_shared<int64_t>(0);
    cmd->add_option("A", *a, "ModelEvaluation or Model artifact id")->required();
    cmd->add_option("B", *b, "ModelEvaluation or Model artifact id");
    cmd->callback([&g, &exit_code, a, b] { exit_code = EvalCompare(g, *a, *b); });
  }
  auto* models = app.add_subcommand("models", "pushed model versions and their lineage");
  models->require_subcommand(1);
  {
    auto* cmd = models->add_subcommand("list", "pushed versions: data spans, metrics, run");
    auto name = std::make_shared<std::string>();
    cmd->add_option("NAME", *name, "only this model");
    cmd->callback([&g, &exit_code, name] { exit_code = ModelsList(g, *name); });
  }
  {
    auto* cmd = models->add_subcommand("show", "one pushed version in detail");
    auto what = std::make_shared<std::string>();
    cmd->add_option("MODEL", *what, "NAME (the newest version) or NAME/VERSION")->required();
    cmd->callback([&g, &exit_code, what] { exit_code = ModelsShow(g, *what); });
  }
}

}  // namespace lathe::cli
