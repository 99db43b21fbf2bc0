// How artifacts, executions and contexts map onto tables. The store's generic code (properties,
// listing, filters) is written once over these descriptors.
#pragma once

#include <string>

#include "lathe/metadata/detail/sql_connection.h"
#include "lathe/metadata/records.h"

namespace lathe::metadata::detail {

struct NodeTable {
  TypeKind kind;
  const char* table;        // "artifacts"
  const char* prop_table;   // "artifact_properties"
  const char* noun;         // "artifact", for messages
  const char* link_table;   // context membership: "attributions", "associations"; null for contexts
  const char* link_column;  // "artifact_id", "execution_id"
};

inline constexpr NodeTable kArtifactTable{TypeKind::kArtifact,   "artifacts",
                                          "artifact_properties", "artifact",
                                          "attributions",        "artifact_id"};
inline constexpr NodeTable kExecutionTable{TypeKind::kExecution,   "executions",
                                           "execution_properties", "execution",
                                           "associations",         "execution_id"};
inline constexpr NodeTable kContextTable{TypeKind::kContext, "contexts", "context_properties",
                                         "context",          nullptr,    nullptr};

// Columns common to all three tables come first, in this order, in every SELECT of nodes.
inline constexpr const char* kNodeColumns =
    "t.id, t.type_id, t.name, t.revision, t.create_time_ms, t.update_time_ms";
inline constexpr int kFirstOwnColumn = 6;

inline void ReadNodeColumns(const SqlRow& r, Node& n) {
  n.id = r.Int(0);
  n.type_id = r.Int(1);
  n.name = r.Str(2);
  n.revision = r.Int(3);
  n.create_time_ms = r.Int(4);
  n.update_time_ms = r.Int(5);
}

template <typename T>
struct NodeTraits;

template <>
struct NodeTraits<Artifact> {
  static const NodeTable& table() { return kArtifactTable; }
  static std::string columns() {
    return std::string(kNodeColumns) + ", t.uri, t.external_id, t.state, t.fingerprint";
  }
  static Artifact FromRow(const SqlRow& r) {
    Artifact a;
    ReadNodeColumns(r, a);
    a.uri = r.Str(kFirstOwnColumn);
    a.external_id = r.Str(kFirstOwnColumn + 1);
    a.state = static_cast<ArtifactState>(r.Int(kFirstOwnColumn + 2));
    a.fingerprint = r.Str(kFirstOwnColumn + 3);
    return a;
  }
};

template <>
struct NodeTraits<Execution> {
  static const NodeTable& table() { return kExecutionTable; }
  static std::string columns() { return std::string(kNodeColumns) + ", t.state"; }
  static Execution FromRow(const SqlRow& r) {
    Execution e;
    ReadNodeColumns(r, e);
    e.state = static_cast<ExecutionState>(r.Int(kFirstOwnColumn));
    return e;
  }
};

template <>
struct NodeTraits<Context> {
  static const NodeTable& table() { return kContextTable; }
  static std::string columns() { return kNodeColumns; }
  static Context FromRow(const SqlRow& r) {
    Context c;
    ReadNodeColumns(r, c);
    return c;
  }
};

}  // namespace lathe::metadata::detail
