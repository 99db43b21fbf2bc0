// The schema of the metadata store as numbered migrations. Never edit a released migration: add a
// new one. Column types are chosen to mean the same in SQLite and PostgreSQL (BIGINT, DOUBLE
// PRECISION, TEXT); only the auto-increment key differs, written as {{ID}}.
#include "lathe/metadata/migrations.h"

namespace lathe::metadata {

const std::vector<Migration>& BuiltinMigrations() {
  static const std::vector<Migration> kMigrations = {
      {1,
       "initial schema: types, artifacts, executions, contexts, events, attributions, "
       "associations",
       {
           R"(CREATE TABLE types (
                id {{ID}},
                kind BIGINT NOT NULL,
                name TEXT NOT NULL,
                version TEXT NOT NULL DEFAULT '',
                description TEXT NOT NULL DEFAULT '',
                UNIQUE (kind, name, version)))",
           R"(CREATE TABLE type_properties (
                type_id BIGINT NOT NULL REFERENCES types(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                data_type BIGINT NOT NULL,
                PRIMARY KEY (type_id, name)))",

           R"(CREATE TABLE artifacts (
                id {{ID}},
                type_id BIGINT NOT NULL REFERENCES types(id),
                name TEXT,
                uri TEXT,
                external_id TEXT UNIQUE,
                state BIGINT NOT NULL,
                fingerprint TEXT,
                revision BIGINT NOT NULL,
                create_time_ms BIGINT NOT NULL,
                update_time_ms BIGINT NOT NULL))",
           "CREATE INDEX artifacts_by_type ON artifacts (type_id, id)",
           "CREATE INDEX artifacts_by_name ON artifacts (name)",
           "CREATE INDEX artifacts_by_uri ON artifacts (uri)",
           "CREATE INDEX artifacts_by_state ON artifacts (state)",
           "CREATE INDEX artifacts_by_create_time ON artifacts (create_time_ms, id)",
           "CREATE INDEX artifacts_by_update_time ON artifacts (update_time_ms, id)",
           R"(CREATE TABLE artifact_properties (
                owner_id BIGINT NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
                is_custom BIGINT NOT NULL,
                name TEXT NOT NULL,
                data_type BIGINT NOT NULL,
                int_value BIGINT,
                double_value DOUBLE PRECISION,
                string_value TEXT,
                PRIMARY KEY (owner_id, is_custom, name)))",
           "CREATE INDEX artifact_properties_double ON artifact_properties (name, is_custom, "
           "double_value, owner_id)",
           "CREATE INDEX artifact_properties_string ON artifact_properties (name, is_custom, "
           "string_value, owner_id)",

           R"(CREATE TABLE executions (
                id {{ID}},
                type_id BIGINT NOT NULL REFERENCES types(id),
                name TEXT,
                state BIGINT NOT NULL,
                revision BIGINT NOT NULL,
                create_time_ms BIGINT NOT NULL,
                update_time_ms BIGINT NOT NULL))",
           "CREATE INDEX executions_by_type ON executions (type_id, id)",
           "CREATE INDEX executions_by_name ON executions (name)",
           "CREATE INDEX executions_by_state ON executions (state)",
           "CREATE INDEX executions_by_create_time ON executions (create_time_ms, id)",
           "CREATE INDEX executions_by_update_time ON executions (update_time_ms, id)",
           R"(CREATE TABLE execution_properties (
                owner_id BIGINT NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
                is_custom BIGINT NOT NULL,
                name TEXT NOT NULL,
                data_type BIGINT NOT NULL,
                int_value BIGINT,
                double_value DOUBLE PRECISION,
                string_value TEXT,
                PRIMARY KEY (owner_id, is_custom, name)))",
           "CREATE INDEX execution_properties_double ON execution_properties (name, is_custom, "
           "double_value, owner_id)",
           "CREATE INDEX execution_properties_string ON execution_properties (name, is_custom, "
           "string_value, owner_id)",

           R"(CREATE TABLE contexts (
                id {{ID}},
                type_id BIGINT NOT NULL REFERENCES types(id),
                name TEXT NOT NULL,
                revision BIGINT NOT NULL,
                create_time_ms BIGINT NOT NULL,
                update_time_ms BIGINT NOT NULL,
                UNIQUE (type_id, name)))",
           "CREATE INDEX contexts_by_name ON contexts (name)",
           "CREATE INDEX contexts_by_create_time ON contexts (create_time_ms, id)",
           "CREATE INDEX contexts_by_update_time ON contexts (update_time_ms, id)",
           R"(CREATE TABLE context_properties (
                owner_id BIGINT NOT NULL REFERENCES contexts(id) ON DELETE CASCADE,
                is_custom BIGINT NOT NULL,
                name TEXT NOT NULL,
                data_type BIGINT NOT NULL,
                int_value BIGINT,
                double_value DOUBLE PRECISION,
                string_value TEXT,
                PRIMARY KEY (owner_id, is_custom, name)))",
           "CREATE INDEX context_properties_double ON context_properties (name, is_custom, "
           "double_value, owner_id)",
           "CREATE INDEX context_properties_string ON context_properties (name, is_custom, "
           "string_value, owner_id)",
           R"(CREATE TABLE parent_contexts (
                context_id BIGINT NOT NULL REFERENCES contexts(id) ON DELETE CASCADE,
                parent_context_id BIGINT NOT NULL REFERENCES contexts(id) ON DELETE CASCADE,
                PRIMARY KEY (context_id, parent_context_id)))",
           "CREATE INDEX parent_contexts_by_parent ON parent_contexts (parent_context_id, "
           "context_id)",

           R"(CREATE TABLE events (
                id {{ID}},
                artifact_id BIGINT NOT NULL REFERENCES artifacts(id),
                execution_id BIGINT NOT NULL REFERENCES executions(id),
                type BIGINT NOT NULL,
                path TEXT NOT NULL DEFAULT '[]',
                time_ms BIGINT NOT NULL))",
           "CREATE INDEX events_by_artifact ON events (artifact_id, type, execution_id)",
           "CREATE INDEX events_by_execution ON events (execution_id, type, artifact_id)",
           R"(CREATE TABLE attributions (
                context_id BIGINT NOT NULL REFERENCES contexts(id),
                artifact_id BIGINT NOT NULL REFERENCES artifacts(id),
                PRIMARY KEY (context_id, artifact_id)))",
           "CREATE INDEX attributions_by_artifact ON attributions (artifact_id, context_id)",
           R"(CREATE TABLE associations (
                context_id BIGINT NOT NULL REFERENCES contexts(id),
                execution_id BIGINT NOT NULL REFERENCES executions(id),
                PRIMARY KEY (context_id, execution_id)))",
           "CREATE INDEX associations_by_execution ON associations (execution_id, context_id)",
       }},
  };
  return kMigrations;
}

int CurrentSchemaVersion() {
  return BuiltinMigrations().back().to_version;
}

}  // namespace lathe::metadata
