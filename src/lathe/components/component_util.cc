#include "lathe/components/component_util.h"

#include <fmt/format.h>

#include <fstream>

#include "lathe/data/columnar.h"
#include "lathe/pipeline/params.h"

namespace lathe::components {

namespace fs = std::filesystem;

Status NoCommand(const pipeline::NodeSpec& node, const pipeline::SourceMap& source,
                 const std::string& field) {
  return pipeline::RejectCommandFields(node, source, field);
}

Status RequireInputs(const pipeline::NodeSpec& node, const pipeline::SourceMap& source,
                     const std::string& field, std::initializer_list<const char*> required,
                     std::initializer_list<const char*> optional) {
  for (const char* name : required)
    if (!node.inputs.count(name))
      return source.Error(field + ".inputs",
                          fmt::format("{} needs input '{}'", node.component, name));
  for (const auto& [name, refs] : node.inputs) {
    bool known = false;
    for (const char* r : required) known = known || name == r;
    for (const char* o : optional) known = known || name == o;
    if (!known)
      return source.Error(field + ".inputs." + name,
                          fmt::format("{} has no input '{}'", node.component, name));
  }
  return Status::Ok();
}

Result<fs::path> OneInput(const pipeline::ExecutionRequest& r, const std::string& name) {
  auto it = r.inputs.find(name);
  if (it == r.inputs.end() || it->second.size() != 1)
    return InvalidArgumentError(fmt::format("input '{}' needs exactly one artifact", name));
  return fs::path(it->second[0].uri);
}

Result<std::optional<pipeline::InputArtifact>> OptionalInput(const pipeline::ExecutionRequest& r,
                                                             const std::string& name) {
  auto it = r.inputs.find(name);
  if (it == r.inputs.end() || it->second.empty()) return std::optional<pipeline::InputArtifact>();
  if (it->second.size() != 1)
    return InvalidArgumentError(fmt::format("input '{}' takes at most one artifact", name));
  return std::optional<pipeline::InputArtifact>(it->second[0]);
}

std::map<std::string, fs::path> SplitFiles(const fs::path& dir, const std::string& ext) {
  std::map<std::string, fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ext) out[e.path().stem().string()] = e.path();
  return out;
}

Result<data::Batch> ReadSplit(const fs::path& examples, const std::string& split) {
  const fs::path file = examples / (split + ".lcol");
  if (!fs::exists(file))
    return NotFoundError(fmt::format("{} has no split '{}'", examples.string(), split));
  LATHE_ASSIGN_OR_RETURN(auto reader, data::ColumnarReader::Open(file.string()));
  data::Batch all;
  all.schema = reader->schema();
  for (const auto& f : all.schema.fields) all.columns.emplace_back(f.type);
  for (size_t g = 0; g < reader->row_groups(); ++g) {
    LATHE_ASSIGN_OR_RETURN(data::Batch b, reader->ReadRowGroup(g));
    if (reader->row_groups() == 1) return b;
    LATHE_RETURN_IF_ERROR(data::AppendRows(all, b));
  }
  return all;
}

Result<nlohmann::json> ReadJsonFile(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return NotFoundError(fmt::format("cannot read {}", file.string()));
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) return DataLossError(fmt::format("{} is not valid JSON", file.string()));
  return j;
}

Result<stats::DatasetStats> ReadStats(const fs::path& file) {
  LATHE_ASSIGN_OR_RETURN(auto j, ReadJsonFile(file));
  return stats::DatasetStats::FromJson(j);
}

Status WriteJsonFile(const fs::path& file, const nlohmann::json& j) {
  std::ofstream out(file);
  out << j.dump(2) << "\n";
  out.close();
  if (!out) return InternalError(fmt::format("cannot write {}", file.string()));
  return Status::Ok();
}

}  // namespace lathe::components
