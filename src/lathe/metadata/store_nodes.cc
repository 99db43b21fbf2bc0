// Writes of artifacts, executions, contexts, events and links, and PutExecution.
#include <fmt/format.h>

#include "lathe/core/clock.h"
#include "lathe/metadata/detail/node_table.h"
#include "lathe/metadata/detail/sql_connection.h"
#include "lathe/metadata/metadata_store.h"

namespace lathe::metadata {

using detail::kArtifactTable;
using detail::kContextTable;
using detail::kExecutionTable;
using detail::NodeTable;
using detail::SqlParam;
using detail::SqlRow;

namespace {

std::string DeclaredList(const Type& type) {
  std::string out;
  for (const auto& [name, pt] : type.properties) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{}:{}", name, PropertyTypeName(pt));
  }
  return out.empty() ? "none" : out;
}

}  // namespace

Status MetadataStore::ValidateProperties(const Type& type, const Node& node) {
  for (const auto& [name, value] : node.properties) {
    auto it = type.properties.find(name);
    if (it == type.properties.end()) {
      return InvalidArgumentError(fmt::format(
          "property '{}' is not declared by {} type '{}' (declared: {}); use a custom property",
          name, TypeKindName(type.kind), type.name, DeclaredList(type)));
    }
    bool fits = it->second == value.type() ||
                (it->second == PropertyType::kDouble && value.type() == PropertyType::kInt);
    if (!fits) {
      return InvalidArgumentError(
          fmt::format("property '{}' of {} type '{}' is {}, got {} value {}", name,
                      TypeKindName(type.kind), type.name, PropertyTypeName(it->second),
                      PropertyTypeName(value.type()), value.ToDisplayString()));
    }
  }
  for (const auto& [name, value] : node.custom_properties) {
    if (name.empty()) return InvalidArgumentError("a custom property needs a name");
  }
  return Status::Ok();
}

Status MetadataStore::WriteProperties(const NodeTable& table, int64_t id, const Type& type,
                                      const Node& node, bool replace) {
  if (replace) {
    LATHE_RETURN_IF_ERROR(
        conn_->Execute(fmt::format("DELETE FROM {} WHERE owner_id = ?", table.prop_table), {id}));
  }
  const std::string sql = fmt::format(
      "INSERT INTO {} (owner_id, is_custom, name, data_type, int_value, double_value, "
      "string_value) VALUES (?, ?, ?, ?, ?, ?, ?)",
      table.prop_table);
  auto write = [&](const std::string& name, const Value& v, PropertyType declared, bool custom) {
    // Numbers are also written to double_value so that filters compare INT and DOUBLE alike.
    SqlParam ival, dval, sval;
    std::string text;
    switch (declared) {
      case PropertyType::kInt:
        ival = v.as_int();
        dval = static_cast<double>(v.as_int());
        break;
      case PropertyType::kDouble:
        dval = v.type() == PropertyType::kInt ? static_cast<double>(v.as_int()) : v.as_double();
        break;
      case PropertyType::kBool:
        ival = v.as_bool() ? 1 : 0;
        dval = v.as_bool() ? 1.0 : 0.0;
        break;
      case PropertyType::kString:
        sval = std::string_view(v.as_string());
        break;
      case PropertyType::kStruct:
        text = v.as_struct().dump();
        sval = std::string_view(text);
        break;
      case PropertyType::kUnknown:
        break;
    }
    return conn_
        ->Execute(sql, {id, custom ? 1 : 0, name, static_cast<int>(declared), ival, dval, sval})
        .status();
  };
  for (const auto& [name, v] : node.properties)
    LATHE_RETURN_IF_ERROR(write(name, v, type.properties.at(name), false));
  for (const auto& [name, v] : node.custom_properties)
    LATHE_RETURN_IF_ERROR(write(name, v, v.type(), true));
  return Status::Ok();
}

