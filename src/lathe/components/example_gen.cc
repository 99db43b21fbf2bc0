// ExampleGen: a CSV or JSON Lines file (picked by an input pattern) into an Examples artifact, one
// Lathe columnar file per split. Parameters in docs/components.md.
#include <fmt/format.h>

#include <fstream>
#include <optional>

#include "lathe/components/component_util.h"
#include "lathe/components/data_components.h"
#include "lathe/components/detail/example_splits.h"
#include "lathe/components/input_pattern.h"
#include "lathe/data/table_file.h"
#include "lathe/metadata/standard_artifacts.h"
#include "lathe/pipeline/params.h"

namespace lathe::components {

namespace fs = std::filesystem;
using pipeline::ExecutionRequest;
using pipeline::ExecutionResult;
using pipeline::NodeSpec;
using pipeline::ParamKind;
using pipeline::SourceMap;

namespace {

class ExampleGen final : public pipeline::Component {
  // The driver's part: the file of the span asked for, or of the newest span.
  static Result<InputFile> Resolve(const nlohmann::json& p, const fs::path& base_dir) {
    std::optional<int64_t> span;
    if (p.contains("span")) span = p["span"].get<int64_t>();
    return ResolveInputPattern(base_dir.string(), p["input"].get<std::string>(), span);
  }

 public:
  std::string type() const override { return "ExampleGen"; }
  std::string version() const override { return "1"; }
  Status Prepare(NodeSpec& node, const SourceMap& source, const std::string& field) const override {
    LATHE_RETURN_IF_ERROR(NoCommand(node, source, field));
    LATHE_RETURN_IF_ERROR(
        pipeline::CheckParams(node, source, field,
                              {{"input", ParamKind::kString, true},
                               {"span", ParamKind::kPositiveInt},
                               {"splits", ParamKind::kObject, false, {{"train", 4}, {"eval", 1}}},
                               {"split_key", ParamKind::kString},
                               {"split_ranges", ParamKind::kObject},
                               {"delimiter", ParamKind::kString, false, ","},
                               {"missing", ParamKind::kStringList},
                               {"types", ParamKind::kObject},
                               {"bad_rows", ParamKind::kString, false, "fail"},
                               {"max_bad_rows", ParamKind::kPositiveInt}}));
    for (auto it = node.parameters["splits"].begin(); it != node.parameters["splits"].end(); ++it)
      if (!it.value().is_number_integer() || it.value().get<int64_t>() < 1 || it.key().empty() ||
          it.key().find_first_of("/.") != std::string::npos)
        return source.Error(field + ".parameters.splits." + it.key(),
                            "expected a split name with a positive bucket count");
    if (node.parameters.contains("split_ranges")) {
      const auto& sr = node.parameters["split_ranges"];
      std::string sfield = field + ".parameters.split_ranges";
      if (!sr.contains("feature") || !sr["feature"].is_string() || !sr.contains("ranges") ||
          !sr["ranges"].is_object() || sr["ranges"].empty())
        return source.Error(
            sfield, "expected {feature: NAME, ranges: {SPLIT: {from: VALUE, to: VALUE}, ...}}");
      for (auto it = sr["ranges"].begin(); it != sr["ranges"].end(); ++it) {
        bool ok = it.value().is_object();
        for (auto b = ok ? it.value().begin() : it.value().end(); ok && b != it.value().end(); ++b)
          ok = (b.key() == "from" || b.key() == "to") &&
               (b.value().is_string() || b.value().is_number());
        if (!ok || it.key().empty() || it.key().find_first_of("/.") != std::string::npos)
          return source.Error(sfield + ".ranges." + it.key(),
                              "expected {from: VALUE, to: VALUE} (either may be left out)");
      }
    }
    if (node.parameters["delimiter"].get<std::string>().size() != 1)
      return source.Error(field + ".parameters.delimiter", "expected one character");
    std::string bad = node.parameters["bad_rows"].get<std::string>();
    if (bad != "fail" && bad != "skip")
      return source.Error(field + ".parameters.bad_rows", "expected fail or skip");
    if (node.parameters.contains("types"))
      for (auto it = node.parameters["types"].begin(); it != node.parameters["types"].end(); ++it)
        if (!it.value().is_string() || !data::ParseColumnType(it.value().get<std::string>()).ok())
          return source.Error(field + ".parameters.types." + it.key(),
                              "expected int64, double, bool or string");
    if (!node.inputs.empty())
      return source.Error(field + ".inputs", "ExampleGen reads files, not inputs");
    node.outputs = {{"examples", metadata::standard::kExamples}};
    return Status::Ok();
  }

  Result<std::vector<fs::path>> ExternalInputs(const NodeSpec& node,
                                               const fs::path& base_dir) const override {
    LATHE_ASSIGN_OR_RETURN(InputFile input, Resolve(node.parameters, base_dir));
    return std::vector<fs::path>{input.path};
  }

