#include "lathe/components/data_components.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>

#include "lathe/components/component_util.h"
#include "lathe/components/model_components.h"
#include "lathe/data/columnar.h"
#include "lathe/data/csv.h"
#include "lathe/data/table_file.h"
#include "lathe/pipeline/command_component.h"
#include "lathe/pipeline/params.h"
#include "lathe/pipeline/resolvers.h"
#include "lathe/stats/dataset_stats.h"
#include "lathe/stats/drift.h"
#include "lathe/stats/feature_schema.h"

namespace lathe::components {

namespace fs = std::filesystem;
using pipeline::ExecutionRequest;
using pipeline::ExecutionResult;
using pipeline::NodeSpec;
using pipeline::ParamKind;
using pipeline::SourceMap;

namespace {

// An input pattern taken apart: the directory walked (above the first placeholder) and the regex
// that paths below it must match, with the placeholder of each group. Without placeholders,
// `literal` is the one file.
struct InputPattern {
  std::string literal;
  std::string root;
  std::regex re;
  std::vector<std::string> groups;
};

Result<InputPattern> ParseInputPattern(const std::string& base_dir, const std::string& pattern) {
  fs::path full =
      fs::path(pattern).is_absolute() ? fs::path(pattern) : fs::path(base_dir) / pattern;
  std::string text = full.lexically_normal().generic_string();
  InputPattern ip;
  if (text.find('{') == std::string::npos) {
    ip.literal = text;
    return ip;
  }
  size_t brace = text.find('{');
  size_t slash = text.rfind('/', brace);
  ip.root = text.substr(0, slash);
  std::string regex;
  for (size_t i = slash + 1; i < text.size(); ++i) {
    if (text[i] == '{') {
      size_t end = text.find('}', i);
      std::string name = text.substr(i + 1, end - i - 1);
      static const std::map<std::string, std::string> kParts = {{"SPAN", "(\\d+)"},
                                                                {"VERSION", "(\\d+)"},
                                                                {"YYYY", "(\\d{4})"},
                                                                {"MM", "(\\d{2})"},
                                                                {"DD", "(\\d{2})"}};
      auto it = kParts.find(name);
      if (end == std::string::npos || it == kParts.end())
        return InvalidArgumentError(
            fmt::format("input pattern {}: unknown placeholder {{{}}} (use SPAN, VERSION, "
                        "YYYY, MM, DD)",
                        pattern, name));
      regex += it->second;
      ip.groups.push_back(name);
      i = end;
    } else {
      if (std::string("\\^$.|?*+()[]").find(text[i]) != std::string::npos) regex += '\\';
      regex += text[i];
    }
  }
  ip.re = std::regex(regex);
  return ip;
}

// The span and version of `path` if it matches the pattern (a span from date parts is YYYYMMDD).
std::optional<InputFile> MatchInputPattern(const InputPattern& ip, const fs::path& path) {
  if (ip.groups.empty()) return InputFile{path.string(), 0, 0};
  std::string rel = fs::path(path).lexically_relative(ip.root).generic_string();
  std::smatch m;
  if (!std::regex_match(rel, m, ip.re)) return std::nullopt;
  InputFile f{path.string(), 0, 0};
  int64_t y = 0, mo = 0, d = 0;
  for (size_t g = 0; g < ip.groups.size(); ++g) {
    int64_t v = std::stoll(m[g + 1].str());
    if (ip.groups[g] == "SPAN") f.span = v;
    if (ip.groups[g] == "VERSION") f.version = v;
    if (ip.groups[g] == "YYYY") y = v;
    if (ip.groups[g] == "MM") mo = v;
    if (ip.groups[g] == "DD") d = v;
  }
  if (y > 0) f.span = y * 10000 + mo * 100 + d;
  return f;
}

}  // namespace

Result<InputFile> ResolveInputPattern(const std::string& base_dir, const std::string& pattern,
                                      std::optional<int64_t> span) {
  LATHE_ASSIGN_OR_RETURN(InputPattern ip, ParseInputPattern(base_dir, pattern));
  if (!ip.literal.empty()) {
    if (!fs::exists(ip.literal))
      return NotFoundError(fmt::format("input {} does not exist", ip.literal));
    return InputFile{ip.literal, 0, 0};
  }
  std::optional<InputFile> best;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(ip.root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    auto f = MatchInputPattern(ip, it->path());
    if (!f || (span && f->span != *span)) continue;
    if (!best || f->span > best->span || (f->span == best->span && f->version > best->version))
      best = f;
  }
  if (!best) {
    return NotFoundError(
        span ? fmt::format("no file matches input pattern {} for span {}", pattern, *span)
             : fmt::format("no file matches input pattern {} (under {})", pattern, ip.root));
  }
  return *best;
}

namespace {

class ExampleGen final : public pipeline::Component {
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
    node.outputs = {{"examples", "Examples"}};
    return Status::Ok();
  }