Status MetadataStore::CheckExists(const NodeTable& table, int64_t id) {
  LATHE_ASSIGN_OR_RETURN(
      auto found, conn_->QueryInt(fmt::format("SELECT 1 FROM {} WHERE id = ?", table.table), {id}));
  if (!found) return NotFoundError(fmt::format("{} {} does not exist", table.noun, id));
  return Status::Ok();
}

Result<Type> MetadataStore::CheckForUpdate(const NodeTable& table, const Node& node) {
  std::optional<std::pair<int64_t, int64_t>> row;
  LATHE_RETURN_IF_ERROR(
      conn_->Query(fmt::format("SELECT type_id, revision FROM {} WHERE id = ?", table.table),
                   {node.id}, [&](const SqlRow& r) {
                     row = {r.Int(0), r.Int(1)};
                     return Status::Ok();
                   }));
  if (!row) return NotFoundError(fmt::format("{} {} does not exist", table.noun, node.id));
  if (node.revision != 0 && node.revision != row->second) {
    return AbortedError(fmt::format(
        "{} {} was changed by another writer (read at revision {}, now at {}); re-read and retry",
        table.noun, node.id, node.revision, row->second));
  }
  LATHE_ASSIGN_OR_RETURN(Type stored, ResolveType(table.kind, row->first, ""));
  if ((node.type_id != 0 && node.type_id != stored.id) ||
      (!node.type.empty() && node.type != stored.name)) {
    return InvalidArgumentError(fmt::format("{} {} is of type '{}'; its type cannot change",
                                            table.noun, node.id, stored.name));
  }
  return stored;
}

Result<int64_t> MetadataStore::PutArtifactRow(const Artifact& a, int64_t now) {
  if (a.id != 0) {
    LATHE_ASSIGN_OR_RETURN(Type type, CheckForUpdate(kArtifactTable, a));
    LATHE_RETURN_IF_ERROR(ValidateProperties(type, a));
    LATHE_RETURN_IF_ERROR(
        conn_
            ->Execute("UPDATE artifacts SET name = ?, uri = ?, external_id = ?, state = ?, "
                      "fingerprint = ?, revision = revision + 1, update_time_ms = ? WHERE id = ?",
                      {SqlParam::TextOrNull(a.name), SqlParam::TextOrNull(a.uri),
                       SqlParam::TextOrNull(a.external_id), static_cast<int>(a.state),
                       SqlParam::TextOrNull(a.fingerprint), now, a.id})
            .status()
            .WithContext(fmt::format("updating artifact {}", a.id)));
    LATHE_RETURN_IF_ERROR(WriteProperties(kArtifactTable, a.id, type, a, true));
    return a.id;
  }
  LATHE_ASSIGN_OR_RETURN(Type type, ResolveType(TypeKind::kArtifact, a.type_id, a.type));
  LATHE_RETURN_IF_ERROR(ValidateProperties(type, a));
  auto id = conn_->QueryInt(
      "INSERT INTO artifacts (type_id, name, uri, external_id, state, fingerprint, revision, "
      "create_time_ms, update_time_ms) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id",
      {type.id, SqlParam::TextOrNull(a.name), SqlParam::TextOrNull(a.uri),
       SqlParam::TextOrNull(a.external_id), static_cast<int>(a.state),
       SqlParam::TextOrNull(a.fingerprint), now, now});
  if (!id.ok()) {
    if (id.status().code() == StatusCode::kAlreadyExists)
      return AlreadyExistsError(
          fmt::format("an artifact with external_id '{}' already exists", a.external_id));
    return id.status();
  }
  LATHE_RETURN_IF_ERROR(WriteProperties(kArtifactTable, **id, type, a, false));
  return **id;
}

