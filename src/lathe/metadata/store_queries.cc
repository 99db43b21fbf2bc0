// Reads: by id, by attribute, paged listings with filters, contexts and events.
#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "lathe/metadata/detail/filter_sql.h"
#include "lathe/metadata/detail/node_table.h"
#include "lathe/metadata/detail/page_token.h"
#include "lathe/metadata/detail/sql_connection.h"
#include "lathe/metadata/metadata_store.h"

namespace lathe::metadata {

using detail::NodeTraits;
using detail::SqlFragment;
using detail::SqlParam;
using detail::SqlRow;

namespace {

// Ids per IN (...) list: far below every backend's parameter limit.
constexpr size_t kIdBatch = 500;

// "type = 'X'" AND the caller's filter (checked on its own first, so that error columns refer
// to the caller's text).
Result<ListOptions> Scoped(const ListOptions& options, std::string scope) {
  LATHE_RETURN_IF_ERROR(ParseFilter(options.filter));
  ListOptions scoped = options;
  if (!options.filter.empty()) scope += " AND (" + options.filter + ")";
  scoped.filter = std::move(scope);
  return scoped;
}

// Past this many matches a set predicate counts as large (see ChooseDriver).
constexpr int64_t kEstimateCap = 20000;

// Picks the set predicate (a top-level conjunct on properties or context links) that matches the
// fewest rows, counting at most kEstimateCap each, to drive the query as an id-ordered IN list;
// the others become per-row probes. When every one is large, none drives: an id-ordered scan
// that probes each row finds a page of matches soonest.
Result<const FilterExpr*> ChooseDriver(detail::SqlConnection& conn, const FilterExpr& expr,
                                       const detail::NodeTable& table) {
  std::vector<const FilterExpr*> candidates;
  if (detail::IsSetPredicate(expr)) candidates.push_back(&expr);
  if (expr.kind == FilterExpr::Kind::kAnd)
    for (const auto& c : expr.children)
      if (detail::IsSetPredicate(c)) candidates.push_back(&c);
  const FilterExpr* best = nullptr;
  int64_t best_count = kEstimateCap;
  for (const FilterExpr* c : candidates) {
    SqlFragment q;
    q.sql = "SELECT COUNT(*) FROM (";
    LATHE_RETURN_IF_ERROR(detail::CompileSetQuery(*c, table, q));
    // Counting stops at the smallest count so far: a larger set cannot win.
    q.sql += fmt::format(" LIMIT {}) x", best_count);
    int64_t count = best_count;
    LATHE_RETURN_IF_ERROR(conn.Query(q.sql, q.params, [&](const SqlRow& r) {
      count = r.Int(0);
      return Status::Ok();
    }));
    if (count < best_count) {
      best = c;
      best_count = count;
    }
  }
  return best;
}

Value ReadValue(const SqlRow& r, PropertyType type) {
  switch (type) {
    case PropertyType::kInt:
      return Value(r.Int(4));
    case PropertyType::kDouble:
      return Value(r.Double(5));
    case PropertyType::kBool:
      return Value(r.Int(4) != 0);
    case PropertyType::kStruct: {
      auto j = nlohmann::json::parse(r.Text(6), nullptr, /*allow_exceptions=*/false);
      return j.is_object() ? Value::Struct(std::move(j)) : Value(r.Str(6));
    }
    default:
      return Value(r.Str(6));
  }
}

}  // namespace

std::string MetadataStore::TypeNameOf(int64_t type_id) {
  std::lock_guard lock(mu_);
  auto it = types_by_id_.find(type_id);
  if (it == types_by_id_.end()) {
    LoadTypeCache().IgnoreError();
    it = types_by_id_.find(type_id);
  }
  return it == types_by_id_.end() ? std::string() : it->second.name;
}

template <typename T>
Result<std::vector<T>> MetadataStore::LoadNodes(const std::string& where_sql,
                                                const std::vector<SqlParam>& params) {
  const auto& table = NodeTraits<T>::table();
  std::vector<T> nodes;
  LATHE_RETURN_IF_ERROR(conn_->Query(
      fmt::format("SELECT {} FROM {} t WHERE {}", NodeTraits<T>::columns(), table.table, where_sql),
      params, [&](const SqlRow& r) {
        nodes.push_back(NodeTraits<T>::FromRow(r));
        return Status::Ok();
      }));
  std::unordered_map<int64_t, size_t> index;
  for (size_t i = 0; i < nodes.size(); ++i) {
    index[nodes[i].id] = i;
    nodes[i].type = TypeNameOf(nodes[i].type_id);
  }
  for (size_t start = 0; start < nodes.size(); start += kIdBatch) {
    size_t n = std::min(kIdBatch, nodes.size() - start);
    std::vector<SqlParam> ids;
    for (size_t i = start; i < start + n; ++i) ids.emplace_back(nodes[i].id);
    LATHE_RETURN_IF_ERROR(conn_->Query(
        fmt::format("SELECT owner_id, is_custom, name, data_type, int_value, double_value, "
                    "string_value FROM {} WHERE owner_id IN ({})",
                    table.prop_table, detail::Placeholders(n)),
        ids, [&](const SqlRow& r) {
          T& node = nodes[index.at(r.Int(0))];
          auto& props = r.Int(1) != 0 ? node.custom_properties : node.properties;
          props.insert_or_assign(r.Str(2), ReadValue(r, static_cast<PropertyType>(r.Int(3))));
          return Status::Ok();
        }));
  }
  return nodes;
}

template <typename T>
Result<std::vector<T>> MetadataStore::LoadNodesByIds(const std::vector<int64_t>& ids) {
  if (ids.size() > static_cast<size_t>(ListOptions::kMaxPageSize))
    return InvalidArgumentError(
        fmt::format("at most {} ids per call, got {}", ListOptions::kMaxPageSize, ids.size()));
  std::vector<T> out;
  LATHE_RETURN_IF_ERROR(InTransaction(false, [&]() -> Status {
    out.clear();
    for (size_t start = 0; start < ids.size(); start += kIdBatch) {
      size_t n = std::min(kIdBatch, ids.size() - start);
      std::vector<SqlParam> params(ids.begin() + start, ids.begin() + start + n);
      LATHE_ASSIGN_OR_RETURN(
          auto part,
          LoadNodes<T>(fmt::format("t.id IN ({}) ORDER BY t.id", detail::Placeholders(n)), params));
      for (auto& node : part) out.push_back(std::move(node));
    }
    return Status::Ok();
  }));
  return out;
}

template <typename T>
Result<std::optional<T>> MetadataStore::LoadOne(int64_t id) {
  LATHE_ASSIGN_OR_RETURN(auto nodes, LoadNodesByIds<T>({id}));
  if (nodes.empty()) return std::optional<T>();
  return std::optional<T>(std::move(nodes.front()));
}

template <typename T>
Result<Page<T>> MetadataStore::ListNodes(const ListOptions& options) {
  if (options.page_size < 1 || options.page_size > ListOptions::kMaxPageSize)
    return InvalidArgumentError(fmt::format("page size must be 1..{}, got {}",
                                            ListOptions::kMaxPageSize, options.page_size));
  LATHE_ASSIGN_OR_RETURN(FilterExpr expr, ParseFilter(options.filter));
  const auto& table = NodeTraits<T>::table();
  const char* col = options.order_by == OrderBy::kId           ? "t.id"
                    : options.order_by == OrderBy::kCreateTime ? "t.create_time_ms"
                                                               : "t.update_time_ms";
  const char* cmp = options.descending ? "<" : ">";
  const char* dir = options.descending ? "DESC" : "ASC";
  const std::string query_key = fmt::format("{}|{}|{}|{}", table.table, options.filter, col, dir);
  std::optional<detail::PageCursor> cursor;
  if (!options.page_token.empty()) {
    LATHE_ASSIGN_OR_RETURN(cursor, detail::DecodePageToken(options.page_token, query_key));
  }

  Page<T> page;
  LATHE_RETURN_IF_ERROR(InTransaction(false, [&]() -> Status {
    LATHE_ASSIGN_OR_RETURN(const FilterExpr* driver, ChooseDriver(*conn_, expr, table));
    SqlFragment where;
    where.probe_fence = conn_->probe_fence();
    LATHE_RETURN_IF_ERROR(detail::CompileFilter(expr, table, driver, where));
    // Keyset pagination: continue strictly after the last row of the previous page.
    if (cursor && options.order_by == OrderBy::kId) {
      where.sql += fmt::format(" AND t.id {} ?", cmp);
      where.params.emplace_back(cursor->id);
    } else if (cursor) {
      // A row-value comparison, so that the (time, id) index seeks straight to the position
      // (an OR of two conditions scanned from the start on every page: quadratic).
      where.sql += fmt::format(" AND ({}, t.id) {} (?, ?)", col, cmp);
      where.params.emplace_back(cursor->order_value);
      where.params.emplace_back(cursor->id);
    }
    if (options.order_by == OrderBy::kId)
      where.sql += fmt::format(" ORDER BY t.id {} LIMIT {}", dir, options.page_size + 1);
    else
      where.sql +=
          fmt::format(" ORDER BY {0} {1}, t.id {1} LIMIT {2}", col, dir, options.page_size + 1);
    LATHE_ASSIGN_OR_RETURN(page.items, LoadNodes<T>(where.sql, where.params));
    return Status::Ok();
  }));
  if (page.items.size() > static_cast<size_t>(options.page_size)) {
    page.items.resize(options.page_size);
    const T& last = page.items.back();
    int64_t value = options.order_by == OrderBy::kId           ? last.id
                    : options.order_by == OrderBy::kCreateTime ? last.create_time_ms
                                                               : last.update_time_ms;
    page.next_page_token = detail::EncodePageToken({value, last.id}, query_key);
  }
  return page;
}

Result<Artifact> MetadataStore::GetArtifact(int64_t id) {
  LATHE_ASSIGN_OR_RETURN(auto a, LoadOne<Artifact>(id));
  if (!a) return NotFoundError(fmt::format("artifact {} does not exist", id));
  return std::move(*a);
}

Result<Execution> MetadataStore::GetExecution(int64_t id) {
  LATHE_ASSIGN_OR_RETURN(auto e, LoadOne<Execution>(id));
  if (!e) return NotFoundError(fmt::format("execution {} does not exist", id));
  return std::move(*e);
}

Result<Context> MetadataStore::GetContext(int64_t id) {
  LATHE_ASSIGN_OR_RETURN(auto c, LoadOne<Context>(id));
  if (!c) return NotFoundError(fmt::format("context {} does not exist", id));
  return std::move(*c);
}

Result<std::vector<Artifact>> MetadataStore::GetArtifacts(const std::vector<int64_t>& ids) {
  return LoadNodesByIds<Artifact>(ids);
}
Result<std::vector<Execution>> MetadataStore::GetExecutions(const std::vector<int64_t>& ids) {
  return LoadNodesByIds<Execution>(ids);
}
Result<std::vector<Context>> MetadataStore::GetContexts(const std::vector<int64_t>& ids) {
  return LoadNodesByIds<Context>(ids);
}

Result<std::optional<Artifact>> MetadataStore::GetArtifactByExternalId(
    std::string_view external_id) {
  std::vector<Artifact> found;
  LATHE_RETURN_IF_ERROR(InTransaction(false, [&]() -> Status {
    LATHE_ASSIGN_OR_RETURN(found, LoadNodes<Artifact>("t.external_id = ?", {external_id}));
    return Status::Ok();
  }));
  if (found.empty()) return std::optional<Artifact>();
  return std::optional<Artifact>(std::move(found.front()));
}

Result<std::optional<Context>> MetadataStore::GetContextByTypeAndName(std::string_view type,
                                                                      std::string_view name) {
  auto t = ResolveType(TypeKind::kContext, 0, type);
  if (!t.ok()) {
    if (t.status().code() == StatusCode::kNotFound) return std::optional<Context>();
    return t.status();
  }
  std::vector<Context> found;
  LATHE_RETURN_IF_ERROR(InTransaction(false, [&]() -> Status {
    LATHE_ASSIGN_OR_RETURN(found,
                           LoadNodes<Context>("t.type_id = ? AND t.name = ?", {t->id, name}));
    return Status::Ok();
  }));
  if (found.empty()) return std::optional<Context>();
  return std::optional<Context>(std::move(found.front()));
}

Result<Page<Artifact>> MetadataStore::ListArtifacts(const ListOptions& options) {
  return ListNodes<Artifact>(options);
}
Result<Page<Execution>> MetadataStore::ListExecutions(const ListOptions& options) {
  return ListNodes<Execution>(options);
}
Result<Page<Context>> MetadataStore::ListContexts(const ListOptions& options) {
  return ListNodes<Context>(options);
}

Result<Page<Artifact>> MetadataStore::GetArtifactsByType(std::string_view type,
                                                         const ListOptions& options) {
  LATHE_ASSIGN_OR_RETURN(auto scoped, Scoped(options, "type = " + QuoteFilterString(type)));
  return ListNodes<Artifact>(scoped);
}
Result<Page<Artifact>> MetadataStore::GetArtifactsByName(std::string_view name,
                                                         const ListOptions& options) {
  LATHE_ASSIGN_OR_RETURN(auto scoped, Scoped(options, "name = " + QuoteFilterString(name)));
  return ListNodes<Artifact>(scoped);
}
Result<Page<Artifact>> MetadataStore::GetArtifactsByUri(std::string_view uri,
                                                        const ListOptions& options) {
  LATHE_ASSIGN_OR_RETURN(auto scoped, Scoped(options, "uri = " + QuoteFilterString(uri)));
  return ListNodes<Artifact>(scoped);
}
Result<Page<Artifact>> MetadataStore::GetArtifactsByContext(int64_t context_id,
                                                            const ListOptions& options) {
  LATHE_ASSIGN_OR_RETURN(auto scoped, Scoped(options, fmt::format("context.id = {}", context_id)));
  return ListNodes<Artifact>(scoped);
}
Result<Page<Execution>> MetadataStore::GetExecutionsByType(std::string_view type,
                                                           const ListOptions& options) {
  LATHE_ASSIGN_OR_RETURN(auto scoped, Scoped(options, "type = " + QuoteFilterString(type)));
  return ListNodes<Execution>(scoped);
}
Result<Page<Execution>> MetadataStore::GetExecutionsByContext(int64_t context_id,
                                                              const ListOptions& options) {
  LATHE_ASSIGN_OR_RETURN(auto scoped, Scoped(options, fmt::format("context.id = {}", context_id)));
  return ListNodes<Execution>(scoped);
}
Result<Page<Context>> MetadataStore::GetContextsByType(std::string_view type,
                                                       const ListOptions& options) {
  LATHE_ASSIGN_OR_RETURN(auto scoped, Scoped(options, "type = " + QuoteFilterString(type)));
  return ListNodes<Context>(scoped);
}

namespace {
// Context lookups through a link table; bounded because the number of contexts a record belongs
// to, or that a context is parent/child of, is small by construction of pipelines.
constexpr const char* kContextsOfArtifact =
    "t.id IN (SELECT context_id FROM attributions WHERE artifact_id = ?) ORDER BY t.id LIMIT 1000";
constexpr const char* kContextsOfExecution =
    "t.id IN (SELECT context_id FROM associations WHERE execution_id = ?) ORDER BY t.id LIMIT 1000";
constexpr const char* kParentsOf =
    "t.id IN (SELECT parent_context_id FROM parent_contexts WHERE context_id = ?) ORDER BY t.id "
    "LIMIT 1000";
constexpr const char* kChildrenOf =
    "t.id IN (SELECT context_id FROM parent_contexts WHERE parent_context_id = ?) ORDER BY t.id "
    "LIMIT 1000";
}  // namespace

Result<std::vector<Context>> MetadataStore::ContextsVia(const char* where, int64_t id) {
  std::vector<Context> out;
  LATHE_RETURN_IF_ERROR(InTransaction(false, [&]() -> Status {
    LATHE_ASSIGN_OR_RETURN(out, LoadNodes<Context>(where, {id}));
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<Context>> MetadataStore::GetParentContexts(int64_t id) {
  return ContextsVia(kParentsOf, id);
}
Result<std::vector<Context>> MetadataStore::GetChildContexts(int64_t id) {
  return ContextsVia(kChildrenOf, id);
}
Result<std::vector<Context>> MetadataStore::GetContextsByArtifact(int64_t id) {
  return ContextsVia(kContextsOfArtifact, id);
}
Result<std::vector<Context>> MetadataStore::GetContextsByExecution(int64_t id) {
  return ContextsVia(kContextsOfExecution, id);
}

Result<std::vector<Event>> MetadataStore::EventsBy(const char* column,
                                                   const std::vector<int64_t>& ids) {
  if (ids.size() > static_cast<size_t>(ListOptions::kMaxPageSize))
    return InvalidArgumentError(
        fmt::format("at most {} ids per call, got {}", ListOptions::kMaxPageSize, ids.size()));
  std::vector<Event> out;
  LATHE_RETURN_IF_ERROR(InTransaction(false, [&]() -> Status {
    out.clear();
    for (size_t start = 0; start < ids.size(); start += kIdBatch) {
      size_t n = std::min(kIdBatch, ids.size() - start);
      std::vector<SqlParam> params(ids.begin() + start, ids.begin() + start + n);
      LATHE_RETURN_IF_ERROR(conn_->Query(
          fmt::format("SELECT id, artifact_id, execution_id, type, path, time_ms FROM events "
                      "WHERE {} IN ({}) ORDER BY id",
                      column, detail::Placeholders(n)),
          params, [&](const SqlRow& r) {
            Event e;
            e.id = r.Int(0);
            e.artifact_id = r.Int(1);
            e.execution_id = r.Int(2);
            e.type = static_cast<EventType>(r.Int(3));
            auto path = PathFromJson(nlohmann::json::parse(r.Text(4), nullptr, false));
            if (path.ok()) e.path = std::move(*path);
            e.time_ms = r.Int(5);
            out.push_back(std::move(e));
            return Status::Ok();
          }));
    }
    return Status::Ok();
  }));
  std::sort(out.begin(), out.end(), [](const Event& a, const Event& b) { return a.id < b.id; });
  return out;
}

Result<std::vector<Event>> MetadataStore::GetEventsByArtifactIds(const std::vector<int64_t>& ids) {
  return EventsBy("artifact_id", ids);
}
Result<std::vector<Event>> MetadataStore::GetEventsByExecutionIds(const std::vector<int64_t>& ids) {
  return EventsBy("execution_id", ids);
}

}  // namespace lathe::metadata
