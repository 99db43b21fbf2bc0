// MetadataStore: the record of every artifact, execution and context, and the lineage between
// them, following ML Metadata's data model (see records.h).
//
// Open a store with MetadataStore::Open("sqlite:///path/metadata.db") or
// MetadataStore::Open("postgresql://user@host/db"). Every public call runs in one transaction: it
// either happens completely or not at all, also when the process is killed. Writers in several
// processes (on several machines, with PostgreSQL) may share one store: writes are serialised and
// wait up to StoreOptions::busy_timeout_ms before failing with UNAVAILABLE; reads never wait.
//
// Thread-safety: a MetadataStore is safe for concurrent use from several threads (calls are
// serialised on its one connection). Errors: every call returns Status/Result; the codes used are
// INVALID_ARGUMENT (bad request or filter), NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION
// (schema version mismatch, type conflicts), ABORTED (optimistic-concurrency conflict: re-read
// and retry) and UNAVAILABLE (store busy or unreachable: retry later).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "lathe/core/status.h"
#include "lathe/metadata/filter.h"
#include "lathe/metadata/lineage.h"
#include "lathe/metadata/migrations.h"
#include "lathe/metadata/records.h"

namespace lathe::metadata {

namespace detail {
class SqlConnection;
class SqlParam;
struct NodeTable;
}  // namespace detail

struct StoreOptions {
  // Create the database and its schema when the store does not exist yet.
  bool create_if_missing = true;
  // Open for reading only (list, show, check): works on a store file the user may not write.
  // Any write fails with PERMISSION_DENIED. Implies create_if_missing = false.
  bool read_only = false;
  // How long a write waits for another writer before failing with UNAVAILABLE.
  int busy_timeout_ms = 30000;
  // Migrations to use instead of BuiltinMigrations() (tests of the migration machinery).
  const std::vector<Migration>* migrations = nullptr;
};

enum class OrderBy { kId, kCreateTime, kUpdateTime };

// Listing options. Results are always paged: page_size is 1..kMaxPageSize.
struct ListOptions {
  static constexpr int kMaxPageSize = 1000;
  std::string filter;  // filter language, see filter.h
  OrderBy order_by = OrderBy::kId;
  bool descending = false;
  int page_size = 100;
  // Token from a previous page of the same query; empty for the first page. A token used with a
  // different filter or order is rejected with INVALID_ARGUMENT.
  std::string page_token;
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_page_token;  // empty on the last page
};

struct PutTypeOptions {
  bool can_add_fields = true;    // registering with extra properties extends the type
  bool can_omit_fields = false;  // registering with fewer properties is an error unless set
};

// One artifact of PutExecution with the event that links it to the execution.
struct ArtifactAndEvent {
  Artifact artifact;  // id == 0: created; id != 0: updated (unless reference_only)
  std::optional<Event> event;
  bool reference_only = false;  // link an existing artifact (artifact.id) without updating it

  static ArtifactAndEvent Reference(int64_t artifact_id, Event event) {
    ArtifactAndEvent ae;
    ae.artifact.id = artifact_id;
    ae.event = std::move(event);
    ae.reference_only = true;
    return ae;
  }
};

struct PutExecutionRequest {
  Execution execution;  // id == 0: created; otherwise updated
  std::vector<ArtifactAndEvent> artifacts;
  // Contexts the execution and all artifacts are attributed to: id == 0 ones are created, or
  // reused by (type, name) when they exist and reuse_context_if_exists is set.
  std::vector<Context> contexts;
  bool reuse_context_if_exists = true;
  // A context with id != 0 is updated (its revision checked, ABORTED on a conflict) instead of
  // only linked, so that a change of a context's state and the execution that made it land
  // together.
  bool update_contexts = false;
  // A new artifact whose external_id already exists is linked instead of failing.
  bool reuse_artifact_if_exists_by_external_id = false;
};

struct PutExecutionResponse {
  int64_t execution_id = 0;
  std::vector<int64_t> artifact_ids;  // in request order
  std::vector<int64_t> context_ids;   // in request order
};

struct GcOptions {
  // Files of collected artifacts are removed only if they lie under this directory; files
  // elsewhere are left alone and reported. Empty: no files are removed.
  std::filesystem::path artifact_root;
  bool dry_run = false;
  int batch_size = 500;  // artifacts per transaction
};

struct GcReport {
  int64_t artifacts_collected = 0;
  int64_t events_removed = 0;
  std::vector<std::string> files_removed;
  std::vector<std::string> files_kept;  // outside the artifact root
  // Kept because an artifact that stays uses them (is, contains or lies inside them):
  // "PATH (artifact ID: URI)".
  std::vector<std::string> files_shared;
  std::vector<std::string> errors;
};

struct CheckOptions {
  bool verify_files = false;         // LIVE artifacts with local URIs must exist
  bool verify_fingerprints = false;  // ... and match their fingerprint (reads every file)
};

struct CheckReport {
  std::vector<std::string> problems;
  int64_t artifacts = 0, executions = 0, contexts = 0, events = 0;
  bool ok() const { return problems.empty(); }
};

struct CopyReport {
  std::vector<std::pair<std::string, int64_t>> rows;  // (table, rows copied), in copy order
  int64_t total_rows = 0;
};

struct StoreInfo {
  std::string uri;
  std::string backend;  // "sqlite" or "postgresql"
  int schema_version = 0;
  int current_schema_version = 0;  // of this build
};

class MetadataStore {
 public:
  // Opens (and, if allowed, creates) the store at `uri`: "sqlite:///abs/path.db",
  // "sqlite://relative/path.db", "sqlite://:memory:" or a PostgreSQL URI (store_uri.h; a missing
  // database is created when allowed). UNAVAILABLE if the server cannot be reached. Fails with
  // FAILED_PRECONDITION if the file is not a Lathe store or its schema is older (run Migrate) or
  // newer than this build.
  static Result<std::unique_ptr<MetadataStore>> Open(std::string_view uri,
                                                     const StoreOptions& options = {});
  // Applies pending migrations. Used by `lathe store migrate`; Open() never migrates.
  static Result<StoreInfo> Migrate(std::string_view uri, const StoreOptions& options = {});