Result<int64_t> MetadataStore::PutExecutionRow(const Execution& e, int64_t now) {
  if (e.id != 0) {
    LATHE_ASSIGN_OR_RETURN(Type type, CheckForUpdate(kExecutionTable, e));
    LATHE_RETURN_IF_ERROR(ValidateProperties(type, e));
    LATHE_RETURN_IF_ERROR(conn_->Execute(
        "UPDATE executions SET name = ?, state = ?, revision = revision + 1, update_time_ms = ? "
        "WHERE id = ?",
        {SqlParam::TextOrNull(e.name), static_cast<int>(e.state), now, e.id}));
    LATHE_RETURN_IF_ERROR(WriteProperties(kExecutionTable, e.id, type, e, true));
    return e.id;
  }
  LATHE_ASSIGN_OR_RETURN(Type type, ResolveType(TypeKind::kExecution, e.type_id, e.type));
  LATHE_RETURN_IF_ERROR(ValidateProperties(type, e));
  LATHE_ASSIGN_OR_RETURN(
      auto id, conn_->QueryInt(
                   "INSERT INTO executions (type_id, name, state, revision, create_time_ms, "
                   "update_time_ms) VALUES (?, ?, ?, 1, ?, ?) RETURNING id",
                   {type.id, SqlParam::TextOrNull(e.name), static_cast<int>(e.state), now, now}));
  LATHE_RETURN_IF_ERROR(WriteProperties(kExecutionTable, *id, type, e, false));
  return *id;
}

Result<int64_t> MetadataStore::PutContextRow(const Context& c, int64_t now, bool reuse_if_exists) {
  if (c.name.empty()) return InvalidArgumentError("a context needs a name");
  if (c.id != 0) {
    LATHE_ASSIGN_OR_RETURN(Type type, CheckForUpdate(kContextTable, c));
    LATHE_RETURN_IF_ERROR(ValidateProperties(type, c));
    auto st = conn_->Execute(
        "UPDATE contexts SET name = ?, revision = revision + 1, update_time_ms = ? WHERE id = ?",
        {c.name, now, c.id});
    if (!st.ok() && st.status().code() == StatusCode::kAlreadyExists)
      return AlreadyExistsError(
          fmt::format("a context of type '{}' named '{}' already exists", type.name, c.name));
    LATHE_RETURN_IF_ERROR(st);
    LATHE_RETURN_IF_ERROR(WriteProperties(kContextTable, c.id, type, c, true));
    return c.id;
  }
  LATHE_ASSIGN_OR_RETURN(Type type, ResolveType(TypeKind::kContext, c.type_id, c.type));
  LATHE_RETURN_IF_ERROR(ValidateProperties(type, c));
  LATHE_ASSIGN_OR_RETURN(
      auto existing,
      conn_->QueryInt("SELECT id FROM contexts WHERE type_id = ? AND name = ?", {type.id, c.name}));
  if (existing) {
    if (reuse_if_exists) return *existing;
    return AlreadyExistsError(fmt::format(
        "a context of type '{}' named '{}' already exists (id {})", type.name, c.name, *existing));
  }
  LATHE_ASSIGN_OR_RETURN(auto id,
                         conn_->QueryInt("INSERT INTO contexts (type_id, name, revision, "
                                         "create_time_ms, update_time_ms) VALUES (?, ?, 1, "
                                         "?, ?) RETURNING id",
                                         {type.id, c.name, now, now}));
  LATHE_RETURN_IF_ERROR(WriteProperties(kContextTable, *id, type, c, false));
  return *id;
}

Status MetadataStore::InsertEvent(const Event& e, int64_t now) {
  if (e.type == EventType::kUnknown)
    return InvalidArgumentError(fmt::format(
        "event between artifact {} and execution {} has no type", e.artifact_id, e.execution_id));
  std::string path = PathToJson(e.path).dump();
  return conn_
      ->Execute(
          "INSERT INTO events (artifact_id, execution_id, type, path, time_ms) VALUES (?, ?, ?, ?, "
          "?)",
          {e.artifact_id, e.execution_id, static_cast<int>(e.type), path,
           e.time_ms != 0 ? e.time_ms : now})
      .status();
}

