// Lineage: one recursive SQL query walks the event graph, then nodes and edges are loaded in
// batches. Upstream, an artifact leads to the execution that output it (1 hop) and on to that
// execution's inputs (2 hops); downstream, to the executions that read it and on to their outputs.
#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "lathe/metadata/detail/node_table.h"
#include "lathe/metadata/detail/sql_connection.h"
#include "lathe/metadata/metadata_store.h"

namespace lathe::metadata {

using detail::SqlParam;
using detail::SqlRow;

namespace {

constexpr const char* kInputTypes = "2, 3, 5";  // DECLARED_INPUT, INPUT, INTERNAL_INPUT
constexpr const char* kOutputTypes =
    "1, 4, 6, 7";  // DECLARED_OUTPUT, OUTPUT, INTERNAL_OUTPUT, PENDING_OUTPUT
constexpr int kCachedState = static_cast<int>(ExecutionState::kCached);

struct Walk {
  std::unordered_map<int64_t, int> artifacts;   // id -> fewest hops
  std::unordered_map<int64_t, int> executions;  // id -> fewest hops
};

void Keep(std::unordered_map<int64_t, int>& m, int64_t id, int hops) {
  auto [it, inserted] = m.emplace(id, hops);
  if (!inserted && hops < it->second) it->second = hops;
}

std::string IdList(const std::vector<int64_t>& ids) {
  std::string out;
  for (int64_t id : ids) out += (out.empty() ? "" : ", ") + std::to_string(id);
  return out;
}

// The recursive query for one direction. `to_exec` are the event types from an artifact to the
// next execution in the walking direction, `to_artifact` from that execution to the next artifact.
std::string WalkSql(bool upstream, const LineageRequest& req) {
  const char* to_exec = upstream ? kOutputTypes : kInputTypes;
  const char* to_artifact = upstream ? kInputTypes : kOutputTypes;
  // Only real history is walked unless asked otherwise. An artifact is produced once, by the
  // execution of its first OUTPUT event; later OUTPUT events to it (cache hits, resolvers
  // selecting it) reuse it. And a cache hit, which did no work, is no consumer either.
  auto produces = [&](const char* e) {
    return req.include_cache_hits
               ? std::string()
               : fmt::format(
                     " AND {0}.execution_id = (SELECT MIN(p.execution_id) FROM events p "
                     "WHERE p.artifact_id = {0}.artifact_id AND p.type IN ({1}))",
                     e, kOutputTypes);
  };
  auto not_cached = [&](const char* e) {
    return req.include_cache_hits ? std::string()
                                  : fmt::format(
                                        " AND NOT EXISTS (SELECT 1 FROM executions x WHERE x.id = "
                                        "{}.execution_id AND x.state = {})",
                                        e, kCachedState);
  };
  const std::string step = upstream ? produces("e1") : not_cached("e1") + produces("e2");
  const std::string reach = upstream ? produces("e1") : not_cached("e1");
  std::vector<std::string> seeds;
  if (!req.artifact_ids.empty())
    seeds.push_back(
        fmt::format("SELECT id, 0 FROM artifacts WHERE id IN ({})", IdList(req.artifact_ids)));
  if (!req.execution_ids.empty() && req.max_hops >= 1)
    seeds.push_back(
        fmt::format("SELECT artifact_id, 1 FROM events WHERE execution_id IN ({}) AND type IN ({})",
                    IdList(req.execution_ids), to_artifact));
  std::string seed_sql;
  for (const auto& s : seeds) seed_sql += (seed_sql.empty() ? "" : " UNION ") + s;
  return fmt::format(
      "WITH RECURSIVE walk(aid, hops) AS ({0} "
      "UNION SELECT e2.artifact_id, w.hops + 2 FROM walk w "
      "JOIN events e1 ON e1.artifact_id = w.aid AND e1.type IN ({1}) "
      "JOIN events e2 ON e2.execution_id = e1.execution_id AND e2.type IN ({2}) "
      "WHERE w.hops + 2 <= ?{3}), "
      "arts(aid, hops) AS (SELECT aid, MIN(hops) FROM walk GROUP BY aid) "
      "SELECT 0, aid, hops FROM arts "
      // CROSS JOIN keeps the (small) walked set driving the index lookups into events.
      "UNION ALL SELECT 1, e1.execution_id, MIN(a.hops + 1) FROM arts a CROSS JOIN events e1 "
      "WHERE e1.artifact_id = a.aid AND e1.type IN ({1}) AND a.hops + 1 <= ?{4} "
      "GROUP BY e1.execution_id",
      seed_sql, to_exec, to_artifact, step, reach);
}

template <typename T>
std::vector<LineageNodeDistance> Nearest(const std::unordered_map<int64_t, int>& m) {
  std::vector<LineageNodeDistance> out;
  out.reserve(m.size());
  for (auto [id, hops] : m) out.push_back({id, hops});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.hops != b.hops ? a.hops < b.hops : a.id < b.id;
  });
  return out;
}

}  // namespace

