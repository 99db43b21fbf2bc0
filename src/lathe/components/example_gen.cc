// ExampleGen: a CSV or JSON Lines file (picked by an input pattern) into an Examples artifact, one
// Lathe columnar file per split. Parameters in docs/components.md.
#include <fmt/format.h>

#include <fstream>
#include <optional>

#include "lathe/components/component_util.h"
#include "lathe/components/data_components.h"
#include "lathe/components/detail/example_splits.h"
#include "lathe/components/detail/shard_tasks.h"
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

// How to read the file: delimiter, missing-value markers, column types, bad-row policy.
data::CsvOptions ExampleGenReaderOptions(const nlohmann::json& p) {
  data::CsvOptions o;
  o.delimiter = p["delimiter"].get<std::string>()[0];
  if (p.contains("missing")) o.missing = p["missing"].get<std::vector<std::string>>();
  if (p.contains("types"))
    for (auto it = p["types"].begin(); it != p["types"].end(); ++it)
      o.types[it.key()] = *data::ParseColumnType(it.value().get<std::string>());
  o.bad_rows =
      p["bad_rows"] == "skip" ? data::CsvOptions::BadRows::kSkip : data::CsvOptions::BadRows::kFail;
  if (p.contains("max_bad_rows")) o.max_bad_rows = p["max_bad_rows"].get<int64_t>();
  return o;
}

class ExampleGen final : public pipeline::Component {
  // The driver's part: the files of the span asked for, or of the newest span.
  static Result<std::vector<InputFile>> Resolve(const nlohmann::json& p, const fs::path& base_dir) {
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
    LATHE_ASSIGN_OR_RETURN(auto inputs, Resolve(node.parameters, base_dir));
    std::vector<fs::path> paths;
    for (const auto& f : inputs) paths.emplace_back(f.path);
    return paths;
  }

  bool shardable() const override { return true; }

  // The executor's part: read exactly the files the driver resolved and fingerprinted (a newer
  // span arriving meanwhile waits for the next run) and write each row to its split's file; the
  // publisher's part, the artifact's properties, is in ExamplesProperties.
  //
  // Each file is read on its own (a task; `shards` tasks run in separate processes), into one
  // columnar file per split whose row groups never span two input files. Their types are then
  // joined (int64 and double make double, other differences string); files read with other types
  // are read again with the joined ones, and the parts are concatenated in path order. So the
  // Examples are the same, byte for byte, whatever the number of shards.
  Status Execute(const ExecutionRequest& r, ExecutionResult& result) const override {
    const auto& p = r.parameters;
    if (r.external_inputs.empty())
      return InternalError("ExampleGen expects the input files the driver resolved");
    LATHE_ASSIGN_OR_RETURN(InputPattern pattern,
                           InputPattern::Parse(r.base_dir.string(), p["input"].get<std::string>()));
    std::vector<InputFile> inputs;
    for (const auto& path : r.external_inputs) {
      LATHE_ASSIGN_OR_RETURN(auto matched, pattern.Match(path));
      if (!matched)
        return InternalError(fmt::format("{} no longer matches the input pattern", path.string()));
      inputs.push_back(*matched);
    }
    const InputFile& first = inputs[0];
    const nlohmann::json common = {
        {"parameters", p}, {"span", first.span}, {"version", first.version}};
    const fs::path work = r.staging_dir / "shards";

    // Round 1: every file with the types it infers itself.
    std::vector<size_t> all(inputs.size());
    for (size_t k = 0; k < all.size(); ++k) all[k] = k;
    LATHE_ASSIGN_OR_RETURN(
        auto parts, ReadFiles(r, inputs, all, nlohmann::json::object(), common, work / "round-1"));
    // The joined types; files that read with others are read again with them.
    LATHE_ASSIGN_OR_RETURN(nlohmann::json joined, JoinSchemas(inputs, parts));
    std::vector<size_t> again;
    for (size_t k = 0; k < inputs.size(); ++k)
      if (parts[k]["schema"] != joined) again.push_back(k);
    if (!again.empty()) {
      nlohmann::json types = nlohmann::json::object();
      for (const auto& f : joined)
        if (f[1] != "null") types[f[0].get<std::string>()] = f[1];
      LATHE_ASSIGN_OR_RETURN(auto redone,
                             ReadFiles(r, inputs, again, types, common, work / "round-2"));
      for (size_t k : again) parts[k] = std::move(redone[k]);
    }

    detail::SplitPlan plan = detail::SplitPlan::FromParameters(p);
    const auto& names = plan.names();
    int64_t rows = 0, bad_rows = 0, outside = 0;
    std::vector<int64_t> split_rows(names.size(), 0);
    for (const auto& part : parts) {
      rows += part["rows"].get<int64_t>();
      bad_rows += part["bad_rows"].get<int64_t>();
      outside += part["outside"].get<int64_t>();
      for (size_t s = 0; s < names.size(); ++s)
        split_rows[s] += part["split_rows"][s].get<int64_t>();
    }
    const std::string source =
        inputs.size() == 1
            ? first.path
            : fmt::format("{} files matching {}", inputs.size(), p["input"].get<std::string>());
    if (rows == 0)
      return InvalidArgumentError(fmt::format(
          "{}: no data rows{}; an Examples artifact needs at least one row in every split (check "
          "that the input pattern picks the file you meant)",
          source,
          bad_rows > 0 ? fmt::format(" ({} bad rows skipped)", bad_rows) : " (only a header)"));
    if (p.contains("max_bad_rows") && bad_rows > p["max_bad_rows"].get<int64_t>())
      return InvalidArgumentError(fmt::format("{}: {} bad rows, more than max_bad_rows ({})",
                                              source, bad_rows, p["max_bad_rows"].get<int64_t>()));
    for (size_t s = 0; s < names.size(); ++s)
      if (split_rows[s] == 0)
        return InvalidArgumentError(
            fmt::format("{}: split '{}' has no rows of the {} read; {}", source, names[s], rows,
                        plan.by_range() ? "check its range against the values of the range feature"
                                        : "give it more hash buckets, or use more data"));
    LATHE_RETURN_IF_ERROR(Concatenate(parts, names, r.output_dirs.at("examples")));

    metadata::Properties props =
        ExamplesProperties(first, source, plan, split_rows, bad_rows, outside);
    if (inputs.size() > 1) props["files"] = static_cast<int64_t>(inputs.size());
    result.output_properties["examples"] = std::move(props);
    std::ofstream(r.log_path, std::ios::app)
        << fmt::format("read {} rows from {} (span {}, version {}), {} bad rows skipped\n", rows,
                       source, first.span, first.version, bad_rows);
    return Status::Ok();
  }

