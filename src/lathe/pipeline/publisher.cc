#include "lathe/pipeline/detail/publisher.h"

#include <fmt/format.h>

#include "lathe/core/fs.h"
#include "lathe/core/hash.h"
#include "lathe/metadata/standard_artifacts.h"
#include "lathe/pipeline/detail/recorded_outputs.h"

namespace lathe::pipeline::detail {

namespace fs = std::filesystem;

fs::path StagedOutput(const fs::path& staging, const std::string& output) {
  return staging / "outputs" / output;
}

Status PublishOutputs(const fs::path& staging, std::map<std::string, metadata::Artifact>& pending,
                      const ExecutionResult& result) {
  Status st;
  for (auto& [name, a] : pending) {
    const fs::path from = StagedOutput(staging, name);
    auto fp = FingerprintPath(from);
    if (!fp.ok()) {
      st = DataLossError(fmt::format("output {}: {}", name, fp.status().message()));
      break;
    }
    std::error_code ec;
    fs::remove_all(a.uri, ec);  // a leftover of an interrupted publish
    fs::create_directories(fs::path(a.uri).parent_path(), ec);
    fs::rename(from, a.uri, ec);
    if (ec) {
      st = DataLossError(
          fmt::format("cannot move {} to {}: {}", from.string(), a.uri, ec.message()));
      break;
    }
    a.fingerprint = *fp;
    a.properties[metadata::standard::kStat] = StatSignature(a.uri);
    a.state = metadata::ArtifactState::kLive;
    if (auto props = result.output_properties.find(name); props != result.output_properties.end())
      for (const auto& [k, v] : props->second) a.custom_properties[k] = v;
  }
  if (!st.ok())
    for (auto& [name, a] : pending) {
      if (a.state == metadata::ArtifactState::kLive) RemovePath(a.uri).IgnoreError();
      a.state = metadata::ArtifactState::kPending;
    }
  return st;
}

}  // namespace lathe::pipeline::detail