Result<std::vector<int64_t>> MetadataStore::PutArtifacts(const std::vector<Artifact>& artifacts) {
  std::vector<int64_t> ids;
  LATHE_RETURN_IF_ERROR(InTransaction(true, [&]() -> Status {
    int64_t now = NowMillis();
    for (const auto& a : artifacts) {
      LATHE_ASSIGN_OR_RETURN(int64_t id, PutArtifactRow(a, now));
      ids.push_back(id);
    }
    return Status::Ok();
  }));
  return ids;
}

Result<std::vector<int64_t>> MetadataStore::PutExecutions(
    const std::vector<Execution>& executions) {
  std::vector<int64_t> ids;
  LATHE_RETURN_IF_ERROR(InTransaction(true, [&]() -> Status {
    int64_t now = NowMillis();
    for (const auto& e : executions) {
      LATHE_ASSIGN_OR_RETURN(int64_t id, PutExecutionRow(e, now));
      ids.push_back(id);
    }
    return Status::Ok();
  }));
  return ids;
}

Result<std::vector<int64_t>> MetadataStore::PutContexts(const std::vector<Context>& contexts) {
  std::vector<int64_t> ids;
  LATHE_RETURN_IF_ERROR(InTransaction(true, [&]() -> Status {
    int64_t now = NowMillis();
    for (const auto& c : contexts) {
      LATHE_ASSIGN_OR_RETURN(int64_t id, PutContextRow(c, now, /*reuse_if_exists=*/false));
      ids.push_back(id);
    }
    return Status::Ok();
  }));
  return ids;
}

Status MetadataStore::PutEvents(const std::vector<Event>& events) {
  return InTransaction(true, [&]() -> Status {
    int64_t now = NowMillis();
    for (const auto& e : events) {
      LATHE_RETURN_IF_ERROR(CheckExists(kArtifactTable, e.artifact_id));
      LATHE_RETURN_IF_ERROR(CheckExists(kExecutionTable, e.execution_id));
      LATHE_RETURN_IF_ERROR(InsertEvent(e, now));
    }
    return Status::Ok();
  });
}

Status MetadataStore::PutAttributionsAndAssociations(const std::vector<Attribution>& attributions,
                                                     const std::vector<Association>& associations) {
  return InTransaction(true, [&]() -> Status {
    for (const auto& a : attributions) {
      LATHE_RETURN_IF_ERROR(CheckExists(kContextTable, a.context_id));
      LATHE_RETURN_IF_ERROR(CheckExists(kArtifactTable, a.artifact_id));
      LATHE_RETURN_IF_ERROR(conn_->Execute(
          "INSERT INTO attributions (context_id, artifact_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
          {a.context_id, a.artifact_id}));
    }
    for (const auto& a : associations) {
      LATHE_RETURN_IF_ERROR(CheckExists(kContextTable, a.context_id));
      LATHE_RETURN_IF_ERROR(CheckExists(kExecutionTable, a.execution_id));
      LATHE_RETURN_IF_ERROR(
          conn_->Execute("INSERT INTO associations (context_id, execution_id) VALUES (?, ?) ON "
                         "CONFLICT DO NOTHING",
                         {a.context_id, a.execution_id}));
    }
    return Status::Ok();
  });
}

Status MetadataStore::PutParentContext(int64_t child_id, int64_t parent_id) {
  return InTransaction(true, [&]() -> Status {
    LATHE_RETURN_IF_ERROR(CheckExists(kContextTable, child_id));
    LATHE_RETURN_IF_ERROR(CheckExists(kContextTable, parent_id));
    // A cycle appears if the child is the parent or one of the parent's ancestors.
    LATHE_ASSIGN_OR_RETURN(
        auto cycle,
        conn_->QueryInt(
            "WITH RECURSIVE ancestors(id) AS (SELECT ? UNION SELECT pc.parent_context_id "
            "FROM parent_contexts pc JOIN ancestors a ON pc.context_id = a.id) "
            "SELECT 1 FROM ancestors WHERE id = ?",
            {parent_id, child_id}));
    if (cycle)
      return InvalidArgumentError(fmt::format(
          "making context {} a parent of context {} would create a cycle", parent_id, child_id));
    return conn_
        ->Execute(
            "INSERT INTO parent_contexts (context_id, parent_context_id) VALUES (?, ?) "
            "ON CONFLICT DO NOTHING",
            {child_id, parent_id})
        .status();
  });
}

