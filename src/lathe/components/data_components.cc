#include "lathe/components/data_components.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>

#include "lathe/components/component_util.h"
#include "lathe/components/detail/shard_tasks.h"
#include "lathe/components/model_components.h"
#include "lathe/core/fs.h"
#include "lathe/core/strings.h"
#include "lathe/data/columnar.h"
#include "lathe/data/csv.h"
#include "lathe/data/table_file.h"
#include "lathe/metadata/standard_artifacts.h"
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
namespace standard = metadata::standard;

namespace {

// The statistics of each (file, row group) unit, in order, each file opened once; CANCELLED soon
// after `cancelled` (may be null) is set. What StatisticsGen computes in its own process and each
// of its shard tasks computes in theirs.
Result<std::vector<stats::SlicedStats>> UnitStats(const nlohmann::json& units,
                                                  const std::string& slice_by,
                                                  const std::atomic<bool>* cancelled) {
  std::map<std::string, std::unique_ptr<data::ColumnarReader>> readers;
  std::vector<stats::SlicedStats> out;
  for (const auto& unit : units) {
    if (cancelled != nullptr && cancelled->load())
      return Status(StatusCode::kCancelled, "cancelled");
    const std::string file = unit.at(0).get<std::string>();
    auto& reader = readers[file];
    if (!reader) {
      LATHE_ASSIGN_OR_RETURN(reader, data::ColumnarReader::Open(file));
    }
    LATHE_ASSIGN_OR_RETURN(
        auto s, stats::ComputeRowGroupStats(*reader, unit.at(1).get<size_t>(), slice_by));
    out.push_back(std::move(s));
  }
  return out;
}

class StatisticsGen final : public pipeline::Component {
 public:
  std::string type() const override { return "StatisticsGen"; }
  // 2: records the span; 3: NaN is missing, infinities counted apart, interpolated quantiles;
  // 4: slices folded from row-group parts like the rest (max_slices recorded)
  std::string version() const override { return "4"; }
  Status Prepare(NodeSpec& node, const SourceMap& source, const std::string& field) const override {
    LATHE_RETURN_IF_ERROR(NoCommand(node, source, field));
    LATHE_RETURN_IF_ERROR(
        pipeline::CheckParams(node, source, field, {{"slice_by", ParamKind::kString}}));
    LATHE_RETURN_IF_ERROR(RequireInputs(node, source, field, {"examples"}));
    node.outputs = {{"statistics", standard::kStatistics}};
    return Status::Ok();
  }
  bool shardable() const override { return true; }
  // Each split's statistics are the fold, in row-group order, of per-row-group parts
  // (stats::FoldParts); with `shards`, tasks compute runs of consecutive row groups in separate
  // processes and return their parts, so the statistics are the same to the last bit.
  Status Execute(const ExecutionRequest& r, ExecutionResult& result) const override {
    LATHE_ASSIGN_OR_RETURN(fs::path examples, OneInput(r, "examples"));
    const std::string slice_by = r.parameters.value("slice_by", "");
    const auto splits = SplitFiles(examples, ".lcol");
    // Every (split, row group), in order: the units the shards share.
    std::vector<std::pair<std::string, size_t>> units;
    std::vector<uint64_t> unit_rows;  // the tasks' shares
    std::map<std::string, stats::SlicedStats> empty;
    for (const auto& [split, file] : splits) {
      LATHE_ASSIGN_OR_RETURN(auto reader, data::ColumnarReader::Open(file.string()));
      if (!slice_by.empty() && reader->schema().Find(slice_by) < 0)
        return InvalidArgumentError(
            fmt::format("{} has no feature '{}' to slice by", file.string(), slice_by));
      empty.emplace(split, stats::SlicedStats(reader->schema(), slice_by));
      for (size_t g = 0; g < reader->row_groups(); ++g) {
        units.emplace_back(split, g);
        unit_rows.push_back(reader->row_group_rows(g));
      }
    }
    std::map<std::string, std::vector<stats::SlicedStats>> parts;
    std::vector<nlohmann::json> tasks;
    for (auto [begin, end] : detail::ShardRanges(unit_rows, r.shards)) {
      nlohmann::json list = nlohmann::json::array();
      for (size_t u = begin; u < end; ++u)
        list.push_back({splits.at(units[u].first).string(), units[u].second});
      tasks.push_back({{"units", list}});
    }
    const auto t0 = std::chrono::steady_clock::now();
    size_t u = 0;
    if (r.shards > 1 && tasks.size() > 1) {
      LATHE_ASSIGN_OR_RETURN(
          auto results,
          detail::RunShardTasks(r, "StatisticsGen", r.staging_dir / "shards" / "row-groups",
                                {{"slice_by", slice_by}}, tasks));
      for (const auto& res : results)
        for (const auto& part : res.at("parts")) {
          if (u == units.size()) break;
          LATHE_ASSIGN_OR_RETURN(auto s, stats::SlicedStats::FromJson(part));
          parts[units[u++].first].push_back(std::move(s));
        }
    } else {
      for (const auto& task : tasks) {
        LATHE_ASSIGN_OR_RETURN(auto computed, UnitStats(task.at("units"), slice_by, r.cancelled));
        for (auto& s : computed) parts[units[u++].first].push_back(std::move(s));
      }
    }
    if (u != units.size())
      return DataLossError(fmt::format("the shard tasks returned {} parts of {}", u, units.size()));
    const auto t1 = std::chrono::steady_clock::now();
    std::string names;
    for (const auto& [split, file] : splits) {
      LATHE_ASSIGN_OR_RETURN(auto sliced,
                             stats::FoldParts(std::move(parts[split]), empty.at(split)));
      const stats::DatasetStats& s = sliced.all();
      // Every write is checked: a full disk fails the node instead of publishing half a file.
      LATHE_RETURN_IF_ERROR(WriteTextFile(r.output_dirs.at("statistics") / (split + ".json"),
                                          s.ToJson().dump() + "\n"));
      if (!slice_by.empty())  // per slice, beside the split's statistics
        LATHE_RETURN_IF_ERROR(WriteTextFile(r.output_dirs.at("statistics") / (split + ".slices"),
                                            sliced.ToJson().dump() + "\n"));
      names += (names.empty() ? "" : ",") + split;
      result.output_properties["statistics"]["rows_" + split] = s.rows();
    }
    std::ofstream(r.log_path, std::ios::app) << fmt::format(
        "statistics of {} row groups in {} task{}: computed in {:.3f} s, folded and written in "
        "{:.3f} s\n",
        units.size(), tasks.size(), tasks.size() == 1 ? "" : "s",
        std::chrono::duration<double>(t1 - t0).count(),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count());
    if (names.empty())
      return FailedPreconditionError(fmt::format("{} holds no split files", examples.string()));
    result.output_properties["statistics"]["splits"] = names;
    // The span of the data, so that resolvers can pick statistics by span.
    LATHE_ASSIGN_OR_RETURN(const pipeline::InputArtifact examples_in, RequiredInput(r, "examples"));
    auto source = r.store->GetArtifact(examples_in.id);
    if (source.ok())
      for (const char* key : {standard::kSpan, standard::kVersion})
        if (auto it = source->custom_properties.find(key); it != source->custom_properties.end())
          result.output_properties["statistics"][key] = it->second;
    return Status::Ok();
  }
};

class SchemaGen final : public pipeline::Component {
 public:
  std::string type() const override { return "SchemaGen"; }
  // 2: no numeric ranges unless range_margin; inferred domains with min_domain_mass
  std::string version() const override { return "2"; }
  Status Prepare(NodeSpec& node, const SourceMap& source, const std::string& field) const override {
    LATHE_RETURN_IF_ERROR(NoCommand(node, source, field));
    LATHE_RETURN_IF_ERROR(
        pipeline::CheckParams(node, source, field,
                              {{"split", ParamKind::kString, false, "train"},
                               {"schema_file", ParamKind::kString},
                               {"max_domain", ParamKind::kPositiveInt, false, 100},
                               {"min_domain_mass", ParamKind::kFraction, false, 0.99},
                               {"range_margin", ParamKind::kFraction}}));
    LATHE_RETURN_IF_ERROR(RequireInputs(node, source, field, {"statistics"}));
    // A curated schema file is part of the node's definition: declare it as code so that editing
    // it invalidates the cache.
    if (node.parameters.contains("schema_file"))
      node.code.push_back(node.parameters["schema_file"].get<std::string>());
    node.outputs = {{"schema", standard::kSchema}};
    return Status::Ok();
  }
  Status Execute(const ExecutionRequest& r, ExecutionResult& result) const override {
    const fs::path out = r.output_dirs.at("schema") / "schema.yaml";
    if (r.parameters.contains("schema_file")) {
      fs::path curated = r.base_dir / r.parameters["schema_file"].get<std::string>();
      LATHE_ASSIGN_OR_RETURN(auto schema, stats::LoadFeatureSchema(curated.string()));
      LATHE_RETURN_IF_ERROR(WriteTextFile(out, schema.ToYaml()));
      result.output_properties["schema"]["curated"] = true;
      return Status::Ok();
    }
    LATHE_ASSIGN_OR_RETURN(fs::path dir, OneInput(r, "statistics"));
    std::string split = r.parameters["split"].get<std::string>();
    LATHE_ASSIGN_OR_RETURN(auto s, ReadStats(dir / (split + ".json")));
    stats::InferOptions infer{.max_domain_size = r.parameters["max_domain"].get<size_t>(),
                              .min_domain_mass = r.parameters["min_domain_mass"].get<double>()};
    if (r.parameters.contains("range_margin"))
      infer.range_margin = r.parameters["range_margin"].get<double>();
    auto schema = stats::InferSchema(s, infer);
    LATHE_RETURN_IF_ERROR(WriteTextFile(out, schema.ToYaml()));
    result.output_properties["schema"]["curated"] = false;
    return Status::Ok();
  }
};

class ExampleValidator final : public pipeline::Component {
 public:
  std::string type() const override { return "ExampleValidator"; }
  // 2: non-finite values; drift needs enough rows and reports features on one side only
  std::string version() const override { return "2"; }
  Status Prepare(NodeSpec& node, const SourceMap& source, const std::string& field) const override {
    LATHE_RETURN_IF_ERROR(NoCommand(node, source, field));
    LATHE_RETURN_IF_ERROR(
        pipeline::CheckParams(node, source, field,
                              {{"stop_on_anomalies", ParamKind::kBool, false, false},
                               {"thresholds", ParamKind::kObject},
                               {"min_rows", ParamKind::kPositiveInt, false, 50}}));
    LATHE_RETURN_IF_ERROR(
        RequireInputs(node, source, field, {"statistics", "schema"}, {"baseline"}));
    node.outputs = {{"anomalies", standard::kAnomalies}};
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
    drift.min_rows = r.parameters["min_rows"].get<int64_t>();
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
      if (baseline_dir && PathExists(*baseline_dir / (split + ".json"))) {
        LATHE_ASSIGN_OR_RETURN(auto base, ReadStats(*baseline_dir / (split + ".json")));
        for (auto& a : stats::DriftAnomalies(stats::CompareStats(base, s, drift)))
          anomalies.push_back(std::move(a));
      }
      if (!anomalies.empty() && first.empty())
        first = fmt::format("{} split, {}: {} ({})", split, anomalies[0].feature, anomalies[0].kind,
                            anomalies[0].description);
      count += static_cast<int64_t>(anomalies.size());
      report["splits"][split] = stats::AnomaliesToJson(anomalies);
    }
    report["count"] = count;
    LATHE_RETURN_IF_ERROR(WriteJsonFile(r.output_dirs.at("anomalies") / "anomalies.json", report));
    std::ofstream(r.log_path, std::ios::app)
        << fmt::format("{}{}{}\n", Counted(count, "anomaly", "anomalies"),
                       first.empty() ? "" : "; first: ", first);
    result.output_properties["anomalies"]["count"] = count;
    if (count > 0 && r.parameters["stop_on_anomalies"].get<bool>())
      return FailedPreconditionError(fmt::format("{} (first: {}); see the Anomalies output",
                                                 Counted(count, "anomaly", "anomalies"), first));
    return Status::Ok();
  }
};

}  // namespace

namespace detail {

// One task of StatisticsGen: the statistics of each of its (file, row group) units, in order.
Result<nlohmann::json> StatisticsGenShard(const nlohmann::json& common, const nlohmann::json& task,
                                          const fs::path& /*part_dir*/,
                                          const std::atomic<bool>* cancelled) {
  LATHE_ASSIGN_OR_RETURN(
      auto computed,
      UnitStats(task.at("units"), common.at("slice_by").get<std::string>(), cancelled));
  nlohmann::json parts = nlohmann::json::array();
  for (const auto& s : computed) parts.push_back(s.ToJson(/*state_only=*/true));
  return nlohmann::json{{"parts", parts}};
}

}  // namespace detail

void RegisterDataComponents(pipeline::ComponentRegistry& registry) {
  RegisterExampleGen(registry);
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