  // The executor's part: read exactly the file the driver resolved and fingerprinted (a newer span
  // arriving meanwhile waits for the next run) and write each row to its split's file; the
  // publisher's part, the artifact's properties, is in ExamplesProperties.
  Status Execute(const ExecutionRequest& r, ExecutionResult& result) const override {
    const auto& p = r.parameters;
    if (r.external_inputs.size() != 1)
      return InternalError("ExampleGen expects the one input file the driver resolved");
    LATHE_ASSIGN_OR_RETURN(InputPattern pattern,
                           InputPattern::Parse(r.base_dir.string(), p["input"].get<std::string>()));
    LATHE_ASSIGN_OR_RETURN(auto matched, pattern.Match(r.external_inputs[0]));
    if (!matched)
      return InternalError(
          fmt::format("{} no longer matches the input pattern", r.external_inputs[0].string()));
    const InputFile input = *matched;

    detail::SplitPlan plan = detail::SplitPlan::FromParameters(p);
    std::optional<detail::SplitFiles> files;
    files.emplace(plan.names(), r.output_dirs.at("examples"));
    bool bound = false;
    std::vector<int> target;
    data::CsvOptions options = ReaderOptions(p);
    // A column typed too narrowly from the first rows makes the reader start over, wider.
    options.on_restart = [&] {
      plan = detail::SplitPlan::FromParameters(p);
      files.reset();
      files.emplace(plan.names(), r.output_dirs.at("examples"));
      bound = false;
    };
    auto report = data::ReadTableFile(input.path, options, [&](data::Batch&& b) -> Status {
      if (!bound) LATHE_RETURN_IF_ERROR(plan.Bind(b.schema, input.path));
      bound = true;
      plan.Assign(b, target);
      return files->Write(b, target);
    });
    if (!report.ok()) return report.status();
    if (report->rows == 0)
      return InvalidArgumentError(fmt::format(
          "{}: no data rows{}; an Examples artifact needs at least one row in every split (check "
          "that the input pattern picks the file you meant)",
          input.path,
          report->bad_rows > 0 ? fmt::format(" ({} bad rows skipped)", report->bad_rows)
                               : " (only a header)"));
    LATHE_ASSIGN_OR_RETURN(auto rows, files->Close(report->schema, {{"span", input.span},
                                                                    {"version", input.version}}));
    for (size_t s = 0; s < plan.names().size(); ++s)
      if (rows[s] == 0)
        return InvalidArgumentError(
            fmt::format("{}: split '{}' has no rows of the {} read; {}", input.path,
                        plan.names()[s], report->rows,
                        plan.by_range() ? "check its range against the values of the range feature"
                                        : "give it more hash buckets, or use more data"));
    result.output_properties["examples"] = ExamplesProperties(input, plan, rows, *report);
    std::ofstream(r.log_path, std::ios::app)
        << fmt::format("read {} rows from {} (span {}, version {}), {} bad rows skipped\n",
                       report->rows, input.path, input.span, input.version, report->bad_rows);
    return Status::Ok();
  }

 private:
  // How to read the file: delimiter, missing-value markers, column types, bad-row policy.
  static data::CsvOptions ReaderOptions(const nlohmann::json& p) {
    data::CsvOptions o;
    o.delimiter = p["delimiter"].get<std::string>()[0];
    if (p.contains("missing")) o.missing = p["missing"].get<std::vector<std::string>>();
    if (p.contains("types"))
      for (auto it = p["types"].begin(); it != p["types"].end(); ++it)
        o.types[it.key()] = *data::ParseColumnType(it.value().get<std::string>());
    o.bad_rows = p["bad_rows"] == "skip" ? data::CsvOptions::BadRows::kSkip
                                         : data::CsvOptions::BadRows::kFail;
    if (p.contains("max_bad_rows")) o.max_bad_rows = p["max_bad_rows"].get<int64_t>();
    return o;
  }

  // The Examples artifact's custom properties: where the rows came from and how they split.
  static metadata::Properties ExamplesProperties(const InputFile& input,
                                                 const detail::SplitPlan& plan,
                                                 const std::vector<int64_t>& rows,
                                                 const data::CsvReport& report) {
    namespace standard = metadata::standard;
    metadata::Properties props = {{"source", input.path}, {"bad_rows", report.bad_rows}};
    // Data read without span placeholders has no span (rather than span 0).
    if (input.has_span) props[standard::kSpan] = input.span;
    if (input.has_span || input.version > 0) props[standard::kVersion] = input.version;
    if (plan.by_range()) props["rows_outside_ranges"] = plan.outside();
    std::string names;
    for (size_t s = 0; s < plan.names().size(); ++s) {
      props["rows_" + plan.names()[s]] = rows[s];
      names += (names.empty() ? "" : ",") + plan.names()[s];
    }
    props["splits"] = names;
    return props;
  }
};

}  // namespace

void RegisterExampleGen(pipeline::ComponentRegistry& registry) {
  registry.Register(std::make_unique<ExampleGen>());
}

}  // namespace lathe::components