Result<PutExecutionResponse> MetadataStore::PutExecution(const PutExecutionRequest& request) {
  PutExecutionResponse response;
  LATHE_RETURN_IF_ERROR(InTransaction(true, [&]() -> Status {
    response = {};
    int64_t now = NowMillis();
    LATHE_ASSIGN_OR_RETURN(response.execution_id, PutExecutionRow(request.execution, now));
    for (size_t i = 0; i < request.artifacts.size(); ++i) {
      const ArtifactAndEvent& ae = request.artifacts[i];
      int64_t id = 0;
      if (ae.reference_only) {
        id = ae.artifact.id;
        LATHE_RETURN_IF_ERROR(
            CheckExists(kArtifactTable, id).WithContext(fmt::format("artifacts[{}]", i)));
      } else if (ae.artifact.id == 0 && request.reuse_artifact_if_exists_by_external_id &&
                 !ae.artifact.external_id.empty()) {
        LATHE_ASSIGN_OR_RETURN(auto existing,
                               conn_->QueryInt("SELECT id FROM artifacts WHERE external_id = ?",
                                               {ae.artifact.external_id}));
        if (existing) {
          id = *existing;
        } else {
          LATHE_ASSIGN_OR_RETURN(id, PutArtifactRow(ae.artifact, now));
        }
      } else {
        auto put = PutArtifactRow(ae.artifact, now);
        if (!put.ok()) return put.status().WithContext(fmt::format("artifacts[{}]", i));
        id = *put;
      }
      response.artifact_ids.push_back(id);
      if (ae.event) {
        Event e = *ae.event;
        e.artifact_id = id;
        e.execution_id = response.execution_id;
        LATHE_RETURN_IF_ERROR(InsertEvent(e, now));
      }
    }
    for (const auto& c : request.contexts) {
      int64_t cid = c.id;
      if (cid != 0 && request.update_contexts) {
        LATHE_ASSIGN_OR_RETURN(cid, PutContextRow(c, now, false));
      } else if (cid != 0) {
        LATHE_RETURN_IF_ERROR(CheckExists(kContextTable, cid));
      } else {
        LATHE_ASSIGN_OR_RETURN(cid, PutContextRow(c, now, request.reuse_context_if_exists));
      }
      response.context_ids.push_back(cid);
      LATHE_RETURN_IF_ERROR(
          conn_->Execute("INSERT INTO associations (context_id, execution_id) VALUES (?, ?) ON "
                         "CONFLICT DO NOTHING",
                         {cid, response.execution_id}));
      for (int64_t aid : response.artifact_ids) {
        LATHE_RETURN_IF_ERROR(
            conn_->Execute("INSERT INTO attributions (context_id, artifact_id) VALUES (?, ?) ON "
                           "CONFLICT DO NOTHING",
                           {cid, aid}));
      }
    }
    return Status::Ok();
  }));
  return response;
}

Status MetadataStore::MarkArtifactsForDeletion(const std::vector<int64_t>& ids) {
  return InTransaction(true, [&]() -> Status {
    int64_t now = NowMillis();
    for (int64_t id : ids) {
      LATHE_ASSIGN_OR_RETURN(
          int64_t changed,
          conn_->Execute(
              "UPDATE artifacts SET state = ?, revision = revision + 1, update_time_ms = ? "
              "WHERE id = ?",
              {static_cast<int>(ArtifactState::kMarkedForDeletion), now, id}));
      if (changed == 0) return NotFoundError(fmt::format("artifact {} does not exist", id));
    }
    return Status::Ok();
  });
}

}  // namespace lathe::metadata
