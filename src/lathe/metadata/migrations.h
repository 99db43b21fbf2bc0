// Schema versions of the metadata store. Every change of the schema is an explicit, numbered
// migration applied in one transaction by `lathe store migrate` (MetadataStore::Migrate); a
// store is never upgraded silently, and a store newer than this build is refused.
#pragma once

#include <string>
#include <vector>

namespace lathe::metadata {

struct Migration {
  int to_version = 0;
  std::string description;
  // SQL statements; "{{ID}}" stands for the backend's auto-increment primary-key column type.
  std::vector<std::string> statements;
};

// The migrations of this build, in order; the last one's version is the current schema version.
const std::vector<Migration>& BuiltinMigrations();
int CurrentSchemaVersion();

}  // namespace lathe::metadata
