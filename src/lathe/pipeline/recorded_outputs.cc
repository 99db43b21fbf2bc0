#include "lathe/pipeline/detail/recorded_outputs.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>

#include "lathe/core/hash.h"
#include "lathe/metadata/standard_artifacts.h"

namespace lathe::pipeline::detail {

namespace fs = std::filesystem;
using metadata::Artifact;
using metadata::EventType;

std::string StatSignature(const fs::path& path) {
  std::error_code ec;
  int64_t files = 0, bytes = 0, newest = 0;
  auto add = [&](const fs::path& p) {
    struct stat st {};
    if (lstat(p.c_str(), &st) != 0) return;
    ++files;
    bytes += st.st_size;
    newest = std::max<int64_t>(newest, st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec);
  };
  add(path);
  if (fs::is_directory(fs::symlink_status(path, ec)))
    for (auto it = fs::recursive_directory_iterator(path, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      add(it->path());
  return fmt::format("files:{} bytes:{} mtime:{}", files, bytes, newest);
}

bool StillValid(const Artifact& a) {
  if (a.state != metadata::ArtifactState::kLive || a.uri.empty()) return false;
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(a.uri, ec))) return false;
  auto stat = a.properties.find(metadata::standard::kStat);
  if (stat != a.properties.end() && stat->second.type() == metadata::PropertyType::kString &&
      stat->second.as_string() == StatSignature(a.uri))
    return true;
  auto fp = FingerprintPath(a.uri);
  return fp.ok() && *fp == a.fingerprint;
}

Result<OutputsByName> OutputsOf(metadata::MetadataStore& store, int64_t execution_id) {
  LATHE_ASSIGN_OR_RETURN(auto events, store.GetEventsByExecutionIds({execution_id}));
  std::vector<int64_t> ids;
  std::vector<std::string> names;
  for (const auto& e : events) {
    if (e.type != EventType::kOutput || e.path.empty()) continue;
    auto* name = std::get_if<std::string>(&e.path[0]);
    if (name == nullptr) continue;
    ids.push_back(e.artifact_id);
    names.push_back(*name);
  }
  LATHE_ASSIGN_OR_RETURN(auto artifacts, store.GetArtifacts(ids));
  std::map<int64_t, Artifact> by_id;
  for (auto& a : artifacts) by_id.emplace(a.id, std::move(a));
  OutputsByName out;
  for (size_t i = 0; i < ids.size(); ++i) {
    auto it = by_id.find(ids[i]);
    if (it != by_id.end()) out[names[i]].push_back(it->second);
  }
  return out;
}

Result<std::optional<FoundOutputs>> FindValidOutputs(metadata::MetadataStore& store,
                                                     const GraphNode& node,
                                                     const std::string& filter) {
  metadata::ListOptions o;
  o.filter = filter;
  o.descending = true;
  o.page_size = 10;
  LATHE_ASSIGN_OR_RETURN(auto page, store.ListExecutions(o));
  for (const auto& e : page.items) {
    LATHE_ASSIGN_OR_RETURN(auto outputs, OutputsOf(store, e.id));
    bool ok = true;
    for (const auto& [name, type] : node.spec.outputs) {
      auto it = outputs.find(name);
      ok = ok && it != outputs.end() && !it->second.empty() &&
           std::all_of(it->second.begin(), it->second.end(), StillValid);
    }
    if (ok) return std::optional<FoundOutputs>(FoundOutputs{e.id, std::move(outputs)});
  }
  return std::optional<FoundOutputs>();
}

}  // namespace lathe::pipeline::detail
