#include "lathe/pipeline/run_record.h"

namespace lathe::pipeline {

using metadata::PropertyType;
using metadata::Type;
using metadata::TypeKind;

Status RegisterRunTypes(metadata::MetadataStore& store) {
  LATHE_RETURN_IF_ERROR(
      store.PutType(Type{.kind = TypeKind::kContext, .name = kPipelineContextType}));
  return store
      .PutType(Type{.kind = TypeKind::kContext,
                    .name = kRunContextType,
                    .properties = {{"pipeline", PropertyType::kString},
                                   {"state", PropertyType::kString},
                                   {"spec", PropertyType::kStruct},
                                   {"parameters", PropertyType::kStruct},
                                   {"spec_path", PropertyType::kString},
                                   {"start_time_ms", PropertyType::kInt},
                                   {"end_time_ms", PropertyType::kInt},
                                   {"lathe_version", PropertyType::kString},
                                   {"host", PropertyType::kString},
                                   {"pid", PropertyType::kInt},
                                   {"git_commit", PropertyType::kString},
                                   {"git_dirty", PropertyType::kBool},
                                   {"repro_of", PropertyType::kString},
                                   {"error", PropertyType::kString}}})
      .status();
}

Status RegisterExecutionType(metadata::MetadataStore& store, const std::string& component) {
  return store
      .PutType(Type{.kind = TypeKind::kExecution,
                    .name = component,
                    .properties = {{"node", PropertyType::kString},
                                   {"run", PropertyType::kString},
                                   {"cache_key", PropertyType::kString},
                                   {"attempts", PropertyType::kInt},
                                   {"log", PropertyType::kString},
                                   {"error", PropertyType::kString},
                                   {"duration_ms", PropertyType::kInt},
                                   {"parameters", PropertyType::kStruct},
                                   {"cached_from", PropertyType::kInt}}},
               {.can_add_fields = true, .can_omit_fields = true})
      .status();
}

Status RegisterArtifactType(metadata::MetadataStore& store, const std::string& artifact_type) {
  return store
      .PutType(Type{.kind = TypeKind::kArtifact,
                    .name = artifact_type,
                    .properties = {{"node", PropertyType::kString},
                                   {"output", PropertyType::kString},
                                   {"run", PropertyType::kString},
                                   {"stat", PropertyType::kString}}},
               {.can_add_fields = true, .can_omit_fields = true})
      .status();
}

}  // namespace lathe::pipeline
