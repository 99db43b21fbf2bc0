#include "lathe/pipeline/detail/driver.h"

#include <fmt/format.h>

#include "lathe/core/clock.h"
#include "lathe/core/hash.h"
#include "lathe/metadata/external_record.h"
#include "lathe/metadata/standard_artifacts.h"

namespace lathe::pipeline::detail {

namespace fs = std::filesystem;

namespace {

// A file's content fingerprint; a link to the data counts as the data.
Result<std::string> ContentFingerprint(const fs::path& path) {
  std::error_code ec;
  auto real = fs::canonical(path, ec);
  return FingerprintPath(ec ? path : real);
}

// The files the node reads from outside the store: the ones a reproduced run read (each must
// still have the content it had), or what the component resolves now.
Result<std::vector<std::pair<fs::path, std::string>>> ExternalFiles(const GraphNode& n,
                                                                    const PipelineGraph& graph,
                                                                    const RunSettings& s) {
  std::vector<std::pair<fs::path, std::string>> files;
  if (auto pin = s.pinned_external.find(n.spec.name); pin != s.pinned_external.end()) {
    for (const auto& f : pin->second) {
      std::error_code ec;
      if (!fs::exists(f.path, ec))
        return FailedPreconditionError(
            fmt::format("input file {} is gone (run {} read it with fingerprint {})", f.path,
                        s.reproduction_of, f.fingerprint));
      LATHE_ASSIGN_OR_RETURN(std::string now, ContentFingerprint(f.path));
      if (now != f.fingerprint)
        return FailedPreconditionError(
            fmt::format("input file {} changed since run {} read it: fingerprint {} then, {} now",
                        f.path, s.reproduction_of, f.fingerprint, now));
      files.emplace_back(f.path, now);
    }
    return files;
  }
  LATHE_ASSIGN_OR_RETURN(auto resolved, n.component->ExternalInputs(n.spec, graph.base_dir));
  for (auto& path : resolved) {
    std::error_code ec;
    fs::path absolute = fs::absolute(path, ec).lexically_normal();
    LATHE_ASSIGN_OR_RETURN(std::string fp, ContentFingerprint(absolute));
    files.emplace_back(std::move(absolute), std::move(fp));
  }
  return files;
}

}  // namespace

Result<DriverDecision> RunDriver(metadata::MetadataStore& store, const PipelineGraph& graph,
                                 size_t index, const NodeInputs& inputs, const RunSettings& s) {
  const GraphNode& n = graph.nodes[index];
  DriverDecision d;
  // The cache key: the node's definition and the content of everything it reads. An artifact
  // recorded without a fingerprint (outside Lathe) counts by identity instead.
  std::map<std::string, std::vector<std::string>> fingerprints;
  for (const auto& [name, list] : inputs)
    for (const auto& a : list)
      fingerprints[name].push_back(a.fingerprint.empty() ? fmt::format("id:{}", a.id)
                                                         : a.fingerprint);
  LATHE_ASSIGN_OR_RETURN(auto files, ExternalFiles(n, graph, s));
  for (size_t i = 0; i < files.size(); ++i) {
    const auto& [path, fp] = files[i];
    fingerprints["(external)"].push_back(path.string() + "=" + fp);
    metadata::Event event{.type = metadata::EventType::kInput,
                          .path = {"external", static_cast<int64_t>(i)}};
    LATHE_ASSIGN_OR_RETURN(
        auto artifact,
        metadata::FileArtifact(store, metadata::standard::kExternalArtifact, path, fp, event));
    d.external.push_back(path);
    d.external_inputs.push_back(std::move(artifact));
  }
  d.cache_key = CacheKey(n, fingerprints);
  if (!n.spec.cache || s.no_cache) return d;
  // Only executions that did the work carry their key (never reproductions or cache hits).
  std::string filter =
      fmt::format("properties.cache_key = '{}' AND state = 'COMPLETE'", d.cache_key);
  if (n.spec.cache_max_age_s > 0)
    filter += fmt::format(" AND update_time >= {}",
                          NowMillis() - static_cast<int64_t>(n.spec.cache_max_age_s * 1000));
  LATHE_ASSIGN_OR_RETURN(d.cache_hit, FindValidOutputs(store, n, filter));
  return d;
}

}  // namespace lathe::pipeline::detail