  ~MetadataStore();
  MetadataStore(const MetadataStore&) = delete;
  MetadataStore& operator=(const MetadataStore&) = delete;

  StoreInfo Info() const;

  // --- Types -------------------------------------------------------------------------------
  // Registers a type or returns the id of the existing one. ALREADY_EXISTS if a property
  // changes its data type, or if properties are added/omitted against `options`.
  Result<int64_t> PutType(const Type& type, const PutTypeOptions& options = {});
  Result<Type> GetType(TypeKind kind, std::string_view name, std::string_view version = "");
  Result<Type> GetTypeById(int64_t id);
  Result<std::vector<Type>> ListTypes(std::optional<TypeKind> kind = std::nullopt);

  // --- Artifacts, executions, contexts -------------------------------------------------------
  // Create (id == 0) or update records; returns their ids in order. Properties must be declared
  // by the type with the same data type (INVALID_ARGUMENT otherwise); custom properties are free.
  Result<std::vector<int64_t>> PutArtifacts(const std::vector<Artifact>& artifacts);
  Result<std::vector<int64_t>> PutExecutions(const std::vector<Execution>& executions);
  // ALREADY_EXISTS if a context of that type and name exists.
  Result<std::vector<int64_t>> PutContexts(const std::vector<Context>& contexts);

  Result<Artifact> GetArtifact(int64_t id);
  Result<Execution> GetExecution(int64_t id);
  Result<Context> GetContext(int64_t id);
  // Missing ids are skipped. At most kMaxPageSize ids per call.
  Result<std::vector<Artifact>> GetArtifacts(const std::vector<int64_t>& ids);
  Result<std::vector<Execution>> GetExecutions(const std::vector<int64_t>& ids);
  Result<std::vector<Context>> GetContexts(const std::vector<int64_t>& ids);

  Result<std::optional<Artifact>> GetArtifactByExternalId(std::string_view external_id);
  Result<std::optional<Context>> GetContextByTypeAndName(std::string_view type,
                                                         std::string_view name);

  Result<Page<Artifact>> ListArtifacts(const ListOptions& options = {});
  Result<Page<Execution>> ListExecutions(const ListOptions& options = {});
  Result<Page<Context>> ListContexts(const ListOptions& options = {});

  // Shorthands for listing by one attribute, combined (AND) with options.filter.
  Result<Page<Artifact>> GetArtifactsByType(std::string_view type, const ListOptions& options = {});
  Result<Page<Artifact>> GetArtifactsByName(std::string_view name, const ListOptions& options = {});
  Result<Page<Artifact>> GetArtifactsByUri(std::string_view uri, const ListOptions& options = {});
  Result<Page<Artifact>> GetArtifactsByContext(int64_t context_id, const ListOptions& options = {});
  Result<Page<Execution>> GetExecutionsByType(std::string_view type,
                                              const ListOptions& options = {});
  Result<Page<Execution>> GetExecutionsByContext(int64_t context_id,
                                                 const ListOptions& options = {});
  Result<Page<Context>> GetContextsByType(std::string_view type, const ListOptions& options = {});

  // --- Links -------------------------------------------------------------------------------
  Status PutEvents(const std::vector<Event>& events);
  Status PutAttributionsAndAssociations(const std::vector<Attribution>& attributions,
                                        const std::vector<Association>& associations);
  // INVALID_ARGUMENT if the link would make a cycle.
  Status PutParentContext(int64_t child_id, int64_t parent_id);
  Result<std::vector<Context>> GetParentContexts(int64_t context_id);
  Result<std::vector<Context>> GetChildContexts(int64_t context_id);
  Result<std::vector<Context>> GetContextsByArtifact(int64_t artifact_id);
  Result<std::vector<Context>> GetContextsByExecution(int64_t execution_id);
  // At most kMaxPageSize ids per call.
  Result<std::vector<Event>> GetEventsByArtifactIds(const std::vector<int64_t>& ids);
  Result<std::vector<Event>> GetEventsByExecutionIds(const std::vector<int64_t>& ids);