Result<LineageGraph> MetadataStore::GetLineage(const LineageRequest& req) {
  if (req.artifact_ids.empty() && req.execution_ids.empty())
    return InvalidArgumentError("lineage needs at least one starting artifact or execution");
  if (req.max_hops < 0 || req.max_hops > 1000)
    return InvalidArgumentError(fmt::format("max hops must be 0..1000, got {}", req.max_hops));
  if (req.max_nodes < 1) return InvalidArgumentError("max nodes must be at least 1");
  if (req.artifact_ids.size() + req.execution_ids.size() >
      static_cast<size_t>(ListOptions::kMaxPageSize))
    return InvalidArgumentError(
        fmt::format("at most {} starting nodes", ListOptions::kMaxPageSize));
  // Validate filters before any work, so that errors point into the caller's text.
  LATHE_RETURN_IF_ERROR(ParseFilter(req.artifact_filter));
  LATHE_RETURN_IF_ERROR(ParseFilter(req.execution_filter));

  LineageGraph graph;
  LATHE_RETURN_IF_ERROR(InTransaction(false, [&]() -> Status {
    graph = {};
    for (int64_t id : req.artifact_ids)
      LATHE_RETURN_IF_ERROR(CheckExists(detail::kArtifactTable, id));
    for (int64_t id : req.execution_ids)
      LATHE_RETURN_IF_ERROR(CheckExists(detail::kExecutionTable, id));
    Walk walk;
    for (int64_t id : req.execution_ids) Keep(walk.executions, id, 0);
    for (bool upstream : {true, false}) {
      if (upstream && req.direction == LineageDirection::kDownstream) continue;
      if (!upstream && req.direction == LineageDirection::kUpstream) continue;
      LATHE_RETURN_IF_ERROR(
          conn_->Query(WalkSql(upstream, req), {req.max_hops, req.max_hops}, [&](const SqlRow& r) {
            Keep(r.Int(0) == 0 ? walk.artifacts : walk.executions, r.Int(1),
                 static_cast<int>(r.Int(2)));
            return Status::Ok();
          }));
    }

    auto artifacts = Nearest<Artifact>(walk.artifacts);
    auto executions = Nearest<Execution>(walk.executions);
    // Keep the nearest max_nodes nodes of both kinds together.
    if (artifacts.size() + executions.size() > static_cast<size_t>(req.max_nodes)) {
      graph.truncated = true;
      std::vector<std::pair<int, int>> all;  // (hops, kind)
      for (const auto& a : artifacts) all.push_back({a.hops, 0});
      for (const auto& e : executions) all.push_back({e.hops, 1});
      std::sort(all.begin(), all.end());
      size_t keep_a = 0, keep_e = 0;
      for (int i = 0; i < req.max_nodes; ++i) (all[i].second == 0 ? keep_a : keep_e)++;
      artifacts.resize(keep_a);
      executions.resize(keep_e);
    }

    std::unordered_set<int64_t> seeds_a(req.artifact_ids.begin(), req.artifact_ids.end());
    std::unordered_set<int64_t> seeds_e(req.execution_ids.begin(), req.execution_ids.end());
    // Loads the nodes of `order` (filtered, seeds exempt), keeping the nearest-first order.
    auto load = [&](const std::vector<LineageNodeDistance>& order, const std::string& filter,
                    const std::unordered_set<int64_t>& seeds, auto& out, auto& out_hops,
                    auto list_fn, auto get_fn) -> Status {
      using Node = typename std::decay_t<decltype(out)>::value_type;
      std::unordered_map<int64_t, Node> loaded;
      const size_t batch = ListOptions::kMaxPageSize;
      for (size_t start = 0; start < order.size(); start += batch) {
        std::vector<int64_t> ids;
        for (size_t i = start; i < std::min(order.size(), start + batch); ++i)
          ids.push_back(order[i].id);
        LATHE_ASSIGN_OR_RETURN(std::vector<Node> nodes, get_fn(ids));
        std::unordered_set<int64_t> pass;
        if (!filter.empty()) {
          ListOptions o;
          o.page_size = ListOptions::kMaxPageSize;
          o.filter = fmt::format("id IN ({}) AND ({})", IdList(ids), filter);
          LATHE_ASSIGN_OR_RETURN(auto page, list_fn(o));
          for (const auto& n : page.items) pass.insert(n.id);
        }
        for (auto& n : nodes)
          if (filter.empty() || pass.count(n.id) || seeds.count(n.id))
            loaded.emplace(n.id, std::move(n));
      }
      for (const auto& d : order) {
        auto it = loaded.find(d.id);
        if (it == loaded.end()) continue;
        out.push_back(std::move(it->second));
        out_hops.push_back(d);
      }
      return Status::Ok();
    };
    LATHE_RETURN_IF_ERROR(load(
        artifacts, req.artifact_filter, seeds_a, graph.artifacts, graph.artifact_hops,
        [&](const ListOptions& o) { return ListArtifacts(o); },
        [&](const std::vector<int64_t>& ids) { return GetArtifacts(ids); }));
    LATHE_RETURN_IF_ERROR(load(
        executions, req.execution_filter, seeds_e, graph.executions, graph.execution_hops,
        [&](const ListOptions& o) { return ListExecutions(o); },
        [&](const std::vector<int64_t>& ids) { return GetExecutions(ids); }));

    // Edges: events between returned nodes.
    std::unordered_set<int64_t> kept_a;
    for (const auto& a : graph.artifacts) kept_a.insert(a.id);
    for (size_t start = 0; start < graph.executions.size(); start += ListOptions::kMaxPageSize) {
      std::vector<int64_t> ids;
      for (size_t i = start;
           i < std::min(graph.executions.size(), start + ListOptions::kMaxPageSize); ++i)
        ids.push_back(graph.executions[i].id);
      LATHE_ASSIGN_OR_RETURN(auto events, GetEventsByExecutionIds(ids));
      for (auto& e : events)
        if (kept_a.count(e.artifact_id)) graph.events.push_back(std::move(e));
    }
    // Cache hits per execution: CACHED executions with an OUTPUT event to one of its outputs.
    graph.cache_hits.assign(graph.executions.size(), 0);
    std::unordered_map<int64_t, size_t> position;
    std::vector<int64_t> producers;
    for (size_t i = 0; i < graph.executions.size(); ++i) {
      position[graph.executions[i].id] = i;
      if (graph.executions[i].state != ExecutionState::kCached)
        producers.push_back(graph.executions[i].id);
    }
    for (size_t start = 0; start < producers.size(); start += ListOptions::kMaxPageSize) {
      std::vector<int64_t> ids(
          producers.begin() + static_cast<std::ptrdiff_t>(start),
          producers.begin() + static_cast<std::ptrdiff_t>(
                                  std::min(producers.size(), start + ListOptions::kMaxPageSize)));
      LATHE_RETURN_IF_ERROR(conn_->Query(
          fmt::format("SELECT p.execution_id, COUNT(DISTINCT c.execution_id) FROM events p "
                      "JOIN events c ON c.artifact_id = p.artifact_id AND c.type IN ({1}) "
                      "AND c.execution_id != p.execution_id "
                      "JOIN executions x ON x.id = c.execution_id AND x.state = {2} "
                      "WHERE p.execution_id IN ({0}) AND p.type IN ({1}) GROUP BY p.execution_id",
                      IdList(ids), kOutputTypes, kCachedState),
          {}, [&](const SqlRow& r) {
            graph.cache_hits[position[r.Int(0)]] = r.Int(1);
            return Status::Ok();
          }));
    }
    return Status::Ok();
  }));
  return graph;
}

}  // namespace lathe::metadata