  Result<std::vector<fs::path>> ExternalInputs(const NodeSpec& node,
                                               const fs::path& base_dir) const override {
    LATHE_ASSIGN_OR_RETURN(InputFile input, Resolve(node.parameters, base_dir));
    return std::vector<fs::path>{input.path};
  }

  Status Execute(const ExecutionRequest& r, ExecutionResult& result) const override {
    const auto& p = r.parameters;
    // The file the driver resolved and fingerprinted (a newer span arriving meanwhile waits for
    // the next run); its span and version come from the pattern.
    if (r.external_inputs.size() != 1)
      return InternalError("ExampleGen expects the one input file the driver resolved");
    LATHE_ASSIGN_OR_RETURN(InputPattern pattern,
                           ParseInputPattern(r.base_dir.string(), p["input"].get<std::string>()));
    auto matched = MatchInputPattern(pattern, r.external_inputs[0]);
    if (!matched)
      return InternalError(
          fmt::format("{} no longer matches the input pattern", r.external_inputs[0].string()));
    const InputFile input = *matched;
    data::CsvOptions o;
    o.delimiter = p["delimiter"].get<std::string>()[0];
    if (p.contains("missing")) o.missing = p["missing"].get<std::vector<std::string>>();
    if (p.contains("types"))
      for (auto it = p["types"].begin(); it != p["types"].end(); ++it)
        o.types[it.key()] = *data::ParseColumnType(it.value().get<std::string>());
    o.bad_rows = p["bad_rows"] == "skip" ? data::CsvOptions::BadRows::kSkip
                                         : data::CsvOptions::BadRows::kFail;
    if (p.contains("max_bad_rows")) o.max_bad_rows = p["max_bad_rows"].get<int64_t>();
    // Splits by hash buckets (a row goes to the split owning bucket hash(key) mod total), or by
    // ranges of one feature ([from, to), the first matching split wins; other rows are dropped).
    std::vector<std::pair<std::string, int64_t>> splits;
    int64_t total = 0;
    const bool by_range = p.contains("split_ranges");
    const nlohmann::json ranges = by_range ? p["split_ranges"]["ranges"] : nlohmann::json::object();
    for (auto it = (by_range ? ranges : p["splits"]).begin();
         it != (by_range ? ranges : p["splits"]).end(); ++it) {
      splits.emplace_back(it.key(), by_range ? 1 : it.value().get<int64_t>());
      total += splits.back().second;
    }
    int range_column = -1;
    int64_t outside = 0;
    // The bounds of each split's range, parsed once: [from, to), numbers or text.
    struct Bound {
      bool set = false, numeric = false;
      double number = 0;
      std::string text;
    };
    std::vector<std::pair<Bound, Bound>> bounds;
    for (const auto& [name, buckets] : splits) {
      std::pair<Bound, Bound> fb;
      for (auto [key, bound] : {std::pair{"from", &fb.first}, std::pair{"to", &fb.second}}) {
        if (!by_range || !ranges[name].contains(key)) continue;
        const auto& v = ranges[name][key];
        bound->set = true;
        bound->numeric = v.is_number();
        if (bound->numeric)
          bound->number = v.get<double>();
        else
          bound->text = v.get<std::string>();
      }
      bounds.push_back(std::move(fb));
    }
    // The split of a row by range, or -1.
    std::string scratch;
    auto range_split = [&](const data::Column& c, size_t row) -> int {
      if (c.is_null(row)) return -1;
      const bool numeric =
          c.type() == data::ColumnType::kInt64 || c.type() == data::ColumnType::kDouble;
      const double x = c.type() == data::ColumnType::kInt64    ? static_cast<double>(c.int_at(row))
                       : c.type() == data::ColumnType::kDouble ? c.double_at(row)
                                                               : 0;
      const std::string_view text = numeric ? std::string_view()
                                    : c.type() == data::ColumnType::kString
                                        ? c.string_at(row)
                                        : (scratch = c.ToText(row));
      auto below = [&](const Bound& bound) {  // value < bound (a bound of the other kind: never)
        return numeric ? bound.numeric && x < bound.number
                       : !bound.numeric && text < std::string_view(bound.text);
      };
      for (size_t s = 0; s < bounds.size(); ++s) {
        if (bounds[s].first.set && below(bounds[s].first)) continue;
        if (bounds[s].second.set && !below(bounds[s].second)) continue;
        return static_cast<int>(s);
      }
      return -1;
    };
    const fs::path out = r.output_dirs.at("examples");
    std::vector<std::unique_ptr<data::ColumnarWriter>> writers;
    std::vector<data::Batch> parts;
    std::vector<int> target;
    int key = -1;
    auto on_batch = [&](data::Batch&& b) -> Status {
      if (writers.empty()) {
        if (by_range) {
          range_column = b.schema.Find(p["split_ranges"]["feature"].get<std::string>());
          if (range_column < 0)
            return InvalidArgumentError(
                fmt::format("split_ranges: {} has no column '{}'", input.path,
                            p["split_ranges"]["feature"].get<std::string>()));
        }
        if (p.contains("split_key")) {
          key = b.schema.Find(p["split_key"].get<std::string>());
          if (key < 0)
            return InvalidArgumentError(fmt::format("split_key: {} has no column '{}'", input.path,
                                                    p["split_key"].get<std::string>()));
        }
        for (const auto& [name, buckets] : splits) {
          LATHE_ASSIGN_OR_RETURN(
              auto w, data::ColumnarWriter::Create((out / (name + ".lcol")).string(), b.schema));
          writers.push_back(std::move(w));
        }
      }
      // Each row's split (-1: outside every range), then the rows written split by split.
      target.resize(b.rows());
      for (size_t row = 0; row < b.rows(); ++row) {
        if (by_range) {
          target[row] = range_split(b.columns[static_cast<size_t>(range_column)], row);
          if (target[row] < 0) ++outside;
          continue;
        }
        std::string text;
        if (key >= 0) {
          text = b.columns[static_cast<size_t>(key)].ToText(row);
        } else {
          for (const auto& c : b.columns) text += c.ToText(row) + '\x1f';
        }
        int64_t bucket = static_cast<int64_t>(XXH3_64bits(text.data(), text.size()) %
                                              static_cast<uint64_t>(total));
        size_t s = 0;
        for (int64_t acc = splits[0].second; bucket >= acc; acc += splits[++s].second) {
        }
        target[row] = static_cast<int>(s);
      }
      // Data ordered by the range feature (time, typically) sends whole batches to one split.
      if (!target.empty() && target[0] >= 0 &&
          std::all_of(target.begin(), target.end(), [&](int t) { return t == target[0]; }))
        return writers[static_cast<size_t>(target[0])]->Write(b);
      parts.assign(splits.size(), data::Batch{});
      for (auto& part : parts) {
        part.schema = b.schema;
        for (const auto& f : b.schema.fields) part.columns.emplace_back(f.type);
      }
      for (size_t row = 0; row < b.rows(); ++row) {
        if (target[row] < 0) continue;
        for (size_t c = 0; c < b.columns.size(); ++c)
          parts[static_cast<size_t>(target[row])].columns[c].AppendFrom(b.columns[c], row);
      }
      for (size_t s = 0; s < parts.size(); ++s) LATHE_RETURN_IF_ERROR(writers[s]->Write(parts[s]));
      return Status::Ok();
    };
    auto report = data::ReadTableFile(input.path, o, on_batch);
    if (!report.ok()) return report.status();
    if (writers.empty())  // header only: empty splits with the header's schema
      for (const auto& [name, buckets] : splits) {
        LATHE_ASSIGN_OR_RETURN(auto w, data::ColumnarWriter::Create(
                                           (out / (name + ".lcol")).string(), report->schema));
        writers.push_back(std::move(w));
      }
    metadata::Properties props = {{"span", input.span},
                                  {"version", input.version},
                                  {"source", input.path},
                                  {"bad_rows", report->bad_rows}};
    if (by_range) props["rows_outside_ranges"] = outside;
    std::string names;
    for (size_t s = 0; s < splits.size(); ++s) {
      props["rows_" + splits[s].first] = writers[s]->rows();
      names += (names.empty() ? "" : ",") + splits[s].first;
      LATHE_RETURN_IF_ERROR(writers[s]->Close(
          {{"split", splits[s].first}, {"span", input.span}, {"version", input.version}}));
    }
    props["splits"] = names;
    result.output_properties["examples"] = props;
    std::ofstream(r.log_path, std::ios::app)
        << fmt::format("read {} rows from {} (span {}, version {}), {} bad rows skipped\n",
                       report->rows, input.path, input.span, input.version, report->bad_rows);
    return Status::Ok();
  }
};

class StatisticsGen final : public pipeline::Component {
 public:
  std::string type() const override { return "StatisticsGen"; }
  std::string version() const override { return "2"; }  // 2: records the span
  Status Prepare(NodeSpec& node, const SourceMap& source, const std::string& field) const override {
    LATHE_RETURN_IF_ERROR(NoCommand(node, source, field));
    LATHE_RETURN_IF_ERROR(
        pipeline::CheckParams(node, source, field, {{"slice_by", ParamKind::kString}}));
    LATHE_RETURN_IF_ERROR(RequireInputs(node, source, field, {"examples"}));
    node.outputs = {{"statistics", "ExampleStatistics"}};
    return Status::Ok();
  }
  Status Execute(const ExecutionRequest& r, ExecutionResult& result) const override {
    LATHE_ASSIGN_OR_RETURN(fs::path examples, OneInput(r, "examples"));
    std::string names;
    for (const auto& [split, file] : SplitFiles(examples, ".lcol")) {
      std::string slice_by = r.parameters.value("slice_by", "");
      LATHE_ASSIGN_OR_RETURN(auto sliced, stats::ComputeFileSlicedStats(file.string(), slice_by));
      const stats::DatasetStats& s = sliced.all();
      std::ofstream(r.output_dirs.at("statistics") / (split + ".json"))
          << s.ToJson().dump() << "\n";
      if (!slice_by.empty())  // per slice, beside the split's statistics
        std::ofstream(r.output_dirs.at("statistics") / (split + ".slices"))
            << sliced.ToJson().dump() << "\n";
      names += (names.empty() ? "" : ",") + split;
      result.output_properties["statistics"]["rows_" + split] = s.rows();
    }
    if (names.empty())
      return FailedPreconditionError(fmt::format("{} holds no split files", examples.string()));
    result.output_properties["statistics"]["splits"] = names;
    // The span of the data, so that resolvers can pick statistics by span.
    LATHE_ASSIGN_OR_RETURN(const pipeline::InputArtifact examples_in, RequiredInput(r, "examples"));
    auto source = r.store->GetArtifact(examples_in.id);
    if (source.ok())
      for (const char* key : {"span", "version"})
        if (auto it = source->custom_properties.find(key); it != source->custom_properties.end())
          result.output_properties["statistics"][key] = it->second;
    return Status::Ok();
  }
};

class SchemaGen final : public pipeline::Component {
 public:
  std::string type() const override { return "SchemaGen"; }
  std::string version() const override { return "1"; }
  Status Prepare(NodeSpec& node, const SourceMap& source, const std::string& field) const override {
    LATHE_RETURN_IF_ERROR(NoCommand(node, source, field));
    LATHE_RETURN_IF_ERROR(
        pipeline::CheckParams(node, source, field,
                              {{"split", ParamKind::kString, false, "train"},
                               {"schema_file", ParamKind::kString},
                               {"max_domain", ParamKind::kPositiveInt, false, 100}}));
    LATHE_RETURN_IF_ERROR(RequireInputs(node, source, field, {"statistics"}));
    // A curated schema file is part of the node's definition: declare it as code so that editing
    // it invalidates the cache.
    if (node.parameters.contains("schema_file"))
      node.code.push_back(node.parameters["schema_file"].get<std::string>());
    node.outputs = {{"schema", "Schema"}};
    return Status::Ok();
  }
  Status Execute(const ExecutionRequest& r, ExecutionResult& result) const override {
    const fs::path out = r.output_dirs.at("schema") / "schema.yaml";
    if (r.parameters.contains("schema_file")) {
      fs::path curated = r.base_dir / r.parameters["schema_file"].get<std::string>();
      LATHE_ASSIGN_OR_RETURN(auto schema, stats::LoadFeatureSchema(curated.string()));
      std::ofstream(out) << schema.ToYaml();
      result.output_properties["schema"]["curated"] = true;
      return Status::Ok();
    }
    LATHE_ASSIGN_OR_RETURN(fs::path dir, OneInput(r, "statistics"));
    std::string split = r.parameters["split"].get<std::string>();
    LATHE_ASSIGN_OR_RETURN(auto s, ReadStats(dir / (split + ".json")));
    auto schema =
        stats::InferSchema(s, {.max_domain_size = r.parameters["max_domain"].get<size_t>()});
    std::ofstream(out) << schema.ToYaml();
    result.output_properties["schema"]["curated"] = false;
    return Status::Ok();
  }
};

class ExampleValidator final : public pipeline::Component {
 public:
  std::string type() const override { return "ExampleValidator"; }
  std::string version() const override { return "1"; }
  Status Prepare(NodeSpec& node, const SourceMap& source, const std::string& field) const override {
    LATHE_RETURN_IF_ERROR(NoCommand(node, source, field));
    LATHE_RETURN_IF_ERROR(
        pipeline::CheckParams(node, source, field,
                              {{"stop_on_anomalies", ParamKind::kBool, false, false},
                               {"thresholds", ParamKind::kObject}}));
    LATHE_RETURN_IF_ERROR(
        RequireInputs(node, source, field, {"statistics", "schema"}, {"baseline"}));
    node.outputs = {{"anomalies", "ExampleAnomalies"}};
    return Status::Ok();
  }
  Status Execute(const ExecutionRequest& r, ExecutionResult& result) const override {
    LATHE_ASSIGN_OR_RETURN(fs::path stats_dir, OneInput(r, "statistics"));
    LATHE_ASSIGN_OR_RETURN(fs::path schema_dir, OneInput(r, "schema"));
    LATHE_ASSIGN_OR_RETURN(auto schema,
                           stats::LoadFeatureSchema((schema_dir / "schema.yaml").string()));
    std::optional<fs::path> baseline_dir;
    if (r.inputs.count("baseline")) {
      LATHE_ASSIGN_OR_RETURN(baseline_dir, OneInput(r, "baseline"));
    }
    stats::DriftOptions drift;
    if (r.parameters.contains("thresholds"))
      for (auto it = r.parameters["thresholds"].begin(); it != r.parameters["thresholds"].end();
           ++it)
        (it.key().find('.') == std::string::npos ? drift.thresholds
                                                 : drift.feature_thresholds)[it.key()] =
            it.value().get<double>();
    nlohmann::json report = {{"splits", nlohmann::json::object()}};
    int64_t count = 0;
    std::string first;
    for (const auto& [split, file] : SplitFiles(stats_dir, ".json")) {
      LATHE_ASSIGN_OR_RETURN(auto s, ReadStats(file));
      auto anomalies = stats::Validate(s, schema);
      if (baseline_dir && fs::exists(*baseline_dir / (split + ".json"))) {
        LATHE_ASSIGN_OR_RETURN(auto base, ReadStats(*baseline_dir / (split + ".json")));
        for (const auto& d : stats::CompareStats(base, s, drift))
          if (d.exceeded())
            anomalies.push_back(
                {d.feature, "drift",
                 fmt::format("{} {:.4f} over {:g}", d.measure, d.value, d.threshold), d.value,
                 d.threshold});
      }
      nlohmann::json list = nlohmann::json::array();
      for (const auto& a : anomalies) {
        list.push_back({{"feature", a.feature},
                        {"kind", a.kind},
                        {"description", a.description},
                        {"value", a.value},
                        {"threshold", a.threshold}});
        if (first.empty())
          first = fmt::format("{} split, {}: {} ({})", split, a.feature, a.kind, a.description);
      }
      count += static_cast<int64_t>(anomalies.size());
      report["splits"][split] = list;
    }
    report["count"] = count;
    std::ofstream(r.output_dirs.at("anomalies") / "anomalies.json") << report.dump(2) << "\n";
    std::ofstream(r.log_path, std::ios::app)
        << fmt::format("{} anomalies{}{}\n", count, first.empty() ? "" : "; first: ", first);
    result.output_properties["anomalies"]["count"] = count;
    if (count > 0 && r.parameters["stop_on_anomalies"].get<bool>())
      return FailedPreconditionError(
          fmt::format("{} anomalies (first: {}); see the Anomalies output", count, first));
    return Status::Ok();
  }
};

}  // namespace

void RegisterDataComponents(pipeline::ComponentRegistry& registry) {
  registry.Register(std::make_unique<ExampleGen>());
  registry.Register(std::make_unique<StatisticsGen>());
  registry.Register(std::make_unique<SchemaGen>());
  registry.Register(std::make_unique<ExampleValidator>());
}

const pipeline::ComponentRegistry& AllComponents() {
  static const pipeline::ComponentRegistry* registry = [] {
    auto* r = new pipeline::ComponentRegistry();
    r->Register(std::make_unique<pipeline::CommandComponent>());
    pipeline::RegisterResolvers(*r);
    RegisterDataComponents(*r);
    RegisterModelComponents(*r);
    return r;
  }();
  return *registry;
}

}  // namespace lathe::components
