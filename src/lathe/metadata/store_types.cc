// Types: registration (with extension rules), lookups and the in-memory type cache.
#include <fmt/format.h>

#include <algorithm>

#include "lathe/metadata/detail/sql_connection.h"
#include "lathe/metadata/metadata_store.h"

namespace lathe::metadata {

using detail::SqlRow;

Status MetadataStore::LoadTypeCache() {
  std::lock_guard lock(mu_);
  std::unordered_map<int64_t, Type> by_id;
  LATHE_RETURN_IF_ERROR(conn_->Query("SELECT id, kind, name, version, description FROM types", {},
                                     [&](const SqlRow& r) {
                                       Type t;
                                       t.id = r.Int(0);
                                       t.kind = static_cast<TypeKind>(r.Int(1));
                                       t.name = r.Str(2);
                                       t.version = r.Str(3);
                                       t.description = r.Str(4);
                                       by_id.emplace(t.id, std::move(t));
                                       return Status::Ok();
                                     }));
  LATHE_RETURN_IF_ERROR(conn_->Query(
      "SELECT type_id, name, data_type FROM type_properties", {}, [&](const SqlRow& r) {
        auto it = by_id.find(r.Int(0));
        if (it != by_id.end())
          it->second.properties[r.Str(1)] = static_cast<PropertyType>(r.Int(2));
        return Status::Ok();
      }));
  types_by_id_ = std::move(by_id);
  type_ids_.clear();
  for (const auto& [id, t] : types_by_id_)
    type_ids_[{static_cast<int>(t.kind), t.name, t.version}] = id;
  return Status::Ok();
}

Result<Type> MetadataStore::ResolveType(TypeKind kind, int64_t type_id,
                                        std::string_view type_name) {
  std::lock_guard lock(mu_);
  auto find = [&]() -> const Type* {
    if (type_id != 0) {
      auto it = types_by_id_.find(type_id);
      return it == types_by_id_.end() ? nullptr : &it->second;
    }
    auto it = type_ids_.find({static_cast<int>(kind), std::string(type_name), ""});
    if (it != type_ids_.end()) return &types_by_id_.at(it->second);
    // A versioned type may be named without its version when only one version exists.
    const Type* found = nullptr;
    for (const auto& [id, t] : types_by_id_) {
      if (t.kind == kind && t.name == type_name) {
        if (found != nullptr) return nullptr;
        found = &t;
      }
    }
    return found;
  };
  const Type* t = find();
  if (t == nullptr) {
    LATHE_RETURN_IF_ERROR(LoadTypeCache());
    t = find();
  }
  if (t == nullptr) {
    if (type_id != 0)
      return NotFoundError(fmt::format("no {} type with id {}", TypeKindName(kind), type_id));
    if (type_name.empty())
      return InvalidArgumentError(
          fmt::format("a {} needs a type (name or id)", TypeKindName(kind)));
    return NotFoundError(fmt::format("unknown {} type '{}'", TypeKindName(kind), type_name));
  }
  if (t->kind != kind)
    return InvalidArgumentError(fmt::format("type {} ('{}') is a {} type, not a {} type", t->id,
                                            t->name, TypeKindName(t->kind), TypeKindName(kind)));
  if (!type_name.empty() && type_id != 0 && t->name != type_name)
    return InvalidArgumentError(
        fmt::format("type id {} is '{}', not '{}'", type_id, t->name, type_name));
  return *t;
}

Result<int64_t> MetadataStore::PutType(const Type& type, const PutTypeOptions& options) {
  if (type.name.empty()) return InvalidArgumentError("a type needs a name");
  for (const auto& [name, pt] : type.properties) {
    if (name.empty())
      return InvalidArgumentError(
          fmt::format("type '{}' has a property without a name", type.name));
    if (PropertyTypeName(pt) == "UNKNOWN")
      return InvalidArgumentError(
          fmt::format("property '{}' of type '{}' has no data type", name, type.name));
  }
  // Fast path: a registered type that already has every given property with the same data type
  // needs no write (types only ever gain properties, so the cache cannot be wrong about that).
  {
    std::lock_guard lock(mu_);
    auto it = type_ids_.find({static_cast<int>(type.kind), type.name, type.version});
    if (it != type_ids_.end()) {
      const Type& cached = types_by_id_.at(it->second);
      bool covered = options.can_omit_fields || cached.properties.size() == type.properties.size();
      for (const auto& [name, pt] : type.properties) {
        auto p = cached.properties.find(name);
        covered = covered && p != cached.properties.end() && p->second == pt;
      }
      if (covered) return it->second;
    }
  }
  int64_t id = 0;
  LATHE_RETURN_IF_ERROR(InTransaction(true, [&]() -> Status {
    LATHE_ASSIGN_OR_RETURN(
        auto existing,
        conn_->QueryInt("SELECT id FROM types WHERE kind = ? AND name = ? AND version = ?",
                        {static_cast<int>(type.kind), type.name, type.version}));
    if (!existing) {
      LATHE_ASSIGN_OR_RETURN(
          auto new_id,
          conn_->QueryInt(
              "INSERT INTO types (kind, name, version, description) VALUES (?, ?, ?, ?) "
              "RETURNING id",
              {static_cast<int>(type.kind), type.name, type.version, type.description}));
      id = *new_id;
      for (const auto& [name, pt] : type.properties) {
        LATHE_RETURN_IF_ERROR(conn_->Execute(
            "INSERT INTO type_properties (type_id, name, data_type) VALUES (?, ?, ?)",
            {id, name, static_cast<int>(pt)}));
      }
      return Status::Ok();
    }
    id = *existing;
    std::map<std::string, PropertyType> stored;
    LATHE_RETURN_IF_ERROR(
        conn_->Query("SELECT name, data_type FROM type_properties WHERE type_id = ?", {id},
                     [&](const SqlRow& r) {
                       stored[r.Str(0)] = static_cast<PropertyType>(r.Int(1));
                       return Status::Ok();
                     }));
    std::string label = fmt::format("{} type '{}'", TypeKindName(type.kind), type.name);
    for (const auto& [name, pt] : stored) {
      auto it = type.properties.find(name);
      if (it == type.properties.end()) {
        if (!options.can_omit_fields)
          return AlreadyExistsError(fmt::format(
              "{} already exists with property '{}' that the new definition omits", label, name));
      } else if (it->second != pt) {
        return AlreadyExistsError(fmt::format("{}: property '{}' is {} and cannot become {}", label,
                                              name, PropertyTypeName(pt),
                                              PropertyTypeName(it->second)));
      }
    }
    for (const auto& [name, pt] : type.properties) {
      if (stored.count(name)) continue;
      if (!options.can_add_fields)
        return AlreadyExistsError(
            fmt::format("{} already exists without property '{}'", label, name));
      LATHE_RETURN_IF_ERROR(
          conn_->Execute("INSERT INTO type_properties (type_id, name, data_type) VALUES (?, ?, ?)",
                         {id, name, static_cast<int>(pt)}));
    }
    return Status::Ok();
  }));
  LATHE_RETURN_IF_ERROR(LoadTypeCache());
  return id;
}

Result<Type> MetadataStore::GetType(TypeKind kind, std::string_view name,
                                    std::string_view version) {
  std::lock_guard lock(mu_);
  LATHE_RETURN_IF_ERROR(LoadTypeCache());
  auto it = type_ids_.find({static_cast<int>(kind), std::string(name), std::string(version)});
  if (it == type_ids_.end()) {
    if (version.empty())
      return NotFoundError(fmt::format("unknown {} type '{}'", TypeKindName(kind), name));
    return NotFoundError(
        fmt::format("unknown {} type '{}' version '{}'", TypeKindName(kind), name, version));
  }
  return types_by_id_.at(it->second);
}

Result<Type> MetadataStore::GetTypeById(int64_t id) {
  std::lock_guard lock(mu_);
  LATHE_RETURN_IF_ERROR(LoadTypeCache());
  auto it = types_by_id_.find(id);
  if (it == types_by_id_.end()) return NotFoundError(fmt::format("no type with id {}", id));
  return it->second;
}

Result<std::vector<Type>> MetadataStore::ListTypes(std::optional<TypeKind> kind) {
  std::lock_guard lock(mu_);
  LATHE_RETURN_IF_ERROR(LoadTypeCache());
  std::vector<Type> out;
  for (const auto& [id, t] : types_by_id_)
    if (!kind || t.kind == *kind) out.push_back(t);
  std::sort(out.begin(), out.end(), [](const Type& a, const Type& b) { return a.id < b.id; });
  return out;
}

}  // namespace lathe::metadata