  // Reads the files `which` of `inputs` (with `types` forced) into parts under `dir`, in tasks;
  // the parts' reports by file index (only those of `which` filled).
  static Result<std::vector<nlohmann::json>> ReadFiles(const ExecutionRequest& r,
                                                       const std::vector<InputFile>& inputs,
                                                       const std::vector<size_t>& which,
                                                       const nlohmann::json& types,
                                                       const nlohmann::json& common,
                                                       const fs::path& dir) {
    std::vector<uint64_t> bytes;  // the tasks' shares, by file size
    for (size_t k : which) {
      std::error_code ec;
      const auto size = fs::file_size(inputs[k].path, ec);
      bytes.push_back(ec ? 0 : size);
    }
    std::vector<nlohmann::json> tasks;
    for (auto [begin, end] : detail::ShardRanges(bytes, r.shards)) {
      nlohmann::json files = nlohmann::json::array();
      for (size_t i = begin; i < end; ++i)
        files.push_back({{"index", which[i]}, {"path", inputs[which[i]].path}});
      tasks.push_back({{"files", files}, {"types", types}});
    }
    LATHE_ASSIGN_OR_RETURN(auto results,
                           detail::RunShardTasks(r, "ExampleGen", dir, common, tasks));
    std::vector<nlohmann::json> parts(inputs.size());
    for (const auto& res : results)
      for (const auto& f : res.at("files")) parts[f.at("index").get<size_t>()] = f;
    return parts;
  }

  // The types of every file joined; INVALID_ARGUMENT naming a file whose columns differ from the
  // first file's.
  static Result<nlohmann::json> JoinSchemas(const std::vector<InputFile>& inputs,
                                            const std::vector<nlohmann::json>& parts) {
    nlohmann::json joined = parts[0]["schema"];
    for (size_t k = 1; k < parts.size(); ++k) {
      const auto& s = parts[k]["schema"];
      bool same = s.size() == joined.size();
      for (size_t c = 0; same && c < s.size(); ++c) same = s[c][0] == joined[c][0];
      if (!same) {
        std::string a, b;
        for (const auto& f : joined) a += (a.empty() ? "" : ",") + f[0].get<std::string>();
        for (const auto& f : s) b += (b.empty() ? "" : ",") + f[0].get<std::string>();
        return InvalidArgumentError(fmt::format(
            "{}: its columns ({}) differ from those of {} ({}); every file of a span must have "
            "the same columns in the same order",
            inputs[k].path, b, inputs[0].path, a));
      }
      for (size_t c = 0; c < s.size(); ++c) {
        LATHE_ASSIGN_OR_RETURN(auto x, data::ParseColumnType(joined[c][1].get<std::string>()));
        LATHE_ASSIGN_OR_RETURN(auto y, data::ParseColumnType(s[c][1].get<std::string>()));
        joined[c][1] = std::string(data::ColumnTypeName(data::WidestType(x, y)));
      }
    }
    return joined;
  }

