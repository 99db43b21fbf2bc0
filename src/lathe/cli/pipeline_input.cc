#include "lathe/cli/pipeline_input.h"

#include "lathe/cli/output.h"
#include "lathe/components/data_components.h"
#include "lathe/pipeline/spec.h"

namespace lathe::cli {

std::optional<LoadedPipeline> LoadPipeline(const std::string& spec_path,
                                           const std::vector<std::string>& params, int& exit_code) {
  LoadedPipeline out;
  for (const auto& p : params) {
    auto kv = SplitAssignment(p, "--param");
    if (!kv.ok()) {
      exit_code = ReportUsageError(kv.status());
      return std::nullopt;
    }
    out.overrides[kv->first] = kv->second;
  }
  // A spec that is wrong is a usage error (exit 2), one that cannot be read a failure (exit 1).
  auto spec = pipeline::LoadPipelineSpec(spec_path);
  if (!spec.ok()) {
    exit_code = ReportRequestError(spec.status());
    return std::nullopt;
  }
  if (Status st = pipeline::CheckOverrides(*spec, out.overrides); !st.ok()) {
    exit_code = ReportUsageError(st);
    return std::nullopt;
  }
  auto graph = pipeline::BuildGraph(*spec, out.overrides, components::AllComponents());
  if (!graph.ok()) {
    exit_code = ReportRequestError(graph.status());
    return std::nullopt;
  }
  out.graph = std::move(*graph);
  return out;
}

}  // namespace lathe::cli
