#include "lathe/metadata/external_record.h"

#include <fmt/format.h>

#include "lathe/core/hash.h"
#include "lathe/metadata/standard_artifacts.h"

namespace lathe::metadata {

namespace fs = std::filesystem;

namespace {

Status EnsureType(MetadataStore& store, TypeKind kind, const std::string& name) {
  Type t;
  t.kind = kind;
  t.name = name;
  // An existing type keeps its properties; a new one starts without any.
  return store.PutType(t, {.can_add_fields = true, .can_omit_fields = true}).status();
}

// Bytes in a file, or in the regular files below a directory (links are not followed).
int64_t SizeOf(const fs::path& path) {
  std::error_code ec;
  if (fs::is_regular_file(fs::symlink_status(path, ec)))
    return static_cast<int64_t>(fs::file_size(path, ec));
  int64_t total = 0;
  for (auto it = fs::recursive_directory_iterator(path, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code fec;
    if (it->is_regular_file(fec) && !it->is_symlink(fec))
      total += static_cast<int64_t>(it->file_size(fec));
  }
  return total;
}

}  // namespace

Result<ArtifactAndEvent> FileArtifact(MetadataStore& store, const std::string& type,
                                      const fs::path& path, const std::string& fingerprint,
                                      const Event& event) {
  if (IsInputEvent(event.type)) {
    ListOptions o;
    o.filter = fmt::format("fingerprint = {} AND state = 'LIVE'", QuoteFilterString(fingerprint));
    o.descending = true;
    o.page_size = 1;
    LATHE_ASSIGN_OR_RETURN(auto page, store.GetArtifactsByUri(path.string(), o));
    if (!page.items.empty()) return ArtifactAndEvent::Reference(page.items.front().id, event);
  }
  LATHE_RETURN_IF_ERROR(EnsureType(store, TypeKind::kArtifact, type));
  ArtifactAndEvent ae;
  ae.artifact.type = type;
  ae.artifact.name = path.filename().string();
  ae.artifact.uri = path.string();
  ae.artifact.state = ArtifactState::kLive;
  ae.artifact.fingerprint = fingerprint;
  ae.artifact.custom_properties[standard::kSize] = SizeOf(path);
  ae.event = event;
  return ae;
}

Result<PutExecutionResponse> RecordExecution(MetadataStore& store, const RecordRequest& r) {
  LATHE_RETURN_IF_ERROR(EnsureType(store, TypeKind::kExecution, r.execution_type));
  LATHE_ASSIGN_OR_RETURN(Type exec_type, store.GetType(TypeKind::kExecution, r.execution_type));
  PutExecutionRequest req;
  req.execution.type = r.execution_type;
  req.execution.name = r.name;
  req.execution.state = r.state;
  for (const auto& [name, text] : r.properties) {
    auto declared = exec_type.properties.find(name);
    if (declared == exec_type.properties.end()) {
      req.execution.custom_properties[name] = Value::FromText(text);
    } else {
      auto v = Value::FromText(text, declared->second);
      if (!v.ok()) return v.status().WithContext(fmt::format("property {}", name));
      req.execution.properties[name] = *v;
    }
  }
  auto add_files = [&](const auto& files, bool input) -> Status {
    for (size_t i = 0; i < files.size(); ++i) {
      const auto& [type, given] = files[i];
      std::error_code ec;
      fs::path path = fs::absolute(given, ec).lexically_normal();
      if (ec || !fs::exists(fs::symlink_status(path, ec)))
        return NotFoundError(
            fmt::format("{} {} does not exist", input ? "input" : "output", given.string()));
      if (!input) {
        // Another artifact's files must not change under it, nor be removed with this one.
        LATHE_ASSIGN_OR_RETURN(auto users, store.ArtifactsOverlapping(path, 1));
        if (!users.empty())
          return FailedPreconditionError(fmt::format(
              "output {} overlaps the files of artifact {} ({}): record outputs in a place of "
              "their own",
              given.string(), users.front().first, users.front().second));
      }
      LATHE_ASSIGN_OR_RETURN(std::string fingerprint, FingerprintPath(path));
      Event event;
      event.type = input ? EventType::kInput : EventType::kOutput;
      event.path = {type, static_cast<int64_t>(i)};
      LATHE_ASSIGN_OR_RETURN(auto ae, FileArtifact(store, type, path, fingerprint, event));
      req.artifacts.push_back(std::move(ae));
    }
    return Status::Ok();
  };
  LATHE_RETURN_IF_ERROR(add_files(r.inputs, true));
  LATHE_RETURN_IF_ERROR(add_files(r.outputs, false));
  for (const auto& [type, name] : r.contexts) {
    LATHE_RETURN_IF_ERROR(EnsureType(store, TypeKind::kContext, type));
    Context ctx;
    ctx.type = type;
    ctx.name = name;
    req.contexts.push_back(std::move(ctx));
  }
  return store.PutExecution(req);
}

}  // namespace lathe::metadata