  // Each split's file from the parts' files, in file order, row group by row group (a single
  // part is moved as it is: the same bytes).
  static Status Concatenate(const std::vector<nlohmann::json>& parts,
                            const std::vector<std::string>& names, const fs::path& out) {
    for (const auto& name : names) {
      const fs::path target = out / (name + ".lcol");
      if (parts.size() == 1) {
        std::error_code ec;
        fs::rename(fs::path(parts[0]["dir"].get<std::string>()) / (name + ".lcol"), target, ec);
        if (ec)
          return DataLossError(
              fmt::format("cannot move {} into place: {}", target.string(), ec.message()));
        continue;
      }
      std::unique_ptr<data::ColumnarWriter> writer;
      nlohmann::json metadata;
      for (const auto& part : parts) {
        const fs::path file = fs::path(part["dir"].get<std::string>()) / (name + ".lcol");
        LATHE_ASSIGN_OR_RETURN(auto reader, data::ColumnarReader::Open(file.string()));
        if (!writer) {
          LATHE_ASSIGN_OR_RETURN(writer,
                                 data::ColumnarWriter::Create(target.string(), reader->schema()));
          metadata = reader->metadata();
        }
        for (size_t g = 0; g < reader->row_groups(); ++g) {
          LATHE_ASSIGN_OR_RETURN(data::Batch b, reader->ReadRowGroup(g));
          LATHE_RETURN_IF_ERROR(writer->Write(b));
          LATHE_RETURN_IF_ERROR(writer->EndRowGroup());
        }
      }
      LATHE_RETURN_IF_ERROR(writer->Close(metadata));
    }
    return Status::Ok();
  }

 private:
  // The Examples artifact's custom properties: where the rows came from and how they split.
  static metadata::Properties ExamplesProperties(const InputFile& input, const std::string& source,
                                                 const detail::SplitPlan& plan,
                                                 const std::vector<int64_t>& rows, int64_t bad_rows,
                                                 int64_t outside) {
    namespace standard = metadata::standard;
    metadata::Properties props = {{"source", source}, {"bad_rows", bad_rows}};
    // Data read without span placeholders has no span (rather than span 0).
    if (input.has_span) props[standard::kSpan] = input.span;
    if (input.has_span || input.version > 0) props[standard::kVersion] = input.version;
    if (plan.by_range()) props["rows_outside_ranges"] = outside;
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

namespace detail {

// One task of ExampleGen: each of its files into <part_dir>/file-<index>/<split>.lcol, row groups
// ending with the file; a report per file (rows, bad rows, rows per split, the types read).
Result<nlohmann::json> ExampleGenShard(const nlohmann::json& common, const nlohmann::json& task,
                                       const fs::path& part_dir,
                                       const std::atomic<bool>* cancelled) {
  const nlohmann::json& p = common.at("parameters");
  nlohmann::json reports = nlohmann::json::array();
  for (const auto& f : task.at("files")) {
    const std::string path = f.at("path").get<std::string>();
    const fs::path dir = part_dir / fmt::format("file-{}", f.at("index").get<size_t>());
    std::error_code ec;
    fs::create_directories(dir, ec);
    SplitPlan plan = SplitPlan::FromParameters(p);
    std::optional<SplitFiles> files;
    files.emplace(plan.names(), dir);
    bool bound = false;
    std::vector<int> target;
    data::CsvOptions options = ExampleGenReaderOptions(p);
    for (const auto& [column, type] : task.at("types").items())
      options.types[column] = *data::ParseColumnType(type.get<std::string>());
    // A column typed too narrowly from the first rows makes the reader start over, wider.
    options.on_restart = [&] {
      plan = SplitPlan::FromParameters(p);
      files.reset();
      files.emplace(plan.names(), dir);
      bound = false;
    };
    auto report = data::ReadTableFile(path, options, [&](data::Batch&& b) -> Status {
      if (cancelled != nullptr && cancelled->load())
        return Status(StatusCode::kCancelled, "cancelled");
      if (!bound) LATHE_RETURN_IF_ERROR(plan.Bind(b.schema, path));
      bound = true;
      plan.Assign(b, target);
      return files->Write(b, target);
    });
    if (!report.ok()) return report.status();
    LATHE_ASSIGN_OR_RETURN(
        auto rows, files->Close(report->schema,
                                {{"span", common.at("span")}, {"version", common.at("version")}}));
    nlohmann::json schema = nlohmann::json::array();
    for (const auto& field : report->schema.fields)
      schema.push_back({field.name, data::ColumnTypeName(field.type)});
    reports.push_back({{"index", f.at("index")},
                       {"dir", dir.string()},
                       {"rows", report->rows},
                       {"bad_rows", report->bad_rows},
                       {"outside", plan.outside()},
                       {"split_rows", rows},
                       {"schema", schema}});
  }
  return nlohmann::json{{"files", reports}};
}

}  // namespace detail

void RegisterExampleGen(pipeline::ComponentRegistry& registry) {
  registry.Register(std::make_unique<ExampleGen>());
}

}  // namespace lathe::components
