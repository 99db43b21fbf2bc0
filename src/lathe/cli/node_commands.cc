// lathe types list · artifacts list|show|delete · executions list|show · contexts list|show
#include <fmt/format.h>

#include "lathe/cli/commands.h"
#include "lathe/cli/listing.h"
#include "lathe/cli/table.h"
#include "lathe/core/strings.h"
#include "lathe/metadata/describe.h"

namespace lathe::cli {

using namespace lathe::metadata;

namespace {

struct ListArgs {
  std::string type;
  std::string filter;
  std::string order_by = "id";
  bool descending = false;
  PageArgs page;
};

void AddListOptions(CLI::App* cmd, ListArgs& a) {
  cmd->add_option("--type", a.type, "only records of this type");
  cmd->add_option("--filter", a.filter, "filter expression (see docs/filters.md)");
  cmd->add_option("--order-by", a.order_by, "id, create_time or update_time")
      ->check(CLI::IsMember({"id", "create_time", "update_time"}))
      ->default_str("id");
  cmd->add_flag("--desc", a.descending, "newest / highest first");
  AddPageOptions(cmd, a.page);
}

ListOptions ToListOptions(const ListArgs& a) {
  ListOptions o;
  o.filter = a.filter;
  if (!a.type.empty())
    o.filter =
        "type = " + QuoteFilterString(a.type) + (a.filter.empty() ? "" : " AND (" + a.filter + ")");
  o.order_by = a.order_by == "create_time"   ? OrderBy::kCreateTime
               : a.order_by == "update_time" ? OrderBy::kUpdateTime
                                             : OrderBy::kId;
  o.descending = a.descending;
  return o;
}

std::string PropsSummary(const Node& n) {
  std::string out;
  for (const auto* props : {&n.properties, &n.custom_properties})
    for (const auto& [k, v] : *props)
      out += (out.empty() ? "" : " ") + k + "=" + v.ToDisplayString();
  return out;
}

std::vector<std::string> Row(const Artifact& a) {
  return {std::to_string(a.id),         a.type, a.name, std::string(ArtifactStateName(a.state)),
          FormatTime(a.create_time_ms), a.uri};
}
std::vector<std::string> Row(const Execution& e) {
  return {std::to_string(e.id),
          e.type,
          e.name,
          std::string(ExecutionStateName(e.state)),
          FormatTime(e.create_time_ms),
          FormatTime(e.update_time_ms)};
}
std::vector<std::string> Row(const Context& c) {
  return {std::to_string(c.id), c.type, c.name, FormatTime(c.create_time_ms), PropsSummary(c)};
}
std::vector<std::string> Headers(const Artifact*) {
  return {"ID", "TYPE", "NAME", "STATE", "CREATED", "URI"};
}
std::vector<std::string> Headers(const Execution*) {
  return {"ID", "TYPE", "NAME", "STATE", "CREATED", "UPDATED"};
}
std::vector<std::string> Headers(const Context*) {
  return {"ID", "TYPE", "NAME", "CREATED", "PROPERTIES"};
}

// Runs a listing of artifacts, executions or contexts.
template <typename T, typename Fetch>
int RunList(const GlobalOptions& g, const ListArgs& args, Fetch fetch) {
  // Checked alone first, so that error columns point into the user's --filter text.
  if (Status st = ParseFilter(args.filter).status(); !st.ok()) return ReportUsageError(st);
  auto store = OpenStoreReadOnly(g);
  if (!store.ok()) return ReportError(store.status());
  return PrintListing<T>(
      g, ToListOptions(args), args.page, Headers(static_cast<const T*>(nullptr)),
      [&](const ListOptions& o) { return fetch(**store, o); },
      [](const T& item) { return Row(item); }, [](const T& item) { return ToJson(item); });
}

void PrintProperties(const Node& n) {
  for (const auto& [label, props] :
       {std::pair{"property", &n.properties}, {"custom", &n.custom_properties}})
    for (const auto& [k, v] : *props)
      fmt::print("  {:<9} {} = {} ({})\n", label, k, v.ToDisplayString(),
                 PropertyTypeName(v.type()));
}

void PrintNodeHeader(const char* noun, const Node& n) {
  fmt::print("{} {}\n", noun, n.id);
  fmt::print("  type      {} (id {})\n", n.type, n.type_id);
  if (!n.name.empty()) fmt::print("  name      {}\n", n.name);
}

void PrintContexts(const std::vector<Context>& contexts) {
  for (const auto& c : contexts) fmt::print("  context   {} {} '{}'\n", c.id, c.type, c.name);
}

int PrintDescription(const Result<nlohmann::json>& description) {
  if (!description.ok()) return ReportError(description.status());
  PrintJson(*description);
  return kExitOk;
}

std::string PathText(const Event& e) {
  std::string out;
  for (const auto& step : e.path) {
    if (auto* k = std::get_if<std::string>(&step))
      out += (out.empty() ? "" : ".") + *k;
    else
      out += fmt::format("[{}]", std::get<int64_t>(step));
  }
  return out;
}

int ShowArtifact(const GlobalOptions& g, int64_t id) {
  auto store = OpenStoreReadOnly(g);
  if (!store.ok()) return ReportError(store.status());
  auto& s = **store;
  if (g.json) return PrintDescription(DescribeArtifact(s, id));
  auto a = s.GetArtifact(id);
  if (!a.ok()) return ReportError(a.status());
  auto events = s.GetEventsByArtifactIds({id});
  auto contexts = s.GetContextsByArtifact(id);
  if (!events.ok()) return ReportError(events.status());
  if (!contexts.ok()) return ReportError(contexts.status());
  PrintNodeHeader("artifact", *a);
  fmt::print("  state     {}\n", ArtifactStateName(a->state));
  if (!a->uri.empty()) fmt::print("  uri       {}\n", a->uri);
  if (!a->external_id.empty()) fmt::print("  external  {}\n", a->external_id);
  if (!a->fingerprint.empty()) fmt::print("  content   {}\n", a->fingerprint);
  fmt::print("  created   {}\n  updated   {} (revision {})\n", FormatTime(a->create_time_ms),
             FormatTime(a->update_time_ms), a->revision);
  PrintProperties(*a);
  for (const auto& e : *events)
    fmt::print("  event     {} of execution {}{}\n", EventTypeName(e.type), e.execution_id,
               e.path.empty() ? "" : " at " + PathText(e));
  PrintContexts(*contexts);
  return kExitOk;
}

int ShowExecution(const GlobalOptions& g, int64_t id) {
  auto store = OpenStoreReadOnly(g);
  if (!store.ok()) return ReportError(store.status());
  auto& s = **store;
  if (g.json) return PrintDescription(DescribeExecution(s, id));
  auto e = s.GetExecution(id);
  if (!e.ok()) return ReportError(e.status());
  auto events = s.GetEventsByExecutionIds({id});
  auto contexts = s.GetContextsByExecution(id);
  if (!events.ok()) return ReportError(events.status());
  if (!contexts.ok()) return ReportError(contexts.status());
  PrintNodeHeader("execution", *e);
  fmt::print("  state     {}\n", ExecutionStateName(e->state));
  fmt::print("  created   {}\n  updated   {} (revision {})\n", FormatTime(e->create_time_ms),
             FormatTime(e->update_time_ms), e->revision);
  PrintProperties(*e);
  for (const auto& ev : *events)
    fmt::print("  {:<9} artifact {}{}\n", IsInputEvent(ev.type) ? "input" : "output",
               ev.artifact_id, ev.path.empty() ? "" : " at " + PathText(ev));
  PrintContexts(*contexts);
  return kExitOk;
}

int ShowContext(const GlobalOptions& g, int64_t id) {
  auto store = OpenStoreReadOnly(g);
  if (!store.ok()) return ReportError(store.status());
  auto& s = **store;
  if (g.json) return PrintDescription(DescribeContext(s, id));
  auto c = s.GetContext(id);
  if (!c.ok()) return ReportError(c.status());
  auto parents = s.GetParentContexts(id);
  auto children = s.GetChildContexts(id);
  ListOptions first;  // the first members; the rest through list --filter "context.id = ID"
  first.page_size = 20;
  auto artifacts = s.GetArtifactsByContext(id, first);
  auto executions = s.GetExecutionsByContext(id, first);
  for (const Status& st :
       {parents.status(), children.status(), artifacts.status(), executions.status()})
    if (!st.ok()) return ReportError(st);
  PrintNodeHeader("context", *c);
  fmt::print("  created   {}\n", FormatTime(c->create_time_ms));
  PrintProperties(*c);
  for (const auto& p : *parents) fmt::print("  parent    {} {} '{}'\n", p.id, p.type, p.name);
  for (const auto& ch : *children) fmt::print("  child     {} {} '{}'\n", ch.id, ch.type, ch.name);
  for (const auto& a : artifacts->items) fmt::print("  artifact  {} {} {}\n", a.id, a.type, a.name);
  for (const auto& e : executions->items)
    fmt::print("  execution {} {} {}\n", e.id, e.type, e.name);
  if (!artifacts->next_page_token.empty() || !executions->next_page_token.empty())
    fmt::print("  (more members: lathe artifacts|executions list --filter \"context.id = {}\")\n",
               id);
  return kExitOk;
}

template <typename T, typename Fetch>
void AddList(CLI::App* parent, const GlobalOptions& g, int& exit_code, Fetch fetch) {
  auto* list = parent->add_subcommand("list", "list records, a page at a time");
  auto args = std::make_shared<ListArgs>();
  AddListOptions(list, *args);
  list->callback([&g, &exit_code, args, fetch] { exit_code = RunList<T>(g, *args, fetch); });
}

void AddShow(CLI::App* parent, const GlobalOptions& g, int& exit_code,
             int (*show)(const GlobalOptions&, int64_t)) {
  auto* cmd = parent->add_subcommand("show", "show one record with its links");
  auto id = std::make_shared<int64_t>(0);
  cmd->add_option("ID", *id, "record id")->required();
  cmd->callback([&g, &exit_code, id, show] { exit_code = show(g, *id); });
}

}  // namespace

void AddNodeCommands(CLI::App& app, const GlobalOptions& g, int& exit_code) {
  auto* types = app.add_subcommand("types", "artifact, execution and context types");
  types->require_subcommand(1);
  auto* types_list = types->add_subcommand("list", "list registered types");
  auto kind = std::make_shared<std::string>();
  types_list->add_option("--kind", *kind, "artifact, execution or context")
      ->check(CLI::IsMember({"artifact", "execution", "context"}));
  types_list->callback([&g, &exit_code, kind] {
    auto store = OpenStoreReadOnly(g);
    if (!store.ok()) {
      exit_code = ReportError(store.status());
      return;
    }
    std::optional<TypeKind> k;
    if (!kind->empty()) k = *ParseTypeKind(*kind);
    auto types = (*store)->ListTypes(k);
    if (!types.ok()) {
      exit_code = ReportError(types.status());
      return;
    }
    if (g.json) {
      nlohmann::json items = nlohmann::json::array();
      for (const auto& t : *types) items.push_back(ToJson(t));
      PrintJson({{"items", items}});
      return;
    }
    Table table({"ID", "KIND", "NAME", "VERSION", "PROPERTIES"});
    for (const auto& t : *types) {
      std::string props;
      for (const auto& [name, pt] : t.properties)
        props += (props.empty() ? "" : " ") + name + ":" + std::string(PropertyTypeName(pt));
      table.AddRow(
          {std::to_string(t.id), std::string(TypeKindName(t.kind)), t.name, t.version, props});
    }
    table.Print(stdout, TerminalWidth(stdout));
  });

  auto* artifacts = app.add_subcommand("artifacts", "artifacts: data, models and other files");
  artifacts->require_subcommand(1);
  AddList<Artifact>(artifacts, g, exit_code,
                    [](MetadataStore& s, const ListOptions& o) { return s.ListArtifacts(o); });
  AddShow(artifacts, g, exit_code, ShowArtifact);
  auto* del = artifacts->add_subcommand(
      "delete", "mark artifacts for deletion; `lathe store gc` then removes files and rows");
  auto ids = std::make_shared<std::vector<int64_t>>();
  del->add_option("ID", *ids, "artifact ids")->required();
  del->callback([&g, &exit_code, ids] {
    auto store = OpenStore(g, false);
    Status st = store.ok() ? (*store)->MarkArtifactsForDeletion(*ids) : store.status();
    if (!st.ok()) {
      exit_code = ReportError(st);
      return;
    }
    if (g.json)
      PrintJson({{"marked", *ids}});
    else
      fmt::print("marked {} artifact(s) for deletion; run `lathe store gc` to remove them\n",
                 ids->size());
  });

  auto* executions = app.add_subcommand("executions", "executions: recorded runs of components");
  executions->require_subcommand(1);
  AddList<Execution>(executions, g, exit_code,
                     [](MetadataStore& s, const ListOptions& o) { return s.ListExecutions(o); });
  AddShow(executions, g, exit_code, ShowExecution);

  auto* contexts = app.add_subcommand("contexts", "contexts: pipelines, runs and other groups");
  contexts->require_subcommand(1);
  AddList<Context>(contexts, g, exit_code,
                   [](MetadataStore& s, const ListOptions& o) { return s.ListContexts(o); });
  AddShow(contexts, g, exit_code, ShowContext);
}

}  // namespace lathe::cli