  // Records an execution with its input and output artifacts, their events and contexts in one
  // transaction (ML Metadata's PutExecution).
  Result<PutExecutionResponse> PutExecution(const PutExecutionRequest& request);

  // --- Lineage -----------------------------------------------------------------------------
  // One recursive SQL query walks the event graph; then the nodes are loaded in batches.
  Result<LineageGraph> GetLineage(const LineageRequest& request);

  // --- Deletion and maintenance --------------------------------------------------------------
  // Sets MARKED_FOR_DELETION; NOT_FOUND if an id does not exist (nothing is changed then).
  Status MarkArtifactsForDeletion(const std::vector<int64_t>& ids);
  // Removes the files, then the rows (with their events, attributions and properties) of every
  // artifact MARKED_FOR_DELETION. Safe to interrupt and repeat.
  Result<GcReport> GarbageCollect(const GcOptions& options);
  // Artifacts whose files are still in use (any state but MARKED_FOR_DELETION, DELETED and
  // ABANDONED) and whose local uri is `path`, lies inside it or contains it, as (id, uri); at
  // most `limit`. `path` is absolute and normalised; URIs are compared as written and as
  // file:// URIs. Errors are the store's.
  Result<std::vector<std::pair<int64_t, std::string>>> ArtifactsOverlapping(
      const std::filesystem::path& path, int limit = 5);
  // Verifies database integrity, referential integrity and the invariants of the data model.
  Result<CheckReport> Check(const CheckOptions& options = {});

  // Copies every record of this store, ids and times unchanged, into `destination` (another
  // backend, say): FAILED_PRECONDITION unless it is empty (no type, no record). This store is
  // read in one snapshot; the destination is written in one transaction, so after a failure it
  // is as empty as before. Afterwards the destination hands out ids after the largest this store
  // ever did, as this one would. `progress` (may be empty) gets (table, rows so far).
  Result<CopyReport> CopyTo(MetadataStore& destination,
                            const std::function<void(std::string_view, int64_t)>& progress = {});

 private:
  MetadataStore(std::unique_ptr<detail::SqlConnection> conn, std::string uri);
  friend struct StoreAccess;

  // Runs `body` in one transaction (write: taken for writing up front). Nested calls join the
  // outer transaction. A failing body rolls everything back.
  Status InTransaction(bool write, const std::function<Status()>& body);

  // Type cache: types change rarely; a miss or an unknown property reloads from the database.
  Result<Type> ResolveType(TypeKind kind, int64_t type_id, std::string_view type_name);
  Status LoadTypeCache();

  // Writes (store_nodes.cc). All run inside a write transaction.
  Status ValidateProperties(const Type& type, const Node& node);
  Status WriteProperties(const detail::NodeTable& table, int64_t id, const Type& type,
                         const Node& node, bool replace);
  // Reads the stored type and revision of a row about to be updated, checking both.
  Result<Type> CheckForUpdate(const detail::NodeTable& table, const Node& node);
  Result<int64_t> PutArtifactRow(const Artifact& a, int64_t now);
  Result<int64_t> PutExecutionRow(const Execution& e, int64_t now);
  Result<int64_t> PutContextRow(const Context& c, int64_t now, bool reuse_if_exists);
  Status InsertEvent(const Event& e, int64_t now);
  Status CheckExists(const detail::NodeTable& table, int64_t id);

  // Reads (store_queries.cc).
  template <typename T>
  Result<std::vector<T>> LoadNodes(const std::string& where_sql,
                                   const std::vector<detail::SqlParam>& params);
  template <typename T>
  Result<std::vector<T>> LoadNodesByIds(const std::vector<int64_t>& ids);
  template <typename T>
  Result<Page<T>> ListNodes(const ListOptions& options);
  template <typename T>
  Result<std::optional<T>> LoadOne(int64_t id);
  Result<std::vector<Context>> ContextsVia(const char* where, int64_t id);
  Result<std::vector<Event>> EventsBy(const char* column, const std::vector<int64_t>& ids);
  std::string TypeNameOf(int64_t type_id);

  std::unique_ptr<detail::SqlConnection> conn_;
  const std::string uri_;
  int schema_version_ = 0;

  std::recursive_mutex mu_;
  int tx_depth_ = 0;                                                       // guarded by mu_
  std::unordered_map<int64_t, Type> types_by_id_;                          // guarded by mu_
  std::map<std::tuple<int, std::string, std::string>, int64_t> type_ids_;  // guarded by mu_
};

}  // namespace lathe::metadata
